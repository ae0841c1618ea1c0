import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import EvidenceView from "./EvidenceView.svelte";
import { setLang } from "../../i18n/index.svelte";
import type { Session } from "../../session.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";
import { takeIn } from "./evidence.testing";

const PROCEDURE = "9.2.3.11.PB/P1";

const ITEMS = [
  { name: "情報セキュリティ規程.pdf", content: "%PDF-1.4 規程", meta: { title: "情報セキュリティ規程 第10版", kind: "document" as const, as_of: "2026-03-31" as const } },
  { name: "iam画面.png", content: new Uint8Array(5000), meta: { title: "IAMコンソールの画面", kind: "screenshot" as const, as_of: "2026-04-15" as const } },
  {
    name: "auth.log",
    content: "x".repeat(300),
    meta: { title: "認証ログ", kind: "log_export" as const, as_of: "2026-04-30" as const, description: "特権IDのログオン記録を抽出" },
  },
  { name: "規程_第2版.pdf", content: "%PDF-1.4 old", meta: { title: "情報セキュリティ規程 第2版", kind: "document" as const, as_of: "2025-04-01" as const } },
].map((i) => ({ ...i, meta: { ...i.meta, obtained_from: "情報システム部", obtained_by: "佐藤 花子" } }));

let core: Core;
let session: Session;

async function setup(): Promise<void> {
  session = await sessionOn(core);
  await takeIn(core, session, ITEMS, [{ kind: "procedure", id: PROCEDURE }]);
  renderInApp(EvidenceView, session);
  await screen.findByTestId("evidence-list");
}

const shownIds = () => screen.queryAllByTestId("evidence-row").map((r) => r.dataset.evidenceId);
const listed = (includeRemoved = false) => session.engagement!.client.listEvidence({ include_removed: includeRemoved });

// jsdom has no object URLs; the image preview only needs one to exist.
let created: Blob[] = [];

beforeEach(async () => {
  setLang("ja");
  core = await startCore();
  created = [];
  URL.createObjectURL = (blob: Blob) => {
    created.push(blob);
    return `blob:test/${created.length}`;
  };
  URL.revokeObjectURL = () => {};
});
afterEach(() => core.stop());

describe("evidence list, on the real core", () => {
  it("filters by kind and searches title, file name, ID and description, full-width forms included", async () => {
    await setup();
    expect(shownIds()).toEqual(["EV-0001", "EV-0002", "EV-0003", "EV-0004"]);
    await fireEvent.change(screen.getByTestId("evidence-kind-filter"), { target: { value: "document" } });
    expect(shownIds()).toEqual(["EV-0001", "EV-0004"]);
    await fireEvent.change(screen.getByTestId("evidence-kind-filter"), { target: { value: "" } });

    const search = screen.getByTestId("evidence-search");
    await fireEvent.input(search, { target: { value: "規程" } });
    expect(shownIds()).toEqual(["EV-0001", "EV-0004"]);
    await fireEvent.input(search, { target: { value: "ＩＡＭ" } });
    expect(shownIds()).toEqual(["EV-0002"]);
    await fireEvent.input(search, { target: { value: "ｅｖ－０００３" } });
    expect(shownIds()).toEqual(["EV-0003"]);
    await fireEvent.input(search, { target: { value: "ログオン記録" } });
    expect(shownIds()).toEqual(["EV-0003"]);
    await fireEvent.input(search, { target: { value: "auth.log" } });
    expect(shownIds()).toEqual(["EV-0003"]);
    await fireEvent.input(search, { target: { value: "存在しない" } });
    expect(shownIds()).toEqual([]);
    expect(screen.getByTestId("evidence-count").textContent).toBe("4 件中 0 件を表示");
  });

  it("sorts by ID, title, as-of date and size, both ways", async () => {
    await setup();
    // Sizes: 12, 17, 300 and 5,000 bytes (the PDFs' text is UTF-8).
    await fireEvent.click(screen.getByTestId("sort-size"));
    expect(shownIds()).toEqual(["EV-0004", "EV-0001", "EV-0003", "EV-0002"]);
    await fireEvent.click(screen.getByTestId("sort-size"));
    expect(shownIds()).toEqual(["EV-0002", "EV-0003", "EV-0001", "EV-0004"]);
    expect(screen.getByTestId("sort-size").closest("th")!.getAttribute("aria-sort")).toBe("descending");
    await fireEvent.click(screen.getByTestId("sort-as_of"));
    expect(shownIds()).toEqual(["EV-0004", "EV-0001", "EV-0002", "EV-0003"]);
    // Numeric collation puts 第2版 before 第10版.
    await fireEvent.click(screen.getByTestId("sort-title"));
    expect(shownIds()).toEqual(["EV-0002", "EV-0004", "EV-0001", "EV-0003"]);
    await fireEvent.click(screen.getByTestId("sort-id"));
    expect(shownIds()).toEqual(["EV-0001", "EV-0002", "EV-0003", "EV-0004"]);
  });

  it("withdraws an item with the reason the core asks for, and shows it again on request", async () => {
    await setup();
    const row = screen.getAllByTestId("evidence-row")[3];
    await fireEvent.click(within(row).getByTestId("evidence-withdraw"));
    const dialog = await screen.findByTestId("withdraw-dialog");
    // Without a reason the core refuses, and says so beside the reason.
    await fireEvent.click(within(dialog).getByTestId("withdraw-confirm"));
    expect((await within(dialog).findByTestId("withdraw-reason-problem")).textContent).toBe("入力してください。");
    expect((await listed())[3].removed).toBeNull();

    await fireEvent.input(within(dialog).getByTestId("withdraw-reason"), { target: { value: "旧版のため" } });
    await fireEvent.click(within(dialog).getByTestId("withdraw-confirm"));
    await waitFor(() => expect(shownIds()).toEqual(["EV-0001", "EV-0002", "EV-0003"]));
    expect((await listed(true))[3].removed).toMatchObject({ reason: "旧版のため", by: "佐藤 花子" });

    await fireEvent.click(screen.getByTestId("evidence-show-withdrawn"));
    expect(shownIds()).toEqual(["EV-0001", "EV-0002", "EV-0003", "EV-0004"]);
    const withdrawn = screen.getAllByTestId("evidence-row")[3];
    expect(within(withdrawn).getByTestId("evidence-withdrawn").textContent).toBe("撤回済み");
    expect(withdrawn.textContent).toContain("旧版のため");
    expect(within(withdrawn).queryByTestId("evidence-withdraw")).toBeNull();
  });

  it("does not withdraw evidence behind a signed-off procedure, and says how to proceed", async () => {
    session = await sessionOn(core);
    await takeIn(core, session, ITEMS.slice(0, 1), [{ kind: "procedure", id: PROCEDURE }]);
    const engagement = session.engagement!.client;
    await engagement.updateProcedure({ procedure_id: PROCEDURE, patch: { work_done: "規程を閲覧した。", result: "no_exception" } });
    // Her demo key, opened with the demo's PIN, signs it.
    await core.client.unlockSigningKey({ pin: "0000" });
    await engagement.signOff({ item_kind: "procedure", item_id: PROCEDURE, level: "preparer" });
    renderInApp(EvidenceView, session);
    await fireEvent.click(await screen.findByTestId("evidence-withdraw"));
    const dialog = await screen.findByTestId("withdraw-dialog");
    await fireEvent.input(within(dialog).getByTestId("withdraw-reason"), { target: { value: "誤り" } });
    await fireEvent.click(within(dialog).getByTestId("withdraw-confirm"));
    expect((await within(dialog).findByRole("alert")).textContent).toContain(`${PROCEDURE} は署名済みで`);
    expect((await listed())[0].removed).toBeNull();
  });

  it("edits an item's title and as-of date", async () => {
    await setup();
    await fireEvent.click(within(screen.getAllByTestId("evidence-row")[1]).getByTestId("evidence-edit"));
    const dialog = await screen.findByTestId("evidence-edit-dialog");
    const save = within(dialog).getByTestId("edit-save") as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    await fireEvent.input(within(dialog).getByTestId("edit-title-input"), { target: { value: "IAMコンソール（MFA設定）" } });
    await fireEvent.input(within(dialog).getByTestId("meta-as-of"), { target: { value: "2026-04-16" } });
    await fireEvent.click(save);
    await waitFor(() => expect(screen.queryByTestId("evidence-edit-dialog")).toBeNull());
    expect(screen.getAllByTestId("evidence-row")[1].textContent).toContain("IAMコンソール（MFA設定）");
    expect((await listed())[1]).toMatchObject({ title: "IAMコンソール（MFA設定）", as_of: "2026-04-16", obtained_from: "情報システム部" });
  });

  it("unlinks an item from a procedure after a confirmation", async () => {
    await setup();
    const row = screen.getAllByTestId("evidence-row")[0];
    await fireEvent.click(within(row).getByTestId("unlink"));
    await fireEvent.click(within(row).getByTestId("unlink-confirm"));
    // While it asks, the row shows the confirmation instead of the unlink
    // button; done, it shows neither.
    await waitFor(() => {
      const first = within(screen.getAllByTestId("evidence-row")[0]);
      expect(first.queryByTestId("unlink-confirm")).toBeNull();
      expect(first.queryByTestId("unlink")).toBeNull();
    });
    expect((await listed())[0].links).toEqual([]);
    // Clicking in the links cell did not open the preview.
    expect(screen.queryByTestId("preview-dialog")).toBeNull();
  });

  it("opens the preview of a row with a click", async () => {
    await setup();
    await fireEvent.click(screen.getAllByTestId("evidence-row")[1]);
    const dialog = await screen.findByTestId("preview-dialog");
    const img = (await within(dialog).findByTestId("preview-image")) as HTMLImageElement;
    expect(img.getAttribute("src")).toBe("blob:test/1");
    expect(created[0].type).toBe("image/png");
    expect(created[0].size).toBe(5000);
    expect(dialog.textContent).toContain("image/png");
  });

  it("verifies the stored evidence and names the items of a damaged content", async () => {
    await setup();
    await fireEvent.click(screen.getByTestId("verify-evidence-button"));
    const ok = await screen.findByTestId("verify-result");
    expect(ok.dataset.ok).toBe("true");
    expect(ok.textContent).toContain("証跡 4 件");
    // Overwriting EV-0002's content behind the app's back, with the sqlite3 shell.
    execFileSync("sqlite3", [
      join(core.dataDir, "demo.ismap"),
      "UPDATE blob_chunk SET data = X'00' WHERE blob_id = (SELECT b.id FROM blob b JOIN evidence e ON e.sha256 = b.sha256 WHERE e.id = 'EV-0002');",
    ]);
    await fireEvent.click(screen.getByTestId("verify-evidence-button"));
    await waitFor(() => expect(screen.getByTestId("verify-result").dataset.ok).toBe("false"));
    const problems = screen.getAllByTestId("verify-problem");
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.textContent!.includes("EV-0002"))).toBe(true);
  });
});
