import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import PbcView from "./PbcView.svelte";
import DashboardView from "../dashboard/DashboardView.svelte";
import { Session } from "../../session.svelte";
import { createFakeBackend, DEMO_PATH, type FakeBackend } from "../ipc/fake";
import type { PbcFields } from "../../ipc/bindings/PbcFields";
import { setLang } from "../../i18n/index.svelte";
import { localToday } from "../../format";

const TODAY = "2026-05-20";

const request = (item: string, extra: Partial<PbcFields> = {}): PbcFields => ({
  item,
  requested_on: "2026-05-01",
  due: null,
  from_whom: "情報システム部 鈴木氏",
  status: "requested",
  notes: "",
  ...extra,
});

async function setup(prepare: (b: FakeBackend) => Promise<unknown> = async () => {}) {
  setLang("ja");
  const backend = createFakeBackend();
  const session = new Session(backend);
  const view = await backend.openDemo();
  await prepare(backend);
  await session.show(view, "pbc");
  return { backend, session };
}

const row = (id: string) => screen.getAllByTestId("pbc-row").find((r) => r.dataset.pbcId === id)!;

describe("PBC list", () => {
  it("highlights open requests past their due date, and only those", async () => {
    const { backend, session } = await setup(async (b) => {
      await b.addPbc(DEMO_PATH, request("アクセス権レビュー記録", { due: "2026-05-19" }));
      await b.addPbc(DEMO_PATH, request("特権ID一覧", { due: TODAY }));
      await b.addPbc(DEMO_PATH, request("バックアップ取得記録", { due: "2026-05-10", status: "received" }));
      await b.addPbc(DEMO_PATH, request("脆弱性診断報告書", { due: "2026-05-15", status: "follow_up" }));
      await b.addPbc(DEMO_PATH, request("委託先一覧"));
    });
    render(PbcView, { session, today: TODAY });
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
    expect(screen.getByTestId("pbc-summary").textContent).toBe("依頼 5 件・未完了 4 件・期限超過 2 件");

    // Receiving what was asked for ends the overdue state.
    await fireEvent.click(within(row("PBC-001")).getByTestId("pbc-edit"));
    const form = await screen.findByTestId("pbc-form");
    expect((within(form).getByTestId("pbc-item") as HTMLTextAreaElement).value).toBe("アクセス権レビュー記録");
    await fireEvent.change(within(form).getByTestId("pbc-status"), { target: { value: "received" } });
    await fireEvent.click(within(form).getByTestId("pbc-save"));
    await waitFor(() => expect(row("PBC-001").dataset.overdue).toBe("false"));
    expect((await backend.listPbc(DEMO_PATH))[0].status).toBe("received");

    await fireEvent.click(screen.getByTestId("pbc-open-only"));
    expect(screen.getAllByTestId("pbc-row").map((r) => r.dataset.pbcId)).toEqual(["PBC-002", "PBC-004", "PBC-005"]);
  });

  it("adds a request with a form that checks its dates", async () => {
    const { backend, session } = await setup();
    render(PbcView, { session, today: TODAY });
    expect(await screen.findByText(/依頼資料はまだありません/)).toBeTruthy();
    await fireEvent.click(screen.getByTestId("pbc-add"));
    const form = await screen.findByTestId("pbc-form");
    expect((within(form).getByTestId("pbc-requested-on") as HTMLInputElement).value).toBe(localToday());
    const save = within(form).getByTestId("pbc-save") as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    await fireEvent.input(within(form).getByTestId("pbc-item"), { target: { value: "2026年4月分の特権ID利用申請・承認記録" } });
    await fireEvent.input(within(form).getByTestId("pbc-requested-on"), { target: { value: "2026-05-01" } });
    await fireEvent.input(within(form).getByTestId("pbc-due"), { target: { value: "2026-04-30" } });
    expect(form.textContent).toContain("期限が依頼日（2026-05-01）より前になっています");
    expect(save.disabled).toBe(true);
    await fireEvent.input(within(form).getByTestId("pbc-due"), { target: { value: "2026-05-15" } });
    await fireEvent.input(within(form).getByTestId("pbc-from-whom"), { target: { value: "情報システム部" } });
    await fireEvent.click(save);
    const added = await screen.findByTestId("pbc-row");
    expect(added.dataset.pbcId).toBe("PBC-001");
    expect(added.dataset.overdue).toBe("true");
    expect(await backend.listPbc(DEMO_PATH)).toMatchObject([{ item: "2026年4月分の特権ID利用申請・承認記録", due: "2026-05-15", from_whom: "情報システム部" }]);
  });

  it("links evidence already taken in to a request", async () => {
    const { backend, session } = await setup(async (b) => {
      await b.addPbc(DEMO_PATH, request("アクセス権レビュー記録"));
      b.putFile("/in/レビュー記録.xlsx", "review");
      b.putFile("/in/別資料.pdf", "other");
      const meta = (title: string) => ({ title, description: "", kind: "document" as const, obtained_from: "", obtained_by: "", obtained_at: null, as_of: "2026-04-30" });
      await b.addEvidence(DEMO_PATH, [{ path: "/in/レビュー記録.xlsx", meta: meta("アクセス権レビュー記録") }, { path: "/in/別資料.pdf", meta: meta("別資料") }], [], () => {});
    });
    render(PbcView, { session, today: TODAY });
    await screen.findByTestId("pbc-list");
    await fireEvent.click(within(row("PBC-001")).getByTestId("pbc-link"));
    const dialog = await screen.findByTestId("pbc-link-dialog");
    await fireEvent.input(within(dialog).getByTestId("pbc-link-search"), { target: { value: "レビュー" } });
    const select = within(dialog).getByTestId("pbc-link-select") as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["EV-0001"]);
    await fireEvent.change(select, { target: { value: "EV-0001" } });
    await fireEvent.click(within(dialog).getByTestId("pbc-link-confirm"));
    await waitFor(() => expect(row("PBC-001").textContent).toContain("EV-0001"));
    expect((await backend.listEvidence(DEMO_PATH, false))[0].links).toEqual([{ kind: "pbc", id: "PBC-001" }]);
  });
});

describe("dashboard: evidence and PBC", () => {
  it("counts evidence and open requests and lists the overdue ones with a way to the PBC list", async () => {
    const yesterday = new Date();
    yesterday.setDate(yesterday.getDate() - 1);
    const due = localToday(yesterday);
    const { session } = await setup(async (b) => {
      await b.addPbc(DEMO_PATH, request("アクセス権レビュー記録", { requested_on: "2026-01-05", due }));
      await b.addPbc(DEMO_PATH, request("特権ID一覧", { requested_on: "2026-01-05", due: null }));
      b.putFile("/in/a.txt", "a");
      const meta = { title: "A", description: "", kind: "other" as const, obtained_from: "", obtained_by: "", obtained_at: null, as_of: "2026-04-30" };
      await b.addEvidence(DEMO_PATH, [{ path: "/in/a.txt", meta }], [], () => {});
    });
    session.screen = "dashboard";
    render(DashboardView, { session });
    const panel = await screen.findByTestId("dashboard-evidence");
    expect(within(panel).getByTestId("dashboard-evidence-link").textContent).toContain("証跡 1 件");
    expect(within(panel).getByTestId("dashboard-pbc-link").textContent).toContain("未完了の依頼 2 件");
    const rows = within(panel).getAllByTestId("dashboard-pbc-overdue-row");
    expect(rows.map((r) => r.dataset.pbcId)).toEqual(["PBC-001"]);
    expect(rows[0].textContent).toContain("アクセス権レビュー記録");
    expect(rows[0].textContent).toContain(due);
    await fireEvent.click(within(panel).getByTestId("dashboard-pbc-link"));
    expect(session.screen).toBe("pbc");
  });
});
