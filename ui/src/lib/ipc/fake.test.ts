import { describe, expect, it } from "vitest";
import { BackendError } from "./backend";
import { DEMO_PATH, createFakeBackend, demoFields, recordSampleEvidence } from "./fake";
import { DEFAULT_RULES, controlResult, controlStatus, corporateNumberValid, derivedDates, fieldProblems, fieldWarnings } from "./rules";
import type { EngagementFields } from "./bindings/EngagementFields";
import type { EvidenceMeta } from "./bindings/EvidenceMeta";
import type { IntakeProgress } from "./bindings/IntakeProgress";

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

const meta = (title: string, extra: Partial<EvidenceMeta> = {}): EvidenceMeta => ({
  title,
  description: "",
  kind: "document",
  obtained_from: "情報システム部",
  obtained_by: "佐藤 花子",
  obtained_at: "2026-05-12",
  as_of: "2026-04-30",
  ...extra,
});

const localDate = (offsetDays: number) => {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};

describe("fake backend: evidence", () => {
  it("describes files for the intake form and refuses an empty or missing one", async () => {
    const b = createFakeBackend();
    b.putFile("/in/特権ID一覧.xlsx", "x");
    b.putFile("/in/画面.PNG", new Uint8Array([1, 2, 3]));
    b.putFile("/in/auth.log", "ok");
    b.putFile("/in/empty.csv", "");
    const facts = await b.describeFiles(["/in/特権ID一覧.xlsx", "/in/画面.PNG", "/in/auth.log"]);
    expect(facts.map((f) => [f.name, f.title, f.kind, f.size])).toEqual([
      ["特権ID一覧.xlsx", "特権ID一覧", "document", 1],
      ["画面.PNG", "画面", "screenshot", 3],
      ["auth.log", "auth", "log_export", 2],
    ]);
    await expect(b.describeFiles(["/in/auth.log", "/in/empty.csv"])).rejects.toMatchObject({ kind: "source" });
    await expect(b.describeFiles(["/in/none.txt"])).rejects.toMatchObject({ kind: "not_found" });
  });

  it("takes files in with progress, numbers them, links them and shows them on the control", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    await b.saveProfile({ name: "佐藤 花子", lang: "ja", recent: [], initials: "HS", role: "assessor" });
    b.putFile("/in/a.pdf", new Uint8Array(150_000).fill(7));
    b.putFile("/in/b.log", "2026-04-01 ログオン成功");
    const progress: IntakeProgress[] = [];
    const link = { kind: "procedure" as const, id: "9.2.3.11.PB/P2" };
    const added = await b.addEvidence(DEMO_PATH, [{ path: "/in/a.pdf", meta: meta(" 規程 ") }, { path: "/in/b.log", meta: meta("ログ") }], [link, link], (p) => progress.push(p));
    expect(added.map((e) => [e.id, e.title, e.original_name, e.media_type, e.added_by])).toEqual([
      ["EV-0001", "規程", "a.pdf", "application/pdf", "佐藤 花子"],
      ["EV-0002", "ログ", "b.log", "text/plain", "佐藤 花子"],
    ]);
    expect(added[0].links).toEqual([link]);
    expect(added[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatchObject({ file: 2, files: 2, name: "b.log", bytes_done: added[0].size + added[1].size });
    expect(progress[0]).toMatchObject({ file: 1, name: "a.pdf", bytes_total: added[0].size + added[1].size });

    const detail = await b.controlDetail(DEMO_PATH, "9.2.3.11.PB");
    expect(detail.evidence.map((e) => e.id)).toEqual(["EV-0001", "EV-0002"]);
    expect((await b.controlDetail(DEMO_PATH, "5.1.1.1")).evidence).toEqual([]);
    const bytes = await b.evidenceContent(DEMO_PATH, "EV-0002", 5);
    expect(new TextDecoder().decode(bytes)).toBe("2026-");
    expect((await b.dashboard(DEMO_PATH)).evidence_items).toBe(2);
    // Evidence keeps what it supports from being removed.
    await expect(b.removeProcedure(DEMO_PATH, "9.2.3.11.PB/P2")).rejects.toMatchObject({ kind: "invalid" });
  });

  it("stores nothing when the intake is cancelled, and refuses empty files and bad links", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    b.putFile("/in/big.bin", new Uint8Array(300_000));
    const release = b.holdIntake();
    const running = b.addEvidence(DEMO_PATH, [{ path: "/in/big.bin", meta: meta("大きなファイル") }], [], () => {});
    await b.cancelIntake();
    release();
    await expect(running).rejects.toBeInstanceOf(BackendError);
    await expect(running).rejects.toMatchObject({ kind: "cancelled" });
    expect(await b.listEvidence(DEMO_PATH, true)).toEqual([]);

    b.putFile("/in/empty.csv", new Uint8Array(0));
    await expect(b.addEvidence(DEMO_PATH, [{ path: "/in/empty.csv", meta: meta("空") }], [], () => {})).rejects.toMatchObject({ kind: "source" });
    await expect(b.addEvidence(DEMO_PATH, [{ path: "/in/big.bin", meta: meta("x") }], [{ kind: "procedure", id: "9.9.9/P1" }], () => {})).rejects.toMatchObject({ kind: "not_found" });
    await expect(b.addEvidence(DEMO_PATH, [{ path: "/in/big.bin", meta: meta(" ") }], [], () => {})).rejects.toMatchObject({ kind: "invalid" });
    await expect(b.addEvidence(DEMO_PATH, [{ path: "/in/big.bin", meta: meta("x", { as_of: "" }) }], [], () => {})).rejects.toMatchObject({ kind: "invalid" });
    expect(await b.listEvidence(DEMO_PATH, true)).toEqual([]);
    // After a cancel the next intake runs normally and gets the first number.
    const [ev] = await b.addEvidence(DEMO_PATH, [{ path: "/in/big.bin", meta: meta("大きなファイル") }], [], () => {});
    expect(ev.id).toBe("EV-0001");
  });

  it("edits, links, unlinks and withdraws, never reusing a number", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    b.putFile("/in/a.txt", "a");
    b.putFile("/in/b.txt", "b");
    const [a] = await b.addEvidence(DEMO_PATH, [{ path: "/in/a.txt", meta: meta("A") }], [{ kind: "procedure", id: "5.1.1.1/P1" }], () => {});
    const edited = await b.editEvidence(DEMO_PATH, a.id, { title: " 規程 第3版 ", as_of: "2026-03-31" });
    expect(edited).toMatchObject({ title: "規程 第3版", as_of: "2026-03-31", kind: "document" });
    await expect(b.editEvidence(DEMO_PATH, a.id, { title: "" })).rejects.toMatchObject({ kind: "invalid" });

    const req = await b.addPbc(DEMO_PATH, { item: "規程", requested_on: "2026-04-01", due: null, from_whom: "総務部", status: "requested", notes: "" });
    const linked = await b.linkEvidence(DEMO_PATH, a.id, { kind: "pbc", id: req.id });
    expect(linked.links).toEqual([{ kind: "pbc", id: "PBC-001" }, { kind: "procedure", id: "5.1.1.1/P1" }]);
    expect((await b.listPbc(DEMO_PATH))[0].evidence).toEqual([a.id]);
    await expect(b.linkEvidence(DEMO_PATH, a.id, { kind: "pbc", id: "PBC-999" })).rejects.toMatchObject({ kind: "not_found" });

    const unlinked = await b.unlinkEvidence(DEMO_PATH, a.id, { kind: "procedure", id: "5.1.1.1/P1" });
    expect(unlinked.links).toEqual([{ kind: "pbc", id: "PBC-001" }]);
    expect((await b.controlDetail(DEMO_PATH, "5.1.1.1")).evidence).toEqual([]);
    await expect(b.unlinkEvidence(DEMO_PATH, a.id, { kind: "procedure", id: "5.1.1.1/P1" })).rejects.toMatchObject({ kind: "not_found" });

    await expect(b.removeEvidence(DEMO_PATH, a.id, " ")).rejects.toMatchObject({ kind: "invalid" });
    const removed = await b.removeEvidence(DEMO_PATH, a.id, "誤って取り込んだため");
    expect(removed.removed).toMatchObject({ reason: "誤って取り込んだため" });
    await expect(b.removeEvidence(DEMO_PATH, a.id, "again")).rejects.toMatchObject({ kind: "invalid" });
    await expect(b.editEvidence(DEMO_PATH, a.id, { title: "x" })).rejects.toMatchObject({ kind: "invalid" });
    expect(await b.listEvidence(DEMO_PATH, false)).toEqual([]);
    expect((await b.listEvidence(DEMO_PATH, true)).map((e) => e.id)).toEqual([a.id]);
    const [next] = await b.addEvidence(DEMO_PATH, [{ path: "/in/b.txt", meta: meta("B") }], [], () => {});
    expect(next.id).toBe("EV-0002");
    expect((await b.dashboard(DEMO_PATH)).evidence_items).toBe(1);
  });

  it("verifies the stored contents and names the items of a damaged one", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    b.putFile("/in/a.txt", "same");
    b.putFile("/in/b.txt", "same");
    b.putFile("/in/c.txt", "other");
    await b.addEvidence(DEMO_PATH, ["/in/a.txt", "/in/b.txt", "/in/c.txt"].map((path) => ({ path, meta: meta(path) })), [], () => {});
    const steps: [number, number][] = [];
    const ok = await b.verifyEvidence(DEMO_PATH, (done, total) => steps.push([done, total]));
    expect(ok).toMatchObject({ items: 3, contents: 2, bytes: 9, problems: [] });
    expect(steps.at(-1)).toEqual([9, 9]);
    b.tamperContent(DEMO_PATH, "EV-0001");
    const bad = await b.verifyEvidence(DEMO_PATH, () => {});
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0].evidence_ids).toEqual(["EV-0001", "EV-0002"]);
  });

  it("hands dropped files to the listeners until they stop listening", async () => {
    const b = createFakeBackend();
    const seen: [string[], number, number][] = [];
    const stop = await b.onFileDrop((paths, x, y) => seen.push([paths, x, y]));
    b.dropFiles(["/in/a.txt"], 10, 20);
    stop();
    b.dropFiles(["/in/b.txt"], 0, 0);
    expect(seen).toEqual([[["/in/a.txt"], 10, 20]]);
    b.pickedFiles = [];
    expect(await b.pickEvidenceFiles()).toEqual([]);
  });
});

describe("fake backend: PBC list", () => {
  it("numbers requests, checks their dates and lists the overdue ones on the dashboard", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    const fields = { item: "アクセス権レビュー記録", requested_on: localDate(-10), due: localDate(-1), from_whom: "情報システム部", status: "requested" as const, notes: "" };
    const late = await b.addPbc(DEMO_PATH, fields);
    const onTime = await b.addPbc(DEMO_PATH, { ...fields, item: "規程", due: localDate(0) });
    await b.addPbc(DEMO_PATH, { ...fields, item: "受領済み", status: "received" });
    expect([late.id, onTime.id]).toEqual(["PBC-001", "PBC-002"]);
    await expect(b.addPbc(DEMO_PATH, { ...fields, item: " " })).rejects.toMatchObject({ kind: "invalid" });
    await expect(b.addPbc(DEMO_PATH, { ...fields, due: localDate(-11) })).rejects.toMatchObject({ kind: "invalid" });
    let dash = await b.dashboard(DEMO_PATH);
    expect(dash.pbc_open).toBe(2);
    expect(dash.pbc_overdue.map((r) => r.id)).toEqual(["PBC-001"]);
    const edited = await b.editPbc(DEMO_PATH, late.id, { ...fields, item: " 記録 ", status: "follow_up" });
    expect(edited).toMatchObject({ item: "記録", status: "follow_up" });
    expect((await b.dashboard(DEMO_PATH)).pbc_overdue.map((r) => r.id)).toEqual(["PBC-001"]);
    await b.editPbc(DEMO_PATH, late.id, { ...fields, status: "received" });
    dash = await b.dashboard(DEMO_PATH);
    expect(dash).toMatchObject({ pbc_open: 1, pbc_overdue: [] });
    await expect(b.editPbc(DEMO_PATH, "PBC-999", fields)).rejects.toMatchObject({ kind: "not_found" });
  });
});

describe("fake backend: sample evidence for the browser", () => {
  it("takes the sample files in and fills the PBC list with one overdue request", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    await recordSampleEvidence(b, DEMO_PATH);
    expect((await b.listEvidence(DEMO_PATH, false)).map((e) => e.kind)).toEqual(["screenshot", "log_export", "document", "configuration", "document"]);
    expect((await b.controlDetail(DEMO_PATH, "9.2.3.11.PB")).evidence).toHaveLength(3);
    const dash = await b.dashboard(DEMO_PATH);
    expect(dash).toMatchObject({ evidence_items: 5, pbc_open: 3 });
    expect(dash.pbc_overdue.map((r) => r.id)).toEqual(["PBC-002"]);
    expect((await b.listPbc(DEMO_PATH))[0].evidence).toEqual(["EV-0005"]);
  });
});
