// Never losing a keystroke (issue 18, point 6), against the real core: what
// is typed is saved before the window closes and before the engagement is
// left, wherever it was typed; a change that would withdraw a reviewer's
// sign-off is agreed to before anything of it is saved.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { setLang } from "../../i18n/index.svelte";
import { renderInApp, sessionOn } from "../../../test/render";
import { startCore, type Core } from "../../../test/core";
import { openWalkthrough } from "./walkthrough.testing";
import { UnsavedList, type UnsavedWork } from "./autosave";
import WalkthroughView from "./WalkthroughView.svelte";

const card = (index: number) => screen.getAllByTestId("procedure")[index];
/** A quiet time far longer than any test: nothing typed saves by itself. */
const HOUR = 3_600_000;

describe("the list of unsaved work", () => {
  it("says when a save failed, and when the saves did not end in time", async () => {
    const list = new UnsavedList();
    let saved = false;
    let discarded = false;
    const failing: UnsavedWork = { saveNow: async () => {}, unsaved: () => !saved, discard: () => (discarded = true) };
    list.hold(failing);
    expect(await list.saveAll(60_000)).toBe("failed");
    saved = true;
    expect(await list.saveAll(60_000)).toBe("saved");
    expect(list.any()).toBe(false);

    // A save that never ends: the wait ends at the timeout, and the work stays listed until dropped.
    const hung: UnsavedWork = { saveNow: () => new Promise<void>(() => {}), unsaved: () => true, discard: () => (discarded = true) };
    list.hold(hung);
    expect(await list.saveAll(10)).toBe("timeout");
    expect(list.any()).toBe(true);
    list.discardAll();
    expect([discarded, list.any()]).toEqual([true, false]);
  });
});

describe("saving everything typed, on the real core", () => {
  let core: Core;
  beforeEach(async () => {
    core = await startCore();
  });
  afterEach(() => core.stop());

  it("saves a text still waiting for its quiet time when the window is asked to close", async () => {
    // A quiet time far longer than the test: only the close request can save it.
    const { session } = await openWalkthrough(core, "5.1.1.1", undefined, HOUR);
    await fireEvent.input(within(card(0)).getByTestId("work-done"), { target: { value: "閉じる直前に入力した。" } });
    const engagement = session.engagement!;
    expect((await engagement.client.controlDetail({ control_id: "5.1.1.1" })).procedures[0].procedure.work_done).toBe("");

    expect(await session.mayCloseWindow()).toBe(true);
    expect(session.unsavedProblem).toBeNull();
    expect((await engagement.client.controlDetail({ control_id: "5.1.1.1" })).procedures[0].procedure.work_done).toBe("閉じる直前に入力した。");
  });

  it("saves what was typed before going to the start screen, after the walkthrough is gone too", async () => {
    const { session, unmount } = await openWalkthrough(core, "5.1.1.1", undefined, HOUR);
    await fireEvent.input(within(card(0)).getByTestId("notes"), { target: { value: "スタート画面へ戻る前のメモ" } });
    const engagement = session.engagement!;
    await session.close();
    expect(session.screen).toBe("start");
    unmount();
    expect((await engagement.client.controlDetail({ control_id: "5.1.1.1" })).procedures[0].procedure.notes).toBe("スタート画面へ戻る前のメモ");
  });

  it("asks before leaving the engagement when what was typed cannot be saved, and leaves once it is", async () => {
    const { session } = await openWalkthrough(core, "5.1.1.1", undefined, HOUR);
    const engagement = session.engagement!;
    // The engagement's file is out of reach (a network drive gone, say) when the user goes to the start screen.
    const file = join(core.dataDir, "demo.ismap");
    renameSync(file, `${file}.away`);
    await fireEvent.input(within(card(0)).getByTestId("work-done"), { target: { value: "保存できないときの入力" } });
    await session.close();
    expect(session.screen).toBe("walkthrough");
    expect(session.unsavedProblem?.outcome).toBe("failed");
    expect(session.unsavedProblem?.leaving).not.toBeNull();
    // Back in reach: trying again saves it, and the start screen follows.
    renameSync(`${file}.away`, file);
    const leaving = session.unsavedProblem!.leaving!;
    expect(await session.retryUnsaved()).toBe(true);
    await leaving();
    expect([session.screen, session.unsavedProblem]).toEqual(["start", null]);
    expect((await engagement.client.controlDetail({ control_id: "5.1.1.1" })).procedures[0].procedure.work_done).toBe("保存できないときの入力");
  });

  it("asks before the first change of a procedure a reviewer signed, and saves nothing when declined", async () => {
    const P1 = "9.2.3.11.PB/P1";
    const demo = join(core.dataDir, "signed.ismap");
    core.cli(["demo", "--out", demo, "--without-keys"]);
    core.cli(["procedure", "record", demo, P1, "--result", "no_exception", "--work-done", "質問した。"], "佐藤 花子");
    core.cli(["signoff", demo, P1, "--level", "preparer"], "佐藤 花子");
    core.cli(["signoff", demo, P1, "--level", "reviewer"], "鈴木 一郎");
    setLang("ja");
    const session = await sessionOn(core, false);
    await session.show(await core.open(demo));
    session.openControl("9.2.3.11.PB");
    renderInApp(WalkthroughView, session, { saveDelay: 20 });
    await screen.findByTestId("control-id");
    const engagement = session.engagement!;
    const reviewers = async () =>
      (await engagement.client.controlDetail({ control_id: "9.2.3.11.PB" })).procedures[0].review.signoffs.map((s) => s.level);
    expect(await reviewers()).toEqual(["preparer", "reviewer"]);

    // Declined: the field shows the stored text again and nothing is saved.
    const work = within(card(0)).getByTestId("work-done") as HTMLTextAreaElement;
    await fireEvent.input(work, { target: { value: "質問した。追記" } });
    const warning = await screen.findByTestId("signed-warning");
    expect(within(warning).getByTestId("signed-warning-procedure").textContent).toContain("鈴木 一郎");
    await fireEvent.click(within(warning).getByTestId("signed-cancel"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    expect(work.value).toBe("質問した。");
    // A result chosen is asked about too, and declining keeps the stored one.
    await fireEvent.click(within(card(0)).getByTestId("result-exception"));
    await fireEvent.click(within(await screen.findByTestId("signed-warning")).getByTestId("signed-cancel"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    expect(within(card(0)).getByTestId("result-no_exception").getAttribute("aria-pressed")).toBe("true");
    expect(await reviewers()).toEqual(["preparer", "reviewer"]);
    const stored = (await engagement.client.controlDetail({ control_id: "9.2.3.11.PB" })).procedures[0].procedure;
    expect([stored.work_done, stored.result]).toEqual(["質問した。", "no_exception"]);

    // Agreed: the edit is saved, the core withdraws the reviewer's sign-off,
    // and further typing in the procedure is not asked about again.
    await fireEvent.input(work, { target: { value: "質問した。追記" } });
    await fireEvent.click(within(await screen.findByTestId("signed-warning")).getByTestId("signed-continue"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    await fireEvent.input(work, { target: { value: "質問した。追記2" } });
    expect(screen.queryByTestId("signed-warning")).toBeNull();
    await waitFor(async () => expect((await engagement.client.controlDetail({ control_id: "9.2.3.11.PB" })).procedures[0].procedure.work_done).toBe("質問した。追記2"));
    expect(await reviewers()).toEqual(["preparer"]);
    // A procedure nobody signed is changed without asking.
    await fireEvent.input(within(card(1)).getByTestId("work-done"), { target: { value: "閲覧した。" } });
    expect(screen.queryByTestId("signed-warning")).toBeNull();
    await waitFor(() => expect(screen.getByTestId("save-state").dataset.state).toBe("saved"));
  });

  it("asks before changing a procedure only its preparer signed when a reviewer signed its control, naming the control's reviewer", async () => {
    const demo = join(core.dataDir, "control-signed.ismap");
    core.cli(["demo", "--out", demo, "--without-keys"]);
    for (const p of ["P1", "P2", "P3"]) {
      core.cli(["procedure", "record", demo, `9.2.3.11.PB/${p}`, "--result", "no_exception", "--work-done", "質問した。"], "佐藤 花子");
    }
    core.cli(["signoff", demo, "9.2.3.11.PB/P1", "--level", "preparer"], "佐藤 花子");
    core.cli(["signoff", demo, "9.2.3.11.PB", "--level", "preparer"], "佐藤 花子");
    core.cli(["signoff", demo, "9.2.3.11.PB", "--level", "reviewer"], "鈴木 一郎");
    setLang("ja");
    const session = await sessionOn(core, false);
    await session.show(await core.open(demo));
    session.openControl("9.2.3.11.PB");
    renderInApp(WalkthroughView, session, { saveDelay: 20 });
    await screen.findByTestId("control-id");
    const engagement = session.engagement!;
    const controlSigners = async () => (await engagement.client.controlDetail({ control_id: "9.2.3.11.PB" })).review?.signoffs.map((s) => s.level);

    // P1 carries only its preparer's sign-off: the warning names the
    // control's reviewer, whose sign-off covers P1's content, and no
    // reviewer of P1.
    const work = within(card(0)).getByTestId("work-done") as HTMLTextAreaElement;
    await fireEvent.input(work, { target: { value: "質問した。追記" } });
    const warning = await screen.findByTestId("signed-warning");
    expect(within(warning).queryByTestId("signed-warning-procedure")).toBeNull();
    expect(within(warning).getByTestId("signed-warning-control").textContent).toBe(
      "管理策 9.2.3.11.PB には査閲者の署名があります（査閲者：鈴木 一郎）。手続を変更すると、管理策の署名も取り消されます。",
    );
    await fireEvent.click(within(warning).getByTestId("signed-continue"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    await waitFor(async () => expect(await controlSigners()).toEqual(["preparer"]));
    // Nothing is left for a change to withdraw: P2 is changed without asking.
    // Once the page shows the control changed, it holds the core's word that nothing is left to withdraw.
    await waitFor(() => expect(document.querySelector<HTMLElement>('[data-testid="signoff-bar"][data-item-id="9.2.3.11.PB"]')?.dataset.changed).toBe("true"));
    expect((await engagement.client.controlDetail({ control_id: "9.2.3.11.PB" })).procedures[1].withdrawn_by_change).toEqual([]);
    await fireEvent.input(within(card(1)).getByTestId("work-done"), { target: { value: "質問した。再確認" } });
    expect(screen.queryByTestId("signed-warning")).toBeNull();
    await waitFor(() => expect(screen.getByTestId("save-state").dataset.state).toBe("saved"));
  });
});

