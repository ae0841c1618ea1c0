import { describe, expect, it } from "vitest";
import { BackendError } from "./backend";
import { DEMO_PATH, createFakeBackend, demoFields } from "./fake";
import { DEFAULT_RULES, controlResult, controlStatus, corporateNumberValid, derivedDates, fieldProblems, fieldWarnings } from "./rules";
import type { EngagementFields } from "./bindings/EngagementFields";

const codes = (f: EngagementFields) => fieldProblems(f, DEFAULT_RULES).map((p) => `${p.field}:${p.code}`);

describe("corporate number", () => {
  it("accepts the known-good examples", () => {
    for (const n of ["7123456789012", "4011001098993", "7010705000725", "1180301018771"]) expect(corporateNumberValid(n), n).toBe(true);
  });
  it("refuses a wrong check digit or shape", () => {
    for (const n of ["7123456789013", "8123456789012", "712345678901", "71234567890123", "712345678901a", "７123456789012", ""]) {
      expect(corporateNumberValid(n), n).toBe(false);
    }
  });
});

describe("derivation, as in core/src/model/procedure.rs", () => {
  it("a control is done when every procedure has a result", () => {
    expect(controlStatus(true, [])).toBe("no_procedures");
    expect(controlStatus(true, ["not_started", "not_started"])).toBe("not_started");
    expect(controlStatus(true, ["done", "not_started"])).toBe("in_progress");
    expect(controlStatus(true, ["in_progress"])).toBe("in_progress");
    expect(controlStatus(true, ["done", "done"])).toBe("done");
    expect(controlStatus(false, ["done"])).toBe("out_of_scope");
  });
  it("an exception anywhere makes the control an exception", () => {
    expect(controlResult([])).toBe(null);
    expect(controlResult(["no_exception", null])).toBe(null);
    expect(controlResult(["no_exception", "not_applicable"])).toBe("no_exception");
    expect(controlResult(["not_applicable", "not_applicable"])).toBe("not_applicable");
    expect(controlResult(["not_performed", "no_exception"])).toBe("not_performed");
    expect(controlResult(["not_performed", "exception"])).toBe("exception");
  });
});

describe("field rules, as in core/src/model/engagement.rs", () => {
  it("the demo fields are valid and have no warnings", () => {
    expect(fieldProblems(demoFields(), DEFAULT_RULES)).toEqual([]);
    expect(fieldWarnings(demoFields(), DEFAULT_RULES)).toEqual([]);
  });
  it("derives the report due date and registration expiry as the civil code counts", () => {
    expect(derivedDates(demoFields(), DEFAULT_RULES)).toEqual({ report_due: "2026-12-31", registration_expiry: "2028-01-31" });
  });
  it("reports each broken rule with its field and code", () => {
    const f = demoFields();
    f.provider.name = " ";
    f.provider.corporate_number = "7123456789013";
    f.service.url = "cloud.example.jp";
    f.audit_kind = "renewal";
    f.team = [{ name: "佐藤 花子", role: "assessor" }, { name: "", role: "reviewer" }, { name: "佐藤 花子", role: "manager" }];
    expect(codes(f)).toEqual([
      "provider.name:required",
      "provider.corporate_number:corporate_number",
      "service.url:url",
      "current_registration:registration_required",
      "team[1].name:required",
      "team[2].name:duplicate_member",
    ]);
    const dup = fieldProblems(f, DEFAULT_RULES).find((p) => p.code === "duplicate_member")!;
    expect(dup.params).toEqual({ name: "佐藤 花子" });
  });
  it("checks the period and the registration dates", () => {
    const f = demoFields();
    f.period = { start: "2025-10-01", end: "2025-10-01" };
    expect(codes(f)).toEqual(["period:period_inverted"]);
    f.period = { start: "2025-10-01", end: "2026-10-01" };
    const [long] = fieldProblems(f, DEFAULT_RULES);
    expect(long.code).toBe("period_too_long");
    expect(long.params).toEqual({ months: "12", latest: "2026-09-30" });
    f.period = { start: "2025-10-01", end: "2025-11-30" };
    expect(fieldWarnings(f, DEFAULT_RULES).map((w) => w.code)).toEqual(["short_period"]);
    f.period = demoFields().period;
    f.audit_kind = "renewal";
    f.current_registration = { number: "", registered_on: "2025-01-01", expires_on: "2025-01-01" };
    expect(codes(f)).toEqual(["current_registration.number:required", "current_registration.expires_on:registration_dates"]);
  });
  it("warns when the firm's registration lapses before the report is due, and without a team", () => {
    const f = demoFields();
    f.assessor.registration_valid_until = "2026-12-30";
    f.team = [];
    expect(fieldWarnings(f, DEFAULT_RULES).map((w) => [w.code, w.params])).toEqual([
      ["assessor_registration_lapses", { valid_until: "2026-12-30", report_due: "2026-12-31" }],
      ["no_team", {}],
    ]);
  });
});

describe("fake backend", () => {
  it("opens the demo with the sample catalog and the library's procedures", async () => {
    const b = createFakeBackend();
    const view = await b.openDemo();
    expect(view.path).toBe(DEMO_PATH);
    expect(view.controls.items).toBe(123);
    expect(view.controls.assessable).toBe(50);
    expect(view.derived?.report_due).toBe("2026-12-31");
    const d = await b.controlDetail(DEMO_PATH, "9.2.3.11.PB");
    expect(d.item.suffix).toBe("PB");
    expect(d.item.parent).toBe("9.2.3");
    // Domain 9 has its own entries; the re-performance is fixed to operating.
    expect(d.procedures.map((p) => [p.procedure.id, p.procedure.kind, p.procedure.evaluation])).toEqual([
      ["9.2.3.11.PB/P1", "inquiry", "design"],
      ["9.2.3.11.PB/P2", "inspection", "design"],
      ["9.2.3.11.PB/P3", "reperformance", "operating"],
    ]);
    expect(d.procedures[0].procedure.text_ja).toContain("「特権IDの利用を記録し確認する」");
    expect((await b.controlDetail(DEMO_PATH, "3.1.1.1")).procedures).toHaveLength(2);
    expect((await b.getProfile()).recent[0].path).toBe(DEMO_PATH);
  });

  it("derives statuses and results from recorded work", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    const id = "9.2.3.11.PB";
    const row = async () => (await b.listControls(DEMO_PATH)).find((r) => r.id === id)!;
    expect((await row()).status).toBe("not_started");
    await b.updateProcedure(DEMO_PATH, `${id}/P1`, { work_done: "  " });
    expect((await row()).status).toBe("not_started");
    await b.updateProcedure(DEMO_PATH, `${id}/P1`, { work_done: "質問した", assignee: "佐藤 花子" });
    expect((await row()).status).toBe("in_progress");
    expect((await row()).assignees).toEqual(["佐藤 花子"]);
    for (const n of [1, 2, 3]) await b.updateProcedure(DEMO_PATH, `${id}/P${n}`, { result: "no_exception" });
    expect(await row()).toMatchObject({ status: "done", result: "no_exception", procedures_done: 3 });
    await b.updateProcedure(DEMO_PATH, `${id}/P2`, { result: "exception" });
    await b.addException(DEMO_PATH, `${id}/P2`, "  承認記録が1件なかった。 ");
    expect(await row()).toMatchObject({ result: "exception", exceptions: 1 });
    await b.updateProcedure(DEMO_PATH, `${id}/P2`, { result: null });
    expect(await row()).toMatchObject({ status: "in_progress", result: null });
    const detail = await b.setScope(DEMO_PATH, id, "not_adopted", "言明書で不採用");
    expect(detail).toMatchObject({ status: "out_of_scope", result: null, scope: "not_adopted" });
    await expect(b.setScope(DEMO_PATH, id, "liu_excluded", " ")).rejects.toMatchObject({ kind: "invalid" });
    const dash = await b.dashboard(DEMO_PATH);
    const nine = dash.progress.find((p) => p.domain === "9")!;
    expect(nine).toMatchObject({ group: "controls", domain_title_ja: "アクセス制御", out_of_scope: 1 });
    expect(dash.exceptions).toMatchObject([{ control_id: id, exception: { id: "E-0001", text: "承認記録が1件なかった。" } }]);
  });

  it("never reuses the number of a removed procedure or exception", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    const x1 = await b.addException(DEMO_PATH, "5.1.1.1/P1", "事実1");
    await b.removeException(DEMO_PATH, x1.id);
    expect((await b.addException(DEMO_PATH, "5.1.1.1/P1", "事実2")).id).toBe("E-0002");
    await b.removeProcedure(DEMO_PATH, "5.1.1.1/P3");
    const p = await b.addProcedure(DEMO_PATH, "5.1.1.1", { kind: "inquiry", evaluation: "design", text_ja: "追加", text_en: "", assignee: " " });
    expect(p.id).toBe("5.1.1.1/P4");
    expect(p.assignee).toBe(null);
  });

  it("refuses invalid fields, existing paths and unknown catalogs with their kinds", async () => {
    const b = createFakeBackend();
    const [catalog] = await b.listCatalogs();
    const ref = `${catalog.name}@${catalog.version}`;
    const bad = { ...demoFields(), provider: { ...demoFields().provider, corporate_number: "7123456789013" } };
    const err = await b.createEngagement("/x.ismap", ref, bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).kind).toBe("invalid");
    expect((err as BackendError).payload.field_problems[0]).toMatchObject({ field: "provider.corporate_number", code: "corporate_number" });
    await b.createEngagement("/x.ismap", ref, demoFields());
    await expect(b.createEngagement("/x.ismap", ref, demoFields())).rejects.toMatchObject({ kind: "already_exists" });
    await expect(b.createEngagement("/y.ismap", "nope@1", demoFields())).rejects.toMatchObject({ kind: "not_found" });
  });

  it("builds the large engagement with 1,500 detailed controls", async () => {
    const b = createFakeBackend();
    const view = await b.createLarge();
    expect(view.controls.assessable).toBe(1500);
    const rows = await b.listControls(view.path);
    expect(rows.filter((r) => r.assessable)).toHaveLength(1500);
    expect(rows.some((r) => r.suffix === "B")).toBe(true);
  });
});
