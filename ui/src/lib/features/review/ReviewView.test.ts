import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import Header from "../shell/Header.svelte";
import WalkthroughView from "../walkthrough/WalkthroughView.svelte";
import ReviewView from "./ReviewView.svelte";
import DashboardView from "../dashboard/DashboardView.svelte";
import NavigatorView from "../navigator/NavigatorView.svelte";
import EvidenceView from "../evidence/EvidenceView.svelte";
import { Session } from "../../session.svelte";
import { createFakeBackend, DEMO_PATH, recordSampleReview, type FakeBackend } from "../ipc/fake";
import type { Profile } from "../ipc/bindings/Profile";
import type { Role } from "../../ipc/bindings/Role";
import type { SignOffLevel } from "../../ipc/bindings/SignOffLevel";
import { setLang } from "../../i18n/index.svelte";

const CONTROL = "9.2.3.11.PB";
const P1 = `${CONTROL}/P1`;
const P2 = `${CONTROL}/P2`;
const ROLES: Record<string, Role> = { "高橋 美咲": "partner", "山田 太郎": "manager", "鈴木 一郎": "reviewer", "佐藤 花子": "assessor" };

const profileOf = (name: string): Profile => ({ name, lang: "ja", recent: [], initials: "", role: ROLES[name] ?? "assessor" });

/** The demo, prepared through the backend, opened as `as`. */
async function setup(as: string, prepare: (b: FakeBackend) => Promise<unknown> = async () => {}) {
  setLang("ja");
  const backend = createFakeBackend();
  await backend.openDemo();
  await prepare(backend);
  await backend.saveProfile(profileOf(as));
  const session = new Session(backend);
  await session.start();
  await session.show(await backend.openEngagement(DEMO_PATH));
  return { backend, session };
}

/** Acts as `name` in the backend (for preparing), as switching the profile does. */
async function actAs(b: FakeBackend, name: string): Promise<void> {
  await b.saveProfile(profileOf(name));
}

async function openWalkthrough(session: Session, id = CONTROL): Promise<void> {
  session.openControl(id);
  render(Header, { session });
  render(WalkthroughView, { session, saveDelay: 20 });
  await screen.findByTestId("control-id");
}

const card = (i: number) => screen.getAllByTestId("procedure")[i];
const chip = (container: HTMLElement, level: SignOffLevel) => within(container).getAllByTestId("signoff-chip").find((c) => c.dataset.level === level)!;

/** Switches the user with the header's profile dialog, as on a laptop handed from assessor to reviewer. */
async function switchProfile(name: string, role: Role): Promise<void> {
  await fireEvent.click(screen.getByTestId("profile-button"));
  const dialog = await screen.findByTestId("profile-dialog");
  await fireEvent.input(within(dialog).getByTestId("profile-name-input"), { target: { value: name } });
  await fireEvent.change(within(dialog).getByTestId("profile-role-select"), { target: { value: role } });
  await fireEvent.click(within(dialog).getByTestId("profile-save"));
  await waitFor(() => expect(screen.queryByTestId("profile-dialog")).toBeNull());
  expect(screen.getByTestId("profile-current").textContent).toBe(name);
}

describe("profile", () => {
  it("is asked for when the name is empty, and saves name, initials and role from the header", async () => {
    setLang("ja");
    const backend = createFakeBackend();
    const session = new Session(backend);
    await session.start();
    expect(session.needsProfile).toBe(true);
    await session.show(await backend.openDemo());
    render(Header, { session });
    expect(screen.getByTestId("profile-button").textContent).toContain("プロフィール未設定");
    await fireEvent.click(screen.getByTestId("profile-button"));
    const dialog = await screen.findByTestId("profile-dialog");
    expect((within(dialog).getByTestId("profile-save") as HTMLButtonElement).disabled).toBe(true);
    // A name not on the team is allowed, with a warning that it cannot sign.
    await fireEvent.input(within(dialog).getByTestId("profile-name-input"), { target: { value: "部外者 次郎" } });
    expect(within(dialog).getByTestId("profile-not-on-team")).toBeTruthy();
    // Picking a team member takes their role on the team.
    await fireEvent.click(within(dialog).getAllByTestId("profile-member").find((b) => b.textContent?.startsWith("鈴木 一郎"))!);
    expect((within(dialog).getByTestId("profile-name-input") as HTMLInputElement).value).toBe("鈴木 一郎");
    expect((within(dialog).getByTestId("profile-role-select") as HTMLSelectElement).value).toBe("reviewer");
    expect(within(dialog).getByTestId("profile-team-role").textContent).toContain("レビュアー");
    await fireEvent.input(within(dialog).getByTestId("profile-initials-input"), { target: { value: "IS" } });
    await fireEvent.click(within(dialog).getByTestId("profile-save"));
    await waitFor(() => expect(screen.queryByTestId("profile-dialog")).toBeNull());
    expect(await backend.getProfile()).toMatchObject({ name: "鈴木 一郎", initials: "IS", role: "reviewer" });
    expect(screen.getByTestId("profile-button").textContent).toContain("IS");
    expect(screen.getByTestId("profile-current").textContent).toBe("鈴木 一郎");
    expect(session.needsProfile).toBe(false);
    expect(session.teamRole).toBe("reviewer");
  });
});

describe("sign-off in the walkthrough", () => {
  it("signs as preparer, then as reviewer after switching the profile, and says why a sign-off is refused", async () => {
    const { backend, session } = await setup("佐藤 花子", (b) => b.updateProcedure(DEMO_PATH, P1, { result: "no_exception", work_done: "質問した。" }));
    await openWalkthrough(session);
    expect(chip(card(0), "preparer").dataset.signed).toBe("false");
    expect(chip(card(0), "reviewer").dataset.signed).toBe("false");
    // The control's own sign-offs sit in its header.
    expect(within(screen.getByTestId("control-review")).getAllByTestId("signoff-chip").map((c) => c.dataset.level)).toEqual(["preparer", "reviewer"]);

    const sign = within(card(0)).getByTestId("sign-button");
    expect(sign.dataset.level).toBe("preparer");
    expect(sign.textContent?.trim()).toBe("署名（作成者）");
    await fireEvent.click(sign);
    await waitFor(() => expect(chip(card(0), "preparer").dataset.signed).toBe("true"));
    expect(chip(card(0), "preparer").dataset.signer).toBe("佐藤 花子");
    expect(chip(card(0), "preparer").textContent).toContain("佐藤 花子");
    // An assessor does not review: the card waits for the reviewer.
    expect(within(card(0)).queryByTestId("sign-button")).toBeNull();
    expect(within(card(0)).getByTestId("sign-waiting").textContent).toBe("査閲者の署名待ち");

    // A procedure without a result is refused, and the card says why in Japanese.
    await fireEvent.click(within(card(1)).getByTestId("sign-button"));
    expect((await within(card(1)).findByTestId("signoff-error")).textContent).toBe("結果が入力されていない手続があるため署名できません。");

    await switchProfile("鈴木 一郎", "reviewer");
    const review = within(card(0)).getByTestId("sign-button");
    expect(review.dataset.level).toBe("reviewer");
    expect(within(card(1)).queryByTestId("signoff-error")).toBeNull();
    await fireEvent.click(review);
    await waitFor(() => expect(chip(card(0), "reviewer").dataset.signer).toBe("鈴木 一郎"));
    expect(within(card(0)).getByTestId("review-complete").textContent).toBe("署名完了");
    expect((await backend.controlDetail(DEMO_PATH, CONTROL)).procedures[0].review.complete).toBe(true);
  });

  it("refuses the same person at a second level of the same procedure", async () => {
    const { session } = await setup("山田 太郎");
    await openWalkthrough(session);
    await fireEvent.click(within(card(1)).getByTestId("result-no_exception"));
    // Signing saves what is pending first, so the result is signed with it.
    await fireEvent.click(within(card(1)).getByTestId("sign-button"));
    await waitFor(() => expect(chip(card(1), "preparer").dataset.signer).toBe("山田 太郎"));
    // A manager may review, but not what they prepared.
    const review = within(card(1)).getByTestId("sign-button");
    expect(review.dataset.level).toBe("reviewer");
    await fireEvent.click(review);
    expect((await within(card(1)).findByTestId("signoff-error")).textContent).toContain("同じ項目の複数の段階に同じ人が署名することはできません");
    expect(chip(card(1), "reviewer").dataset.signed).toBe("false");

    await switchProfile("高橋 美咲", "partner");
    expect(within(card(1)).queryByTestId("signoff-error")).toBeNull();
    await fireEvent.click(within(card(1)).getByTestId("sign-button"));
    await waitFor(() => expect(chip(card(1), "reviewer").dataset.signer).toBe("高橋 美咲"));
  });

  it("shows a change after sign-off, withdraws the reviewer's chip, lists what changed, and takes the preparer's new sign-off", async () => {
    const { backend, session } = await setup("佐藤 花子", async (b) => {
      await b.updateProcedure(DEMO_PATH, P1, { result: "no_exception", work_done: "質問した。" });
      await actAs(b, "佐藤 花子");
      await b.signOff(DEMO_PATH, "procedure", P1, "preparer");
      await actAs(b, "鈴木 一郎");
      await b.signOff(DEMO_PATH, "procedure", P1, "reviewer");
    });
    await openWalkthrough(session);
    expect(chip(card(0), "reviewer").dataset.signer).toBe("鈴木 一郎");
    expect(within(card(0)).queryByTestId("changed-badge")).toBeNull();

    await fireEvent.input(within(card(0)).getByTestId("work-done"), { target: { value: "質問し、規程を閲覧した。" } });
    const badge = await within(card(0)).findByTestId("changed-badge");
    expect(badge.textContent?.trim()).toBe("署名後に変更あり");
    expect(chip(card(0), "reviewer").dataset.signed).toBe("false");
    expect(chip(card(0), "preparer").dataset.signed).toBe("true");
    expect(within(card(0)).queryByTestId("review-complete")).toBeNull();

    expect(badge.getAttribute("aria-expanded")).toBe("false");
    await fireEvent.click(badge);
    const changes = within(card(0)).getByTestId("changes-list");
    const [row] = within(changes).getAllByTestId("change-row");
    expect(row.dataset.field).toBe("procedure.work_done");
    expect([...row.querySelectorAll("td")].map((td) => td.textContent)).toEqual(["実施内容", "質問した。", "質問し、規程を閲覧した。"]);

    const again = within(card(0)).getByTestId("sign-button");
    expect(again.dataset.level).toBe("preparer");
    expect(again.textContent?.trim()).toBe("再署名（作成者）");
    await fireEvent.click(again);
    await waitFor(() => expect(within(card(0)).queryByTestId("changed-badge")).toBeNull());
    expect(within(card(0)).getByTestId("sign-waiting").textContent).toBe("査閲者の署名待ち");
    expect((await backend.reviewSummary(DEMO_PATH)).changed_after_signoff).toBe(0);
  });

  it("lists an item's history with who, when, and before → after", async () => {
    const { session } = await setup("佐藤 花子", async (b) => {
      await actAs(b, "佐藤 花子");
      await b.updateProcedure(DEMO_PATH, P1, { result: "no_exception", work_done: "質問した。" });
      await b.signOff(DEMO_PATH, "procedure", P1, "preparer");
      await b.updateProcedure(DEMO_PATH, P1, { work_done: "質問し、閲覧した。" });
    });
    await openWalkthrough(session);
    await fireEvent.click(within(card(0)).getByTestId("history-button"));
    const dialog = await screen.findByTestId("history-dialog");
    const rows = await within(dialog).findAllByTestId("history-row");
    expect(rows.map((r) => r.dataset.kind)).toEqual(["procedure_updated", "signed_off", "procedure_updated", "changed_after_signoff"]);
    expect(within(rows[1]).getByTestId("history-kind").textContent).toBe("署名");
    expect(rows[1].textContent).toContain("作成者として署名");
    expect(rows[2].textContent).toContain("佐藤 花子");
    const change = within(rows[2]).getByTestId("history-change");
    expect(change.dataset.field).toBe("work_done");
    expect(change.textContent).toContain("実施内容");
    expect(change.textContent).toContain("質問した。");
    expect(change.textContent).toContain("質問し、閲覧した。");
    expect(within(rows[3]).getByTestId("history-kind").textContent).toBe("署名後の変更");
    // The results of the first update, translated.
    expect(within(rows[0]).getAllByTestId("history-change").map((c) => c.textContent?.replace(/\s+/g, ""))).toContain("結果（なし）→例外事項なし");
    await fireEvent.keyDown(window, { key: "Escape", code: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("history-dialog")).toBeNull());

    // The control's history includes its procedures'.
    await fireEvent.click(within(screen.getByTestId("control-review")).getByTestId("history-button"));
    const control = await screen.findByTestId("history-dialog");
    expect((await within(control).findAllByTestId("history-row")).length).toBe(4);
  });
});

describe("review notes in the walkthrough", () => {
  it("goes open → answered → cleared, and only the note's author or a manager clears it", async () => {
    const { backend, session } = await setup("鈴木 一郎");
    await openWalkthrough(session);
    const panel = screen.getByTestId("notes-panel");
    const target = within(panel).getByTestId("note-target-select") as HTMLSelectElement;
    expect([...target.options].map((o) => o.textContent)).toEqual([`管理策全体（${CONTROL}）`, "手続 P1", "手続 P2", "手続 P3"]);
    await fireEvent.change(target, { target: { value: `procedure|${P2}` } });
    await fireEvent.input(within(panel).getByTestId("note-input"), { target: { value: "閲覧した記録の期間を記載してください。" } });
    await fireEvent.click(within(panel).getByTestId("note-add-button"));
    const row = () => within(screen.getByTestId("notes-panel")).getAllByTestId("note-row").find((r) => r.dataset.noteId === "RN-001")!;
    await waitFor(() => expect(row().dataset.status).toBe("open"));
    expect(row().textContent).toContain("手続 P2");
    expect(row().textContent).toContain("閲覧した記録の期間を記載してください。");
    expect(within(row()).getByTestId("note-status").textContent).toBe("未回答");
    expect(screen.getByTestId("control-open-notes").textContent).toContain("1 件");
    expect((await backend.reviewSummary(DEMO_PATH)).notes[0]).toMatchObject({ target_kind: "procedure", target_id: P2, author: "鈴木 一郎" });

    // The preparer answers, and may not clear a note someone else wrote.
    await switchProfile("佐藤 花子", "assessor");
    expect((within(row()).getByTestId("note-clear-button") as HTMLButtonElement).disabled).toBe(true);
    expect(within(row()).getByTestId("note-clear-hint").textContent).toContain("鈴木 一郎");
    await fireEvent.input(within(row()).getByTestId("note-answer-input"), { target: { value: "2026年3月分と追記しました。" } });
    await fireEvent.click(within(row()).getByTestId("note-answer-button"));
    await waitFor(() => expect(row().dataset.status).toBe("answered"));
    expect(within(row()).getByTestId("note-answer").textContent).toContain("2026年3月分と追記しました。");
    expect(within(row()).getByTestId("note-status").textContent).toBe("回答済み");

    // Its author clears it.
    await switchProfile("鈴木 一郎", "reviewer");
    await fireEvent.click(within(row()).getByTestId("note-clear-button"));
    await waitFor(() => expect(row().dataset.status).toBe("cleared"));
    expect(within(row()).queryByTestId("note-answer-input")).toBeNull();
    expect(screen.queryByTestId("control-open-notes")).toBeNull();

    // A manager clears another person's note. The target chosen last stays chosen; this one is on the control.
    await fireEvent.change(within(screen.getByTestId("notes-panel")).getByTestId("note-target-select"), { target: { value: `control|${CONTROL}` } });
    await fireEvent.input(within(screen.getByTestId("notes-panel")).getByTestId("note-input"), { target: { value: "結論を確認してください。" } });
    await fireEvent.click(within(screen.getByTestId("notes-panel")).getByTestId("note-add-button"));
    const second = () => within(screen.getByTestId("notes-panel")).getAllByTestId("note-row").find((r) => r.dataset.noteId === "RN-002")!;
    await waitFor(() => expect(second().dataset.status).toBe("open"));
    expect(second().textContent).toContain(`管理策全体（${CONTROL}）`);
    await switchProfile("山田 太郎", "manager");
    expect((within(second()).getByTestId("note-clear-button") as HTMLButtonElement).disabled).toBe(false);
    await fireEvent.click(within(second()).getByTestId("note-clear-button"));
    await waitFor(() => expect(second().dataset.status).toBe("cleared"));
    expect((await backend.reviewSummary(DEMO_PATH)).open_notes).toBe(0);
  });

  it("shows the core's refusal beside the note when clearing is not allowed", async () => {
    const { backend, session } = await setup("佐藤 花子", async (b) => {
      await actAs(b, "鈴木 一郎");
      await b.addNote(DEMO_PATH, "control", CONTROL, "確認してください。");
    });
    await openWalkthrough(session);
    // Forced past the disabled button (the team changed elsewhere, say): the core still refuses.
    const row = within(screen.getByTestId("notes-panel")).getByTestId("note-row");
    const button = within(row).getByTestId("note-clear-button") as HTMLButtonElement;
    button.disabled = false;
    await fireEvent.click(button);
    expect((await within(row).findByTestId("note-error")).textContent).toBe("このレビューノートを解消できるのは、記入した鈴木 一郎さん、またはマネージャー・業務執行責任者です。");
    expect((await backend.reviewSummary(DEMO_PATH)).notes[0].status).toBe("open");
  });
});

describe("review screen: finalizing and reopening", () => {
  it("lists what blocks finalizing by reason, then finalizes for a manager and locks the session's engagement", async () => {
    const { backend, session } = await setup("山田 太郎", async (b) => {
      await actAs(b, "鈴木 一郎");
      await b.addNote(DEMO_PATH, "procedure", P1, "確認してください。");
      await recordSampleReview(b, DEMO_PATH, { leave: ["5.1.1.1"] });
    });
    session.goto("review");
    const first = render(ReviewView, { session });
    const blockers = await screen.findByTestId("finalize-blockers");
    const items = within(blockers).getAllByTestId("finalize-blocker");
    expect(items.map((b) => b.dataset.code)).toEqual([
      "no_result",
      "no_result",
      "no_result",
      "not_signed",
      "not_signed",
      "not_signed",
      "not_signed",
      "not_signed",
      "not_signed",
      "not_signed",
      "not_signed",
      "open_note",
    ]);
    expect(items[0].textContent).toContain("5.1.1.1/P1: 結果が未入力です");
    expect(items[3].textContent).toContain("5.1.1.1/P1: 作成者の署名がありません");
    expect(items[4].textContent).toContain("5.1.1.1/P1: 査閲者の署名がありません");
    expect(items[11].textContent).toContain("RN-001: レビューノートが解消されていません");
    expect(screen.getAllByTestId("finalize-blocker-count").map((c) => c.textContent)).toEqual(["結果未入力 3 件", "署名なし 8 件", "未解消のレビューノート 1 件"]);
    expect(screen.getByTestId("finalize-section").textContent).toContain("確定できない理由（12 件）");
    expect((screen.getByTestId("finalize-button") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("review-count-open-notes").textContent).toBe("1");
    expect(within(screen.getByTestId("review-open-notes")).getByTestId("review-note-row").dataset.noteId).toBe("RN-001");
    // Each blocker leads to its control in the walkthrough.
    await fireEvent.click(within(items[0]).getByRole("button"));
    expect(session.screen).toBe("walkthrough");
    expect(session.controlId).toBe("5.1.1.1");
    first.unmount();

    await backend.setScope(DEMO_PATH, "5.1.1.1", "not_adopted", "言明書で不採用");
    await recordSampleReview(backend, DEMO_PATH);
    await backend.clearNote(DEMO_PATH, "RN-001");
    session.goto("review");
    render(ReviewView, { session });
    expect((await screen.findByTestId("finalize-ready")).textContent).toContain("確定できます");
    const summary = await backend.reviewSummary(DEMO_PATH);
    expect(screen.getByTestId("review-count-complete").textContent).toBe(String(summary.items));
    expect(screen.getByTestId("review-count-items").textContent).toBe(String(summary.items));
    const finalize = screen.getByTestId("finalize-button") as HTMLButtonElement;
    expect(finalize.disabled).toBe(false);
    await fireEvent.click(finalize);
    expect((await screen.findByTestId("finalized-state")).textContent).toContain("山田 太郎 が確定しました");
    expect(session.engagement?.finalized).toMatchObject({ by: "山田 太郎" });
    expect(session.locked).toBe(true);
    expect(screen.getByTestId("locked-banner").textContent).toContain("確定済み（ロック）");
    expect(screen.getByTestId("reopen-button")).toBeTruthy();
  });

  it("keeps finalizing and reopening to managers and partners", async () => {
    const { session } = await setup("鈴木 一郎", (b) => recordSampleReview(b, DEMO_PATH));
    render(ReviewView, { session });
    await screen.findByTestId("finalize-ready");
    expect((screen.getByTestId("finalize-button") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("finalize-role-hint").textContent).toBe("確定と再開は、チームのマネージャーまたは業務執行責任者が行います。");
  });
});

describe("a finalized engagement", () => {
  it("shows the lock, and offers no edit in the walkthrough", async () => {
    const { session } = await setup("佐藤 花子", (b) => recordSampleReview(b, DEMO_PATH, { finalize: true }));
    expect(session.locked).toBe(true);
    await openWalkthrough(session);
    expect(screen.getByTestId("locked-banner").textContent).toContain("山田 太郎 が確定しました");
    const first = card(0);
    expect((within(first).getByTestId("work-done") as HTMLTextAreaElement).readOnly).toBe(true);
    expect((within(first).getByTestId("result-no_exception") as HTMLButtonElement).disabled).toBe(true);
    expect((within(first).getByTestId("procedure-kind") as HTMLSelectElement).disabled).toBe(true);
    expect((within(first).getByTestId("add-evidence-button") as HTMLButtonElement).disabled).toBe(true);
    expect(within(first).queryByTestId("procedure-remove")).toBeNull();
    expect(within(first).queryByTestId("exception-input")).toBeNull();
    expect(screen.queryByTestId("procedure-add")).toBeNull();
    expect((screen.getByTestId("scope-not_adopted") as HTMLInputElement).disabled).toBe(true);
    expect((within(screen.getByTestId("notes-panel")).getByTestId("note-add-button") as HTMLButtonElement).disabled).toBe(true);
    expect((within(screen.getByTestId("notes-panel")).getByTestId("note-input") as HTMLTextAreaElement).disabled).toBe(true);
    // Everything is signed, so there is nothing to sign either.
    expect(screen.queryAllByTestId("sign-button")).toEqual([]);
    // The result shortcut does nothing.
    await fireEvent.keyDown(window, { key: "2", code: "Digit2", altKey: true });
    expect(within(first).getByTestId("result-exception").getAttribute("aria-pressed")).toBe("false");
  });

  it("says clearly when a change is refused because it was finalized meanwhile, and turns read-only", async () => {
    const { backend, session } = await setup("佐藤 花子", (b) => recordSampleReview(b, DEMO_PATH));
    await openWalkthrough(session);
    expect(screen.queryByTestId("locked-banner")).toBeNull();
    // The manager finalizes on another computer, behind this window's back.
    await actAs(backend, "山田 太郎");
    await backend.finalize(DEMO_PATH);
    await actAs(backend, "佐藤 花子");
    await fireEvent.input(within(card(0)).getByTestId("work-done"), { target: { value: "後から追記" } });
    await waitFor(() => expect(session.error).toBe("この監査は確定（ロック）されているため、変更できませんでした。変更が必要な場合は、マネージャーまたは業務執行責任者が再開してください。"));
    await screen.findByTestId("locked-banner");
    expect((within(card(0)).getByTestId("work-done") as HTMLTextAreaElement).readOnly).toBe(true);
  });

  it("is reopened by a manager with a reason, and then takes changes again", async () => {
    const { backend, session } = await setup("佐藤 花子", (b) => recordSampleReview(b, DEMO_PATH, { finalize: true }));
    render(Header, { session });
    session.goto("review");
    render(ReviewView, { session });
    const reason = (await screen.findByTestId("reopen-reason-input")) as HTMLTextAreaElement;
    // An assessor cannot reopen.
    expect(reason.disabled).toBe(true);
    expect((screen.getByTestId("reopen-button") as HTMLButtonElement).disabled).toBe(true);
    await switchProfile("山田 太郎", "manager");
    expect(reason.disabled).toBe(false);
    expect((screen.getByTestId("reopen-button") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(reason, { target: { value: "追加の手続が必要になったため" } });
    await fireEvent.click(screen.getByTestId("reopen-button"));
    expect((await screen.findByTestId("review-notice")).textContent).toBe("再開しました。");
    expect(session.engagement?.finalized).toBe(null);
    expect(screen.queryByTestId("locked-banner")).toBeNull();
    expect(screen.getByTestId("finalize-ready")).toBeTruthy();
    await backend.updateProcedure(DEMO_PATH, P1, { notes: "再開後の追記" });
    const history = await backend.itemHistory(DEMO_PATH, P1);
    expect(history.at(-1)?.kind).toBe("changed_after_signoff");
  });
});

describe("evidence behind a sign-off", () => {
  it("says why it cannot be withdrawn, and how to go on", async () => {
    const { session } = await setup("佐藤 花子", async (b) => {
      await actAs(b, "佐藤 花子");
      await b.updateProcedure(DEMO_PATH, P1, { result: "no_exception" });
      b.putFile("/in/a.txt", "a");
      const meta = { title: "規程", description: "", kind: "document" as const, obtained_from: "", obtained_by: "", obtained_at: null, as_of: "2026-04-30" };
      await b.addEvidence(DEMO_PATH, [{ path: "/in/a.txt", meta }], [{ kind: "procedure", id: P1 }], () => {});
      await b.signOff(DEMO_PATH, "procedure", P1, "preparer");
    });
    session.goto("evidence");
    render(EvidenceView, { session });
    await fireEvent.click(await screen.findByTestId("evidence-withdraw"));
    const dialog = await screen.findByTestId("withdraw-dialog");
    await fireEvent.input(within(dialog).getByTestId("withdraw-reason"), { target: { value: "差し替え" } });
    await fireEvent.click(within(dialog).getByTestId("withdraw-confirm"));
    expect((await within(dialog).findByRole("alert")).textContent).toContain(`${P1} は署名済みで、この証跡はその署名の対象です。`);
  });
});

describe("navigator and dashboard", () => {
  it("filters the controls changed after sign-off", async () => {
    const { session } = await setup("佐藤 花子", async (b) => {
      await recordSampleReview(b, DEMO_PATH);
      await b.updateProcedure(DEMO_PATH, P1, { work_done: "追記した。" });
    });
    session.goto("navigator");
    render(NavigatorView, { session });
    expect(screen.queryByTestId("locked-banner")).toBeNull();
    await fireEvent.click(screen.getByTestId("filter-changed"));
    await waitFor(() => expect(screen.getAllByTestId("control-row").filter((r) => r.querySelector("button.open")).map((r) => r.dataset.id)).toEqual([CONTROL]));
    expect(screen.getByTestId("navigator-found").textContent).toBe("1 件が該当");
    expect(within(screen.getAllByTestId("control-row").find((r) => r.dataset.id === CONTROL)!).getByTestId("row-changed").textContent).toBe("署名後に変更");
  });

  it("shows review progress, changes after sign-off and open notes, and the finalized state", async () => {
    const { backend, session } = await setup("佐藤 花子", async (b) => {
      await b.updateProcedure(DEMO_PATH, P1, { result: "no_exception" });
      await actAs(b, "佐藤 花子");
      await b.signOff(DEMO_PATH, "procedure", P1, "preparer");
      await actAs(b, "鈴木 一郎");
      await b.signOff(DEMO_PATH, "procedure", P1, "reviewer");
      await b.addNote(DEMO_PATH, "control", CONTROL, "確認してください。");
    });
    const items = (await backend.reviewSummary(DEMO_PATH)).items;
    const first = render(DashboardView, { session });
    const panel = await screen.findByTestId("dashboard-review");
    expect(within(panel).getByTestId("dashboard-review-link").textContent?.trim()).toBe(`署名完了 1 / ${items} 件`);
    expect(within(panel).getByTestId("dashboard-review-changed").textContent).toBe("署名後に変更あり 0 件");
    expect(within(panel).getByTestId("dashboard-review-notes").textContent).toBe("未解消のレビューノート 1 件");
    expect(within(panel).getByTestId("dashboard-not-finalized")).toBeTruthy();
    await fireEvent.click(within(panel).getByTestId("dashboard-review-link"));
    expect(session.screen).toBe("review");
    first.unmount();

    await actAs(backend, "鈴木 一郎");
    await backend.clearNote(DEMO_PATH, "RN-001");
    await recordSampleReview(backend, DEMO_PATH, { finalize: true });
    session.setEngagement(await backend.openEngagement(DEMO_PATH));
    render(DashboardView, { session });
    const done = await screen.findByTestId("dashboard-review");
    // Opening a finalized engagement lands on the dashboard, which says so.
    expect(screen.getByTestId("locked-banner").textContent).toContain("確定済み（ロック）");
    expect(within(done).getByTestId("dashboard-finalized").textContent).toContain("山田 太郎 が確定（ロック）しました。");
    expect(within(done).getByTestId("dashboard-finalized-badge").textContent).toBe("確定済み");
  });
});
