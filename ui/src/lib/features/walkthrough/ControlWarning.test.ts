// A change of a control's own content (its scope decision, a procedure
// added or removed, a change during the period) withdraws the reviewer's
// sign-off on the control, as a change of a procedure does (issue 18).
// Against the real core: the walkthrough asks before the first such change
// of a control a reviewer signed, naming that sign-off as the core does
// (`ControlDetail.withdrawn_by_change`); declined, nothing changes and the
// sign-off stands; agreed, the change is made and the core withdraws it.
// A control only its preparer signed is changed without asking.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { join } from "node:path";
import { setLang } from "../../i18n/index.svelte";
import { renderInApp, sessionOn } from "../../../test/render";
import { startCore, type Core } from "../../../test/core";
import type { OpenEngagement } from "../../engagement.svelte";
import WalkthroughView from "./WalkthroughView.svelte";

const ID = "9.2.3.11.PB";

describe("a change of a control a reviewer signed", () => {
  let core: Core;
  beforeEach(async () => {
    core = await startCore();
  });
  afterEach(() => core.stop());

  /**
   * The demo with the control's three procedures recorded by 佐藤 花子 and
   * the control signed by her as preparer and, unless `reviewed` is false,
   * by 鈴木 一郎 as reviewer; opened at the control.
   */
  async function open(reviewed = true): Promise<OpenEngagement> {
    const demo = join(core.dataDir, "signed-control.ismap");
    core.cli(["demo", "--out", demo]);
    for (const p of ["P1", "P2", "P3"]) {
      core.cli(["procedure", "record", demo, `${ID}/${p}`, "--result", "no_exception", "--work-done", "質問した。"], "佐藤 花子");
    }
    core.cli(["signoff", demo, ID, "--level", "preparer"], "佐藤 花子");
    if (reviewed) core.cli(["signoff", demo, ID, "--level", "reviewer"], "鈴木 一郎");
    setLang("ja");
    const session = await sessionOn(core, false);
    await session.show(await core.open(demo));
    session.openControl(ID);
    renderInApp(WalkthroughView, session, { saveDelay: 20 });
    await screen.findByTestId("control-id");
    return session.engagement!;
  }

  /** The control as the core has it now: its scope, its procedures and the levels of its standing sign-offs. */
  async function stored(engagement: OpenEngagement) {
    const d = await engagement.client.controlDetail({ control_id: ID });
    return { scope: d.scope, procedures: d.procedures.length, signers: d.review?.signoffs.map((s) => s.level) };
  }

  const radio = (decision: string) => screen.getByTestId(`scope-${decision}`) as HTMLInputElement;

  it("asks before its scope changes: Cancel and Escape keep the scope and the sign-off, Continue changes it and the sign-off is withdrawn", async () => {
    const engagement = await open();
    expect(await stored(engagement)).toEqual({ scope: "in_scope", procedures: 3, signers: ["preparer", "reviewer"] });

    // Choosing another decision asks first, naming the reviewer; the keyboard is on the button that changes nothing.
    await fireEvent.click(radio("not_adopted"));
    const warning = await screen.findByTestId("signed-warning");
    expect(within(warning).getByTestId("signed-warning-control").textContent).toBe(
      `管理策 ${ID} には査閲者の署名があります（査閲者：鈴木 一郎）。この管理策を変更すると、この署名は取り消されます。`,
    );
    expect(within(warning).queryByTestId("signed-warning-procedure")).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(within(warning).getByTestId("signed-cancel")));

    // Cancel: the stored decision is shown again, and nothing was sent.
    await fireEvent.click(within(warning).getByTestId("signed-cancel"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    expect([radio("in_scope").checked, radio("not_adopted").checked]).toEqual([true, false]);
    expect(screen.queryByTestId("scope-reason")).toBeNull();
    expect(await stored(engagement)).toEqual({ scope: "in_scope", procedures: 3, signers: ["preparer", "reviewer"] });

    // Escape answers as Cancel does.
    await fireEvent.click(radio("liu_excluded"));
    await screen.findByTestId("signed-warning");
    await fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    expect([radio("in_scope").checked, radio("liu_excluded").checked]).toEqual([true, false]);
    expect(await stored(engagement)).toEqual({ scope: "in_scope", procedures: 3, signers: ["preparer", "reviewer"] });

    // Continue: the decision is taken, its reason typed without asking again, and saved.
    await fireEvent.click(radio("not_adopted"));
    await fireEvent.click(within(await screen.findByTestId("signed-warning")).getByTestId("signed-continue"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    const reason = await screen.findByTestId("scope-reason");
    await fireEvent.input(reason, { target: { value: "言明書に記載のとおり、事業者は採用していない。" } });
    expect(screen.queryByTestId("signed-warning")).toBeNull();
    await fireEvent.click(screen.getByTestId("scope-save"));
    await waitFor(async () => expect((await stored(engagement)).scope).toBe("not_adopted"));
    expect(screen.queryByTestId("signed-warning")).toBeNull();
    // The core withdrew the reviewer's sign-off: the preparer's alone stands (marked as changed after it).
    expect((await stored(engagement)).signers).toEqual(["preparer"]);
  });

  it("asks before a procedure is added: Cancel sends nothing and keeps what was typed, Continue adds it and the sign-off is withdrawn", async () => {
    const engagement = await open();
    await fireEvent.click(screen.getByTestId("procedure-add"));
    const text = screen.getByTestId("procedure-new-text") as HTMLTextAreaElement;
    await fireEvent.input(text, { target: { value: "アクセス権の棚卸の記録を閲覧する。" } });
    await fireEvent.click(screen.getByTestId("procedure-add-save"));
    const warning = await screen.findByTestId("signed-warning");
    expect(within(warning).getByTestId("signed-warning-control").textContent).toContain("鈴木 一郎");
    await fireEvent.click(within(warning).getByTestId("signed-cancel"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    expect((screen.getByTestId("procedure-new-text") as HTMLTextAreaElement).value).toBe("アクセス権の棚卸の記録を閲覧する。");
    expect(await stored(engagement)).toEqual({ scope: "in_scope", procedures: 3, signers: ["preparer", "reviewer"] });

    await fireEvent.click(screen.getByTestId("procedure-add-save"));
    await fireEvent.click(within(await screen.findByTestId("signed-warning")).getByTestId("signed-continue"));
    await waitFor(() => expect(screen.getAllByTestId("procedure")).toHaveLength(4));
    expect(await stored(engagement)).toEqual({ scope: "in_scope", procedures: 4, signers: ["preparer"] });
  });

  it("asks before a change during the period is recorded, and removing a procedure asks in its place of the card's confirmation", async () => {
    const engagement = await open();
    await fireEvent.click(screen.getByTestId("control-change-open"));
    await fireEvent.input(screen.getByTestId("control-change-effective"), { target: { value: "2026-07-01" } });
    const kind = screen.getByTestId("control-change-kind") as HTMLSelectElement;
    await waitFor(() => expect(kind.options.length).toBeGreaterThan(1));
    await fireEvent.change(kind, { target: { value: "regulations" } });
    await fireEvent.input(screen.getByTestId("control-change-before"), { target: { value: "半期ごとに見直す" } });
    await fireEvent.input(screen.getByTestId("control-change-text"), { target: { value: "四半期ごとに見直す" } });
    await fireEvent.click(screen.getByTestId("control-change-save"));
    await fireEvent.click(within(await screen.findByTestId("signed-warning")).getByTestId("signed-cancel"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    // Not sent: the form is still open with what was typed.
    expect((screen.getByTestId("control-change-text") as HTMLTextAreaElement).value).toBe("四半期ごとに見直す");
    expect((await engagement.client.controlDetail({ control_id: ID })).changes).toHaveLength(0);

    // Removing a procedure: the warning, in the words of a removal, is the one confirmation asked for.
    const third = screen.getAllByTestId("procedure")[2];
    await fireEvent.click(within(third).getByTestId("procedure-remove"));
    const warning = await screen.findByTestId("signed-warning");
    expect(within(third).queryByTestId("procedure-remove-confirm")).toBeNull();
    expect(within(warning).getByTestId("signed-warning-control").textContent).toBe(
      `管理策 ${ID} には査閲者の署名があります（査閲者：鈴木 一郎）。手続を削除すると、管理策の署名も取り消されます。`,
    );
    expect(within(warning).getByTestId("signed-continue").textContent).toBe("この手続を削除する（署名は取り消されます）");
    await fireEvent.click(within(warning).getByTestId("signed-cancel"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    expect(await stored(engagement)).toEqual({ scope: "in_scope", procedures: 3, signers: ["preparer", "reviewer"] });
  });

  it("asks nothing when only the preparer signed the control", async () => {
    const engagement = await open(false);
    expect((await stored(engagement)).signers).toEqual(["preparer"]);
    await fireEvent.click(screen.getByTestId("procedure-add"));
    await fireEvent.input(screen.getByTestId("procedure-new-text"), { target: { value: "アクセス権の棚卸の記録を閲覧する。" } });
    await fireEvent.click(screen.getByTestId("procedure-add-save"));
    await waitFor(() => expect(screen.getAllByTestId("procedure")).toHaveLength(4));
    expect(screen.queryByTestId("signed-warning")).toBeNull();

    await fireEvent.click(radio("not_adopted"));
    await fireEvent.input(await screen.findByTestId("scope-reason"), { target: { value: "言明書に記載のとおり、事業者は採用していない。" } });
    await fireEvent.click(screen.getByTestId("scope-save"));
    await waitFor(async () => expect((await stored(engagement)).scope).toBe("not_adopted"));
    expect(screen.queryByTestId("signed-warning")).toBeNull();
  });
  it("asks before a control objective is excluded when that withdraws reviewers' sign-offs on the basic-statement controls it exempts", async () => {
    const BASIC = "5.1.1.2.B";
    const demo = join(core.dataDir, "signed-basic.ismap");
    core.cli(["demo", "--out", demo]);
    for (const p of ["P1", "P2", "P3"]) {
      core.cli(["procedure", "record", demo, `${BASIC}/${p}`, "--result", "no_exception", "--work-done", "閲覧した。"], "佐藤 花子");
    }
    core.cli(["signoff", demo, BASIC, "--level", "preparer"], "佐藤 花子");
    core.cli(["signoff", demo, BASIC, "--level", "reviewer"], "鈴木 一郎");
    setLang("ja");
    const session = await sessionOn(core, false);
    await session.show(await core.open(demo));
    session.openControl(BASIC);
    renderInApp(WalkthroughView, session, { saveDelay: 20 });
    await screen.findByTestId("control-id");
    const engagement = session.engagement!;
    const levels = async () => (await engagement.client.controlDetail({ control_id: BASIC })).review?.signoffs.map((s) => s.level);

    await fireEvent.click(screen.getByTestId("objective-exclude"));
    await fireEvent.input(screen.getByTestId("objective-reason"), { target: { value: "採用していない" } });
    await fireEvent.click(screen.getByTestId("objective-exclude-save"));
    const warning = await screen.findByTestId("signed-warning");
    expect(warning.textContent).toContain("統制目標 5.1.1");
    expect(warning.textContent).toContain("5.1.1.2.B の査閲者：鈴木 一郎");
    await fireEvent.click(within(warning).getByTestId("signed-cancel"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    // Taken back: the form stays as typed, nothing changed in the core.
    expect((screen.getByTestId("objective-reason") as HTMLInputElement).value).toBe("採用していない");
    expect(await levels()).toEqual(["preparer", "reviewer"]);

    await fireEvent.click(screen.getByTestId("objective-exclude-save"));
    await fireEvent.click(within(await screen.findByTestId("signed-warning")).getByTestId("signed-continue"));
    await screen.findByTestId("objective-excluded");
    expect(await levels()).toEqual(["preparer"]);
  });
  it("never takes the answer to one warning for another asked meanwhile", async () => {
    const engagement = await open();
    const cards = () => screen.getAllByTestId("procedure");
    // A change of P1 asks first (the control's reviewer signed); before the answer, P2's removal is asked for too.
    await fireEvent.input(within(cards()[0]).getByTestId("work-done"), { target: { value: "質問し、記録を閲覧した。" } });
    const first = await screen.findByTestId("signed-warning");
    expect(within(first).getByTestId("signed-continue").textContent).toBe("変更する（署名は取り消されます）");
    await fireEvent.click(within(cards()[1]).getByTestId("procedure-remove"));
    // Yes to the change of P1 is not yes to removing P2: that is asked in its own words.
    await fireEvent.click(within(first).getByTestId("signed-continue"));
    await waitFor(() => expect(within(screen.getByTestId("signed-warning")).getByTestId("signed-continue").textContent).toBe("この手続を削除する（署名は取り消されます）"));
    await fireEvent.click(within(screen.getByTestId("signed-warning")).getByTestId("signed-cancel"));
    await waitFor(() => expect(screen.queryByTestId("signed-warning")).toBeNull());
    await waitFor(async () => expect((await stored(engagement)).procedures).toBe(3));
    expect(cards()).toHaveLength(3);
  });
});
