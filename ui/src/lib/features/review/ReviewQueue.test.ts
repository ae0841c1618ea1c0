// The reviewer's work queue on the review screen, against the real core:
// what waits for whom, the lists' counts against the dashboard's, the
// filters, and each row opening its item. The demo's team: 高橋 美咲
// (partner), 山田 太郎 (manager), 鈴木 一郎 (reviewer), 佐藤 花子 (assessor).
import { afterEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { join } from "node:path";
import ReviewView from "./ReviewView.svelte";
import DashboardView from "../dashboard/DashboardView.svelte";
import WalkthroughView from "../walkthrough/WalkthroughView.svelte";
import Header from "../shell/Header.svelte";
import { DEMO_PIN, ROLES, switchProfile } from "./review.testing";
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

/** The demo opened by `user`, after the assessor prepared and signed P1 and the reviewer left a note on it. */
async function setup(user: string) {
  setLang("ja");
  core = await startCore({ user, role: ROLES[user] });
  const demo = join(core.dataDir, "demo.ismap");
  await core.client.openDemo({});
  const as = (who: string, ...args: string[]) => core!.cli(args, who);
  as("佐藤 花子", "procedure", "record", demo, P1, "--result", "no_exception", "--work-done", "質問した。");
  as("佐藤 花子", "signoff", demo, P1, "--level", "preparer");
  as("鈴木 一郎", "note", "add", demo, "--on", P1, "件数の根拠を追記してください。");
  const session = await sessionOn(core);
  await core.client.unlockSigningKey({ pin: DEMO_PIN });
  return { session, demo };
}

const rows = () => screen.queryAllByTestId("queue-row");
const tab = (category: string) => screen.getAllByTestId("queue-tab").find((t) => t.dataset.category === category)!;
const tabCount = (category: string) => within(tab(category)).getByTestId("queue-tab-count").textContent;

describe("the reviewer's work queue", () => {
  it("shows the reviewer what waits for his review, with counts that match the dashboard, and opens the item", async () => {
    const { session } = await setup("鈴木 一郎");
    renderInApp(ReviewView, session);
    const queue = await screen.findByTestId("review-queue");
    // The first list holding something of his: P1, prepared and waiting for review.
    await waitFor(() => expect(tab("awaiting_review").getAttribute("aria-selected")).toBe("true"));
    expect(rows().map((r) => r.dataset.itemId)).toEqual([P1]);
    expect(rows()[0].textContent).toContain("査閲者");
    expect(rows()[0].textContent).toContain("特権IDの利用を記録し確認する");

    // The counts are the core's and match the review summary the dashboard shows.
    const summary = await core!.client.reviewSummary({ engagement: session.engagement!.handle });
    const q = await core!.client.reviewQueue({ engagement: session.engagement!.handle, person: "鈴木 一郎" });
    const all = (c: string) => q.counts.find((x) => x.category === c)!.all;
    expect(all("changed_after_signoff")).toBe(summary.changed_after_signoff);
    expect(all("open_note")).toBe(summary.open_notes);
    expect(all("awaiting_review")).toBe(summary.awaiting_review);
    expect(all("awaiting_review") + all("changed_after_signoff") + all("incomplete")).toBe(summary.items - summary.complete);
    expect(tabCount("open_note")).toBe(`0 / 全 ${summary.open_notes} 件`);

    // Everyone's unprepared work, filtered by its reason.
    await fireEvent.click(within(queue).getByTestId("queue-mine"));
    await fireEvent.click(tab("incomplete"));
    expect(tabCount("incomplete")).toBe(`${all("incomplete")} 件`);
    expect(rows().length).toBe(Math.min(all("incomplete"), 200));
    await fireEvent.change(within(queue).getByTestId("queue-filter-code"), { target: { value: "no_result" } });
    expect(rows().length).toBeGreaterThan(0);
    expect(rows().length).toBeLessThan(Math.min(all("incomplete"), 200));
    // Controls wait only for their sign-off; procedures without a result are what is left.
    expect(rows().every((r) => r.textContent?.includes("結果が未記録"))).toBe(true);
    expect(rows().map((r) => r.dataset.itemId)).toContain(P2);

    // A row opens its control in the walkthrough.
    await fireEvent.click(tab("awaiting_review"));
    await fireEvent.click(within(rows()[0]).getByTestId("queue-open"));
    expect(session.screen).toBe("walkthrough");
    expect(session.controlId).toBe(CONTROL);
  });

  it("shows the assessor her notes to answer and her unprepared work, by assignee and group", async () => {
    const { session } = await setup("佐藤 花子");
    renderInApp(ReviewView, session);
    const queue = await screen.findByTestId("review-queue");
    await screen.findAllByTestId("queue-tab");
    await fireEvent.click(tab("open_note"));
    await waitFor(() => expect(rows().length).toBe(1));
    expect(rows()[0].dataset.mine).toBe("true");
    expect(rows()[0].textContent).toContain("件数の根拠を追記してください。");
    // Another person's queue, chosen by name.
    await fireEvent.change(within(queue).getByTestId("queue-person"), { target: { value: "鈴木 一郎" } });
    // His queue opens on his first list that holds something: P1, waiting for his review.
    await waitFor(() => expect(tab("awaiting_review").getAttribute("aria-selected")).toBe("true"));
    expect(rows().map((r) => r.dataset.itemId)).toEqual([P1]);
    // The note waits for her answer, not for him.
    await fireEvent.click(tab("open_note"));
    expect(screen.getByTestId("queue-empty").textContent).toContain("鈴木 一郎");
    // Filters narrow by group.
    await fireEvent.click(within(queue).getByTestId("queue-mine"));
    await fireEvent.click(tab("incomplete"));
    const before = rows().length;
    await fireEvent.change(within(queue).getByTestId("queue-filter-group"), { target: { value: "governance" } });
    expect(rows().length).toBeLessThan(before);
  });

  it("the dashboard says which controls list an exception before they are concluded", async () => {
    const { session } = await setup("佐藤 花子");
    renderInApp(DashboardView, session);
    const note = await screen.findByTestId("dashboard-exception-controls");
    // The demo's E-0001 is on 4.4.1.1/P3, and 4.4.1.1 has procedures without a result: no conclusion yet
    // (the dashboard used to count 例外事項あり 0 beside it without saying why).
    expect(note.textContent?.trim()).toBe("例外事項が記録された管理策 1 件。うち 1 件は手続の結果がそろっていないため、結論（例外事項あり）はまだ出ていません。");
    expect(screen.getAllByTestId("dashboard-exception-unconcluded")).toHaveLength(1);
    // P1, signed by its preparer, waits for review: the dashboard counts it as the queue does.
    expect(screen.getByTestId("dashboard-review-awaiting").textContent).toBe("査閲待ち 1 件");
  });
  it("goes through the queue from the walkthrough: each item opens at its procedure, the next one without going back", async () => {
    const { session, demo } = await setup("鈴木 一郎");
    // A second procedure of the same control and one of another control wait for review too.
    core!.cli(["procedure", "record", demo, P2, "--result", "no_exception", "--work-done", "閲覧した。"], "佐藤 花子");
    core!.cli(["signoff", demo, P2, "--level", "preparer"], "佐藤 花子");
    core!.cli(["procedure", "record", demo, "9.2.1.1/P1", "--result", "no_exception", "--work-done", "閲覧した。"], "佐藤 花子");
    core!.cli(["signoff", demo, "9.2.1.1/P1", "--level", "preparer"], "佐藤 花子");
    renderInApp(ReviewView, session);
    await waitFor(() => expect(rows().map((r) => r.dataset.itemId)).toEqual(["9.2.1.1/P1", P1, P2]));
    await fireEvent.click(within(rows()[1]).getByTestId("queue-open"));
    expect(session.controlId).toBe(CONTROL);
    renderInApp(WalkthroughView, session, { saveDelay: 20, listenForDrops: null });
    const next = await screen.findByTestId("queue-next");
    expect(next.textContent).toBe("作業キューの次へ（2 / 3）");
    await waitFor(() => expect(screen.getAllByTestId("procedure")[0].classList.contains("current")).toBe(true));
    // The next item is P2 of the same control: it becomes the current procedure.
    await fireEvent.click(next);
    await waitFor(() => expect(screen.getAllByTestId("procedure")[1].classList.contains("current")).toBe(true));
    expect(screen.getByTestId("queue-next").textContent).toBe("作業キューの次へ（3 / 3）");
    expect((screen.getByTestId("queue-next") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("queue-back"));
    expect(session.screen).toBe("review");
  });
  it("becomes the queue of whoever takes the laptop", async () => {
    const { session } = await setup("鈴木 一郎");
    renderInApp(Header, session);
    renderInApp(ReviewView, session);
    const select = (await screen.findByTestId("queue-person")) as HTMLSelectElement;
    expect(select.value).toBe("鈴木 一郎");
    await switchProfile("佐藤 花子");
    await waitFor(() => expect(select.value).toBe("佐藤 花子"));
    // Her open note (RN-001 on P1) is hers to answer.
    await fireEvent.click(tab("open_note"));
    await waitFor(() => expect(rows().map((r) => r.dataset.mine)).toEqual(["true"]));
  });
});
