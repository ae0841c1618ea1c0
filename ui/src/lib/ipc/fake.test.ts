import { describe, expect, it } from "vitest";
import { BackendError } from "./backend";
import { CERTIFICATE_PASSPHRASE, CERTIFICATE_PATH, DEMO_PATH, KEYLESS_CERTIFICATE_PATH, READ_ONLY_DIR, createFakeBackend, demoFields, recordReviewInProgress, recordSampleEvidence, recordSampleReview, recordSampleWork, type FakeBackend } from "./fake";
import { DEFAULT_RULES, controlResult, controlStatus, corporateNumberValid, derivedDates, fieldProblems, fieldWarnings } from "./rules";
import type { EngagementFields } from "./bindings/EngagementFields";
import type { EvidenceMeta } from "./bindings/EvidenceMeta";
import type { ExportProgress } from "./bindings/ExportProgress";
import type { ExportRequest } from "./bindings/ExportRequest";
import type { IntakeProgress } from "./bindings/IntakeProgress";
import type { Role } from "./bindings/Role";

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
    // The demo's test grid of 4.4.1.1 holds E-0001.
    expect(dash.exceptions).toMatchObject([
      { control_id: "4.4.1.1", exception: { id: "E-0001", sample_item: "4.4.1.1/P3/S7" } },
      { control_id: id, exception: { id: "E-0002", text: "承認記録が1件なかった。" } },
    ]);
  });

  it("never reuses the number of a removed procedure or exception", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    const x1 = await b.addException(DEMO_PATH, "5.1.1.1/P1", "事実1");
    await b.removeException(DEMO_PATH, x1.id);
    // E-0001 is the demo's grid failure, x1 was E-0002.
    expect(x1.id).toBe("E-0002");
    expect((await b.addException(DEMO_PATH, "5.1.1.1/P1", "事実2")).id).toBe("E-0003");
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

// ---- Review and sign-off ----

const P1 = "9.2.3.11.PB/P1";
const CONTROL = "9.2.3.11.PB";

/** Acts as `name` from now on, as switching the profile does in the app. */
async function as(b: FakeBackend, name: string, role: Role = "assessor"): Promise<void> {
  await b.saveProfile({ name, lang: "ja", recent: [], initials: "", role });
}

/** The field_problems codes of a refused call. */
async function refused(call: Promise<unknown>): Promise<string[]> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "the call should have been refused").toBeInstanceOf(BackendError);
  const e = err as BackendError;
  return e.kind === "invalid" ? e.payload.field_problems.map((p) => p.code) : [e.kind];
}

async function demo(): Promise<FakeBackend> {
  const b = createFakeBackend();
  await b.openDemo();
  return b;
}

async function finishControl(b: FakeBackend, control = CONTROL): Promise<void> {
  for (const entry of (await b.controlDetail(DEMO_PATH, control)).procedures) {
    await b.updateProcedure(DEMO_PATH, entry.procedure.id, { result: "no_exception", work_done: "閲覧した。" });
  }
}

describe("fake backend: sign-off, as in core/src/db/review.rs", () => {
  it("signs preparer, then reviewer, in order, only by team members in a role allowed to", async () => {
    const b = await demo();
    await as(b, "佐藤 花子");
    expect(await refused(b.signOff(DEMO_PATH, "procedure", P1, "preparer"))).toEqual(["no_result"]);
    await b.updateProcedure(DEMO_PATH, P1, { result: "no_exception" });
    expect(await refused(b.signOff(DEMO_PATH, "procedure", P1, "reviewer"))).toEqual(["role_not_allowed"]);
    const prepared = await b.signOff(DEMO_PATH, "procedure", P1, "preparer");
    expect(prepared).toMatchObject({ item_kind: "procedure", item_id: P1, required: ["preparer", "reviewer"], changed_after_signoff: false, complete: false });
    expect(prepared.signoffs).toMatchObject([{ level: "preparer", signer: "佐藤 花子", role: "assessor", withdrawn: null }]);
    expect(prepared.signoffs[0].content_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await refused(b.signOff(DEMO_PATH, "procedure", P1, "preparer"))).toEqual(["already_exists"]);

    await as(b, "部外者 次郎");
    expect(await refused(b.signOff(DEMO_PATH, "procedure", P1, "reviewer"))).toEqual(["not_on_team"]);
    await as(b, "鈴木 一郎");
    expect(await refused(b.signOff(DEMO_PATH, "procedure", P1, "second_reviewer"))).toEqual(["no_second_review"]);
    expect(await refused(b.signOff(DEMO_PATH, "procedure", `${CONTROL}/P2`, "reviewer"))).toEqual(["previous_level_missing"]);
    const reviewed = await b.signOff(DEMO_PATH, "procedure", P1, "reviewer");
    expect(reviewed.complete).toBe(true);
    expect(reviewed.signoffs.map((s) => [s.level, s.signer, s.role])).toEqual([
      ["preparer", "佐藤 花子", "assessor"],
      ["reviewer", "鈴木 一郎", "reviewer"],
    ]);
    const detail = await b.controlDetail(DEMO_PATH, CONTROL);
    expect(detail.procedures[0].review.complete).toBe(true);
    expect(detail.review).toMatchObject({ item_kind: "control", signoffs: [], complete: false });
  });

  it("refuses the same person at two levels of one item", async () => {
    const b = await demo();
    await as(b, "山田 太郎");
    await b.updateProcedure(DEMO_PATH, P1, { result: "no_exception" });
    await b.signOff(DEMO_PATH, "procedure", P1, "preparer");
    expect(await refused(b.signOff(DEMO_PATH, "procedure", P1, "reviewer"))).toEqual(["same_person"]);
    await as(b, "高橋 美咲");
    expect((await b.signOff(DEMO_PATH, "procedure", P1, "reviewer")).complete).toBe(true);
  });

  it("signs a control only when all its procedures have results", async () => {
    const b = await demo();
    await as(b, "佐藤 花子");
    expect(await refused(b.signOff(DEMO_PATH, "control", CONTROL, "preparer"))).toEqual(["no_result"]);
    await expect(b.signOff(DEMO_PATH, "control", "9.2.3", "preparer")).rejects.toMatchObject({ kind: "invalid" });
    await expect(b.signOff(DEMO_PATH, "control", "9.9.9.9", "preparer")).rejects.toMatchObject({ kind: "not_found" });
    await finishControl(b);
    expect((await b.signOff(DEMO_PATH, "control", CONTROL, "preparer")).signoffs).toHaveLength(1);
    // A control out of scope is signed without results.
    await b.setScope(DEMO_PATH, "5.1.1.1", "not_adopted", "言明書で不採用");
    expect((await b.signOff(DEMO_PATH, "control", "5.1.1.1", "preparer")).signoffs).toHaveLength(1);
  });

  it("marks a changed item and its control, withdraws the reviewers, lists the changes, and lets the preparer sign again", async () => {
    const b = await demo();
    await finishControl(b);
    await as(b, "佐藤 花子");
    await b.signOff(DEMO_PATH, "procedure", P1, "preparer");
    await b.signOff(DEMO_PATH, "control", CONTROL, "preparer");
    await as(b, "鈴木 一郎");
    await b.signOff(DEMO_PATH, "procedure", P1, "reviewer");
    await b.signOff(DEMO_PATH, "control", CONTROL, "reviewer");
    const row = async () => (await b.listControls(DEMO_PATH)).find((r) => r.id === CONTROL)!;
    expect(await row()).toMatchObject({ changed_after_signoff: false, review_complete: false });

    await as(b, "佐藤 花子");
    await b.updateProcedure(DEMO_PATH, P1, { work_done: "再度閲覧した。" });
    const detail = await b.controlDetail(DEMO_PATH, CONTROL);
    const p1 = detail.procedures[0].review;
    expect(p1).toMatchObject({ changed_after_signoff: true, complete: false });
    expect(p1.signoffs.map((s) => s.level)).toEqual(["preparer"]);
    expect(p1.changes).toEqual([{ field: "procedure.work_done", before: "閲覧した。", after: "再度閲覧した。" }]);
    // The control covers its procedures, so it changed too.
    expect(detail.review).toMatchObject({ changed_after_signoff: true });
    expect(detail.review!.changes.map((c) => c.field)).toEqual(["procedures"]);
    expect(await row()).toMatchObject({ changed_after_signoff: true });
    const summary = await b.reviewSummary(DEMO_PATH);
    expect(summary.changed_after_signoff).toBe(2);
    expect(summary.states.find((s) => s.item_id === P1)?.signoffs).toHaveLength(1);

    // The reviewer's sign-off is kept in the history, withdrawn.
    const history = await b.itemHistory(DEMO_PATH, P1);
    // The control's sign-offs name its procedures in what they cover, so they are part of P1's history too.
    expect(history.map((e) => e.kind)).toEqual(["procedure_updated", "signed_off", "signed_off", "signed_off", "signed_off", "procedure_updated", "changed_after_signoff"]);
    const marked = JSON.parse(history.find((e) => e.kind === "changed_after_signoff")!.payload);
    expect(marked).toMatchObject({ item_kind: "procedure", item_id: P1, withdrawn: ["reviewer"] });

    await as(b, "鈴木 一郎");
    expect(await refused(b.signOff(DEMO_PATH, "procedure", P1, "reviewer"))).toEqual(["previous_level_missing"]);
    await as(b, "佐藤 花子");
    const again = await b.signOff(DEMO_PATH, "procedure", P1, "preparer");
    expect(again).toMatchObject({ changed_after_signoff: false, changes: [] });
    await as(b, "鈴木 一郎");
    expect((await b.signOff(DEMO_PATH, "procedure", P1, "reviewer")).complete).toBe(true);
  });

  it("counts exceptions, evidence links and scope as changes of what was signed", async () => {
    const b = await demo();
    await finishControl(b);
    await as(b, "佐藤 花子");
    for (const n of [1, 2, 3]) await b.signOff(DEMO_PATH, "procedure", `${CONTROL}/P${n}`, "preparer");
    await b.signOff(DEMO_PATH, "control", CONTROL, "preparer");
    const changed = async () => (await b.controlDetail(DEMO_PATH, CONTROL)).procedures.map((p) => p.review.changed_after_signoff);

    await b.addException(DEMO_PATH, `${CONTROL}/P2`, "1件で承認記録がなかった。");
    expect(await changed()).toEqual([false, true, false]);
    b.putFile("/in/log.txt", "ログ");
    await b.addEvidence(DEMO_PATH, [{ path: "/in/log.txt", meta: meta("ログ") }], [{ kind: "procedure", id: `${CONTROL}/P3` }], () => {});
    expect(await changed()).toEqual([false, true, true]);
    // Editing an item's description is not a change of what the procedure relies on.
    await b.editEvidence(DEMO_PATH, "EV-0001", { description: "3月分" });
    expect(await changed()).toEqual([false, true, true]);

    await b.setScope(DEMO_PATH, "5.1.1.1", "not_adopted", "言明書で不採用");
    await b.signOff(DEMO_PATH, "control", "5.1.1.1", "preparer");
    await b.setScope(DEMO_PATH, "5.1.1.1", "not_adopted", "言明書で不採用（第2版）");
    const scoped = (await b.controlDetail(DEMO_PATH, "5.1.1.1")).review!;
    expect(scoped.changes).toEqual([{ field: "scope_reason", before: "言明書で不採用", after: "言明書で不採用（第2版）" }]);
  });

  it("asks for the second level when the engagement has one, from a manager or partner", async () => {
    const b = createFakeBackend();
    const view = await b.createEngagement("/second.ismap", "", { ...demoFields(), second_review: true });
    expect(view.fields.second_review).toBe(true);
    await as(b, "佐藤 花子");
    await b.updateProcedure(view.path, "5.1.1.1/P1", { result: "no_exception" });
    expect((await b.signOff(view.path, "procedure", "5.1.1.1/P1", "preparer")).required).toEqual(["preparer", "reviewer", "second_reviewer"]);
    await as(b, "山田 太郎");
    expect(await refused(b.signOff(view.path, "procedure", "5.1.1.1/P1", "second_reviewer"))).toEqual(["previous_level_missing"]);
    await as(b, "鈴木 一郎");
    expect((await b.signOff(view.path, "procedure", "5.1.1.1/P1", "reviewer")).complete).toBe(false);
    expect(await refused(b.signOff(view.path, "procedure", "5.1.1.1/P1", "second_reviewer"))).toEqual(["role_not_allowed"]);
    await as(b, "高橋 美咲");
    expect((await b.signOff(view.path, "procedure", "5.1.1.1/P1", "second_reviewer")).complete).toBe(true);
  });
});

describe("fake backend: evidence behind a sign-off", () => {
  it("is not withdrawn while it supports a signed procedure; unlinking it first is a visible change", async () => {
    const b = await demo();
    await as(b, "佐藤 花子");
    await b.updateProcedure(DEMO_PATH, P1, { result: "exception" });
    const x = await b.addException(DEMO_PATH, P1, "承認記録がなかった。");
    b.putFile("/in/a.txt", "a");
    b.putFile("/in/b.txt", "b");
    await b.addEvidence(DEMO_PATH, [{ path: "/in/a.txt", meta: meta("A") }], [{ kind: "procedure", id: P1 }], () => {});
    await b.addEvidence(DEMO_PATH, [{ path: "/in/b.txt", meta: meta("B") }], [{ kind: "exception", id: x.id }], () => {});
    await b.signOff(DEMO_PATH, "procedure", P1, "preparer");
    const err = await b.removeEvidence(DEMO_PATH, "EV-0001", "差し替え").catch((e: BackendError) => e);
    expect((err as BackendError).payload.field_problems).toMatchObject([{ field: "evidence", code: "signed_off", params: { procedure: P1 } }]);
    expect(await refused(b.removeEvidence(DEMO_PATH, "EV-0002", "差し替え"))).toEqual(["signed_off"]);
    await b.unlinkEvidence(DEMO_PATH, "EV-0001", { kind: "procedure", id: P1 });
    expect((await b.controlDetail(DEMO_PATH, CONTROL)).procedures[0].review.changed_after_signoff).toBe(true);
    // Changed since its sign-off, the procedure no longer holds its evidence back.
    expect((await b.removeEvidence(DEMO_PATH, "EV-0001", "差し替え")).removed).not.toBe(null);
    expect((await b.removeEvidence(DEMO_PATH, "EV-0002", "差し替え")).removed).not.toBe(null);
  });
});

describe("fake backend: review notes", () => {
  it("goes open → answered → cleared, and only the author or a manager clears", async () => {
    const b = await demo();
    const x = await b.addException(DEMO_PATH, P1, "承認記録がなかった。");
    b.putFile("/in/a.txt", "a");
    await b.addEvidence(DEMO_PATH, [{ path: "/in/a.txt", meta: meta("A") }], [{ kind: "procedure", id: `${CONTROL}/P2` }], () => {});
    await as(b, "鈴木 一郎");
    const onControl = await b.addNote(DEMO_PATH, "control", CONTROL, " 結論の根拠を追記してください。 ");
    expect(onControl).toMatchObject({ id: "RN-001", author: "鈴木 一郎", status: "open", text: "結論の根拠を追記してください。", answer: null });
    await b.addNote(DEMO_PATH, "procedure", P1, "質問した相手を記載してください。");
    await b.addNote(DEMO_PATH, "exception", x.id, "件数を明記してください。");
    await b.addNote(DEMO_PATH, "evidence", "EV-0001", "基準日を確認してください。");
    await b.addNote(DEMO_PATH, "control", "5.1.1.1", "別の管理策");
    await expect(b.addNote(DEMO_PATH, "procedure", "9.9.9/P1", "x")).rejects.toMatchObject({ kind: "not_found" });
    await expect(b.addNote(DEMO_PATH, "control", CONTROL, " ")).rejects.toMatchObject({ kind: "invalid" });
    expect((await b.controlDetail(DEMO_PATH, CONTROL)).notes.map((n) => n.id)).toEqual(["RN-001", "RN-002", "RN-003", "RN-004"]);

    await as(b, "佐藤 花子");
    const answered = await b.answerNote(DEMO_PATH, "RN-001", "根拠を追記しました。");
    expect(answered).toMatchObject({ status: "answered", answer: "根拠を追記しました。", answered_by: "佐藤 花子" });
    expect(await refused(b.clearNote(DEMO_PATH, "RN-001"))).toEqual(["not_author"]);
    await as(b, "鈴木 一郎");
    expect(await b.clearNote(DEMO_PATH, "RN-001")).toMatchObject({ status: "cleared", cleared_by: "鈴木 一郎" });
    await expect(b.answerNote(DEMO_PATH, "RN-001", "もう一度")).rejects.toMatchObject({ kind: "invalid" });
    await expect(b.clearNote(DEMO_PATH, "RN-001")).rejects.toMatchObject({ kind: "invalid" });
    // A manager clears another person's note, answered or not.
    await as(b, "山田 太郎");
    expect((await b.clearNote(DEMO_PATH, "RN-002")).status).toBe("cleared");
    const summary = await b.reviewSummary(DEMO_PATH);
    expect(summary.open_notes).toBe(3);
    expect((await b.dashboard(DEMO_PATH)).review.open_notes).toBe(3);
    expect((await b.itemHistory(DEMO_PATH, "RN-001")).map((e) => [e.kind, e.actor])).toEqual([
      ["note_added", "鈴木 一郎"],
      ["note_answered", "佐藤 花子"],
      ["note_cleared", "鈴木 一郎"],
    ]);
  });
});

describe("fake backend: finalizing", () => {
  it("names what blocks it, finalizes when nothing does, then refuses every change until a manager reopens", async () => {
    const b = await demo();
    await as(b, "鈴木 一郎");
    await b.addNote(DEMO_PATH, "control", CONTROL, "確認してください。");
    await recordSampleReview(b, DEMO_PATH, { leave: ["5.1.1.1"] });
    const check = await b.finalizeCheck(DEMO_PATH);
    expect(check.ready).toBe(false);
    expect(check.blockers.map((x) => `${x.code} ${x.item_id} ${x.level ?? ""}`.trim())).toEqual([
      "no_result 5.1.1.1/P1",
      "no_result 5.1.1.1/P2",
      "no_result 5.1.1.1/P3",
      "not_signed 5.1.1.1/P1 preparer",
      "not_signed 5.1.1.1/P1 reviewer",
      "not_signed 5.1.1.1/P2 preparer",
      "not_signed 5.1.1.1/P2 reviewer",
      "not_signed 5.1.1.1/P3 preparer",
      "not_signed 5.1.1.1/P3 reviewer",
      "not_signed 5.1.1.1 preparer",
      "not_signed 5.1.1.1 reviewer",
      "open_note RN-001",
    ]);
    // The reviewer may not finalize; the manager is told every blocker.
    expect(await refused(b.finalize(DEMO_PATH))).toEqual(["role_not_allowed"]);
    await as(b, "山田 太郎");
    expect((await refused(b.finalize(DEMO_PATH))).length).toBe(12);

    await b.setScope(DEMO_PATH, "5.1.1.1", "not_adopted", "言明書で不採用");
    await recordSampleReview(b, DEMO_PATH);
    expect((await b.finalizeCheck(DEMO_PATH)).blockers.map((x) => x.code)).toEqual(["open_note"]);
    await b.clearNote(DEMO_PATH, "RN-001");
    expect(await b.finalizeCheck(DEMO_PATH)).toEqual({ ready: true, blockers: [] });
    const summary = await b.reviewSummary(DEMO_PATH);
    expect(summary.complete).toBe(summary.items);

    const view = await b.finalize(DEMO_PATH);
    expect(view.finalized).toMatchObject({ by: "山田 太郎" });
    expect((await b.openEngagement(DEMO_PATH)).finalized).toMatchObject({ by: "山田 太郎" });
    expect((await b.dashboard(DEMO_PATH)).review.finalized).toMatchObject({ by: "山田 太郎" });

    b.putFile("/in/late.txt", "late");
    const changes: [string, () => Promise<unknown>][] = [
      ["setScope", () => b.setScope(DEMO_PATH, CONTROL, "not_adopted", "理由")],
      ["addProcedure", () => b.addProcedure(DEMO_PATH, CONTROL, { kind: "inquiry", evaluation: "design", text_ja: "追加", text_en: "", assignee: null })],
      ["updateProcedure", () => b.updateProcedure(DEMO_PATH, P1, { work_done: "後から" })],
      ["removeProcedure", () => b.removeProcedure(DEMO_PATH, P1)],
      ["addException", () => b.addException(DEMO_PATH, P1, "後から")],
      ["editException", () => b.editException(DEMO_PATH, "E-0001", "後から")],
      ["removeException", () => b.removeException(DEMO_PATH, "E-0001")],
      ["addEvidence", () => b.addEvidence(DEMO_PATH, [{ path: "/in/late.txt", meta: meta("後から") }], [], () => {})],
      ["editEvidence", () => b.editEvidence(DEMO_PATH, "EV-0001", { title: "後から" })],
      ["linkEvidence", () => b.linkEvidence(DEMO_PATH, "EV-0001", { kind: "procedure", id: P1 })],
      ["unlinkEvidence", () => b.unlinkEvidence(DEMO_PATH, "EV-0001", { kind: "procedure", id: P1 })],
      ["removeEvidence", () => b.removeEvidence(DEMO_PATH, "EV-0001", "後から")],
      ["addPbc", () => b.addPbc(DEMO_PATH, { item: "後から", requested_on: "2026-05-01", due: null, from_whom: "", status: "requested", notes: "" })],
      ["editPbc", () => b.editPbc(DEMO_PATH, "PBC-001", { item: "後から", requested_on: "2026-05-01", due: null, from_whom: "", status: "requested", notes: "" })],
      ["signOff", () => b.signOff(DEMO_PATH, "procedure", P1, "preparer")],
      ["addNote", () => b.addNote(DEMO_PATH, "control", CONTROL, "後から")],
      ["answerNote", () => b.answerNote(DEMO_PATH, "RN-001", "後から")],
      ["clearNote", () => b.clearNote(DEMO_PATH, "RN-001")],
      ["finalize", () => b.finalize(DEMO_PATH)],
      ["importPopulation", () => b.importPopulation(DEMO_PATH, P1, "/fake/change-tickets.csv", { item_id: 0, date: 1, description: 2 })],
      ["setPopulationCount", () => b.setPopulationCount(DEMO_PATH, P1, 10)],
      ["selectSample", () => b.selectSample(DEMO_PATH, "4.4.1.1/P3", { frequency: "daily", size_override: null, override_reason: null, seed: 1, by_quarter: false })],
      ["selectSampleManually", () => b.selectSampleManually(DEMO_PATH, "4.4.1.1/P3", ["CHG-0003"], "後から")],
      ["addSampleItem", () => b.addSampleItem(DEMO_PATH, "4.4.1.1/P3", "CHG-0003", "後から")],
      ["discardSample", () => b.discardSample(DEMO_PATH, "4.4.1.1/P3", "後から")],
      ["addAttribute", () => b.addAttribute(DEMO_PATH, "4.4.1.1/P3", "後から")],
      ["editAttribute", () => b.editAttribute(DEMO_PATH, "4.4.1.1/P3", "A", "後から")],
      ["removeAttribute", () => b.removeAttribute(DEMO_PATH, "4.4.1.1/P3", "A")],
      ["setCell", () => b.setCell(DEMO_PATH, "4.4.1.1/P3", 1, "A", { result: null, tickmark: null, comment: "" })],
      ["setTickmark", () => b.setTickmark(DEMO_PATH, { mark: "★", meaning_ja: "後から", meaning_en: "" })],
    ];
    for (const [name, call] of changes) {
      expect(await call().then(() => "accepted", (e: BackendError) => e.kind), name).toBe("locked");
    }

    await as(b, "鈴木 一郎");
    expect(await refused(b.reopen(DEMO_PATH, "追加の手続が必要"))).toEqual(["role_not_allowed"]);
    await as(b, "山田 太郎");
    await expect(b.reopen(DEMO_PATH, " ")).rejects.toMatchObject({ kind: "invalid" });
    const reopened = await b.reopen(DEMO_PATH, "追加の手続が必要になったため");
    expect(reopened.finalized).toBe(null);
    await expect(b.reopen(DEMO_PATH, "もう一度")).rejects.toMatchObject({ kind: "invalid" });
    // The sign-offs given before stay; changes are allowed again.
    expect((await b.reviewSummary(DEMO_PATH)).complete).toBe(summary.items);
    await b.updateProcedure(DEMO_PATH, P1, { work_done: "追加で閲覧した。" });
    expect((await b.reviewSummary(DEMO_PATH)).changed_after_signoff).toBe(2);
  });
});

describe("fake backend: sample review for the browser", () => {
  it("records a review in progress, and a finalized demo, acting as the team", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    await as(b, "鈴木 一郎", "reviewer");
    await recordSampleWork(b, DEMO_PATH);
    await recordSampleEvidence(b, DEMO_PATH);
    await recordReviewInProgress(b, DEMO_PATH);
    expect((await b.getProfile()).name).toBe("鈴木 一郎");
    const summary = await b.reviewSummary(DEMO_PATH);
    expect(summary).toMatchObject({ changed_after_signoff: 2, open_notes: 2, finalized: null });
    expect(summary.notes.map((n) => [n.id, n.status])).toEqual([
      ["RN-001", "open"],
      ["RN-002", "answered"],
    ]);
    expect(summary.complete).toBeGreaterThan(50);

    const done = createFakeBackend();
    await done.openDemo();
    await recordSampleWork(done, DEMO_PATH);
    await recordSampleEvidence(done, DEMO_PATH);
    await recordSampleReview(done, DEMO_PATH, { finalize: true });
    const view = await done.openEngagement(DEMO_PATH);
    expect(view.finalized).toMatchObject({ by: "山田 太郎" });
    // The out-of-scope control is signed too, without its procedures.
    expect((await done.controlDetail(DEMO_PATH, "8.1.5.4.P")).review?.complete).toBe(true);
  });
});

describe("fake backend: report and submission package, as in report/src/export.rs", () => {
  /** Where the field_problems of a refused export point. */
  async function refusedFields(call: Promise<unknown>): Promise<string[]> {
    const err = await call.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err, "the export should have been refused").toBeInstanceOf(BackendError);
    expect((err as BackendError).kind).toBe("invalid");
    return (err as BackendError).payload.field_problems.map((p) => p.field);
  }

  const request = (out: string, signed: { certificate?: string; passphrase?: string } = {}): ExportRequest => ({
    lang: "ja",
    out,
    certificate: signed.certificate ?? null,
    passphrase: signed.passphrase ?? null,
    report_date: "2026-11-26",
  });

  it("makes only an unsigned draft of an open engagement, reporting read, layout and write", async () => {
    const b = await demo();
    const stages: ExportProgress[] = [];
    const draft = await b.exportReport(DEMO_PATH, request("/out/draft.pdf"), (p) => stages.push(p));
    expect(draft).toMatchObject({ path: "/out/draft.pdf", is_final: false, signed: false });
    expect(draft.pages).toBeGreaterThan(3);
    expect(draft.bytes).toBe(b.files.get("/out/draft.pdf")?.length);
    expect(stages).toEqual([
      { stage: "read", step: 0, steps: 1 },
      { stage: "layout", step: 1, steps: 1 },
      { stage: "write", step: 1, steps: 1 },
    ]);
    const signing = { certificate: CERTIFICATE_PATH, passphrase: CERTIFICATE_PASSPHRASE };
    expect(await refusedFields(b.exportReport(DEMO_PATH, request("/out/signed.pdf", signing), () => {}))).toEqual(["sign"]);
    expect(await refusedFields(b.exportPackage(DEMO_PATH, request("/out/p.zip", signing), () => {}))).toEqual(["package"]);
    // Nothing is written when the export is refused.
    expect(b.files.has("/out/signed.pdf") || b.files.has("/out/p.zip")).toBe(false);
  });

  it("signs the final report and the package only with the certificate's passphrase", async () => {
    const b = await demo();
    await recordSampleReview(b, DEMO_PATH, { finalize: true });
    const unsigned = await b.exportReport(DEMO_PATH, request("/out/final.pdf"), () => {});
    expect(unsigned).toMatchObject({ is_final: true, signed: false });

    expect(await refusedFields(b.exportReport(DEMO_PATH, request("/out/x.pdf", { certificate: CERTIFICATE_PATH, passphrase: "wrong" }), () => {}))).toEqual(["passphrase"]);
    expect(await refusedFields(b.exportReport(DEMO_PATH, request("/out/x.pdf", { certificate: KEYLESS_CERTIFICATE_PATH, passphrase: CERTIFICATE_PASSPHRASE }), () => {}))).toEqual(["certificate"]);
    expect(await refusedFields(b.exportPackage(DEMO_PATH, request("/out/x.zip"), () => {}))).toEqual(["certificate"]);
    expect(await refusedFields(b.exportReport(DEMO_PATH, { ...request("/out/x.pdf"), report_date: "2026-02-30" }, () => {}))).toEqual(["report_date"]);
    await expect(b.exportReport(DEMO_PATH, request("/out/x.pdf", { certificate: "/nowhere/firm.p12", passphrase: "x" }), () => {})).rejects.toMatchObject({ kind: "io" });
    expect(b.files.has("/out/x.pdf") || b.files.has("/out/x.zip")).toBe(false);

    const signing = { certificate: CERTIFICATE_PATH, passphrase: CERTIFICATE_PASSPHRASE };
    const stages: string[] = [];
    const signed = await b.exportReport(DEMO_PATH, request("/out/signed.pdf", signing), (p) => stages.push(`${p.stage} ${p.step}/${p.steps}`));
    expect(signed).toMatchObject({ is_final: true, signed: true, pages: unsigned.pages });
    expect(stages).toEqual(["read 0/1", "layout 1/2", "sign 2/2", "write 1/1"]);

    stages.length = 0;
    const zip = await b.exportPackage(DEMO_PATH, request("/out/package.zip", signing), (p) => stages.push(`${p.stage} ${p.step}/${p.steps}`));
    expect(zip).toMatchObject({ path: "/out/package.zip", is_final: true, signed: true });
    expect(stages).toEqual(["read 0/1", "layout 1/3", "sign 2/3", "package 3/3", "write 1/1"]);
  });

  it("answers the pickers as the tests set them, writes nothing where it cannot, and records what was opened", async () => {
    const b = await demo();
    expect(await b.pickExportDestination("pdf", "実施結果報告書_x_2026-11-26.pdf")).toBe("/fake/exports/実施結果報告書_x_2026-11-26.pdf");
    b.exportFolder = null;
    expect(await b.pickExportDestination("zip", "p.zip")).toBe(null);
    expect(b.askedDestinations).toEqual([
      { kind: "pdf", suggestedName: "実施結果報告書_x_2026-11-26.pdf" },
      { kind: "zip", suggestedName: "p.zip" },
    ]);
    expect(await b.pickCertificateFile()).toBe(CERTIFICATE_PATH);
    b.pickedCertificate = null;
    expect(await b.pickCertificateFile()).toBe(null);

    const out = `${READ_ONLY_DIR}/r.pdf`;
    const err = await b.exportReport(DEMO_PATH, request(out), () => {}).catch((e: BackendError) => e);
    expect(err).toMatchObject({ kind: "io" });
    expect((err as BackendError).message.startsWith(out)).toBe(true);
    expect(b.files.has(out)).toBe(false);

    await b.openPath("/out/a.pdf");
    await b.showInFolder("/out/b.zip");
    expect(b.openedPaths).toEqual(["/out/a.pdf"]);
    expect(b.shownInFolder).toEqual(["/out/b.zip"]);
  });
});
