// Review on one laptop shared by the team, against the real core: sign-offs
// and review notes in the walkthrough (the user switched in the header's
// profile dialog), the history of an item, finalizing and reopening on the
// review screen, the lock on every screen, and the review's traces in the
// navigator and the dashboard. The demo's team: 高橋 美咲 (partner),
// 山田 太郎 (manager), 鈴木 一郎 (reviewer), 佐藤 花子 (assessor).
import { afterEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { join } from "node:path";
import Header from "../shell/Header.svelte";
import WalkthroughView from "../walkthrough/WalkthroughView.svelte";
import DashboardView from "../dashboard/DashboardView.svelte";
import NavigatorView from "../navigator/NavigatorView.svelte";
import ReviewView from "./ReviewView.svelte";
import type { Session } from "../../session.svelte";
import { DEMO_PIN, ROLES, switchProfile } from "./review.testing";
import type { SignOffLevel } from "../../ipc/bindings/SignOffLevel";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

const CONTROL = "9.2.3.11.PB";
const P1 = `${CONTROL}/P1`;
const P2 = `${CONTROL}/P2`;

let core: Core | null = null;
afterEach(async () => {
  await core?.stop();
  core = null;
});

/** How the demo starts: as created, all signed (finalized by the CLI, then reopened), or finalized. */
type Start = "fresh" | "signed" | "finalized";

/**
 * A core whose profile is `user`, with the demo (in its data folder, where
 * the app opens it) started as `start`, then prepared by `prepare` (given
 * the demo's path, to act with the CLI as other people), and opened.
 */
async function setup(user: string, start: Start = "fresh", prepare: (demo: string) => unknown = () => {}): Promise<{ session: Session; demo: string; core: Core }> {
  setLang("ja");
  core = await startCore({ user, role: ROLES[user] ?? "assessor" });
  const demo = join(core.dataDir, "demo.ismap");
  if (start !== "fresh") core.cli(["demo", "--finalized", "--out", demo]);
  if (start === "signed") core.cli(["reopen", demo, "--reason", "テストのため"]);
  await core.client.openDemo({});
  await prepare(demo);
  const session = await sessionOn(core);
  // The person at the laptop (a member of the demo's team) opened their demo key with its PIN earlier.
  if (user in ROLES) await core.client.unlockSigningKey({ pin: DEMO_PIN });
  return { session, demo, core };
}

/** Runs the CLI as `who` on the test's core. */
const as = (who: string, ...args: string[]) => core!.cli(args, who);

/** The header (for switching the user) and the walkthrough at `id`. */
async function openWalkthrough(session: Session, id = CONTROL): Promise<void> {
  session.openControl(id);
  renderInApp(Header, session);
  renderInApp(WalkthroughView, session, { saveDelay: 20, listenForDrops: null });
  await screen.findByTestId("control-id");
}

const card = (i: number) => screen.getAllByTestId("procedure")[i];
const chip = (container: HTMLElement, level: SignOffLevel) => within(container).getAllByTestId("signoff-chip").find((c) => c.dataset.level === level)!;
const button = (testid: string, container: HTMLElement = document.body) => within(container).getByTestId(testid) as HTMLButtonElement;

describe("profile", () => {
  it("is asked for when the name is empty, and saves name, initials and role from the header", async () => {
    setLang("ja");
    core = await startCore({ user: "" });
    const session = await sessionOn(core);
    expect(session.needsProfile).toBe(true);
    renderInApp(Header, session);
    expect(screen.getByTestId("profile-button").textContent).toContain("プロフィール未設定");
    await fireEvent.click(screen.getByTestId("profile-button"));
    const dialog = await screen.findByTestId("profile-dialog");
    expect(button("profile-save", dialog).disabled).toBe(true);
    // A name not on the team is allowed, with a warning that it cannot sign.
    await fireEvent.input(within(dialog).getByTestId("profile-name-input"), { target: { value: "部外者 次郎" } });
    expect(within(dialog).getByTestId("profile-not-on-team")).toBeTruthy();
    // Picking a team member takes their role on the team.
    await fireEvent.click(within(dialog).getAllByTestId("profile-member").find((b) => b.textContent?.startsWith("鈴木 一郎"))!);
    expect((within(dialog).getByTestId("profile-name-input") as HTMLInputElement).value).toBe("鈴木 一郎");
    expect((within(dialog).getByTestId("profile-role-select") as HTMLSelectElement).value).toBe("reviewer");
    expect(within(dialog).getByTestId("profile-team-role").textContent).toContain("査閲者");
    // His demo key is on this computer: switching to him takes its PIN.
    expect((await within(dialog).findByTestId("profile-demo-pin")).textContent).toContain("0000");
    await fireEvent.input(within(dialog).getByTestId("profile-pin"), { target: { value: DEMO_PIN } });
    await fireEvent.input(within(dialog).getByTestId("profile-initials-input"), { target: { value: "IS" } });
    await fireEvent.click(within(dialog).getByTestId("profile-save"));
    await waitFor(() => expect(screen.queryByTestId("profile-dialog")).toBeNull());
    expect(await core.client.getProfile({})).toMatchObject({ name: "鈴木 一郎", initials: "IS", role: "reviewer" });
    expect(screen.getByTestId("profile-button").textContent).toContain("IS");
    expect(screen.getByTestId("profile-current").textContent).toBe("鈴木 一郎");
    expect(session.needsProfile).toBe(false);
    // The rights on the open engagement follow the new name.
    expect(session.engagement?.rights).toMatchObject({ name: "鈴木 一郎", role: "reviewer", may_sign: ["preparer", "reviewer"], may_finalize: false });
  });
});

describe("sign-off in the walkthrough", () => {
  it("signs as preparer, then as reviewer after switching the profile, and says why a sign-off is refused", async () => {
    const { session } = await setup("佐藤 花子", "fresh", (demo) =>
      as("佐藤 花子", "procedure", "record", demo, P1, "--result", "no_exception", "--work-done", "質問した。"),
    );
    await openWalkthrough(session);
    expect(chip(card(0), "preparer").dataset.signed).toBe("false");
    expect(chip(card(0), "reviewer").dataset.signed).toBe("false");
    // The control's own sign-offs sit in its header.
    expect(within(screen.getByTestId("control-review")).getAllByTestId("signoff-chip").map((c) => c.dataset.level)).toEqual(["preparer", "reviewer"]);

    const sign = button("sign-button", card(0));
    expect(sign.dataset.level).toBe("preparer");
    expect(sign.textContent?.trim()).toBe("作成者として署名");
    await fireEvent.click(sign);
    await waitFor(() => expect(chip(card(0), "preparer").dataset.signed).toBe("true"));
    expect(chip(card(0), "preparer").dataset.signer).toBe("佐藤 花子");
    expect(chip(card(0), "preparer").textContent).toContain("佐藤 花子");
    // An assessor does not review: the card waits for the reviewer.
    expect(within(card(0)).queryByTestId("sign-button")).toBeNull();
    expect(within(card(0)).getByTestId("sign-waiting").textContent).toBe("査閲者の署名待ち");

    // A procedure without a result is refused by the core, and the card says why in Japanese.
    await fireEvent.click(button("sign-button", card(1)));
    expect((await within(card(1)).findByTestId("signoff-error")).textContent).toBe("結果が入力されていない手続があるため署名できません。");

    await switchProfile("鈴木 一郎");
    const review = button("sign-button", card(0));
    expect(review.dataset.level).toBe("reviewer");
    expect(review.textContent?.trim()).toBe("査閲者として署名");
    // The refusal was for the assessor; the reviewer starts afresh.
    expect(within(card(1)).queryByTestId("signoff-error")).toBeNull();
    await fireEvent.click(review);
    await waitFor(() => expect(chip(card(0), "reviewer").dataset.signer).toBe("鈴木 一郎"));
    expect(within(card(0)).getByTestId("review-complete").textContent).toBe("署名完了");
    expect(within(card(0)).queryByTestId("sign-button")).toBeNull();
    expect((await session.engagement!.client.controlDetail({ control_id: CONTROL })).procedures[0].review.complete).toBe(true);
  });

  it("refuses the same person at a second level of the same procedure, saying who must sign", async () => {
    const { session } = await setup("山田 太郎");
    await openWalkthrough(session);
    await fireEvent.input(within(card(1)).getByTestId("work-done"), { target: { value: "担当者に質問した。" } });
    await fireEvent.click(button("result-no_exception", card(1)));
    // Signing saves what is pending first, so the result is signed with it.
    await fireEvent.click(button("sign-button", card(1)));
    await waitFor(() => expect(chip(card(1), "preparer").dataset.signer).toBe("山田 太郎"));
    // A manager may review, but not what they prepared: the core says so.
    const review = button("sign-button", card(1));
    expect(review.dataset.level).toBe("reviewer");
    await fireEvent.click(review);
    expect((await within(card(1)).findByTestId("signoff-error")).textContent).toBe(
      "同じ項目の複数の段階に同じ人が署名することはできません。査閲者の署名は別の人が行ってください。",
    );
    expect(chip(card(1), "reviewer").dataset.signed).toBe("false");

    await switchProfile("高橋 美咲");
    expect(within(card(1)).queryByTestId("signoff-error")).toBeNull();
    await fireEvent.click(button("sign-button", card(1)));
    await waitFor(() => expect(chip(card(1), "reviewer").dataset.signer).toBe("高橋 美咲"));
  });

  it("says that someone not on the team cannot sign, and offers no button", async () => {
    const { session } = await setup("部外者 次郎", "fresh", (demo) => as("佐藤 花子", "procedure", "record", demo, P1, "--result", "no_exception"));
    await openWalkthrough(session);
    expect(session.engagement!.rights.role).toBe(null);
    expect(within(card(0)).queryByTestId("sign-button")).toBeNull();
    expect(within(card(0)).getByTestId("sign-not-on-team").textContent).toBe("監査チームに登録されていないため署名できません");
  });

  it("shows a change after sign-off, withdraws the reviewer's chip, lists what changed, and takes the preparer's new sign-off", async () => {
    const { session } = await setup("佐藤 花子", "fresh", (demo) => {
      as("佐藤 花子", "procedure", "record", demo, P1, "--result", "no_exception", "--work-done", "質問した。");
      as("佐藤 花子", "signoff", demo, P1, "--level", "preparer");
      as("鈴木 一郎", "signoff", demo, P1, "--level", "reviewer");
    });
    await openWalkthrough(session);
    expect(chip(card(0), "reviewer").dataset.signer).toBe("鈴木 一郎");
    expect(within(card(0)).queryByTestId("changed-badge")).toBeNull();

    await fireEvent.input(within(card(0)).getByTestId("work-done"), { target: { value: "質問し、規程を閲覧した。" } });
    // A reviewer signed it: the first change asks before it withdraws that sign-off.
    await fireEvent.click(await screen.findByTestId("signed-continue"));
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

    const again = button("sign-button", card(0));
    expect(again.dataset.level).toBe("preparer");
    expect(again.textContent?.trim()).toBe("作成者として再署名");
    await fireEvent.click(again);
    await waitFor(() => expect(within(card(0)).queryByTestId("changed-badge")).toBeNull());
    expect(within(card(0)).getByTestId("sign-waiting").textContent).toBe("査閲者の署名待ち");
    expect((await session.engagement!.client.reviewSummary({})).changed_after_signoff).toBe(0);
  });

  it("lists an item's history with who, when, and before → after", async () => {
    const { session } = await setup("佐藤 花子", "fresh", (demo) => {
      as("佐藤 花子", "procedure", "record", demo, P1, "--result", "no_exception", "--work-done", "質問した。");
      as("佐藤 花子", "signoff", demo, P1, "--level", "preparer");
      as("佐藤 花子", "procedure", "record", demo, P1, "--work-done", "質問し、閲覧した。");
    });
    await openWalkthrough(session);
    await fireEvent.click(button("history-button", card(0)));
    const dialog = await screen.findByTestId("history-dialog");
    const rows = await within(dialog).findAllByTestId("history-row");
    expect(rows.map((r) => r.dataset.kind)).toEqual(["procedure_updated", "signed_off", "procedure_updated", "changed_after_signoff"]);
    expect(within(rows[1]).getByTestId("history-kind").textContent).toBe("署名");
    expect(rows[1].textContent).toContain(`${P1} に作成者として署名`);
    expect(rows[2].textContent).toContain("佐藤 花子");
    const change = within(rows[2]).getByTestId("history-change");
    expect(change.dataset.field).toBe("work_done");
    expect(change.textContent?.replace(/\s+/g, "")).toBe("実施内容質問した。→質問し、閲覧した。");
    expect(within(rows[3]).getByTestId("history-kind").textContent).toBe("署名後の変更");
    // The result of the first update, translated.
    expect(within(rows[0]).getAllByTestId("history-change").map((c) => c.textContent?.replace(/\s+/g, ""))).toContain("結果（なし）→例外事項なし");
    await fireEvent.keyDown(window, { key: "Escape", code: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("history-dialog")).toBeNull());

    // The control's history includes its procedures'.
    await fireEvent.click(button("history-button", screen.getByTestId("control-review")));
    const control = await screen.findByTestId("history-dialog");
    const controlRows = await within(control).findAllByTestId("history-row");
    expect(controlRows.map((r) => r.dataset.seq)).toEqual(expect.arrayContaining(rows.map((r) => r.dataset.seq)));
  });
});

describe("review notes in the walkthrough", () => {
  const panel = () => screen.getByTestId("notes-panel");
  const note = (id: string) => within(panel()).getAllByTestId("note-row").find((r) => r.dataset.noteId === id)!;

  it("goes open → answered → cleared, and only the note's author or a manager clears it", async () => {
    const { session } = await setup("鈴木 一郎");
    await openWalkthrough(session);
    const target = within(panel()).getByTestId("note-target-select") as HTMLSelectElement;
    expect([...target.options].map((o) => o.textContent)).toEqual([`管理策全体（${CONTROL}）`, "手続 P1", "手続 P2", "手続 P3"]);
    await fireEvent.change(target, { target: { value: `procedure|${P2}` } });
    await fireEvent.input(within(panel()).getByTestId("note-input"), { target: { value: "閲覧した記録の期間を記載してください。" } });
    await fireEvent.click(button("note-add-button", panel()));
    await waitFor(() => expect(note("RN-001").dataset.status).toBe("open"));
    expect(note("RN-001").textContent).toContain("手続 P2");
    expect(note("RN-001").textContent).toContain("閲覧した記録の期間を記載してください。");
    expect(within(note("RN-001")).getByTestId("note-status").textContent).toBe("未回答");
    expect(screen.getByTestId("control-open-notes").textContent).toContain("1 件");
    expect((await session.engagement!.client.reviewSummary({})).notes[0]).toMatchObject({ target_kind: "procedure", target_id: P2, author: "鈴木 一郎" });

    // The preparer answers, and may not clear a note someone else wrote.
    await switchProfile("佐藤 花子");
    expect(button("note-clear-button", note("RN-001")).disabled).toBe(true);
    expect(within(note("RN-001")).getByTestId("note-clear-hint").textContent).toContain("鈴木 一郎");
    await fireEvent.input(within(note("RN-001")).getByTestId("note-answer-input"), { target: { value: "2026年3月分と追記しました。" } });
    await fireEvent.click(button("note-answer-button", note("RN-001")));
    await waitFor(() => expect(note("RN-001").dataset.status).toBe("answered"));
    expect(within(note("RN-001")).getByTestId("note-answer").textContent).toContain("2026年3月分と追記しました。");
    expect(within(note("RN-001")).getByTestId("note-status").textContent).toBe("回答済み");

    // Its author clears it.
    await switchProfile("鈴木 一郎");
    await fireEvent.click(button("note-clear-button", note("RN-001")));
    await waitFor(() => expect(note("RN-001").dataset.status).toBe("cleared"));
    expect(within(note("RN-001")).queryByTestId("note-answer-input")).toBeNull();
    expect(screen.queryByTestId("control-open-notes")).toBeNull();

    // A manager clears another person's note. This one is on the control.
    await fireEvent.change(within(panel()).getByTestId("note-target-select"), { target: { value: `control|${CONTROL}` } });
    await fireEvent.input(within(panel()).getByTestId("note-input"), { target: { value: "結論を確認してください。" } });
    await fireEvent.click(button("note-add-button", panel()));
    await waitFor(() => expect(note("RN-002").dataset.status).toBe("open"));
    expect(note("RN-002").textContent).toContain(`管理策全体（${CONTROL}）`);
    await switchProfile("山田 太郎");
    expect(button("note-clear-button", note("RN-002")).disabled).toBe(false);
    expect(within(note("RN-002")).queryByTestId("note-clear-hint")).toBeNull();
    await fireEvent.click(button("note-clear-button", note("RN-002")));
    await waitFor(() => expect(note("RN-002").dataset.status).toBe("cleared"));
    expect((await session.engagement!.client.reviewSummary({})).open_notes).toBe(0);
  });

  it("shows the core's refusals beside the note: clearing another's note, and a note or answer without text", async () => {
    const { session } = await setup("佐藤 花子", "fresh", (demo) => as("鈴木 一郎", "note", "add", demo, "--on", CONTROL, "確認してください。"));
    await openWalkthrough(session);
    // Forced past the disabled button (the team changed elsewhere, say): the core still refuses.
    const clear = button("note-clear-button", note("RN-001"));
    clear.disabled = false;
    await fireEvent.click(clear);
    expect((await within(note("RN-001")).findByTestId("note-error")).textContent).toBe(
      "このレビューノートを解消できるのは、記入した鈴木 一郎さん、またはマネージャー・業務執行責任者です。",
    );
    // Nothing to say is the core's to refuse too.
    await fireEvent.click(button("note-answer-button", note("RN-001")));
    await waitFor(() => expect(within(note("RN-001")).getByTestId("note-error").textContent).toBe("入力してください。"));
    await fireEvent.click(button("note-add-button", panel()));
    expect((await within(panel()).findByTestId("note-add-error")).textContent).toBe("入力してください。");
    const stored = await session.engagement!.client.reviewSummary({});
    expect(stored.notes.map((n) => [n.id, n.status])).toEqual([["RN-001", "open"]]);
  });
});

/** Making the finalized demo (every procedure performed and signed) takes the CLI a few seconds. */
const SLOW = { timeout: 30_000 };

describe("review screen: finalizing and reopening", SLOW, () => {
  it("lists what blocks finalizing by reason, then finalizes for a manager and locks the session's engagement", async () => {
    const { session, demo } = await setup("山田 太郎", "signed", (demo) => {
      as("佐藤 花子", "procedure", "record", demo, "5.1.1.1/P1", "--clear-result");
      as("鈴木 一郎", "note", "add", demo, "--on", "5.1.1.1/P1", "確認してください。");
    });
    session.goto("review");
    const first = renderInApp(ReviewView, session);
    const blockers = await screen.findByTestId("finalize-blockers");
    const items = within(blockers).getAllByTestId("finalize-blocker");
    expect(items.map((b) => [b.dataset.code, b.dataset.itemId])).toEqual([
      ["no_result", "5.1.1.1/P1"],
      ["changed_after_signoff", "5.1.1.1/P1"],
      ["not_signed", "5.1.1.1/P1"],
      ["changed_after_signoff", "5.1.1.1"],
      ["not_signed", "5.1.1.1"],
      ["open_note", "RN-001"],
    ]);
    expect(items[0].textContent).toContain("5.1.1.1/P1: 結果が未記録です");
    expect(items[1].textContent).toContain("5.1.1.1/P1: 署名後に変更されています（再署名が必要）");
    expect(items[2].textContent).toContain("5.1.1.1/P1: 査閲者の署名がありません");
    expect(items[5].textContent).toContain("RN-001: レビューノートが解消されていません");
    expect(screen.getAllByTestId("finalize-blocker-count").map((c) => c.textContent)).toEqual([
      "結果未記録 1 件",
      "署名後の変更 2 件",
      "署名なし 2 件",
      "未解消のレビューノート 1 件",
    ]);
    expect(screen.getByTestId("finalize-section").textContent).toContain("確定できない理由（6 件）");
    expect(button("finalize-button").disabled).toBe(true);
    expect(screen.getByTestId("review-count-open-notes").textContent).toBe("1");
    expect(screen.getByTestId("review-count-changed").textContent).toBe("2");
    expect(within(screen.getByTestId("review-changed")).getAllByTestId("review-changed-row").map((r) => r.dataset.itemId)).toEqual(["5.1.1.1", "5.1.1.1/P1"]);
    expect(within(screen.getByTestId("review-open-notes")).getByTestId("review-note-row").dataset.noteId).toBe("RN-001");
    // Each blocker leads to its control in the walkthrough; the note's too.
    await fireEvent.click(within(items[5]).getByRole("button"));
    expect(session.controlId).toBe("5.1.1.1");
    session.goto("review");
    await fireEvent.click(within(items[2]).getByRole("button"));
    expect(session.screen).toBe("walkthrough");
    expect(session.controlId).toBe("5.1.1.1");
    first.unmount();

    as("佐藤 花子", "procedure", "record", demo, "5.1.1.1/P1", "--result", "no_exception");
    for (const id of ["5.1.1.1/P1", "5.1.1.1"]) {
      as("佐藤 花子", "signoff", demo, id, "--level", "preparer");
      as("鈴木 一郎", "signoff", demo, id, "--level", "reviewer");
    }
    as("鈴木 一郎", "note", "clear", demo, "RN-001");
    session.goto("review");
    renderInApp(ReviewView, session);
    expect((await screen.findByTestId("finalize-ready")).textContent).toContain("確定できます");
    const summary = await session.engagement!.client.reviewSummary({});
    expect(screen.getByTestId("review-count-complete").textContent).toBe(String(summary.items));
    expect(screen.getByTestId("review-count-items").textContent).toBe(String(summary.items));
    expect(screen.queryByTestId("locked-banner")).toBeNull();
    expect(button("finalize-button").disabled).toBe(false);
    await fireEvent.click(button("finalize-button"));
    expect((await screen.findByTestId("finalized-state")).textContent).toContain("山田 太郎 が確定しました");
    expect(screen.getByTestId("review-notice").textContent).toBe("確定しました。");
    expect(session.engagement?.view.finalized).toMatchObject({ by: "山田 太郎" });
    expect(session.locked).toBe(true);
    expect(screen.getByTestId("locked-banner").textContent).toContain("確定済み（ロック）");
    // The review screen is where the lock is: its banner does not lead there again.
    expect(screen.queryByTestId("locked-review-link")).toBeNull();
    expect(screen.getByTestId("reopen-button")).toBeTruthy();
  });

  it("lists an incomplete workpaper as what it lacks, and wording that reads like assurance as a warning", async () => {
    const { session } = await setup("山田 太郎", "signed", (demo) => {
      // 例外事項あり with no exception written, and the work done emptied.
      as("佐藤 花子", "procedure", "record", demo, "5.1.1.1/P1", "--result", "exception", "--work-done", "");
      as("鈴木 一郎", "note", "add", demo, "--on", "5.1.1.1/P1", "規程を閲覧した限り、重要な問題はないと考えます。");
    });
    session.goto("review");
    renderInApp(ReviewView, session);
    const blockers = within(await screen.findByTestId("finalize-blockers")).getAllByTestId("finalize-blocker");
    expect(blockers.slice(0, 2).map((b) => [b.dataset.code, b.dataset.itemId, b.querySelector("span")?.textContent])).toEqual([
      ["no_work_done", "5.1.1.1/P1", "5.1.1.1/P1: 実施内容が未記入です"],
      ["no_exception", "5.1.1.1/P1", "5.1.1.1/P1: 結果が「例外事項あり」ですが、例外事項が記録されていません"],
    ]);
    const hits = within(screen.getByTestId("wording-hits")).getAllByTestId("wording-hit");
    expect(hits.map((h) => h.dataset.itemId)).toEqual(["RN-001"]);
    expect(hits[0].textContent).toContain("RN-001 の本文: 「重要な問題はない」");
  });

  it("keeps finalizing and reopening to the team's managers and partners, as the core does", async () => {
    const { session } = await setup("鈴木 一郎", "signed");
    renderInApp(ReviewView, session);
    await screen.findByTestId("finalize-ready");
    const finalize = button("finalize-button");
    expect(finalize.disabled).toBe(true);
    expect(screen.getByTestId("finalize-role-hint").textContent).toBe("確定と再開は、チームのマネージャーまたは業務執行責任者が行います。");
    // Forced past the disabled button, the core refuses, and the section says why.
    finalize.disabled = false;
    await fireEvent.click(finalize);
    expect((await screen.findByTestId("finalize-error")).textContent).toBe("確定と再開は、チームのマネージャーまたは業務執行責任者のみが行えます。");
    expect(session.locked).toBe(false);
  });
});

describe("a finalized engagement", SLOW, () => {
  it("shows the lock, and offers no edit in the walkthrough", async () => {
    const { session } = await setup("佐藤 花子", "finalized");
    expect(session.locked).toBe(true);
    await openWalkthrough(session);
    expect(screen.getByTestId("locked-banner").textContent).toContain("山田 太郎 が確定しました");
    const first = card(0);
    expect((within(first).getByTestId("work-done") as HTMLTextAreaElement).readOnly).toBe(true);
    expect(button("result-no_exception", first).disabled).toBe(true);
    expect((within(first).getByTestId("procedure-kind") as HTMLSelectElement).disabled).toBe(true);
    expect(button("add-evidence-button", first).disabled).toBe(true);
    expect(within(first).queryByTestId("procedure-remove")).toBeNull();
    expect(within(first).queryByTestId("exception-input")).toBeNull();
    expect(screen.queryByTestId("procedure-add")).toBeNull();
    expect((screen.getByTestId("scope-not_adopted") as HTMLInputElement).disabled).toBe(true);
    expect(button("note-add-button", screen.getByTestId("notes-panel")).disabled).toBe(true);
    expect((within(screen.getByTestId("notes-panel")).getByTestId("note-input") as HTMLTextAreaElement).disabled).toBe(true);
    // Everything is signed, so there is nothing to sign either.
    expect(screen.queryAllByTestId("sign-button")).toEqual([]);
    // The result shortcut does nothing.
    await fireEvent.keyDown(window, { key: "2", code: "Digit2", altKey: true });
    expect(within(first).getByTestId("result-exception").getAttribute("aria-pressed")).toBe("false");
    // The banner leads to the review screen, where it can be reopened.
    await fireEvent.click(screen.getByTestId("locked-review-link"));
    expect(session.screen).toBe("review");
  });

  it("says clearly when a change is refused because it was finalized meanwhile, and turns read-only", async () => {
    const { session, demo } = await setup("佐藤 花子", "signed");
    await openWalkthrough(session);
    expect(screen.queryByTestId("locked-banner")).toBeNull();
    // The manager finalizes on another computer, behind this window's back.
    as("山田 太郎", "finalize", demo);
    await fireEvent.input(within(card(0)).getByTestId("work-done"), { target: { value: "後から追記" } });
    await fireEvent.click(await screen.findByTestId("signed-continue"));
    await waitFor(() =>
      expect(session.error).toBe(
        "この監査業務は確定（ロック）されているため、変更できませんでした。変更が必要な場合は、マネージャーまたは業務執行責任者が再開してください。",
      ),
    );
    await screen.findByTestId("locked-banner");
    expect((within(card(0)).getByTestId("work-done") as HTMLTextAreaElement).readOnly).toBe(true);
  });

  it("is reopened by a manager with a reason the core requires, and then takes changes again", async () => {
    const { session } = await setup("佐藤 花子", "finalized");
    renderInApp(Header, session);
    session.goto("review");
    renderInApp(ReviewView, session);
    const reason = (await screen.findByTestId("reopen-reason-input")) as HTMLTextAreaElement;
    // An assessor cannot reopen.
    expect(reason.disabled).toBe(true);
    expect(button("reopen-button").disabled).toBe(true);
    expect(screen.getByTestId("finalize-role-hint")).toBeTruthy();
    await switchProfile("山田 太郎");
    expect(reason.disabled).toBe(false);
    expect(screen.queryByTestId("finalize-role-hint")).toBeNull();
    // Without a reason the core refuses, beside the reason.
    await fireEvent.click(button("reopen-button"));
    expect((await screen.findByTestId("reopen-reason-problem")).textContent).toBe("入力してください。");
    expect(session.locked).toBe(true);
    await fireEvent.input(reason, { target: { value: "追加の手続が必要になったため" } });
    expect(screen.queryByTestId("reopen-reason-problem")).toBeNull();
    await fireEvent.click(button("reopen-button"));
    expect((await screen.findByTestId("review-notice")).textContent).toBe("再開しました。");
    expect(session.engagement?.view.finalized).toBe(null);
    expect(screen.queryByTestId("locked-banner")).toBeNull();
    expect(await screen.findByTestId("finalize-ready")).toBeTruthy();
    const engagement = session.engagement!.client;
    await engagement.updateProcedure({ procedure_id: P1, patch: { notes: "再開後の追記" } });
    const history = await engagement.itemHistory({ item_id: P1 });
    expect(history.at(-1)?.kind).toBe("changed_after_signoff");
  });
});

describe("navigator and dashboard", SLOW, () => {
  it("filters the controls changed after sign-off", async () => {
    const { session } = await setup("佐藤 花子", "signed", (demo) => as("佐藤 花子", "procedure", "record", demo, P1, "--work-done", "追記した。"));
    session.goto("navigator");
    renderInApp(NavigatorView, session);
    expect(screen.queryByTestId("locked-banner")).toBeNull();
    await fireEvent.click(screen.getByTestId("filter-changed"));
    await waitFor(() => expect(screen.getAllByTestId("control-row").filter((r) => r.querySelector("button.open")).map((r) => r.dataset.id)).toEqual([CONTROL]));
    expect(screen.getByTestId("navigator-found").textContent).toBe("1 件が該当");
    expect(within(screen.getAllByTestId("control-row").find((r) => r.dataset.id === CONTROL)!).getByTestId("row-changed").textContent).toBe("署名後に変更");
  });

  it("shows review progress, changes after sign-off and open notes, and the finalized state", async () => {
    const { session, demo } = await setup("佐藤 花子", "fresh", (demo) => {
      as("佐藤 花子", "procedure", "record", demo, P1, "--result", "no_exception", "--work-done", "質問した。");
      as("佐藤 花子", "signoff", demo, P1, "--level", "preparer");
      as("鈴木 一郎", "signoff", demo, P1, "--level", "reviewer");
      as("鈴木 一郎", "note", "add", demo, "--on", CONTROL, "確認してください。");
    });
    const items = (await session.engagement!.client.reviewSummary({})).items;
    const first = renderInApp(DashboardView, session);
    const panel = await screen.findByTestId("dashboard-review");
    expect(within(panel).getByTestId("dashboard-review-link").textContent?.trim()).toBe(`署名完了 1 / ${items} 件`);
    expect(within(panel).getByTestId("dashboard-review-changed").textContent).toBe("署名後に変更あり 0 件");
    expect(within(panel).getByTestId("dashboard-review-notes").textContent).toBe("未解消のレビューノート 1 件");
    expect(within(panel).getByTestId("dashboard-not-finalized")).toBeTruthy();
    expect(screen.queryByTestId("locked-banner")).toBeNull();
    await fireEvent.click(within(panel).getByTestId("dashboard-review-link"));
    expect(session.screen).toBe("review");
    first.unmount();

    // Finalized elsewhere, then opened again: the dashboard says so.
    const finalized = join(core!.dataDir, "final.ismap");
    as("山田 太郎", "demo", "--finalized", "--out", finalized);
    await session.show(await core!.open(finalized));
    expect(demo).not.toBe(finalized);
    renderInApp(DashboardView, session);
    const done = await screen.findByTestId("dashboard-review");
    expect(screen.getByTestId("locked-banner").textContent).toContain("確定済み（ロック）");
    expect(within(done).getByTestId("dashboard-finalized").textContent).toContain("山田 太郎 が確定（ロック）しました。");
    expect(within(done).getByTestId("dashboard-finalized-badge").textContent).toBe("確定済み");
  });
});
