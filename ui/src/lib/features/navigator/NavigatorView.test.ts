import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import NavigatorView from "./NavigatorView.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

describe("navigator screen, on the real core", () => {
  let core: Core;
  beforeEach(async () => {
    setLang("ja");
    core = await startCore();
  });
  afterEach(() => core.stop());

  const rowIds = () => screen.getAllByTestId("control-row").map((r) => r.dataset.id);

  it("lists the domains expanded, filters by search and status, and opens a control in the walkthrough", async () => {
    const session = await sessionOn(core);
    renderInApp(NavigatorView, session);
    // Domains start expanded: their categories show.
    expect(rowIds()).toContain("9.2");
    expect(screen.getByText("詳細管理策 50 件")).toBeTruthy();

    // The list has headers for its aligned columns.
    const header = screen.getByTestId("control-list-header").textContent ?? "";
    for (const word of ["状況", "結果", "手続", "例外事項", "担当者"]) expect(header).toContain(word);

    await fireEvent.input(screen.getByTestId("navigator-search"), { target: { value: "特権" } });
    await waitFor(() => expect(rowIds()).toEqual(["9", "9.2", "9.2.3", "9.2.3.1", "9.2.3.11.PB"]));
    expect(screen.getByTestId("navigator-found").textContent).toBe("2 件が該当");

    await fireEvent.change(screen.getByTestId("filter-status"), { target: { value: "in_progress" } });
    expect(rowIds()).toEqual(["9", "9.2", "9.2.3", "9.2.3.1"]);
    const row = screen.getAllByTestId("control-row").find((r) => r.dataset.id === "9.2.3.1")!;
    expect(row.textContent).toContain("実施中");

    // Its title reads whole, the searched word marked in it.
    expect(row.querySelector(".title")!.textContent).toBe("特権IDの付与を承認する");
    await fireEvent.click(row.querySelector("button.open")!);
    expect(session.screen).toBe("walkthrough");
    expect(session.controlId).toBe("9.2.3.1");
    // The filters stay for the next visit.
    expect(session.filter.query).toBe("特権");
  });

  it("finds several words together in the criterion text and shows each hit's context, or says that nothing matched", async () => {
    const session = await sessionOn(core);
    renderInApp(NavigatorView, session);
    await fireEvent.input(screen.getByTestId("navigator-search"), { target: { value: "特権　承認" } });
    await waitFor(() => expect(rowIds()).toEqual(["9", "9.2", "9.2.3", "9.2.3.1"]));
    const row = screen.getAllByTestId("control-row").find((r) => r.dataset.id === "9.2.3.1")!;
    // Both words are in its title, so they are marked there, with no line of context repeating it.
    expect([...row.querySelectorAll(".title mark")].map((m) => m.textContent)).toEqual(["特権", "承認"]);
    expect(within(row).queryByTestId("row-context")).toBeNull();

    // A word only in the English criterion text shows that text as context under the title.
    await fireEvent.input(screen.getByTestId("navigator-search"), { target: { value: "grants" } });
    await waitFor(() => expect(rowIds()).toContain("9.2.3.1"));
    const english = screen.getAllByTestId("control-row").find((r) => r.dataset.id === "9.2.3.1")!;
    expect([...within(english).getByTestId("row-context").querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["Grants"]);

    // English words of the criterion text, any case.
    await fireEvent.input(screen.getByTestId("navigator-search"), { target: { value: "GRANTS approved" } });
    await waitFor(() => expect(rowIds()).toEqual(["9", "9.2", "9.2.3", "9.2.3.1"]));

    await fireEvent.input(screen.getByTestId("navigator-search"), { target: { value: "存在しない語句" } });
    await waitFor(() => expect(screen.getByTestId("navigator-empty").textContent).toContain("「存在しない語句」に一致する管理策はありません"));
    expect(screen.queryAllByTestId("control-row")).toEqual([]);
    await fireEvent.click(within(screen.getByTestId("navigator-empty")).getByRole("button"));
    expect(session.filter.query).toBe("");
    expect(rowIds()).toContain("9.2");
  });
  it("moves between rows with ↑ and ↓, and opens and closes headings with → and ←", async () => {
    const session = await sessionOn(core);
    renderInApp(NavigatorView, session);
    const rowButton = (id: string) => screen.getAllByTestId("control-row").find((r) => r.dataset.id === id)!.querySelector("button")!;
    const focusedRow = () => (document.activeElement as HTMLElement).closest<HTMLElement>('[data-testid="control-row"]')?.dataset.id;
    // From the domain 9's heading down into its first category (9.2 in the sample catalog).
    rowButton("9").focus();
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    await waitFor(() => expect(focusedRow()).toBe("9.2"));
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowUp" });
    await waitFor(() => expect(focusedRow()).toBe("9"));
    // ← closes the heading, → opens it again.
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowLeft" });
    expect(rowIds()).not.toContain("9.2");
    await fireEvent.keyDown(document.activeElement!, { key: "ArrowRight" });
    expect(rowIds()).toContain("9.2");
    // End goes to the last row, scrolled into the DOM.
    await fireEvent.keyDown(document.activeElement!, { key: "End" });
    await waitFor(() => expect(focusedRow()).toBe(rowIds().at(-1)));
  });
});
