// An in-memory Backend that behaves like the Rust core, so the UI runs in a
// plain browser (`npm run dev`) and in tests. It is seeded from the same
// sample catalog and procedure library files that the core compiles in.

import catalogJson from "../../../../assets/catalogs/sample-catalog.json";
import libraryJson from "../../../../assets/procedures/default-library.json";

import { BackendError, type Backend, type FieldCheck } from "./backend";
import type { CatalogInfo } from "./bindings/CatalogInfo";
import type { CatalogItem } from "./bindings/CatalogItem";
import type { CatalogSummary } from "./bindings/CatalogSummary";
import type { ControlDetail } from "./bindings/ControlDetail";
import type { ControlRow } from "./bindings/ControlRow";
import type { Dashboard } from "./bindings/Dashboard";
import type { EngagementFields } from "./bindings/EngagementFields";
import type { EngagementView } from "./bindings/EngagementView";
import type { Evaluation } from "./bindings/Evaluation";
import type { ExceptionRecord } from "./bindings/ExceptionRecord";
import type { FieldProblem } from "./bindings/FieldProblem";
import type { NewProcedure } from "./bindings/NewProcedure";
import type { Procedure } from "./bindings/Procedure";
import type { ProcedureKind } from "./bindings/ProcedureKind";
import type { ProcedurePatch } from "./bindings/ProcedurePatch";
import type { Profile } from "./bindings/Profile";
import type { ProgramRules } from "./bindings/ProgramRules";
import type { Progress } from "./bindings/Progress";
import type { ScopeDecision } from "./bindings/ScopeDecision";
import {
  DEFAULT_RULES,
  completeItem,
  controlResult,
  controlStatus,
  derivedDates,
  domainOf,
  fieldProblems,
  fieldWarnings,
  procedureStatus,
} from "./rules";

interface LibraryEntry {
  group: string;
  domain: string;
  kind: ProcedureKind;
  evaluation?: Evaluation;
  text_ja: string;
  text_en: string;
}

interface CatalogData {
  info: CatalogInfo;
  summary: CatalogSummary;
  items: CatalogItem[];
}

interface Engagement {
  path: string;
  uuid: string;
  fields: EngagementFields;
  rules: ProgramRules;
  catalog: CatalogInfo;
  items: CatalogItem[];
  byId: Map<string, CatalogItem>;
  scope: Map<string, { decision: ScopeDecision; reason: string }>;
  procedures: Map<string, Procedure[]>;
  /** The highest procedure number each control has used, so removed numbers are not reused. */
  highest: Map<string, number>;
  exceptionsAdded: number;
  events: number;
}

export const DEMO_PATH = "/fake/demo.ismap";
export const LARGE_PATH = "/fake/large.ismap";
const LIBRARY = libraryJson.entries as LibraryEntry[];

function fail(kind: string, message: string, fieldProblems: FieldProblem[] = []): never {
  throw new BackendError({ kind, message, input_problems: [], field_problems: fieldProblems });
}

// Values cross the fake's boundary as JSON, as they cross Tauri's IPC: this
// keeps callers from sharing objects with the store, and accepts the UI's
// reactive proxies just as the real backend does.
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function sampleCatalog(): CatalogData {
  const raw = catalogJson.items as (Partial<CatalogItem> & { group: string; id: string })[];
  const ids = new Set(raw.map((i) => i.id));
  const items = raw.map((i) => completeItem(i, ids));
  return catalogData(catalogJson.name, catalogJson.version, catalogJson.title, items, "assets/catalogs/sample-catalog.json");
}

function catalogData(name: string, version: string, title: string, items: CatalogItem[], source: string): CatalogData {
  const info: CatalogInfo = { name, version, title, id_scheme: "ismap", sample: true, content_sha256: "fake" };
  return {
    info,
    items,
    summary: {
      ...info,
      source_file: source,
      imported_at: "2026-01-01T00:00:00Z",
      items: items.length,
      controls: items.filter((i) => i.level === "detailed").length,
    },
  };
}

/** A synthetic catalog shaped like the core's `synthetic_catalog`: domains 5 to 18, three categories, four objectives each. */
export function syntheticCatalog(controls: number): CatalogData {
  const perObjective = Math.max(1, Math.ceil(controls / (14 * 3 * 4)));
  const items: CatalogItem[] = [];
  let made = 0;
  const item = (id: string, parent: string | null, level: string, ja: string, en: string, text: boolean): CatalogItem => ({
    group: "controls",
    id,
    parent,
    level,
    suffix: null,
    title_ja: ja,
    title_en: en,
    text_ja: text ? `${ja}について、手順を文書化し、責任者が承認し、記録を保管すること。年に一度以上見直すこと。` : "",
    text_en: text ? `For ${en}, procedures are documented, approved by the person responsible, and records kept.` : "",
    source_refs: [],
    importance: null,
    audit_cycle: null,
    liu_scope: null,
    mandatory: false,
  });
  all: for (let domain = 5; domain <= 18; domain++) {
    items.push(item(`${domain}`, null, "domain", `合成領域 ${domain}`, `Synthetic domain ${domain}`, false));
    for (let category = 1; category <= 3; category++) {
      const cat = `${domain}.${category}`;
      items.push(item(cat, `${domain}`, "category", `合成分類 ${cat}`, `Synthetic category ${cat}`, false));
      for (let objective = 1; objective <= 4; objective++) {
        const obj = `${cat}.${objective}`;
        items.push(item(obj, cat, "objective", `合成統制目標 ${obj}`, `Synthetic objective ${obj}`, true));
        for (let d = 1; d <= perObjective; d++) {
          if (made === controls) break all;
          const det = item(`${obj}.${d}`, obj, "detailed", `合成詳細管理策 ${obj}.${d}`, `Synthetic detailed control ${obj}.${d}`, true);
          if (d % 7 === 0) {
            det.id += ".B";
            det.suffix = "B";
          }
          items.push(det);
          made++;
        }
      }
    }
  }
  return catalogData("synthetic", String(controls), "Synthetic large catalog (generated)", items, "generated");
}

/** The demo engagement's fields, as the core's `sample::demo_fields`. */
export function demoFields(): EngagementFields {
  return {
    provider: {
      name: "株式会社サンプルクラウド",
      corporate_number: "7123456789012",
      location: "東京都千代田区霞が関一丁目1番1号（架空）",
    },
    service: {
      name: "サンプルクラウド IaaS",
      url: "https://cloud.example.jp",
      scope_of_statement: "東京及び大阪リージョンで提供する IaaS（仮想サーバ、ブロックストレージ、仮想ネットワーク）",
    },
    program: "ismap",
    audit_kind: "initial",
    current_registration: null,
    period: { start: "2025-10-01", end: "2026-09-30" },
    assessor: { name: "みなと監査法人（架空）", registration_number: "SAMPLE-0001", registration_valid_until: "2027-03-31" },
    team: [
      { name: "高橋 美咲", role: "partner" },
      { name: "山田 太郎", role: "manager" },
      { name: "鈴木 一郎", role: "reviewer" },
      { name: "佐藤 花子", role: "assessor" },
    ],
  };
}

/** The library entries for a control: the most specific tier that has any wins. */
export function libraryEntriesFor(group: string, controlId: string): LibraryEntry[] {
  const domain = domainOf(controlId);
  const tiers: ((e: LibraryEntry) => boolean)[] = [
    (e) => e.group === group && e.domain === domain,
    (e) => e.group === group && e.domain === "*",
    (e) => e.group === "*",
  ];
  for (const tier of tiers) {
    const found = LIBRARY.filter(tier);
    if (found.length > 0) return found;
  }
  return [];
}

function fillTitle(text: string, ja: string, en: string): string {
  return text.replaceAll("{title_ja}", ja).replaceAll("{title_en}", en);
}

export interface FakeBackend extends Backend {
  /** Builds the large engagement (default 1,500 detailed controls, three procedures each, work in progress). */
  createLarge(controls?: number): Promise<EngagementView>;
  /** Milliseconds every call waits, to make saves observable in the UI. */
  latency: number;
}

export function createFakeBackend(options: { latency?: number } = {}): FakeBackend {
  const catalogs: CatalogData[] = [sampleCatalog()];
  const engagements = new Map<string, Engagement>();
  let profile: Profile = { name: "", lang: "ja", recent: [] };
  let uuidCounter = 0;

  function get(path: string): Engagement {
    const e = engagements.get(path);
    if (!e) fail("io", `cannot open ${path}: no such file`);
    return e;
  }

  function remember(e: Engagement): void {
    const title = `${e.fields.provider.name} ${e.fields.service.name}`;
    profile.recent = [
      { path: e.path, title, opened_at: new Date().toISOString() },
      ...profile.recent.filter((r) => r.path !== e.path),
    ].slice(0, 10);
  }

  function create(path: string, catalog: CatalogData, fields: EngagementFields, rules: ProgramRules): Engagement {
    const items = clone(catalog.items);
    const e: Engagement = {
      path,
      uuid: `00000000-0000-4000-8000-${String(++uuidCounter).padStart(12, "0")}`,
      fields: clone(fields),
      rules,
      catalog: catalog.info,
      items,
      byId: new Map(items.map((i) => [i.id, i])),
      scope: new Map(),
      procedures: new Map(),
      highest: new Map(),
      exceptionsAdded: 0,
      events: 1,
    };
    // An initial audit evaluates design; every later one, operation.
    const defaultEvaluation: Evaluation = fields.audit_kind === "initial" ? "design" : "operating";
    for (const item of items.filter((i) => i.level === "detailed")) {
      const ja = item.title_ja || item.title_en;
      const en = item.title_en || item.title_ja;
      const list = libraryEntriesFor(item.group, item.id).map(
        (entry, n): Procedure => ({
          id: `${item.id}/P${n + 1}`,
          control_id: item.id,
          kind: entry.kind,
          evaluation: entry.evaluation ?? defaultEvaluation,
          text_ja: fillTitle(entry.text_ja, ja, en),
          text_en: fillTitle(entry.text_en, ja, en),
          assignee: null,
          work_done: "",
          result: null,
          notes: "",
          exceptions: [],
        }),
      );
      e.procedures.set(item.id, list);
      e.highest.set(item.id, list.length);
    }
    engagements.set(path, e);
    return e;
  }

  function rows(e: Engagement): ControlRow[] {
    return e.items.map((item) => {
      const assessable = item.level === "detailed";
      const scope = e.scope.get(item.id)?.decision ?? "in_scope";
      const row: ControlRow = {
        id: item.id,
        group: item.group,
        parent: item.parent,
        level: item.level ?? "",
        suffix: item.suffix,
        title_ja: item.title_ja,
        title_en: item.title_en,
        assessable,
        status: null,
        result: null,
        scope,
        procedures: 0,
        procedures_done: 0,
        exceptions: 0,
        assignees: [],
      };
      if (assessable) {
        const list = e.procedures.get(item.id) ?? [];
        const statuses = list.map(procedureStatus);
        row.status = controlStatus(scope === "in_scope", statuses);
        row.result = scope === "in_scope" ? controlResult(list.map((p) => p.result)) : null;
        row.procedures = list.length;
        row.procedures_done = statuses.filter((s) => s === "done").length;
        row.exceptions = list.reduce((n, p) => n + p.exceptions.length, 0);
        for (const p of list) if (p.assignee !== null && !row.assignees.includes(p.assignee)) row.assignees.push(p.assignee);
      }
      return row;
    });
  }

  function view(e: Engagement): EngagementView {
    const assessable = e.items.filter((i) => i.level === "detailed");
    const byGroup: { group: string; count: number }[] = [];
    for (const i of assessable) {
      const g = byGroup.find((b) => b.group === i.group);
      if (g) g.count++;
      else byGroup.push({ group: i.group, count: 1 });
    }
    return {
      path: e.path,
      uuid: e.uuid,
      schema_version: 1,
      fields: clone(e.fields),
      rules: e.rules,
      derived: derivedDates(e.fields, e.rules),
      warnings: fieldWarnings(e.fields, e.rules),
      catalog: e.catalog,
      controls: { items: e.items.length, assessable: assessable.length, by_group: byGroup },
      events: e.events,
    };
  }

  function detail(e: Engagement, controlId: string): ControlDetail {
    const item = e.byId.get(controlId);
    if (!item) fail("not_found", `control ${controlId} not found`);
    const assessable = item.level === "detailed";
    const scope = e.scope.get(controlId) ?? { decision: "in_scope" as ScopeDecision, reason: "" };
    const inScope = scope.decision === "in_scope";
    const procedures = (e.procedures.get(controlId) ?? []).map((p) => ({ procedure: clone(p), status: procedureStatus(p) }));
    return {
      item: clone(item),
      assessable,
      scope: scope.decision,
      scope_reason: scope.reason,
      status: assessable ? controlStatus(inScope, procedures.map((p) => p.status)) : null,
      result: assessable && inScope ? controlResult(procedures.map((p) => p.procedure.result)) : null,
      procedures,
    };
  }

  function findProcedure(e: Engagement, id: string): Procedure {
    const controlId = id.slice(0, id.lastIndexOf("/P"));
    const p = e.procedures.get(controlId)?.find((x) => x.id === id);
    if (!p) fail("not_found", `procedure ${id} not found`);
    return p;
  }

  function findException(e: Engagement, id: string): { procedure: Procedure; index: number } {
    for (const list of e.procedures.values()) {
      for (const procedure of list) {
        const index = procedure.exceptions.findIndex((x) => x.id === id);
        if (index >= 0) return { procedure, index };
      }
    }
    fail("not_found", `exception ${id} not found`);
  }

  // Each call is asynchronous like IPC, and optionally slow, so that the UI's
  // saving states can be seen and tested.
  async function respond<T>(work: () => T): Promise<T> {
    if (backend.latency > 0) await new Promise((r) => setTimeout(r, backend.latency));
    return work();
  }

  const backend: FakeBackend = {
    latency: options.latency ?? 0,

    getProfile: () => respond(() => clone(profile)),
    saveProfile: (next) =>
      respond(() => {
        profile = clone(next);
        return clone(profile);
      }),

    pickEngagementToOpen: () => respond(() => profile.recent[0]?.path ?? null),
    pickEngagementToCreate: (suggestedName) => respond(() => `/fake/${suggestedName}.ismap`),
    suggestEngagementPath: (serviceName) =>
      respond(() => {
        const stem = serviceName.trim().replace(/[\\/:*?"<>|]/g, "_") || "engagement";
        let path = `/fake/documents/${stem}.ismap`;
        for (let n = 2; engagements.has(path); n++) path = `/fake/documents/${stem} (${n}).ismap`;
        return path;
      }),

    openEngagement: (path) =>
      respond(() => {
        const e = get(path);
        remember(e);
        return view(e);
      }),
    openDemo: () =>
      respond(() => {
        const e = engagements.get(DEMO_PATH) ?? create(DEMO_PATH, catalogs[0], demoFields(), DEFAULT_RULES);
        remember(e);
        return view(e);
      }),

    listCatalogs: () => respond(() => catalogs.map((c) => clone(c.summary))),
    checkFields: (fields) =>
      respond(
        (): FieldCheck => ({
          problems: fieldProblems(fields, DEFAULT_RULES),
          warnings: fieldWarnings(fields, DEFAULT_RULES),
          derived: derivedDates(fields, DEFAULT_RULES),
        }),
      ),
    createEngagement: (path, catalogRef, fields) =>
      respond(() => {
        if (engagements.has(path)) fail("already_exists", `${path} already exists`);
        // "" is the bundled sample catalog, as in the app.
        const [name, version] = catalogRef.includes("@") ? catalogRef.split("@") : [catalogRef, undefined];
        const catalog =
          catalogRef === ""
            ? catalogs[0]
            : catalogs.find((c) => c.info.name === name && (version === undefined || c.info.version === version));
        if (!catalog) fail("not_found", `catalog ${catalogRef} not found`);
        const problems = fieldProblems(fields, DEFAULT_RULES);
        if (problems.length > 0) fail("invalid", problems.map((p) => p.message).join("; "), problems);
        const e = create(path, catalog, fields, DEFAULT_RULES);
        remember(e);
        return view(e);
      }),

    dashboard: (path) =>
      respond((): Dashboard => {
        const e = get(path);
        const all = rows(e);
        const titles = new Map(all.map((r) => [r.id, r]));
        const progress: Progress[] = [];
        for (const c of all.filter((r) => r.assessable)) {
          const domain = domainOf(c.id);
          let p = progress.find((x) => x.group === c.group && x.domain === domain);
          if (!p) {
            const heading = titles.get(domain);
            p = {
              group: c.group,
              domain,
              domain_title_ja: heading?.title_ja ?? "",
              domain_title_en: heading?.title_en ?? "",
              controls: 0,
              not_started: 0,
              in_progress: 0,
              done: 0,
              no_procedures: 0,
              out_of_scope: 0,
              no_exception: 0,
              exception: 0,
              not_applicable: 0,
              not_performed: 0,
            };
            progress.push(p);
          }
          p.controls++;
          if (c.status) p[c.status]++;
          if (c.result) p[c.result]++;
        }
        const exceptions = [...e.procedures.values()]
          .flat()
          .flatMap((p) => p.exceptions)
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((x) => {
            const controlId = x.procedure_id.slice(0, x.procedure_id.lastIndexOf("/P"));
            const c = titles.get(controlId);
            return { exception: clone(x), control_id: controlId, control_title_ja: c?.title_ja ?? "", control_title_en: c?.title_en ?? "" };
          });
        return { engagement: view(e), progress, exceptions };
      }),
    listControls: (path) => respond(() => rows(get(path))),
    controlDetail: (path, controlId) => respond(() => detail(get(path), controlId)),

    setScope: (path, controlId, decision, reason) =>
      respond(() => {
        const e = get(path);
        if (!e.byId.has(controlId)) fail("not_found", `control ${controlId} not found`);
        if (decision !== "in_scope" && reason.trim() === "") {
          fail("invalid", "a control out of scope needs the reason (e.g. the provider's statement)");
        }
        const before = e.scope.get(controlId) ?? { decision: "in_scope", reason: "" };
        const after = { decision, reason: decision === "in_scope" ? "" : reason.trim() };
        if (before.decision !== after.decision || before.reason !== after.reason) {
          e.scope.set(controlId, after);
          e.events++;
        }
        return detail(e, controlId);
      }),
    addProcedure: (path, controlId, np: NewProcedure) =>
      respond(() => {
        const e = get(path);
        if (!e.byId.has(controlId)) fail("not_found", `control ${controlId} not found`);
        if (np.text_ja.trim() === "" && np.text_en.trim() === "") fail("invalid", "a procedure needs a text in Japanese or English");
        const n = (e.highest.get(controlId) ?? 0) + 1;
        e.highest.set(controlId, n);
        const p: Procedure = {
          id: `${controlId}/P${n}`,
          control_id: controlId,
          kind: np.kind,
          evaluation: np.evaluation,
          text_ja: np.text_ja,
          text_en: np.text_en,
          assignee: np.assignee && np.assignee.trim() !== "" ? np.assignee : null,
          work_done: "",
          result: null,
          notes: "",
          exceptions: [],
        };
        const list = e.procedures.get(controlId) ?? [];
        list.push(p);
        e.procedures.set(controlId, list);
        e.events++;
        return clone(p);
      }),
    updateProcedure: (path, procedureId, patch: ProcedurePatch) =>
      respond(() => {
        const e = get(path);
        const p = findProcedure(e, procedureId);
        const before = JSON.stringify(p);
        if (patch.kind !== undefined) p.kind = patch.kind;
        if (patch.evaluation !== undefined) p.evaluation = patch.evaluation;
        if (patch.text_ja !== undefined) p.text_ja = patch.text_ja;
        if (patch.text_en !== undefined) p.text_en = patch.text_en;
        if (patch.assignee !== undefined) p.assignee = patch.assignee && patch.assignee.trim() !== "" ? patch.assignee : null;
        if (patch.work_done !== undefined) p.work_done = patch.work_done;
        if (patch.result !== undefined) p.result = patch.result;
        if (patch.notes !== undefined) p.notes = patch.notes;
        if (JSON.stringify(p) !== before) e.events++;
        return clone(p);
      }),
    removeProcedure: (path, procedureId) =>
      respond(() => {
        const e = get(path);
        const p = findProcedure(e, procedureId);
        const list = e.procedures.get(p.control_id) ?? [];
        e.procedures.set(p.control_id, list.filter((x) => x.id !== procedureId));
        e.events++;
      }),
    addException: (path, procedureId, text) =>
      respond(() => {
        const e = get(path);
        if (text.trim() === "") fail("invalid", "an exception needs its facts written out");
        const p = findProcedure(e, procedureId);
        // Numbers of removed exceptions are not reused, so a reference never changes meaning.
        e.exceptionsAdded++;
        const x: ExceptionRecord = { id: `E-${String(e.exceptionsAdded).padStart(4, "0")}`, procedure_id: procedureId, text: text.trim() };
        p.exceptions.push(x);
        e.events++;
        return clone(x);
      }),
    editException: (path, exceptionId, text) =>
      respond(() => {
        const e = get(path);
        const { procedure, index } = findException(e, exceptionId);
        if (text.trim() === "") fail("invalid", "an exception needs its facts written out; remove it instead");
        const x = procedure.exceptions[index];
        if (x.text !== text.trim()) {
          x.text = text.trim();
          e.events++;
        }
        return clone(x);
      }),
    removeException: (path, exceptionId) =>
      respond(() => {
        const e = get(path);
        const { procedure, index } = findException(e, exceptionId);
        procedure.exceptions.splice(index, 1);
        e.events++;
      }),

    createLarge: (controls = 1500) =>
      respond(() => {
        const e = engagements.get(LARGE_PATH) ?? create(LARGE_PATH, syntheticCatalog(controls), demoFields(), DEFAULT_RULES);
        // Work in full swing, as the core's generator records it: what was
        // done for most procedures, results for many, one in twenty an exception.
        const team = e.fields.team.map((m) => m.name);
        let i = 0;
        for (const list of e.procedures.values()) {
          for (const p of list) {
            p.assignee = team[i % team.length];
            if (i % 10 < 7) p.work_done = `2026-05-12 情報セキュリティ担当者に質問し、手順書 第${(i % 9) + 1}版を閲覧した。`;
            if (i % 10 < 5) p.result = i % 20 === 7 ? "exception" : "no_exception";
            if (p.result === "exception") {
              e.exceptionsAdded++;
              p.exceptions.push({ id: `E-${String(e.exceptionsAdded).padStart(4, "0")}`, procedure_id: p.id, text: `抽出したサンプル ${i} 件中 1 件で承認記録がなかった。` });
            }
            i++;
            e.events++;
          }
        }
        remember(e);
        return view(e);
      }),
  };
  return backend;
}

/**
 * Records some work in the demo engagement through the public interface, so
 * that the dashboard and navigator have something to show in screenshots and
 * manual checks. The core's demo starts with no work; this is fake-only.
 */
export async function recordSampleWork(b: Backend, path: string): Promise<void> {
  const rows = (await b.listControls(path)).filter((r) => r.assessable);
  const team = ["佐藤 花子", "鈴木 一郎", "山田 太郎"];
  for (const [n, row] of rows.slice(0, 30).entries()) {
    const d = await b.controlDetail(path, row.id);
    for (const [k, entry] of d.procedures.entries()) {
      const p = entry.procedure;
      await b.updateProcedure(path, p.id, { assignee: team[(n + k) % team.length] });
      await b.updateProcedure(path, p.id, { work_done: `2026-05-1${k} 担当者に質問し、関連記録を閲覧した。` });
      if (n < 22) await b.updateProcedure(path, p.id, { result: n % 9 === 4 && k === 1 ? "exception" : n === 12 ? "not_applicable" : "no_exception" });
      if (n % 9 === 4 && k === 1) {
        await b.addException(path, p.id, "抽出した25件のうち2件で、承認者の記録がなかった。");
      }
    }
  }
  const outOfScope = rows.find((r) => r.id === "8.1.5.4.P");
  if (outOfScope) await b.setScope(path, outOfScope.id, "not_adopted", "言明書で本管理策を採用しないと記載されている。");
}
