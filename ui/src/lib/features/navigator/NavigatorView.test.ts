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

    await fireEvent.click(within(row).getByText("特権IDの付与を承認する"));
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
    const context = within(row).getByTestId("row-context");
    expect([...context.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["特権", "承認"]);

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
});
