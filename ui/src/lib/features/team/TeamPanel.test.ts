import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { join } from "node:path";
import DashboardView from "../dashboard/DashboardView.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

const P1 = "9.2.1.2/P1";

describe("team fieldwork on the dashboard, on the real core", () => {
  let core: Core;
  beforeEach(async () => {
    setLang("ja");
    core = await startCore();
  });
  afterEach(() => core.stop());

  it("makes a copy, merges the second assessor's work back, and decides a conflict side by side", async () => {
    const session = await sessionOn(core);
    renderInApp(DashboardView, session);
    expect((await screen.findByTestId("team-none")).textContent).toContain("コピーはまだありません");

    // The copy dialog: for whom, where.
    await fireEvent.click(screen.getByTestId("copy-open"));
    const dialog = await screen.findByTestId("copy-dialog");
    expect((within(dialog).getByTestId("copy-create") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(within(dialog).getByTestId("copy-for"), { target: { value: "鈴木 一郎" } });
    const copy = join(core.dataDir, "suzuki.ismap");
    await core.choose([copy]);
    await fireEvent.click(within(dialog).getByTestId("copy-choose"));
    await waitFor(() => expect(within(dialog).getByTestId("copy-destination").textContent).toBe(copy));
    await fireEvent.click(within(dialog).getByTestId("copy-create"));
    expect((await screen.findByTestId("copy-made")).textContent).toContain("コピー A を作成しました");
    const row = await screen.findByTestId("team-copy");
    expect(row.dataset.code).toBe("A");
    expect(row.textContent).toContain("鈴木 一郎");
    expect(row.textContent).toContain("未統合");

    // The second assessor works on the copy (with the CLI); the file changes the same field meanwhile.
    core.cli(["procedure", "record", copy, P1, "--work-done", "鈴木が質問した"], "鈴木 一郎");
    core.cli(["exception", "add", copy, "--procedure", P1, "鈴木が見つけた例外"], "鈴木 一郎");
    await session.engagement!.client.updateProcedure({ procedure_id: P1, patch: { work_done: "佐藤が質問した" } });

    await core.choose([copy]);
    await fireEvent.click(screen.getByTestId("merge-open"));
    const merge = await screen.findByTestId("merge-dialog");
    expect(within(merge).getByTestId("merge-summary").textContent).toContain("競合 1 件");
    const conflict = await within(merge).findByTestId("conflict");
    expect(conflict.dataset.key).toBe(`${P1}.work_done`);
    expect(within(conflict).getByTestId("conflict-field").textContent).toBe("実施内容");
    const sides = within(conflict).getAllByTestId("conflict-side");
    expect(sides.map((s) => s.dataset.origin)).toEqual(["A", ""]);
    expect(sides[0].textContent).toContain("鈴木が質問した");
    expect(sides[0].textContent).toContain("コピー A（鈴木 一郎）");
    expect(sides[1].textContent).toContain("佐藤が質問した");
    expect(sides[1].textContent).toContain("このファイル");

    // The copy's value is chosen; the conflict closes and the procedure holds it.
    await fireEvent.click(within(sides[0]).getByTestId("conflict-choose"));
    await within(merge).findByTestId("merge-no-conflicts");
    const detail = await session.engagement!.client.controlDetail({ control_id: "9.2.1.2" });
    expect(detail.procedures.find((p) => p.procedure.id === P1)?.procedure.work_done).toBe("鈴木が質問した");
    expect(detail.procedures.find((p) => p.procedure.id === P1)?.procedure.exceptions.map((e) => e.id)).toContain("E-A0001");
    expect(detail.conflicts).toEqual([]);
    expect(core.cli(["log", "verify", join(core.dataDir, "demo.ismap")])).toContain("intact");
    // The same check in the app, on the dashboard.
    await fireEvent.click(screen.getByTestId("merge-dialog").querySelector("header button")!);
    await fireEvent.click(screen.getByTestId("log-verify"));
    const verified = await screen.findByTestId("log-verify-result");
    expect(verified.dataset.intact).toBe("true");
    expect(verified.textContent).toContain("改ざんなし");
  });

  it("shows a field copy as a copy in the header's place and offers no copy of it", async () => {
    const demo = join(core.dataDir, "demo.ismap");
    await core.client.openDemo({});
    const copy = join(core.dataDir, "sato.ismap");
    core.cli(["copy", demo, "--out", copy, "--for", "佐藤 花子"]);
    const session = await sessionOn(core, false);
    await session.show(await core.open(copy));
    expect(session.engagement!.view.this_copy?.copy.code).toBe("A");
    expect(session.engagement!.view.this_copy?.fork?.source_name).toBe("demo.ismap");
    renderInApp(DashboardView, session);
    await screen.findByTestId("dashboard-team");
    expect(screen.queryByTestId("copy-open")).toBeNull();
    expect(screen.queryByTestId("merge-open")).toBeNull();
  });
});
