// Keyboard flow over a day's work, against the real core (issue 18, point
// 2): Escape closes the shortcut overlay that F1 opened, Ctrl+G jumps from
// any screen (not only the walkthrough), and Alt+↓ from a control just
// opened goes to its first procedure.
import { afterEach, beforeEach, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import Header from "../shell/Header.svelte";
import DashboardView from "../dashboard/DashboardView.svelte";
import WalkthroughView from "./WalkthroughView.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

let core: Core;
beforeEach(async () => {
  setLang("ja");
  core = await startCore();
});
afterEach(async () => {
  await core.stop();
});

it("closes the shortcut overlay with Escape, as the overlay says", async () => {
  const session = await sessionOn(core);
  session.openControl("9.2.3.11.PB");
  renderInApp(WalkthroughView, session, { saveDelay: 20, listenForDrops: null });
  await screen.findByTestId("control-id");
  await fireEvent.keyDown(window, { key: "F1", code: "F1" });
  const help = await screen.findByTestId("shortcut-help");
  // Escape pressed inside the overlay (where the focus is) closes it.
  await fireEvent.keyDown(within(help).getAllByRole("button")[0], { key: "Escape", code: "Escape" });
  await waitFor(() => expect(screen.queryByTestId("shortcut-help")).toBeNull());
});

it("jumps with Ctrl+G from the dashboard, not only from the walkthrough", async () => {
  const session = await sessionOn(core);
  renderInApp(Header, session);
  renderInApp(DashboardView, session);
  await screen.findByTestId("engagement-name");
  await fireEvent.keyDown(window, { key: "g", code: "KeyG", ctrlKey: true });
  await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("jump-input")));
});

it("goes to the first procedure with Alt+↓ from a control just opened, then to the next", async () => {
  const session = await sessionOn(core);
  session.openControl("9.2.3.11.PB");
  renderInApp(WalkthroughView, session, { saveDelay: 20, listenForDrops: null });
  await screen.findByTestId("control-id");
  const workDone = (i: number) => within(screen.getAllByTestId("procedure")[i]).getByTestId("work-done");
  await fireEvent.keyDown(window, { key: "ArrowDown", code: "ArrowDown", altKey: true });
  await waitFor(() => expect(document.activeElement).toBe(workDone(0)));
  await fireEvent.keyDown(window, { key: "ArrowDown", code: "ArrowDown", altKey: true });
  await waitFor(() => expect(document.activeElement).toBe(workDone(1)));
});

it("goes through the controls the list's filter found with Alt+→, and says so", async () => {
  const session = await sessionOn(core);
  // The demo's two controls with procedures assigned to the assessor (its sampled tests).
  session.filter = { ...session.filter, assignee: "佐藤 花子" };
  session.openControl("4.4.1.1");
  renderInApp(WalkthroughView, session, { saveDelay: 20, listenForDrops: null });
  await screen.findByTestId("control-id");
  expect(screen.getByTestId("walk-position").textContent).toBe("1 / 2（一覧で絞り込み中）");
  await fireEvent.keyDown(window, { key: "ArrowRight", code: "ArrowRight", altKey: true });
  await waitFor(() => expect(session.controlId).toBe("9.2.3.1"));
  expect(screen.getByTestId("walk-position").textContent).toBe("2 / 2（一覧で絞り込み中）");
  // The sticky bar names the control, which stays in view below its procedures.
  await waitFor(() => expect(screen.getByTestId("bar-control-id").textContent).toBe("9.2.3.1"));

  // Without a filter, next is the next control of the catalog.
  session.filter = { ...session.filter, assignee: "" };
  await waitFor(() => expect(screen.getByTestId("walk-position").textContent).toMatch(/^\d+ \/ 50$/));
});

it("opens a control at the procedure an item of the work queue names, current and focused", async () => {
  const session = await sessionOn(core);
  session.openControl("9.2.3.11.PB", "9.2.3.11.PB/P3");
  renderInApp(WalkthroughView, session, { saveDelay: 20, listenForDrops: null });
  await screen.findByTestId("control-id");
  const third = () => screen.getAllByTestId("procedure")[2];
  await waitFor(() => expect(third().classList.contains("current")).toBe(true));
  expect(third().contains(document.activeElement)).toBe(true);
  expect(screen.getAllByTestId("procedure")[0].classList.contains("current")).toBe(false);
  expect(session.openAt).toBe(null);
});
