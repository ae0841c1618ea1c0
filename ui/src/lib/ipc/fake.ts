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
import type { Evidence } from "./bindings/Evidence";
import type { EvidenceLink } from "./bindings/EvidenceLink";
import type { EvidenceMeta } from "./bindings/EvidenceMeta";
import type { EvidenceProblem } from "./bindings/EvidenceProblem";
import type { FileFacts } from "./bindings/FileFacts";
import type { PbcFields } from "./bindings/PbcFields";
import type { PbcRequest } from "./bindings/PbcRequest";
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
  guessKind,
  isDate,
  mediaTypeOf,
  pbcIsOpen,
  pbcIsOverdue,
  procedureStatus,
} from "./rules";
import { SAMPLE_DIR, sampleFiles } from "./sample-files";

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
  /** Every evidence item in the order taken in, withdrawn ones included (their IDs are never reused). */
  evidence: Evidence[];
  /** Stored contents by SHA-256: identical files are stored once, as in the core. */
  contents: Map<string, Uint8Array>;
  /** PBC requests in the order added; their `evidence` is derived from the links when read. */
  pbc: PbcRequest[];
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
  /** The pretend disk that evidence is taken in from: path to content. Starts with the sample files. */
  files: Map<string, Uint8Array>;
  /** Puts a file on the pretend disk (text is stored as UTF-8). */
  putFile(path: string, content: string | Uint8Array): void;
  /** What the next pickEvidenceFiles returns, as if the user chose these files ([] is a cancel). */
  pickedFiles: string[];
  /** Simulates files dropped onto the window at (x, y) in CSS pixels, as the app's drop event reports them. */
  dropFiles(paths: string[], x: number, y: number): void;
  /**
   * Makes the next intake wait after its first progress report until the
   * returned function is called, so that a test can cancel mid-way.
   */
  holdIntake(): () => void;
  /** The evidence IDs opened with the system viewer, in order. */
  opened: string[];
  /** Changes an item's stored content behind the records' back, for testing the verification. */
  tamperContent(path: string, evidenceId: string): void;
}

/** The fake reads and hashes files in chunks of this size, reporting progress after each. */
const FAKE_CHUNK = 64 * 1024;

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/** The user's local date as `YYYY-MM-DD`, which decides what is overdue (as the app passes the core). */
function localToday(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

const LINK_KINDS = ["procedure", "exception", "pbc"];
const EVIDENCE_KINDS = ["document", "screenshot", "log_export", "configuration", "interview_memo", "other"];
const PBC_STATUSES = ["requested", "received", "follow_up", "withdrawn"];

function compareLinks(a: EvidenceLink, b: EvidenceLink): number {
  return a.kind === b.kind ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.kind < b.kind ? -1 : 1;
}

export function createFakeBackend(options: { latency?: number } = {}): FakeBackend {
  const catalogs: CatalogData[] = [sampleCatalog()];
  const engagements = new Map<string, Engagement>();
  let profile: Profile = { name: "", lang: "ja", recent: [] };
  let uuidCounter = 0;
  let cancelRequested = false;
  let intakeHold: Promise<void> | null = null;
  const dropHandlers = new Set<(paths: string[], x: number, y: number) => void>();

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
      evidence: [],
      contents: new Map(),
      pbc: [],
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
      evidence: controlEvidence(e, controlId),
    };
  }

  /** The current evidence linked to a control's procedures or to their exceptions. */
  function controlEvidence(e: Engagement, controlId: string): Evidence[] {
    const procedures = e.procedures.get(controlId) ?? [];
    const targets = new Set<string>();
    for (const p of procedures) {
      targets.add(`procedure ${p.id}`);
      for (const x of p.exceptions) targets.add(`exception ${x.id}`);
    }
    return e.evidence.filter((ev) => ev.removed === null && ev.links.some((l) => targets.has(`${l.kind} ${l.id}`))).map(clone);
  }

  function findEvidence(e: Engagement, id: string): Evidence {
    const ev = e.evidence.find((x) => x.id === id);
    if (!ev) fail("not_found", `evidence ${id} not found`);
    return ev;
  }

  function findPbc(e: Engagement, id: string): PbcRequest {
    const r = e.pbc.find((x) => x.id === id);
    if (!r) fail("not_found", `PBC request ${id} not found`);
    return r;
  }

  /** A request as read: the evidence received for it is derived from the links, withdrawn items included. */
  function pbcOut(e: Engagement, r: PbcRequest): PbcRequest {
    const evidence = e.evidence.filter((ev) => ev.links.some((l) => l.kind === "pbc" && l.id === r.id)).map((ev) => ev.id);
    return { ...clone(r), evidence };
  }

  /** Refuses a link to something that does not exist, as the core's `require_target`. */
  function requireTarget(e: Engagement, link: EvidenceLink): void {
    if (!LINK_KINDS.includes(link.kind)) fail("invalid", `${String(link.kind)} is not a link kind`);
    if (link.kind === "procedure") {
      findProcedure(e, link.id);
    } else if (link.kind === "exception") {
      findException(e, link.id);
    } else {
      findPbc(e, link.id);
    }
  }

  /** Evidence keeps pointing at what it supports, so that thing cannot be removed first. */
  function refuseIfLinked(e: Engagement, kind: EvidenceLink["kind"], id: string): void {
    const linked = e.evidence.filter((ev) => ev.links.some((l) => l.kind === kind && l.id === id)).map((ev) => ev.id);
    if (linked.length > 0) fail("invalid", `${id} is supported by evidence ${linked.join(", ")}; unlink the evidence first`);
  }

  function checkMeta(meta: EvidenceMeta): void {
    if (meta.title.trim() === "") fail("invalid", "an evidence item needs a title", [{ field: "title", code: "required", params: {}, message: "an evidence item needs a title" }]);
    if (!EVIDENCE_KINDS.includes(meta.kind)) fail("invalid", `${String(meta.kind)} is not an evidence kind`);
    if (!isDate(meta.as_of)) fail("invalid", "the as-of date is required", [{ field: "as_of", code: "required", params: {}, message: "the as-of date is required" }]);
    if (meta.obtained_at !== null && !isDate(meta.obtained_at)) fail("invalid", `${meta.obtained_at} is not a date`);
  }

  function checkPbc(fields: PbcFields): void {
    if (fields.item.trim() === "") fail("invalid", "a request needs what is asked for", [{ field: "item", code: "required", params: {}, message: "a request needs what is asked for" }]);
    if (!isDate(fields.requested_on)) fail("invalid", "the request date is required", [{ field: "requested_on", code: "required", params: {}, message: "the request date is required" }]);
    if (fields.due !== null && !isDate(fields.due)) fail("invalid", `${fields.due} is not a date`);
    if (fields.due !== null && fields.due < fields.requested_on) {
      fail("invalid", "the due date is before the request date", [{ field: "due", code: "invalid", params: {}, message: "the due date is before the request date" }]);
    }
    if (!PBC_STATUSES.includes(fields.status)) fail("invalid", `${String(fields.status)} is not a PBC status`);
  }

  /** The file on the pretend disk that can be taken in, as the core's `check_source`. */
  function source(path: string): Uint8Array {
    const content = backend.files.get(path);
    if (!content) fail("not_found", `file ${path} not found`);
    if (content.length === 0) {
      fail("source", `${path}: cannot be taken in: the file is empty (0 bytes); an empty export is usually a failed one; nothing was written`);
    }
    return content;
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
        const today = localToday();
        return {
          engagement: view(e),
          progress,
          exceptions,
          evidence_items: e.evidence.filter((ev) => ev.removed === null).length,
          pbc_open: e.pbc.filter((r) => pbcIsOpen(r.status)).length,
          pbc_overdue: e.pbc.filter((r) => pbcIsOverdue(r, today)).map((r) => pbcOut(e, r)),
        };
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
        refuseIfLinked(e, "procedure", procedureId);
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
        refuseIfLinked(e, "exception", exceptionId);
        procedure.exceptions.splice(index, 1);
        e.events++;
      }),

    // ---- Evidence and the PBC list ----

    files: sampleFiles(),
    putFile: (path, content) => {
      backend.files.set(path, typeof content === "string" ? new TextEncoder().encode(content) : content);
    },
    pickedFiles: [`${SAMPLE_DIR}/特権ID管理画面.png`, `${SAMPLE_DIR}/情報セキュリティ規程_v3.2.pdf`, `${SAMPLE_DIR}/特権ID利用ログ_2026-04.log`],
    opened: [],
    dropFiles: (paths, x, y) => {
      for (const handler of dropHandlers) handler([...paths], x, y);
    },
    holdIntake: () => {
      let release = () => {};
      intakeHold = new Promise<void>((resolve) => (release = resolve));
      return release;
    },
    tamperContent: (path, evidenceId) => {
      const e = get(path);
      const content = e.contents.get(findEvidence(e, evidenceId).sha256);
      if (content && content.length > 0) content[0] ^= 0xff;
    },

    pickEvidenceFiles: () => respond(() => [...backend.pickedFiles]),
    describeFiles: (paths) =>
      respond(() =>
        paths.map((path): FileFacts => {
          const content = source(path);
          const name = baseName(path);
          const media_type = mediaTypeOf(name);
          const dot = name.lastIndexOf(".");
          return { path, name, size: content.length, media_type, kind: guessKind(media_type, name), title: dot > 0 ? name.slice(0, dot) : name };
        }),
      ),
    // Reads each file in chunks, reporting progress and checking for a
    // cancel after each, and stores everything only at the end: a cancelled
    // or failed intake leaves the engagement as it was, as the core's
    // single transaction does.
    addEvidence: async (path, files, links, onProgress) => {
      if (backend.latency > 0) await new Promise((r) => setTimeout(r, backend.latency));
      cancelRequested = false;
      const hold = intakeHold;
      intakeHold = null;
      const e = get(path);
      if (files.length === 0) fail("invalid", "no file was given");
      // Everything that can be checked before reading is checked first.
      const contents = files.map((f) => {
        const content = source(f.path);
        checkMeta(f.meta);
        return content;
      });
      for (const link of links) requireTarget(e, link);
      const total = contents.reduce((n, c) => n + c.length, 0);
      let done = 0;
      let waited = false;
      const read: { sha256: string; content: Uint8Array }[] = [];
      for (const [i, content] of contents.entries()) {
        const name = baseName(files[i].path);
        for (let offset = 0; offset < content.length; offset += FAKE_CHUNK) {
          done += Math.min(FAKE_CHUNK, content.length - offset);
          onProgress({ file: i + 1, files: files.length, name, bytes_done: done, bytes_total: total });
          if (hold && !waited) {
            waited = true;
            await hold;
          } else {
            await new Promise((r) => setTimeout(r, backend.latency > 0 ? backend.latency / 10 : 0));
          }
          if (cancelRequested) fail("cancelled", "cancelled; nothing was written");
        }
        if (backend.files.get(files[i].path) !== content) fail("source", `${files[i].path}: cannot be taken in: the file changed while it was read; nothing was written`);
        read.push({ sha256: await sha256Hex(content), content: content.slice() });
      }
      if (cancelRequested) fail("cancelled", "cancelled; nothing was written");
      const sortedLinks = links
        .map((l) => ({ kind: l.kind, id: l.id }))
        .sort(compareLinks)
        .filter((l, i, all) => i === 0 || compareLinks(all[i - 1], l) !== 0);
      const added = files.map((f, i): Evidence => {
        const { sha256, content } = read[i];
        if (!e.contents.has(sha256)) e.contents.set(sha256, content);
        const name = baseName(f.path);
        const ev: Evidence = {
          id: `EV-${String(e.evidence.length + 1).padStart(4, "0")}`,
          sha256,
          size: content.length,
          media_type: mediaTypeOf(name),
          original_name: name,
          ...clone(f.meta),
          title: f.meta.title.trim(),
          added_at: new Date().toISOString(),
          added_by: profile.name,
          links: clone(sortedLinks),
          removed: null,
        };
        e.evidence.push(ev);
        e.events++;
        return clone(ev);
      });
      return added;
    },
    cancelIntake: () =>
      respond(() => {
        cancelRequested = true;
      }),
    listEvidence: (path, includeRemoved) => respond(() => get(path).evidence.filter((ev) => includeRemoved || ev.removed === null).map(clone)),
    editEvidence: (path, evidenceId, patch) =>
      respond(() => {
        const e = get(path);
        const ev = findEvidence(e, evidenceId);
        if (ev.removed) fail("invalid", `${evidenceId} was withdrawn and can no longer be edited`);
        const next: Evidence = { ...clone(ev) };
        if (patch.title !== undefined) next.title = patch.title.trim();
        if (patch.description !== undefined) next.description = patch.description;
        if (patch.kind !== undefined) next.kind = patch.kind;
        if (patch.obtained_from !== undefined) next.obtained_from = patch.obtained_from;
        if (patch.obtained_by !== undefined) next.obtained_by = patch.obtained_by;
        if (patch.obtained_at !== undefined) next.obtained_at = patch.obtained_at;
        if (patch.as_of !== undefined) next.as_of = patch.as_of;
        checkMeta(next);
        if (JSON.stringify(next) !== JSON.stringify(ev)) {
          Object.assign(ev, next);
          e.events++;
        }
        return clone(ev);
      }),
    linkEvidence: (path, evidenceId, link) =>
      respond(() => {
        const e = get(path);
        const ev = findEvidence(e, evidenceId);
        if (ev.links.some((l) => compareLinks(l, link) === 0)) return clone(ev);
        if (ev.removed) fail("invalid", `${evidenceId} was withdrawn and cannot be linked`);
        requireTarget(e, link);
        ev.links = [...ev.links, { kind: link.kind, id: link.id }].sort(compareLinks);
        e.events++;
        return clone(ev);
      }),
    unlinkEvidence: (path, evidenceId, link) =>
      respond(() => {
        const e = get(path);
        const ev = findEvidence(e, evidenceId);
        if (!ev.links.some((l) => compareLinks(l, link) === 0)) fail("not_found", `link ${evidenceId} → ${link.kind} ${link.id} not found`);
        ev.links = ev.links.filter((l) => compareLinks(l, link) !== 0);
        e.events++;
        return clone(ev);
      }),
    removeEvidence: (path, evidenceId, reason) =>
      respond(() => {
        const e = get(path);
        const ev = findEvidence(e, evidenceId);
        if (ev.removed) fail("invalid", `${evidenceId} was already withdrawn`);
        if (reason.trim() === "") fail("invalid", "withdrawing evidence needs the reason", [{ field: "reason", code: "required", params: {}, message: "withdrawing evidence needs the reason" }]);
        ev.removed = { reason: reason.trim(), at: new Date().toISOString(), by: profile.name };
        e.events++;
        return clone(ev);
      }),
    evidenceContent: (path, evidenceId, limit) =>
      respond(() => {
        const e = get(path);
        const content = e.contents.get(findEvidence(e, evidenceId).sha256);
        if (!content) fail("not_found", `evidence content of ${evidenceId} not found`);
        return content.slice(0, Math.max(0, limit));
      }),
    openEvidence: (path, evidenceId) =>
      respond(() => {
        findEvidence(get(path), evidenceId);
        backend.opened.push(evidenceId);
      }),
    verifyEvidence: async (path, onProgress) => {
      if (backend.latency > 0) await new Promise((r) => setTimeout(r, backend.latency));
      const e = get(path);
      const total = [...e.contents.values()].reduce((n, c) => n + c.length, 0);
      const problems: EvidenceProblem[] = [];
      let done = 0;
      for (const [sha256, content] of e.contents) {
        const actual = await sha256Hex(content);
        done += content.length;
        onProgress(done, total);
        if (actual !== sha256) {
          const ids = e.evidence.filter((ev) => ev.sha256 === sha256).map((ev) => ev.id);
          problems.push({ evidence_ids: ids, sha256, problem: `the content's SHA-256 is now ${actual}` });
        }
      }
      for (const ev of e.evidence) {
        if (!e.contents.has(ev.sha256)) problems.push({ evidence_ids: [ev.id], sha256: ev.sha256, problem: "its content is missing from the file" });
      }
      return { items: e.evidence.length, contents: e.contents.size, bytes: total, problems };
    },
    onFileDrop: async (handler) => {
      dropHandlers.add(handler);
      return () => {
        dropHandlers.delete(handler);
      };
    },

    listPbc: (path) =>
      respond(() => {
        const e = get(path);
        return e.pbc.map((r) => pbcOut(e, r));
      }),
    addPbc: (path, fields) =>
      respond(() => {
        const e = get(path);
        checkPbc(fields);
        const r: PbcRequest = {
          id: `PBC-${String(e.pbc.length + 1).padStart(3, "0")}`,
          item: fields.item.trim(),
          requested_on: fields.requested_on,
          due: fields.due,
          from_whom: fields.from_whom.trim(),
          status: fields.status,
          notes: fields.notes,
          evidence: [],
        };
        e.pbc.push(r);
        e.events++;
        return pbcOut(e, r);
      }),
    editPbc: (path, requestId, fields) =>
      respond(() => {
        const e = get(path);
        const r = findPbc(e, requestId);
        checkPbc(fields);
        const before = JSON.stringify(r);
        r.item = fields.item.trim();
        r.requested_on = fields.requested_on;
        r.due = fields.due;
        r.from_whom = fields.from_whom.trim();
        r.status = fields.status;
        r.notes = fields.notes;
        if (JSON.stringify(r) !== before) e.events++;
        return pbcOut(e, r);
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

/**
 * Takes the sample files in as evidence and fills the PBC list, one request
 * overdue, so that the evidence screens have something to show in the
 * browser. Fake-only, like recordSampleWork.
 */
export async function recordSampleEvidence(b: FakeBackend, path: string): Promise<void> {
  const day = (offset: number) => {
    const d = new Date();
    d.setDate(d.getDate() + offset);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  };
  const facts = await b.describeFiles([...b.files.keys()].filter((p) => (b.files.get(p)?.length ?? 0) > 0));
  const meta = (i: number) => ({
    title: facts[i].title,
    description: "",
    kind: facts[i].kind,
    obtained_from: "情報システム部 鈴木氏",
    obtained_by: "佐藤 花子",
    obtained_at: day(-3),
    as_of: day(-10 - i),
  });
  const intake = (indexes: number[], procedure: string) =>
    b.addEvidence(path, indexes.map((i) => ({ path: facts[i].path, meta: meta(i) })), [{ kind: "procedure", id: procedure }], () => {});
  const detail = await b.controlDetail(path, "9.2.3.11.PB");
  await intake([0, 2], detail.procedures[1]?.procedure.id ?? "9.2.3.11.PB/P1");
  await intake([1], detail.procedures[0]?.procedure.id ?? "9.2.3.11.PB/P1");
  await intake([3, 4], "5.1.1.1/P1");
  const requested = { requested_on: day(-14), from_whom: "情報システム部 鈴木氏", notes: "" };
  const review = await b.addPbc(path, { ...requested, item: "アクセス権棚卸の結果（2026年3月実施分）", due: day(-7), status: "received" });
  await b.linkEvidence(path, "EV-0005", { kind: "pbc", id: review.id });
  await b.addPbc(path, { ...requested, item: "特権ID利用申請・承認記録（2026年4月分）", due: day(-2), status: "requested" });
  await b.addPbc(path, { ...requested, item: "バックアップ取得・復元テストの記録", due: day(5), status: "follow_up", notes: "復元テストの結果が含まれていなかったため追加依頼" });
  await b.addPbc(path, { ...requested, item: "委託先管理台帳", due: null, status: "requested" });
}
