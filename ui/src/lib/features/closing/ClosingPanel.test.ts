// The written representation (経営者確認書) and the subsequent events (後発事象)
// against the real core, on the dashboard and the review screen: the demo's
// letter as recorded, the core's refusals beside their fields, events added
// and removed, and the consideration of subsequent events, which only a
// manager or partner records and which the finalize check then no longer
// lists. The demo's period ends on 2026-09-30; its team: 山田 太郎
// (manager), 佐藤 花子 (assessor), 鈴木 一郎 (reviewer), 高橋 美咲 (partner).
import { afterEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { join } from "node:path";
import ClosingPanel from "./ClosingPanel.svelte";
import DashboardView from "../dashboard/DashboardView.svelte";
import ReviewView from "../review/ReviewView.svelte";
import Header from "../shell/Header.svelte";
import type { Session } from "../../session.svelte";
import { DEMO_PIN, ROLES, switchProfile } from "../review/review.testing";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";


let core: Core | null = null;
afterEach(async () => {
  await core?.stop();
  core = null;
});

/** Making the finalized demo (every procedure performed and signed) takes the CLI a few seconds. */
const SLOW = { timeout: 30_000 };

/** A core whose profile is `user`, with the demo (as created, or finalized by the CLI) open. */
async function setup(user: string, start: "fresh" | "finalized" = "fresh"): Promise<Session> {
  setLang("ja");
  core = await startCore({ user, role: ROLES[user] ?? "assessor" });
  if (start === "finalized") core.cli(["demo", "--finalized", "--out", join(core.dataDir, "demo.ismap")]);
  const session = await sessionOn(core);
  // The person at the laptop opened their demo key with its PIN earlier.
  if (user in ROLES) await core.client.unlockSigningKey({ pin: DEMO_PIN });
  return session;
}

const panel = () => screen.getByTestId("closing-panel");
const byTestId = <T extends HTMLElement>(testid: string) => within(panel()).getByTestId(testid) as T;
const text = (testid: string) => byTestId(testid).textContent?.trim();
const eventRow = (id: string) => within(panel()).getAllByTestId("subsequent-row").find((r) => r.dataset.eventId === id)!;

describe("the written representation", () => {
  it("shows the demo's letter on the dashboard: item 7 not confirmed with its comment, the others confirmed, and its subsequent event", async () => {
    const session = await setup("佐藤 花子");
    renderInApp(DashboardView, session);
    await within(await screen.findByTestId("closing-panel")).findByTestId("representation-view");
    expect(within(panel()).getByRole("heading", { level: 2 }).textContent).toBe("経営者確認書と後発事象");
    expect(text("representation-shown-date")).toBe("2026-10-14");
    expect(text("representation-signatory")).toBe("田中 一郎（代表取締役社長（架空））");
    expect(text("representation-evidence")).toBe("なし");

    const rows = within(panel()).getAllByTestId("confirmation-row");
    expect(rows.map((r) => r.dataset.answer)).toEqual(["confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "not_confirmed", "confirmed"]);
    expect(rows[0].textContent).toContain("管理策を選択し、対象期間を通じて有効に運用したこと");
    expect(within(rows[0]).getByTestId("confirmation-status").textContent).toBe("確認済み");
    expect(rows[6].textContent).toContain("対象期間の末日から確認書の日付までの重要な事象の有無");
    expect(within(rows[6]).getByTestId("confirmation-status").textContent).toBe("確認されていない");
    expect(within(rows[6]).getByTestId("confirmation-comment-text").textContent).toBe(
      "2026-10-20 に大阪リージョンで約3時間の障害が発生した（後発事象 SE-001 として開示）。",
    );
    expect(rows[7].textContent).toContain("不正または違法行為を認識していないこと");

    const [event] = within(panel()).getAllByTestId("subsequent-row");
    expect(event.dataset.eventId).toBe("SE-001");
    expect(within(event).getByTestId("subsequent-date").textContent).toBe("2026-10-20");
    expect(within(event).getByTestId("subsequent-description").textContent).toContain("大阪リージョンのブロックストレージで約3時間の障害が発生し");
    expect(within(event).getByTestId("subsequent-effect").textContent).toContain("障害対応手順（16.1.5）に従い対応された。");
    expect(text("subsequent-considered-through")).toBe("後発事象の検討はまだ記録されていません。");
    // An assessor records the letter and the events, not the consideration.
    expect(byTestId<HTMLButtonElement>("representation-edit").disabled).toBe(false);
    expect(byTestId<HTMLButtonElement>("subsequent-considered-save").disabled).toBe(true);
    expect(text("subsequent-considered-role-hint")).toBe("後発事象の検討は、チームのマネージャーまたは業務執行責任者が記録します。");
  });

  it("shows the core's refusals beside their fields, keeps the letter recorded, and records it again once corrected", async () => {
    const session = await setup("佐藤 花子");
    renderInApp(ClosingPanel, session);
    await screen.findByTestId("representation-view");
    const edit = byTestId<HTMLButtonElement>("representation-edit");
    expect(edit.textContent?.trim()).toBe("記録し直す…");
    await fireEvent.click(edit);

    // The form starts from what is recorded.
    const date = byTestId<HTMLInputElement>("representation-date");
    expect(date.value).toBe("2026-10-14");
    expect(byTestId<HTMLSelectElement>("confirmation-answer-7").value).toBe("not_confirmed");
    expect(byTestId<HTMLInputElement>("confirmation-comment-7").value).toContain("後発事象 SE-001 として開示");
    expect(byTestId<HTMLSelectElement>("confirmation-answer-1").value).toBe("confirmed");
    // Every answer and comment is labelled for assistive technology.
    expect(within(panel()).getByLabelText("管理策を選択し、対象期間を通じて有効に運用したこと")).toBe(byTestId("confirmation-answer-1"));
    expect(within(panel()).getByLabelText("確認事項 3 のコメント")).toBe(byTestId("confirmation-comment-3"));

    // A date on the period's end, no signatory, and item 3 not confirmed without saying why.
    await fireEvent.input(date, { target: { value: "2026-09-30" } });
    await fireEvent.input(byTestId("representation-signatory-name"), { target: { value: "  " } });
    await fireEvent.change(byTestId("confirmation-answer-3"), { target: { value: "not_confirmed" } });
    await fireEvent.click(byTestId("representation-save"));
    expect((await within(panel()).findByTestId("representation-date-problem")).textContent).toBe(
      "確認書の日付 2026-09-30 は対象期間の終了日（2026-09-30）より後にしてください。",
    );
    expect(text("representation-signatory-name-problem")).toBe("入力してください。");
    expect(text("confirmation-problem-3")).toBe("入力してください。");
    expect(within(panel()).queryByTestId("confirmation-problem-7")).toBeNull();
    expect(date.getAttribute("aria-invalid")).toBe("true");
    // Each problem is beside its field, so none is left for the section's message; the focus is where to correct.
    expect(within(panel()).queryByTestId("closing-error")).toBeNull();
    expect(document.activeElement).toBe(date);
    expect((await session.engagement!.client.closing({})).representation?.date).toBe("2026-10-14");

    await fireEvent.input(date, { target: { value: "2026-10-16" } });
    await fireEvent.input(byTestId("representation-signatory-name"), { target: { value: "田中 一郎" } });
    await fireEvent.input(byTestId("confirmation-comment-3"), { target: { value: "基準の解釈について協議中のため。" } });
    await fireEvent.change(byTestId("confirmation-answer-8"), { target: { value: "" } });
    await fireEvent.click(byTestId("representation-save"));
    await waitFor(() => expect(within(panel()).queryByTestId("representation-form")).toBeNull());
    expect(text("closing-notice")).toBe("経営者確認書を記録しました。");
    expect(text("representation-shown-date")).toBe("2026-10-16");
    const rows = within(panel()).getAllByTestId("confirmation-row");
    expect(within(rows[2]).getByTestId("confirmation-status").textContent).toBe("確認されていない");
    expect(within(rows[2]).getByTestId("confirmation-comment-text").textContent).toBe("基準の解釈について協議中のため。");
    expect(within(rows[7]).getByTestId("confirmation-status").textContent).toBe("未回答");
    expect(text("representation-recorded")).toContain("佐藤 花子 が");
    // The focus goes back to the button that opened the form.
    expect(document.activeElement).toBe(byTestId("representation-edit"));
  });
});

describe("subsequent events", () => {
  it("refuses an event in the period at its date, adds one after it, and removes one after a confirmation that Escape cancels", async () => {
    const session = await setup("佐藤 花子");
    renderInApp(ClosingPanel, session);
    await screen.findByTestId("subsequent-list");
    expect(within(panel()).getAllByTestId("subsequent-row").map((r) => r.dataset.eventId)).toEqual(["SE-001"]);

    await fireEvent.input(byTestId("subsequent-date-input"), { target: { value: "2026-09-15" } });
    await fireEvent.click(byTestId("subsequent-add"));
    expect((await within(panel()).findByTestId("subsequent-date-problem")).textContent).toBe(
      "2026-09-15 は対象期間の終了日（2026-09-30）より後の日付にしてください。期間内の事象は手続の結果として記録します。",
    );
    expect(text("subsequent-description-problem")).toBe("入力してください。");
    expect(document.activeElement).toBe(byTestId("subsequent-date-input"));

    await fireEvent.input(byTestId("subsequent-date-input"), { target: { value: "2026-11-02" } });
    await fireEvent.input(byTestId("subsequent-description-input"), { target: { value: "認証基盤の設定変更に伴い、約30分間ログインできない障害が発生した。" } });
    await fireEvent.input(byTestId("subsequent-effect-input"), { target: { value: "変更管理手続に従い切り戻された。対象期間の評価には影響しない。" } });
    await fireEvent.click(byTestId("subsequent-add"));
    await waitFor(() => expect(within(panel()).getAllByTestId("subsequent-row").map((r) => r.dataset.eventId)).toEqual(["SE-001", "SE-002"]));
    expect(text("closing-notice")).toBe("SE-002 を追加しました。");
    expect(within(eventRow("SE-002")).getByTestId("subsequent-date").textContent).toBe("2026-11-02");
    expect(within(eventRow("SE-002")).getByTestId("subsequent-description").textContent?.trim()).toBe("認証基盤の設定変更に伴い、約30分間ログインできない障害が発生した。");
    expect(within(eventRow("SE-002")).getByTestId("subsequent-effect").textContent).toBe("変更管理手続に従い切り戻された。対象期間の評価には影響しない。");
    expect(eventRow("SE-002").textContent).toContain("佐藤 花子");
    // The form is emptied for the next event, and its problems are gone.
    expect(byTestId<HTMLInputElement>("subsequent-date-input").value).toBe("");
    expect(within(panel()).queryByTestId("subsequent-date-problem")).toBeNull();

    // Remove SE-001: the confirmation takes the focus, Escape cancels it and gives the focus back.
    const remove = within(eventRow("SE-001")).getByTestId("subsequent-remove");
    expect(remove.getAttribute("aria-label")).toBe("SE-001 を削除");
    await fireEvent.click(remove);
    const confirm = within(eventRow("SE-001")).getByTestId("subsequent-remove-confirm");
    expect(within(eventRow("SE-001")).getByTestId("subsequent-remove-confirmation").textContent).toContain("SE-001 を削除しますか？");
    await waitFor(() => expect(document.activeElement).toBe(confirm));
    await fireEvent.keyDown(confirm, { key: "Escape", code: "Escape" });
    await waitFor(() => expect(within(eventRow("SE-001")).queryByTestId("subsequent-remove-confirmation")).toBeNull());
    expect(document.activeElement).toBe(within(eventRow("SE-001")).getByTestId("subsequent-remove"));

    await fireEvent.click(within(eventRow("SE-001")).getByTestId("subsequent-remove"));
    await fireEvent.click(within(eventRow("SE-001")).getByTestId("subsequent-remove-confirm"));
    await waitFor(() => expect(within(panel()).getAllByTestId("subsequent-row").map((r) => r.dataset.eventId)).toEqual(["SE-002"]));
    expect(text("closing-notice")).toBe("SE-001 を削除しました。");
    expect((await session.engagement!.client.closing({})).subsequent_events.map((e) => e.id)).toEqual(["SE-002"]);
  });
});

describe("the consideration of subsequent events", () => {
  it("is refused for the assessor, recorded by the manager, and then no longer blocks finalizing on the review screen", async () => {
    const session = await setup("佐藤 花子");
    renderInApp(Header, session);
    session.goto("review");
    renderInApp(ReviewView, session);
    await screen.findByTestId("finalize-blockers");
    const blockerCodes = () => screen.getAllByTestId("finalize-blocker-count").map((c) => c.dataset.code);
    expect(blockerCodes()).toContain("subsequent_not_considered");
    expect(screen.getAllByTestId("finalize-blocker-count").find((c) => c.dataset.code === "subsequent_not_considered")?.textContent).toBe("後発事象の未検討 1 件");
    await within(panel()).findByTestId("subsequent-considered-through");

    // An assessor is offered no consideration; forced past the disabled button, the core refuses.
    const save = byTestId<HTMLButtonElement>("subsequent-considered-save");
    expect(save.disabled).toBe(true);
    expect(text("subsequent-considered-role-hint")).toBe("後発事象の検討は、チームのマネージャーまたは業務執行責任者が記録します。");
    save.disabled = false;
    await fireEvent.click(save);
    expect((await within(panel()).findByTestId("closing-error")).textContent).toBe(
      "後発事象の検討は、チームのマネージャーまたは業務執行責任者のみが記録できます。",
    );
    expect((await session.engagement!.client.closing({})).subsequent_review).toBe(null);

    // The manager takes the laptop: the refusal was the assessor's, and the button is offered.
    await switchProfile("山田 太郎");
    expect(within(panel()).queryByTestId("closing-error")).toBeNull();
    expect(within(panel()).queryByTestId("subsequent-considered-role-hint")).toBeNull();
    expect(byTestId<HTMLButtonElement>("subsequent-considered-save").disabled).toBe(false);

    // A date not after the period's end is refused beside the date.
    const through = byTestId<HTMLInputElement>("subsequent-considered-date");
    await fireEvent.input(through, { target: { value: "2026-09-30" } });
    await fireEvent.click(byTestId("subsequent-considered-save"));
    expect((await within(panel()).findByTestId("subsequent-considered-problem")).textContent).toBe(
      "検討した最終日 2026-09-30 は対象期間の終了日（2026-09-30）より後にしてください。",
    );
    expect(blockerCodes()).toContain("subsequent_not_considered");

    await fireEvent.input(through, { target: { value: "2026-11-20" } });
    await fireEvent.click(byTestId("subsequent-considered-save"));
    await waitFor(() => expect(byTestId("subsequent-considered-through").dataset.through).toBe("2026-11-20"));
    expect(text("subsequent-considered-through")).toMatch(/^2026-11-20 まで検討済み（山田 太郎・\d{4}-\d{2}-\d{2} \d{2}:\d{2} JST）$/);
    expect(text("closing-notice")).toBe("後発事象の検討を記録しました。");
    expect(within(panel()).queryByTestId("subsequent-considered-problem")).toBeNull();
    // The review screen asked for its check again: the consideration no longer blocks finalizing.
    await waitFor(() => expect(blockerCodes()).not.toContain("subsequent_not_considered"));
    expect(screen.getAllByTestId("finalize-blocker").map((b) => b.dataset.code)).not.toContain("subsequent_not_considered");
  });

  it("is still recorded on a finalized engagement, where the letter and the events can no longer be changed", SLOW, async () => {
    const session = await setup("山田 太郎", "finalized");
    expect(session.locked).toBe(true);
    renderInApp(ClosingPanel, session);
    await screen.findByTestId("representation-view");
    expect(text("closing-locked")).toBe("確定済みのため、経営者確認書と後発事象は変更できません。後発事象の検討は、確定後も記録できます。");
    expect(byTestId<HTMLButtonElement>("representation-edit").disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>("subsequent-add").disabled).toBe(true);
    expect((within(eventRow("SE-001")).getByTestId("subsequent-remove") as HTMLButtonElement).disabled).toBe(true);
    expect(text("subsequent-considered-through")).toContain("まで検討済み（山田 太郎・");

    await fireEvent.input(byTestId("subsequent-considered-date"), { target: { value: "2026-11-30" } });
    await fireEvent.click(byTestId("subsequent-considered-save"));
    await waitFor(() => expect(byTestId("subsequent-considered-through").dataset.through).toBe("2026-11-30"));
    expect(text("subsequent-considered-through")).toContain("2026-11-30 まで検討済み（山田 太郎・");
    expect(session.locked).toBe(true);
  });
});
