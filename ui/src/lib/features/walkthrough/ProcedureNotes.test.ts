// A review note on a procedure, from its card (issue 18's usage pass: the
// only way was the form at the bottom of the control, set to the control
// as a whole): the card's button chooses the procedure in the notes panel
// and puts the keyboard in its text, and the card counts its open notes.
import { afterEach, beforeEach, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import WalkthroughView from "./WalkthroughView.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

let core: Core;
beforeEach(async () => {
  setLang("ja");
  core = await startCore({ user: "鈴木 一郎", role: "reviewer" });
});
afterEach(async () => {
  await core.stop();
});

it("starts a note on the procedure from its card, and the card counts its open notes", async () => {
  const session = await sessionOn(core);
  session.openControl("9.2.3.11.PB");
  renderInApp(WalkthroughView, session, { saveDelay: 20, listenForDrops: null });
  await screen.findByTestId("control-id");
  const card = () => screen.getAllByTestId("procedure")[1];
  const button = () => within(card()).getByTestId("procedure-note");
  expect(button().dataset.openNotes).toBe("0");

  await fireEvent.click(button());
  const select = screen.getByTestId("note-target-select") as HTMLSelectElement;
  expect(select.selectedOptions[0].textContent).toContain("P2");
  expect(document.activeElement).toBe(screen.getByTestId("note-input"));

  await fireEvent.input(screen.getByTestId("note-input"), { target: { value: "承認者の権限を確認してください。" } });
  await fireEvent.click(screen.getByTestId("note-add-button"));
  await waitFor(() => expect(button().dataset.openNotes).toBe("1"));
  expect(button().textContent?.trim()).toBe("未解消ノート 1");
  const notes = (await session.engagement!.client.reviewSummary({})).notes;
  expect(notes.map((n) => [n.target_kind, n.target_id])).toEqual([["procedure", "9.2.3.11.PB/P2"]]);
});
