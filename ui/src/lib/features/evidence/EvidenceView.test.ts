import { beforeEach, describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import EvidenceView from "./EvidenceView.svelte";
import { Session } from "../../session.svelte";
import { createFakeBackend, DEMO_PATH, type FakeBackend } from "../ipc/fake";
import type { EvidenceKind } from "../../ipc/bindings/EvidenceKind";
import { setLang } from "../../i18n/index.svelte";

interface Item {
  path: string;
  content: string | Uint8Array;
  title: string;
  kind: EvidenceKind;
  as_of: string;
  description?: string;
}

const ITEMS: Item[] = [
  { path: "/in/情報セキュリティ規程.pdf", content: "%PDF-1.4 規程", title: "情報セキュリティ規程 第10版", kind: "document", as_of: "2026-03-31" },
  { path: "/in/iam画面.png", content: new Uint8Array(5000), title: "IAMコンソールの画面", kind: "screenshot", as_of: "2026-04-15" },
  { path: "/in/auth.log", content: "x".repeat(300), title: "認証ログ", kind: "log_export", as_of: "2026-04-30", description: "特権IDのログオン記録を抽出" },
  { path: "/in/規程_第2版.pdf", content: "%PDF-1.4 old", title: "情報セキュリティ規程 第2版", kind: "document", as_of: "2025-04-01" },
];

async function setup(prepare: (b: FakeBackend) => Promise<unknown> = async () => {}) {
  setLang("ja");
  const backend = createFakeBackend();
  const session = new Session(backend);
  const view = await backend.openDemo();
  for (const item of ITEMS) {
    backend.putFile(item.path, item.content);
    const meta = { title: item.title, description: item.description ?? "", kind: item.kind, obtained_from: "情報システム部", obtained_by: "佐藤 花子", obtained_at: null, as_of: item.as_of };
    await backend.addEvidence(DEMO_PATH, [{ path: item.path, meta }], [{ kind: "procedure", id: "5.1.1.1/P1" }], () => {});
  }
  await prepare(backend);
  await session.show(view, "evidence");
  render(EvidenceView, { session });
  await screen.findByTestId("evidence-list");
  return { backend, session };
}

const shownIds = () => screen.queryAllByTestId("evidence-row").map((r) => r.dataset.evidenceId);

// jsdom has no object URLs; the image preview only needs one to exist. They
// stay installed after each test, since the dialogs unmount after it.
let created: Blob[] = [];
beforeEach(() => {
  created = [];
  URL.createObjectURL = (blob: Blob) => {
    created.push(blob);
    return `blob:test/${created.length}`;
  };
  URL.revokeObjectURL = () => {};
});

describe("evidence list", () => {
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

  it("withdraws an item with a reason, and shows it again on request", async () => {
    const { backend } = await setup();
    const row = screen.getAllByTestId("evidence-row")[3];
    await fireEvent.click(within(row).getByTestId("evidence-withdraw"));
    const dialog = await screen.findByTestId("withdraw-dialog");
    const confirm = within(dialog).getByTestId("withdraw-confirm") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(within(dialog).getByTestId("withdraw-reason"), { target: { value: "旧版のため" } });
    await fireEvent.click(confirm);
    await waitFor(() => expect(shownIds()).toEqual(["EV-0001", "EV-0002", "EV-0003"]));
    expect((await backend.listEvidence(DEMO_PATH, true))[3].removed).toMatchObject({ reason: "旧版のため" });

    await fireEvent.click(screen.getByTestId("evidence-show-withdrawn"));
    expect(shownIds()).toEqual(["EV-0001", "EV-0002", "EV-0003", "EV-0004"]);
    const withdrawn = screen.getAllByTestId("evidence-row")[3];
    expect(within(withdrawn).getByTestId("evidence-withdrawn").textContent).toBe("撤回済み");
    expect(withdrawn.textContent).toContain("旧版のため");
    expect(within(withdrawn).queryByTestId("evidence-withdraw")).toBeNull();
  });

  it("edits an item's title and as-of date", async () => {
    const { backend } = await setup();
    await fireEvent.click(within(screen.getAllByTestId("evidence-row")[1]).getByTestId("evidence-edit"));
    const dialog = await screen.findByTestId("evidence-edit-dialog");
    await fireEvent.input(within(dialog).getByTestId("edit-title-input"), { target: { value: "IAMコンソール（MFA設定）" } });
    await fireEvent.input(within(dialog).getByTestId("meta-as-of"), { target: { value: "2026-04-16" } });
    await fireEvent.click(within(dialog).getByTestId("edit-save"));
    await waitFor(() => expect(screen.queryByTestId("evidence-edit-dialog")).toBeNull());
    expect(screen.getAllByTestId("evidence-row")[1].textContent).toContain("IAMコンソール（MFA設定）");
    expect((await backend.listEvidence(DEMO_PATH, false))[1]).toMatchObject({ title: "IAMコンソール（MFA設定）", as_of: "2026-04-16", obtained_from: "情報システム部" });
  });

  it("unlinks an item from a procedure after a confirmation", async () => {
    const { backend } = await setup();
    const row = screen.getAllByTestId("evidence-row")[0];
    await fireEvent.click(within(row).getByTestId("unlink"));
    await fireEvent.click(within(row).getByTestId("unlink-confirm"));
    await waitFor(() => expect(within(screen.getAllByTestId("evidence-row")[0]).queryByTestId("unlink")).toBeNull());
    expect((await backend.listEvidence(DEMO_PATH, false))[0].links).toEqual([]);
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
    const { backend } = await setup();
    await fireEvent.click(screen.getByTestId("verify-evidence-button"));
    const ok = await screen.findByTestId("verify-result");
    expect(ok.dataset.ok).toBe("true");
    expect(ok.textContent).toContain("証跡 4 件");
    backend.tamperContent(DEMO_PATH, "EV-0002");
    await fireEvent.click(screen.getByTestId("verify-evidence-button"));
    await waitFor(() => expect(screen.getByTestId("verify-result").dataset.ok).toBe("false"));
    const problems = screen.getAllByTestId("verify-problem");
    expect(problems).toHaveLength(1);
    expect(problems[0].textContent).toContain("EV-0002");
  });
});
