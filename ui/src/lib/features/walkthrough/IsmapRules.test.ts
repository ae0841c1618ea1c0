// The ISMAP rules the walkthrough shows and records, on the real core:
// changed controls and their versions, the exclusion of a control objective,
// assessment targets, and the warning on an odd as-of date.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openWalkthrough } from "./walkthrough.testing";
import { startCore, type Core } from "../../../test/core";

describe("ISMAP rules in the walkthrough, on the real core", () => {
  let core: Core;
  beforeEach(async () => {
    core = await startCore();
  });
  afterEach(() => core.stop());

  it("shows the versions of the demo's changed control and the version of each sample item in the grid", async () => {
    await openWalkthrough(core, "4.4.1.1");
    const versions = await screen.findAllByTestId("control-version");
    expect(versions.map((v) => v.textContent?.replace(/\s+/g, " ").trim().slice(0, 40))).toEqual([
      expect.stringContaining("版 1 2025-10-01 〜 2026-03-31 期首時点"),
      expect.stringContaining("版 2 2026-04-01 〜 2026-09-30 CHG-001"),
    ]);
    // The sampled procedure's grid: each item carries the version in force on its date.
    const grid = await screen.findByTestId("test-grid");
    const marks = within(grid).getAllByTestId("grid-item-version").map((m) => m.textContent);
    expect(marks).toHaveLength(25);
    expect(new Set(marks)).toEqual(new Set(["版 1", "版 2"]));
    expect(screen.getByTestId("grid-versions").textContent).toContain("版 2（2026-04-01 〜 2026-09-30）: 母集団 62 件");
    expect(screen.queryByTestId("grid-version-untested")).toBeNull();
  });

  it("records a change with its date and kind, refusing a date outside the period at its field, and takes it back", async () => {
    const { engagement } = await openWalkthrough(core, "9.2.3.11.PB");
    expect(screen.queryAllByTestId("control-version")).toHaveLength(0);
    await fireEvent.click(screen.getByTestId("control-change-open"));
    await fireEvent.input(screen.getByTestId("control-change-effective"), { target: { value: "2026-10-01" } });
    const kind = screen.getByTestId("control-change-kind") as HTMLSelectElement;
    await waitFor(() => expect(kind.options.length).toBe(6));
    await fireEvent.change(kind, { target: { value: "regulations" } });
    await fireEvent.input(screen.getByTestId("control-change-before"), { target: { value: "半期ごとに見直す" } });
    await fireEvent.input(screen.getByTestId("control-change-text"), { target: { value: "四半期ごとに見直す" } });
    await fireEvent.click(screen.getByTestId("control-change-save"));
    const problem = await screen.findByTestId("control-change-effective-problem");
    expect(problem.textContent).toContain("変更日 2026-10-01 は、対象期間の初日（2025-10-01）より後、最終日（2026-09-30）以前");
    expect((await engagement.client.controlDetail({ control_id: "9.2.3.11.PB" })).changes).toHaveLength(0);

    await fireEvent.input(screen.getByTestId("control-change-effective"), { target: { value: "2026-07-01" } });
    await fireEvent.click(screen.getByTestId("control-change-save"));
    await waitFor(() => expect(screen.getAllByTestId("control-version")).toHaveLength(2));
    expect(screen.getAllByTestId("control-version")[0].textContent).toContain("半期ごとに見直す");
    expect(screen.getAllByTestId("control-version")[1].textContent).toContain("CHG-002: 規程・手順の変更");

    await fireEvent.click(screen.getByTestId("control-change-remove"));
    await fireEvent.click(screen.getByTestId("control-change-remove-confirm"));
    await waitFor(() => expect(screen.queryAllByTestId("control-version")).toHaveLength(0));
    expect((await engagement.client.controlDetail({ control_id: "9.2.3.11.PB" })).changes).toHaveLength(0);
  });

  it("adopts an excluded objective again, which takes back its basic control's exemption, and excludes it with a reason", async () => {
    const { engagement } = await openWalkthrough(core, "10.1.1.2.B");
    expect(screen.getByTestId("objective-excluded").textContent).toContain("利用者データの暗号化は");
    expect(screen.getByTestId("scope-exempt")).toBeTruthy();
    await fireEvent.click(screen.getByTestId("objective-adopt"));
    await waitFor(() => expect(screen.queryByTestId("scope-exempt")).toBeNull());
    // The control's own decision is offered again, as for any control in scope.
    expect((screen.getByTestId("scope-in_scope") as HTMLInputElement).checked).toBe(true);
    expect((await engagement.client.controlDetail({ control_id: "10.1.1.2.B" })).scope).toBe("in_scope");

    // Excluding needs a reason, refused beside it; with one, the .B control is exempt again.
    await fireEvent.click(screen.getByTestId("objective-exclude"));
    // The reason recorded before is offered again; emptied, it is refused.
    expect((screen.getByTestId("objective-reason") as HTMLInputElement).value).toContain("利用者データの暗号化は");
    await fireEvent.input(screen.getByTestId("objective-reason"), { target: { value: " " } });
    await fireEvent.click(screen.getByTestId("objective-exclude-save"));
    expect((await screen.findByTestId("objective-problem")).textContent).toBe("入力してください。");
    await fireEvent.input(screen.getByTestId("objective-reason"), { target: { value: "利用者の責任範囲とした" } });
    await fireEvent.click(screen.getByTestId("objective-exclude-save"));
    await waitFor(() => expect(screen.getByTestId("scope-exempt").textContent).toContain("利用者の責任範囲とした"));
  });

  it("names each procedure's assessment target, and opens the sampling panel only for a test of records", async () => {
    const { engagement } = await openWalkthrough(core, "9.2.3.1");
    const cards = screen.getAllByTestId("procedure");
    // The demo's sampled procedure of privileged IDs tests records: its panel is open.
    const sampled = cards.find((c) => c.dataset.procedureId === "9.2.3.1/P4")!;
    const target = within(sampled).getByTestId("procedure-target") as HTMLSelectElement;
    await waitFor(() => expect(target.options.length).toBe(6));
    expect(target.value).toBe("records");
    expect(within(sampled).getByTestId("sampling-toggle").getAttribute("aria-expanded")).toBe("true");

    // The same operating test of settings is not sampled by default.
    await fireEvent.change(target, { target: { value: "settings" } });
    await waitFor(async () =>
      expect((await engagement.client.controlDetail({ control_id: "9.2.3.1" })).procedures.find((p) => p.procedure.id === "9.2.3.1/P4")?.sampled_by_default).toBe(false),
    );
    const inquiry = within(cards[0]).getByTestId("procedure-target") as HTMLSelectElement;
    expect(inquiry.value).toBe("design_documents");
    expect(within(cards[0]).getByTestId("sampling-toggle").getAttribute("aria-expanded")).toBe("false");
  });

  it("warns of evidence dated after the period's end at intake and on the item, and not of evidence of the period", async () => {
    const { drop } = await openWalkthrough(core, "9.2.3.11.PB");
    const take = async (name: string, asOf: string) => {
      const path = join(core.dataDir, name);
      writeFileSync(path, "ログ\n");
      await drop([path], within(screen.getAllByTestId("procedure")[1]).getByTestId("work-done"));
      const dialog = await screen.findByTestId("intake-dialog");
      await fireEvent.input(within(dialog).getByTestId("meta-as-of"), { target: { value: asOf } });
      await fireEvent.click(within(dialog).getByTestId("intake-submit"));
      await waitFor(() => expect(screen.queryByTestId("intake-dialog")).toBeNull());
    };
    await take("期間内.txt", "2026-09-01");
    await waitFor(() => expect(screen.getAllByTestId("evidence-row")).toHaveLength(1));
    expect(screen.queryByTestId("evidence-as-of-warning")).toBeNull();
    expect(screen.queryByTestId("as-of-notice")).toBeNull();

    await take("期間後.txt", "2026-10-05");
    expect((await screen.findByTestId("as-of-notice")).textContent).toBe("基準日を確認してください: EV-0002");
    await waitFor(() => expect(screen.getAllByTestId("evidence-row")).toHaveLength(2));
    const row = screen.getAllByTestId("evidence-row").find((r) => r.dataset.evidenceId === "EV-0002")!;
    expect(within(row).getByTestId("evidence-as-of-warning").getAttribute("title")).toBe(
      "基準日 2026-10-05 は対象期間の終了日（2026-09-30）より後です。期間外の証跡でないか確認してください。",
    );
  });
});
