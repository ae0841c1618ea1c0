import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import PbcView from "./PbcView.svelte";
import DashboardView from "../dashboard/DashboardView.svelte";
import type { IsoDate } from "../../ipc/bindings/IsoDate";
import type { PbcFields } from "../../ipc/bindings/PbcFields";
import { setLang } from "../../i18n/index.svelte";
import { localToday } from "../../format";
import type { Session } from "../../session.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";
import { takeIn } from "../evidence/evidence.testing";

/** The day `offset` days from today in Japan, where the core judges what is overdue. */
function japanDay(offset = 0): IsoDate {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Tokyo" }).format(Date.now() + offset * 86_400_000) as IsoDate;
}

const request = (item: string, extra: Partial<PbcFields> = {}): PbcFields => ({
  item,
  requested_on: japanDay(-30),
  due: null,
  from_whom: "情報システム部 鈴木氏",
  status: "requested",
  notes: "",
  ...extra,
});

let core: Core;
let session: Session;

beforeEach(async () => {
  setLang("ja");
  core = await startCore();
  session = await sessionOn(core);
});
afterEach(() => core.stop());

const addPbc = (fields: PbcFields) => session.engagement!.client.addPbc({ fields });
const row = (id: string) => screen.getAllByTestId("pbc-row").find((r) => r.dataset.pbcId === id)!;

describe("PBC list, on the real core", () => {
  it("highlights the open requests the core finds overdue, and only those", async () => {
    await addPbc(request("アクセス権レビュー記録", { due: japanDay(-1) }));
    await addPbc(request("特権ID一覧", { due: japanDay(0) }));
    await addPbc(request("バックアップ取得記録", { due: japanDay(-10), status: "received" }));
    await addPbc(request("脆弱性診断報告書", { due: japanDay(-5), status: "follow_up" }));
    await addPbc(request("委託先一覧"));
    renderInApp(PbcView, session);
    await screen.findByTestId("pbc-list");
    expect(screen.getAllByTestId("pbc-row").map((r) => [r.dataset.pbcId, r.dataset.overdue])).toEqual([
      ["PBC-001", "true"],
      ["PBC-002", "false"],
      ["PBC-003", "false"],
      ["PBC-004", "true"],
      ["PBC-005", "false"],
    ]);
    expect(row("PBC-001").classList.contains("overdue")).toBe(true);
    expect(within(row("PBC-001")).getByTestId("pbc-overdue").textContent).toBe("期限超過");
    expect(within(row("PBC-002")).queryByTestId("pbc-overdue")).toBeNull();
    expect(row("PBC-003").classList.contains("closed")).toBe(true);
    expect(screen.getByTestId("pbc-summary").textContent).toBe("依頼 5 件・未完了 4 件・期限超過 2 件");

    // Receiving what was asked for ends the overdue state.
    await fireEvent.click(within(row("PBC-001")).getByTestId("pbc-edit"));
    const form = await screen.findByTestId("pbc-form");
    expect((within(form).getByTestId("pbc-item") as HTMLTextAreaElement).value).toBe("アクセス権レビュー記録");
    await fireEvent.change(within(form).getByTestId("pbc-status"), { target: { value: "received" } });
    await fireEvent.click(within(form).getByTestId("pbc-save"));
    await waitFor(() => expect(row("PBC-001").dataset.overdue).toBe("false"));
    expect((await session.engagement!.client.listPbc({}))[0].request.status).toBe("received");
    expect(screen.getByTestId("pbc-summary").textContent).toBe("依頼 5 件・未完了 3 件・期限超過 1 件");

    await fireEvent.click(screen.getByTestId("pbc-open-only"));
    expect(screen.getAllByTestId("pbc-row").map((r) => r.dataset.pbcId)).toEqual(["PBC-002", "PBC-004", "PBC-005"]);
  });

  it("adds a request, showing the core's problems beside their fields", async () => {
    renderInApp(PbcView, session);
    expect(await screen.findByText(/依頼資料はまだありません/)).toBeTruthy();
    await fireEvent.click(screen.getByTestId("pbc-add"));
    const form = await screen.findByTestId("pbc-form");
    expect((within(form).getByTestId("pbc-requested-on") as HTMLInputElement).value).toBe(localToday());
    const save = within(form).getByTestId("pbc-save") as HTMLButtonElement;

    // Nothing asked for, and due before it was asked: the core refuses each, at its field.
    await fireEvent.input(within(form).getByTestId("pbc-requested-on"), { target: { value: japanDay(-20) } });
    await fireEvent.input(within(form).getByTestId("pbc-due"), { target: { value: japanDay(-21) } });
    await fireEvent.click(save);
    const item = within(form).getByTestId("pbc-item").closest("label")!;
    await waitFor(() => expect(item.textContent).toContain("入力してください。"));
    await fireEvent.input(within(form).getByTestId("pbc-item"), { target: { value: "2026年4月分の特権ID利用申請・承認記録" } });
    await fireEvent.click(save);
    const due = within(form).getByTestId("pbc-due").closest("label")!;
    await waitFor(() => expect(due.textContent).toContain(`期限が依頼日（${japanDay(-20)}）より前になっています。`));
    expect(await session.engagement!.client.listPbc({})).toEqual([]);

    // A request date left empty is no date: the form cannot be sent.
    await fireEvent.input(within(form).getByTestId("pbc-requested-on"), { target: { value: "" } });
    expect(save.disabled).toBe(true);
    await fireEvent.input(within(form).getByTestId("pbc-requested-on"), { target: { value: japanDay(-20) } });

    await fireEvent.input(within(form).getByTestId("pbc-due"), { target: { value: japanDay(-1) } });
    await fireEvent.input(within(form).getByTestId("pbc-from-whom"), { target: { value: "情報システム部" } });
    await fireEvent.click(save);
    const added = await screen.findByTestId("pbc-row");
    expect(added.dataset.pbcId).toBe("PBC-001");
    expect(added.dataset.overdue).toBe("true");
    expect((await session.engagement!.client.listPbc({})).map((r) => r.request)).toMatchObject([
      { item: "2026年4月分の特権ID利用申請・承認記録", requested_on: japanDay(-20), due: japanDay(-1), from_whom: "情報システム部" },
    ]);
  });

  it("links evidence already taken in to a request", async () => {
    await addPbc(request("アクセス権レビュー記録"));
    await takeIn(core, session, [
      { name: "レビュー記録.xlsx", content: "review", meta: { title: "アクセス権レビュー記録" } },
      { name: "別資料.pdf", content: "%PDF-1.4 other", meta: { title: "別資料" } },
    ]);
    renderInApp(PbcView, session);
    await screen.findByTestId("pbc-list");
    expect(within(row("PBC-001")).getByText("未受領")).toBeTruthy();
    await fireEvent.click(within(row("PBC-001")).getByTestId("pbc-link"));
    const dialog = await screen.findByTestId("pbc-link-dialog");
    await fireEvent.input(within(dialog).getByTestId("pbc-link-search"), { target: { value: "レビュー" } });
    const select = within(dialog).getByTestId("pbc-link-select") as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["EV-0001"]);
    await fireEvent.change(select, { target: { value: "EV-0001" } });
    await fireEvent.click(within(dialog).getByTestId("pbc-link-confirm"));
    await waitFor(() => expect(row("PBC-001").textContent).toContain("EV-0001"));
    expect((await session.engagement!.client.listEvidence({ include_removed: false }))[0].links).toEqual([{ kind: "pbc", id: "PBC-001" }]);
    expect((await session.engagement!.client.listPbc({}))[0].request.evidence).toEqual(["EV-0001"]);
  });
});

describe("PBC list of a finalized engagement", () => {
  it("is listed, not changed", async () => {
    const path = join(core.dataDir, "final.ismap");
    // Finalized, reopened for a request, and finalized again (by the demo's manager).
    core.cli(["demo", "--finalized", "--out", path]);
    core.cli(["reopen", path, "--reason", "依頼の追加"]);
    core.cli(["pbc", "add", path, "--item", "委託先一覧", "--requested-on", "2026-05-01"]);
    core.cli(["finalize", path]);
    await session.show(await core.open(path), "pbc");
    renderInApp(PbcView, session);
    await screen.findByTestId("pbc-list");
    expect(screen.getByTestId("locked-banner")).toBeTruthy();
    expect((screen.getByTestId("pbc-add") as HTMLButtonElement).disabled).toBe(true);
    expect((within(row("PBC-001")).getByTestId("pbc-edit") as HTMLButtonElement).disabled).toBe(true);
  }, 30_000);
});

describe("dashboard: evidence and PBC", () => {
  it("counts evidence and open requests, with a way to the PBC list", async () => {
    await addPbc(request("アクセス権レビュー記録", { due: japanDay(-1) }));
    await addPbc(request("特権ID一覧"));
    await takeIn(core, session, [{ name: "a.txt", content: "a" }]);
    renderInApp(DashboardView, session);
    const panel = await screen.findByTestId("dashboard-evidence");
    expect(within(panel).getByTestId("dashboard-evidence-link").textContent).toContain("証跡 1 件");
    expect(within(panel).getByTestId("dashboard-pbc-link").textContent).toContain("未完了の依頼 2 件");
    const rows = within(panel).getAllByTestId("dashboard-pbc-overdue-row");
    expect(rows.map((r) => r.dataset.pbcId)).toEqual(["PBC-001"]);
    expect(rows[0].textContent).toContain(japanDay(-1));
    await fireEvent.click(within(panel).getByTestId("dashboard-pbc-link"));
    expect(session.screen).toBe("pbc");
  });
});
