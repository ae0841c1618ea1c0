import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, within } from "@testing-library/svelte";
import DashboardView from "./DashboardView.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

describe("dashboard, on the real core", () => {
  let core: Core;
  beforeEach(async () => {
    setLang("ja");
    core = await startCore();
  });
  afterEach(() => core.stop());

  it("shows the engagement's facts, progress, exceptions and overdue requests as the core counts them", async () => {
    const session = await sessionOn(core);
    const engagement = session.engagement!.client;
    // A request due long ago is overdue whatever today is; one received is not.
    await engagement.addPbc({ fields: { item: "アクセス権限一覧", requested_on: "2025-10-01", due: "2025-10-15", from_whom: "情報システム部", status: "requested", notes: "" } });
    await engagement.addPbc({ fields: { item: "変更管理規程", requested_on: "2025-10-01", due: "2025-10-15", from_whom: "", status: "received", notes: "" } });
    renderInApp(DashboardView, session);

    expect((await screen.findByTestId("dashboard-period")).textContent).toBe("2025-10-01 〜 2026-09-30");
    // The report is due three months after the period ends, counted as the civil code counts (the core's rule).
    expect(screen.getByTestId("dashboard-report-due").textContent).toBe("2026-12-31");
    const overdue = screen.getAllByTestId("dashboard-pbc-overdue-row");
    expect(overdue.map((r) => r.dataset.pbcId)).toEqual(["PBC-001"]);
    expect(within(overdue[0]).getByText("アクセス権限一覧")).toBeTruthy();
    expect(screen.getByTestId("dashboard-pbc-link").textContent).toContain("未完了の依頼 1 件");
    // The demo's sampled tests are done: two of fifty controls in progress, none done yet.
    expect(screen.getByText("50 件中 0 件完了")).toBeTruthy();
    // The failed cell of 4.4.1.1's test grid is the demo's one exception; its control opens in the walkthrough.
    const exceptions = screen.getAllByTestId("dashboard-exception");
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0].textContent).toContain("E-0001");
    await fireEvent.click(within(exceptions[0]).getByText("4.4.1.1"));
    expect(session.screen).toBe("walkthrough");
    expect(session.controlId).toBe("4.4.1.1");
  });
});
