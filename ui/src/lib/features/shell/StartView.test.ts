// The start screen's recent files, against the real core: three
// engagements of one service share a title, so each entry shows what tells
// it apart: its period, audit kind and status, its file name and folder, and when
// it was opened, on Japan's clock.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { screen, within } from "@testing-library/svelte";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import StartView from "./StartView.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

let core: Core;
beforeEach(async () => {
  setLang("ja");
  core = await startCore();
});
afterEach(() => core.stop());

describe("recent files", () => {
  it("tells apart three files of one service by their names and folders, with the time opened in JST", async () => {
    const paths = ["2025年度/初回.ismap", "2026年度/更新.ismap", "2026年度/再監査.ismap"].map((p) => join(core.dataDir, p));
    for (const p of paths) {
      mkdirSync(join(p, ".."), { recursive: true });
      // The first is finalized, the others not.
      core.cli(p === paths[0] ? ["demo", "--finalized", "--out", p] : ["demo", "--out", p]);
      await core.open(p);
    }
    const session = await sessionOn(core, false);
    renderInApp(StartView, session);
    const items = screen.getAllByTestId("recent-item");
    expect(items).toHaveLength(3);
    // The latest opened first; the demo's title is the same for all three.
    expect(items.map((i) => within(i).getByTestId("recent-file").textContent)).toEqual(["再監査.ismap", "更新.ismap", "初回.ismap"]);
    expect(new Set(items.map((i) => i.querySelector(".title")!.textContent)).size).toBe(1);
    expect(items[0].querySelector(".title")!.textContent).toBe("サンプルクラウド IaaS（株式会社サンプルクラウド）");
    // Each shows its period and audit kind, and whether it is finalized.
    for (const item of items) {
      expect(within(item).getByTestId("recent-details").textContent).toMatch(/^対象期間 \d{4}-\d{2}-\d{2} 〜 \d{4}-\d{2}-\d{2}・(初回|更新|追加|再)監査/);
    }
    expect(items.map((i) => within(i).getByTestId("recent-status").textContent)).toEqual(["未確定", "未確定", "確定済み"]);
    expect(items[2].textContent).toContain(join(core.dataDir, "2025年度"));
    for (const item of items) {
      expect(within(item).getByTestId("recent-opened").textContent).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} JST に開きました$/);
    }
  });
});
