// An in-memory Backend that behaves like the Rust core, so the UI runs in a
// plain browser (`npm run dev`) and in tests. It is seeded from the same
// sample catalog and procedure library files that the core compiles in.

import catalogJson from "../../../../assets/catalogs/sample-catalog.json";
import libraryJson from "../../../../assets/procedures/default-library.json";
import changeTicketsCsv from "../../../../assets/demo/change-tickets.csv?raw";

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
import type { ExportProgress } from "./bindings/ExportProgress";
import type { ExportRequest } from "./bindings/ExportRequest";
import type { ExportResult } from "./bindings/ExportResult";
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
import type { Blocker } from "./bindings/Blocker";
import type { EventRecord } from "./bindings/EventRecord";
import type { FieldChange } from "./bindings/FieldChange";
import type { Finalization } from "./bindings/Finalization";
import type { JsonValue } from "./bindings/serde_json/JsonValue";
import type { NoteTargetKind } from "./bindings/NoteTargetKind";
import type { ReviewNote } from "./bindings/ReviewNote";
import type { ReviewState } from "./bindings/ReviewState";
import type { ReviewSummary } from "./bindings/ReviewSummary";
import type { Role } from "./bindings/Role";
import type { SignOff } from "./bindings/SignOff";
import type { SignOffLevel } from "./bindings/SignOffLevel";
import type { SignableKind } from "./bindings/SignableKind";
import type { CellInput } from "./bindings/CellInput";
import type { GridCell } from "./bindings/GridCell";
import type { InputProblem } from "./bindings/InputProblem";
import type { Population } from "./bindings/Population";
import type { PopulationColumns } from "./bindings/PopulationColumns";
import type { PopulationPreview } from "./bindings/PopulationPreview";
import type { PopulationSummary } from "./bindings/PopulationSummary";
import type { Reproduction } from "./bindings/Reproduction";
import type { Sample } from "./bindings/Sample";
import type { SampleItem } from "./bindings/SampleItem";
import type { SampleRequest } from "./bindings/SampleRequest";
import type { SampleRuleTable } from "./bindings/SampleRuleTable";
import type { SamplingState } from "./bindings/SamplingState";
import type { TestAttribute } from "./bindings/TestAttribute";
import type { Tickmark } from "./bindings/Tickmark";
import {
  DEFAULT_RULES,
  SIGNOFF_LEVELS as LEVELS,
  levelAllows,
  mayReopen,
  previousLevel,
  requiredLevels,
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
import {
  DEFAULT_SAMPLE_RULES,
  DEFAULT_TICKMARKS,
  FREQUENCIES,
  SHOWN_OUT_OF_PERIOD,
  MAX_POPULATION_COUNT,
  MODULUS,
  PREVIEW_ROWS,
  ParkMiller,
  attributeKey,
  gridResult,
  guessColumns,
  listItems,
  readCsv,
  seedValid,
  select,
  selectByQuarter,
  sizeFor,
  strataByQuarter,
  type PopulationTable,
} from "./sampling";

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
  /** The event log, oldest first; its payloads are the core's `Change` as JSON (tag `kind`). */
  log: EventRecord[];
  /** Every sign-off ever given, by item (`kind id`), oldest first, as the core's `signoff` table. */
  signoffs: Map<string, SignRow[]>;
  /** Review notes in the order written (RN-001, ...). */
  notes: ReviewNote[];
  finalized: Finalization | null;
  /** Populations, samples and test grids by procedure ID (core/src/db/sampling.rs). */
  sampling: Map<string, ProcedureSampling>;
  /** The engagement's tickmark legend, in the order the marks were added. */
  legend: Tickmark[];
}

interface ProcedureSampling {
  population: Population | null;
  sample: Sample | null;
  /** The grid's columns, in the order added. */
  attributes: TestAttribute[];
  /** How many attributes were ever added, so that a removed key is never given again. */
  attributesAdded: number;
  cells: GridCell[];
}

/** A stored sign-off with the item's content as signed (canonical JSON), and the event that changed it since. */
interface SignRow {
  signoff: SignOff;
  content: string;
  changed: number | null;
}

/** A change as the core's event log stores it: the `Change` enum serialized with its tag. */
type Change = { kind: string } & Record<string, unknown>;

export const DEMO_PATH = "/fake/demo.ismap";
/** Population lists on the pretend disk: the demo's change tickets (the core's demo file) and a list the import refuses. */
export const CHANGE_TICKETS_PATH = "/fake/change-tickets.csv";
export const BROKEN_POPULATION_PATH = "/fake/change-tickets-broken.csv";
/** The seed of the demo's change-management sample, as the core's `sample::DEMO_SEED`. */
export const DEMO_SEED = 20261126;
export const LARGE_PATH = "/fake/large.ismap";
/** The firm's certificate on the pretend disk, what pickCertificateFile returns, and the one passphrase that opens it. */
export const CERTIFICATE_PATH = "/fake/firm.p12";
export const CERTIFICATE_PASSPHRASE = "test-pass";
/** A PKCS#12 file that opens but holds no private key, which the core refuses as a certificate problem. */
export const KEYLESS_CERTIFICATE_PATH = "/fake/no-key.p12";
/** Where the pretend save dialog puts exports, and a folder where every write fails (as a read-only share would). */
export const EXPORT_DIR = "/fake/exports";
export const READ_ONLY_DIR = "/fake/read-only";
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
    second_review: false,
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
  /** What the next pickPopulationFile returns, as if the user chose this file (null is a cancel). */
  pickedPopulationFile: string | null;
  /** The folder the pretend save dialog answers with (the suggested name inside it); null is a cancel. */
  exportFolder: string | null;
  /** Every question to the save dialog, in order, so that tests can check the suggested names. */
  askedDestinations: { kind: "pdf" | "zip"; suggestedName: string }[];
  /** What the next pickCertificateFile returns (null is a cancel). */
  pickedCertificate: string | null;
  /** The PKCS#12 files on the pretend disk: their passphrase, and why signing with them fails (null when it does not). */
  certificates: Map<string, { passphrase: string; problem: string | null }>;
  /**
   * Makes the next export wait after it reports `stage` until the returned
   * function is called, so that a test can see the progress mid-way.
   */
  holdExport(stage: string): () => void;
  /** Paths opened with the system viewer (openPath), in order. */
  openedPaths: string[];
  /** Paths whose folder was shown (showInFolder), in order. */
  shownInFolder: string[];
}

/**
 * The population lists on the pretend disk: the demo's change tickets (the
 * very file the core's demo imports) and a list whose import is refused,
 * naming its lines: an ID used twice, an empty ID and a date that is none.
 */
function populationFiles(): [string, Uint8Array][] {
  const broken = [
    "変更番号,実施日,件名,申請者,承認者",
    "CHG-0001,2025-10-02,OSパッチ適用（仮想サーバ基盤）,伊藤 健,渡辺 部長",
    "CHG-0002,2025-10-03,ファイアウォールルール変更,中村 由美,松本 課長",
    "CHG-0002,2025-10-06,監視閾値の見直し,小林 誠,渡辺 部長",
    ",2025-10-07,ストレージ容量の拡張,加藤 美穂,松本 課長",
    "CHG-0005,2025年13月1日,DNSレコードの追加,吉田 翔,渡辺 部長",
    "",
  ].join("\n");
  const utf8 = (text: string) => new TextEncoder().encode(text);
  return [
    [CHANGE_TICKETS_PATH, utf8(changeTicketsCsv)],
    [BROKEN_POPULATION_PATH, utf8(broken)],
  ];
}

/** The fake reads and hashes files in chunks of this size, reporting progress after each. */
const FAKE_CHUNK = 64 * 1024;

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The procedure a sample item (`PROCEDURE/Sn`) belongs to. */
function procedureOfSampleItem(id: string): string | null {
  const at = id.lastIndexOf("/S");
  return at > 0 ? id.slice(0, at) : null;
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/** The user's local date as `YYYY-MM-DD`, which decides what is overdue (as the app passes the core). */
function localToday(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

const LINK_KINDS = ["procedure", "exception", "pbc", "sample"];
const EVIDENCE_KINDS = ["document", "screenshot", "log_export", "configuration", "interview_memo", "other"];
const PBC_STATUSES = ["requested", "received", "follow_up", "withdrawn"];

const NOTE_TARGETS: NoteTargetKind[] = ["control", "procedure", "exception", "evidence"];

/**
 * JSON with object keys in sorted order, as serde_json writes a `Value`, so
 * that one content has one spelling.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A 64-hex-digit digest of a text. Not SHA-256 (the fake must hash
 * synchronously), but it plays its part: equal texts, equal digests.
 */
function fakeDigest(text: string): string {
  let out = "";
  for (let seed = 1; seed <= 4; seed++) {
    let h1 = 0xdeadbeef ^ seed;
    let h2 = 0x41c6ce57 ^ seed;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    out += (h2 >>> 0).toString(16).padStart(8, "0") + (h1 >>> 0).toString(16).padStart(8, "0");
  }
  return out;
}

/** The fields that differ between two contents, by JSON path (`review::diff`). */
function diffContent(before: JsonValue, after: JsonValue, path: string, out: FieldChange[]): void {
  const isObject = (v: JsonValue): v is { [key in string]: JsonValue } => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) diffContent(before[k] ?? null, after[k] ?? null, path === "" ? k : `${path}.${k}`, out);
  } else if (canonicalJson(before) !== canonicalJson(after)) {
    out.push({ field: path, before, after });
  }
}

/** The standing sign-off of a level: the newest, unless withdrawn. */
function standing(rows: SignRow[], level: SignOffLevel): SignRow | undefined {
  const newest = [...rows].reverse().find((r) => r.signoff.level === level);
  return newest && newest.signoff.withdrawn === null ? newest : undefined;
}

function compareLinks(a: EvidenceLink, b: EvidenceLink): number {
  return a.kind === b.kind ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.kind < b.kind ? -1 : 1;
}

export function createFakeBackend(options: { latency?: number } = {}): FakeBackend {
  const catalogs: CatalogData[] = [sampleCatalog()];
  const engagements = new Map<string, Engagement>();
  let profile: Profile = { name: "", lang: "ja", recent: [], initials: "", role: "assessor" };
  /** The firm's sample-size rule table, which new samples use (the core keeps it in the data folder). */
  let firmRules: SampleRuleTable = clone(DEFAULT_SAMPLE_RULES);
  let uuidCounter = 0;
  let cancelRequested = false;
  /** Who the demo's own work is recorded for while it is built (the core's demo acts as the assessor). */
  let actingAs: string | null = null;
  let intakeHold: Promise<void> | null = null;
  let exportHold: { stage: string; until: Promise<void> } | null = null;
  const dropHandlers = new Set<(paths: string[], x: number, y: number) => void>();

  function get(path: string): Engagement {
    const e = engagements.get(path);
    if (!e) fail("io", `cannot open ${path}: no such file`);
    return e;
  }

  /** The person every change is recorded for: the profile's name, as the app passes it to the core. */
  function actor(): string {
    if (actingAs !== null) return actingAs;
    return profile.name.trim() === "" ? "unknown" : profile.name;
  }

  const now = () => new Date().toISOString();

  /** Appends an event to the log, chained to the one before by its hash. */
  function record(e: Engagement, change: Change): EventRecord {
    const prev = e.log.at(-1)?.hash ?? "0".repeat(64);
    const payload = JSON.stringify(change);
    const event: EventRecord = { seq: e.log.length + 1, kind: change.kind, payload, actor: actor(), at: now(), prev_hash: prev, hash: fakeDigest(prev + payload) };
    e.log.push(event);
    return event;
  }

  /**
   * Records a change that was applied, and what it does to signed items, as
   * the core's `record_with_review`: each item whose content no longer
   * matches its preparer's sign-off is marked, and its reviewers' sign-offs
   * are withdrawn, by one `changed_after_signoff` event each.
   */
  function commit(e: Engagement, change: Change): EventRecord {
    const event = record(e, change);
    if (e.signoffs.size === 0) return event;
    for (const key of touched(e, change)) {
      const rows = e.signoffs.get(key);
      if (!rows) continue;
      const preparer = standing(rows, "preparer");
      if (!preparer || preparer.changed !== null) continue;
      const { item_kind, item_id } = preparer.signoff;
      const current = contentOf(e, item_kind, item_id);
      // A removed procedure has no content left; its control's change covers it.
      if (current === null || canonicalJson(current) === preparer.content) continue;
      const withdrawn = (["reviewer", "second_reviewer"] as SignOffLevel[]).filter((l) => standing(rows, l));
      const at = now();
      const marked = record(e, { kind: "changed_after_signoff", item_kind, item_id, by_seq: event.seq, at, withdrawn });
      for (const level of withdrawn) standing(rows, level)!.signoff.withdrawn = { reason: "changed after sign-off", at, seq: marked.seq };
      preparer.changed = event.seq;
    }
    return event;
  }

  /**
   * The signable items (`kind id`) a change touches, as the core's
   * `touched`: the procedures it edits (found for exceptions and evidence
   * from what they belong to) and their controls.
   */
  function touched(e: Engagement, change: Change): string[] {
    const procedures: string[] = [];
    const controls: string[] = [];
    const procedureOf = (exceptionId: string) => {
      for (const list of e.procedures.values()) for (const p of list) if (p.exceptions.some((x) => x.id === exceptionId)) return p.id;
      return null;
    };
    const fromLink = (l: EvidenceLink) => {
      if (l.kind === "procedure") procedures.push(l.id);
      else if (l.kind === "exception") {
        const p = procedureOf(l.id);
        if (p) procedures.push(p);
      } else if (l.kind === "sample") {
        const p = procedureOfSampleItem(l.id);
        if (p) procedures.push(p);
      }
    };
    const c = change as Record<string, unknown>;
    switch (change.kind) {
      case "scope_set":
        controls.push(c.control_id as string);
        break;
      case "procedure_added":
      case "procedure_removed":
        controls.push((c.procedure as Procedure).control_id);
        break;
      case "procedure_updated":
        procedures.push(c.id as string);
        break;
      case "exception_added":
      case "exception_removed":
        procedures.push((c.exception as ExceptionRecord).procedure_id);
        break;
      case "exception_edited": {
        const p = procedureOf(c.id as string);
        if (p) procedures.push(p);
        break;
      }
      case "evidence_added":
        (c.evidence as Evidence).links.forEach(fromLink);
        break;
      case "evidence_linked":
      case "evidence_unlinked":
        fromLink(c.link as EvidenceLink);
        break;
      case "evidence_removed":
        e.evidence.find((ev) => ev.id === c.id)?.links.forEach(fromLink);
        break;
      case "population_imported":
        procedures.push((c.population as Population).procedure_id);
        break;
      case "sample_selected":
      case "sample_discarded":
        procedures.push((c.sample as Sample).procedure_id);
        break;
      case "sample_item_added":
      case "attribute_added":
      case "attribute_edited":
      case "attribute_removed":
      case "cell_set":
        procedures.push(c.procedure_id as string);
        break;
    }
    for (const p of procedures) if (p.includes("/P")) controls.push(p.slice(0, p.lastIndexOf("/P")));
    const keys = [...procedures.map((p) => `procedure ${p}`), ...controls.map((x) => `control ${x}`)];
    return [...new Set(keys)].sort();
  }

  /** A finalized engagement refuses every change but its reopening, as the core's event spine. */
  function writable(e: Engagement): void {
    if (e.finalized) fail("locked", "the engagement is finalized and locked; nothing was changed (a manager can reopen it with a reason)");
  }

  // ---- What a sign-off covers (core/src/db/review.rs) ----

  /**
   * A procedure as signed: its fields, its exceptions, the current evidence
   * linked to it, its exceptions or its sample items and, for a sampled
   * procedure, its population (by source and a digest of its items), sample
   * and grid. A procedure that samples nothing keeps the content it had
   * before sampling existed.
   */
  function procedureContent(e: Engagement, id: string): JsonValue | null {
    const controlId = id.slice(0, id.lastIndexOf("/P"));
    const p = e.procedures.get(controlId)?.find((x) => x.id === id);
    if (!p) return null;
    const targets = new Set([`procedure ${id}`, ...p.exceptions.map((x) => `exception ${x.id}`), ...sampleItemIds(e, id).map((s) => `sample ${s}`)]);
    const evidence = e.evidence
      .filter((ev) => ev.removed === null && ev.links.some((l) => targets.has(`${l.kind} ${l.id}`)))
      .map((ev) => ({ id: ev.id, sha256: ev.sha256 }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const s = e.sampling.get(id);
    if (!s || (s.population === null && s.sample === null && s.attributes.length === 0)) {
      return { procedure: clone(p) as unknown as JsonValue, evidence };
    }
    const population = s.population && {
      source_name: s.population.source_name,
      source_sha256: s.population.source_sha256,
      count: s.population.count,
      items_sha256: itemsDigest(s.population),
    };
    const sampling = { population, sample: s.sample, attributes: s.attributes, cells: orderedCells(s) };
    return { procedure: clone(p) as unknown as JsonValue, evidence, sampling: clone(sampling) as unknown as JsonValue };
  }

  /** A control as signed: its scope decision and each procedure's content digest. */
  function controlContent(e: Engagement, id: string): JsonValue | null {
    if (!e.byId.has(id)) return null;
    const scope = e.scope.get(id) ?? { decision: "in_scope", reason: "" };
    const procedures = (e.procedures.get(id) ?? []).map((p) => ({ id: p.id, sha256: fakeDigest(canonicalJson(procedureContent(e, p.id))) }));
    return { control: id, scope: scope.decision, scope_reason: scope.reason, procedures };
  }

  function contentOf(e: Engagement, kind: SignableKind, id: string): JsonValue | null {
    return kind === "procedure" ? procedureContent(e, id) : controlContent(e, id);
  }

  /**
   * Where an item's review stands. With `withChanges`, the fields changed
   * since the preparer signed are listed (the core leaves them out of lists).
   */
  function reviewState(e: Engagement, kind: SignableKind, id: string, withChanges = true): ReviewState {
    const rows = e.signoffs.get(`${kind} ${id}`) ?? [];
    const required = requiredLevels(e.fields.second_review);
    const signoffs = LEVELS.map((l) => standing(rows, l)).filter((r) => r !== undefined).map((r) => clone(r.signoff));
    const preparer = standing(rows, "preparer");
    const changed = preparer !== undefined && preparer.changed !== null;
    const changes: FieldChange[] = [];
    if (changed && withChanges) {
      const current = contentOf(e, kind, id);
      if (current !== null) diffContent(JSON.parse(preparer.content) as JsonValue, current, "", changes);
    }
    const complete = !changed && required.every((l) => standing(rows, l) !== undefined);
    return { item_kind: kind, item_id: id, signoffs, required, changed_after_signoff: changed, changes, complete };
  }

  /** The signer's role on the engagement team, which decides what they may sign. */
  function teamRole(e: Engagement, name: string): Role {
    const member = e.fields.team.find((m) => m.name === name);
    if (!member) {
      fail("invalid", `${name} is not on the engagement team; add them to the team first`, [
        { field: "signer", code: "not_on_team", params: { name }, message: `${name} is not on the engagement team; add them to the team first` },
      ]);
    }
    return member.role;
  }

  /** The items to sign: procedures of in-scope assessed controls, and every assessed control. */
  function signableItems(e: Engagement): [SignableKind, string][] {
    const items: [SignableKind, string][] = [];
    const controls = e.items.filter((i) => i.level === "detailed");
    for (const c of controls) {
      if ((e.scope.get(c.id)?.decision ?? "in_scope") !== "in_scope") continue;
      for (const p of e.procedures.get(c.id) ?? []) items.push(["procedure", p.id]);
    }
    for (const c of controls) items.push(["control", c.id]);
    return items;
  }

  function findNote(e: Engagement, id: string): ReviewNote {
    const n = e.notes.find((x) => x.id === id);
    if (!n) fail("not_found", `review note ${id} not found`);
    return n;
  }

  /** The control a note's target belongs to (none for evidence, which may support several). */
  function controlOfNote(e: Engagement, n: ReviewNote): string | null {
    const ofProcedure = (p: string) => (p.includes("/P") ? p.slice(0, p.lastIndexOf("/P")) : null);
    if (n.target_kind === "control") return n.target_id;
    if (n.target_kind === "procedure") return ofProcedure(n.target_id);
    if (n.target_kind === "exception") {
      for (const list of e.procedures.values()) for (const p of list) if (p.exceptions.some((x) => x.id === n.target_id)) return ofProcedure(p.id);
    }
    return null;
  }

  /** The notes on a control, its procedures and their exceptions, and on the evidence linked to them. */
  function controlNotes(e: Engagement, controlId: string): ReviewNote[] {
    const evidence = new Set(controlEvidence(e, controlId).map((ev) => ev.id));
    return e.notes.filter((n) => (n.target_kind === "evidence" ? evidence.has(n.target_id) : controlOfNote(e, n) === controlId)).map(clone);
  }

  function summary(e: Engagement): ReviewSummary {
    const items = signableItems(e);
    let complete = 0;
    let changed = 0;
    for (const [kind, id] of items) {
      const s = reviewState(e, kind, id, false);
      if (s.complete) complete++;
      if (s.changed_after_signoff) changed++;
    }
    const keys = [...e.signoffs.keys()].sort();
    const states = keys.map((key) => {
      const { item_kind, item_id } = e.signoffs.get(key)![0].signoff;
      return reviewState(e, item_kind, item_id);
    });
    return {
      second_review: e.fields.second_review,
      finalized: clone(e.finalized),
      items: items.length,
      complete,
      changed_after_signoff: changed,
      open_notes: e.notes.filter((n) => n.status !== "cleared").length,
      states,
      notes: e.notes.map(clone),
    };
  }

  /**
   * What still blocks finalizing: procedures of in-scope controls without a
   * result; items not signed at every required level, or changed since;
   * review notes not cleared.
   */
  function finalizeCheck(e: Engagement): { ready: boolean; blockers: Blocker[] } {
    const blockers: Blocker[] = [];
    const items = signableItems(e);
    for (const [kind, id] of items) {
      if (kind !== "procedure") continue;
      if (findProcedure(e, id).result === null) {
        blockers.push({ code: "no_result", item_kind: "procedure", item_id: id, level: null, message: `${id} has no result` });
      }
    }
    for (const [kind, id] of items) {
      const s = reviewState(e, kind, id, false);
      if (s.changed_after_signoff) {
        blockers.push({ code: "changed_after_signoff", item_kind: kind, item_id: id, level: null, message: `${id} changed after it was signed; sign it again` });
      }
      for (const level of s.required) {
        if (!s.signoffs.some((x) => x.level === level)) {
          blockers.push({ code: "not_signed", item_kind: kind, item_id: id, level, message: `${id} is not signed off as ${level}` });
        }
      }
    }
    for (const n of e.notes.filter((x) => x.status !== "cleared")) {
      blockers.push({ code: "open_note", item_kind: "note", item_id: n.id, level: null, message: `review note ${n.id} on ${n.target_id} is not cleared` });
    }
    return { ready: blockers.length === 0, blockers };
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
      log: [],
      signoffs: new Map(),
      notes: [],
      finalized: null,
      sampling: new Map(),
      legend: [],
    };
    record(e, {
      kind: "engagement_created",
      engagement_uuid: e.uuid,
      fields: clone(fields),
      rules,
      catalog: { name: catalog.info.name, version: catalog.info.version, content_sha256: catalog.info.content_sha256, item_count: items.length },
    });
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
        changed_after_signoff: false,
        review_complete: false,
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
        // Review flags only where something was signed, as the core lists them.
        if (e.signoffs.size > 0) {
          const control = reviewState(e, "control", item.id, false);
          const procedures = list.map((p) => reviewState(e, "procedure", p.id, false));
          row.changed_after_signoff = control.changed_after_signoff || procedures.some((p) => p.changed_after_signoff);
          row.review_complete = control.complete && (scope !== "in_scope" || procedures.every((p) => p.complete));
        }
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
      events: e.log.length,
      finalized: clone(e.finalized),
    };
  }

  function detail(e: Engagement, controlId: string): ControlDetail {
    const item = e.byId.get(controlId);
    if (!item) fail("not_found", `control ${controlId} not found`);
    const assessable = item.level === "detailed";
    const scope = e.scope.get(controlId) ?? { decision: "in_scope" as ScopeDecision, reason: "" };
    const inScope = scope.decision === "in_scope";
    const procedures = (e.procedures.get(controlId) ?? []).map((p) => ({
      procedure: clone(p),
      status: procedureStatus(p),
      review: reviewState(e, "procedure", p.id),
    }));
    return {
      item: clone(item),
      assessable,
      scope: scope.decision,
      scope_reason: scope.reason,
      status: assessable ? controlStatus(inScope, procedures.map((p) => p.status)) : null,
      result: assessable && inScope ? controlResult(procedures.map((p) => p.procedure.result)) : null,
      procedures,
      evidence: controlEvidence(e, controlId),
      review: assessable ? reviewState(e, "control", controlId) : null,
      notes: controlNotes(e, controlId),
    };
  }

  /** The current evidence linked to a control's procedures or to their exceptions. */
  function controlEvidence(e: Engagement, controlId: string): Evidence[] {
    const procedures = e.procedures.get(controlId) ?? [];
    const targets = new Set<string>();
    for (const p of procedures) {
      targets.add(`procedure ${p.id}`);
      for (const x of p.exceptions) targets.add(`exception ${x.id}`);
      for (const s of sampleItemIds(e, p.id)) targets.add(`sample ${s}`);
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
    } else if (link.kind === "sample") {
      const procedure = procedureOfSampleItem(link.id);
      if (procedure === null || !sampleItemIds(e, procedure).includes(link.id)) fail("not_found", `sample item ${link.id} not found`);
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

  function findExceptionOrNull(e: Engagement, id: string): { procedure: Procedure; index: number } | null {
    for (const list of e.procedures.values()) {
      for (const procedure of list) {
        const index = procedure.exceptions.findIndex((x) => x.id === id);
        if (index >= 0) return { procedure, index };
      }
    }
    return null;
  }

  function findException(e: Engagement, id: string): { procedure: Procedure; index: number } {
    const found = findExceptionOrNull(e, id);
    if (!found) fail("not_found", `exception ${id} not found`);
    return found;
  }

  function newProcedure(e: Engagement, controlId: string, np: NewProcedure): Procedure {
    writable(e);
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
    commit(e, { kind: "procedure_added", procedure: clone(p) });
    return clone(p);
  }

  function patchProcedure(e: Engagement, procedureId: string, patch: ProcedurePatch): Procedure {
    writable(e);
    const p = findProcedure(e, procedureId);
    const before = clone(p);
    if (patch.kind !== undefined) p.kind = patch.kind;
    if (patch.evaluation !== undefined) p.evaluation = patch.evaluation;
    if (patch.text_ja !== undefined) p.text_ja = patch.text_ja;
    if (patch.text_en !== undefined) p.text_en = patch.text_en;
    if (patch.assignee !== undefined) p.assignee = patch.assignee && patch.assignee.trim() !== "" ? patch.assignee : null;
    if (patch.work_done !== undefined) p.work_done = patch.work_done;
    if (patch.result !== undefined) p.result = patch.result;
    if (patch.notes !== undefined) p.notes = patch.notes;
    const fields = ["kind", "evaluation", "text_ja", "text_en", "assignee", "work_done", "result", "notes"] as const;
    const changes = fields
      .filter((f) => before[f] !== p[f])
      .map((f): FieldChange => ({ field: f, before: before[f], after: p[f] }));
    if (changes.length > 0) commit(e, { kind: "procedure_updated", id: procedureId, changes });
    return clone(p);
  }

  // ---- Sampling and test grids (core/src/db/sampling.rs) ----

  function refuse(field: string, code: string, params: Record<string, string>, message: string): never {
    fail("invalid", message, [{ field, code, params, message }]);
  }

  /** The sample items (`PROCEDURE/Sn`) of a procedure, which evidence can support. */
  function sampleItemIds(e: Engagement, procedureId: string): string[] {
    return e.sampling.get(procedureId)?.sample?.items.map((i) => i.id) ?? [];
  }

  /** Cells as the core reads them: by sample item, then in the attributes' order. */
  function orderedCells(s: ProcedureSampling): GridCell[] {
    const order = new Map(s.attributes.map((a, i) => [a.key, i]));
    return s.cells.filter((c) => order.has(c.attribute)).sort((a, b) => a.no - b.no || order.get(a.attribute)! - order.get(b.attribute)!);
  }

  function samplingOf(e: Engagement, procedureId: string): ProcedureSampling {
    let s = e.sampling.get(procedureId);
    if (!s) {
      s = { population: null, sample: null, attributes: [], attributesAdded: 0, cells: [] };
      e.sampling.set(procedureId, s);
    }
    return s;
  }

  function samplingState(e: Engagement, procedureId: string): SamplingState {
    findProcedure(e, procedureId);
    const s = samplingOf(e, procedureId);
    // As the app's commands answer (SamplingState::trimmed in the core): the
    // population in figures, and of its list only the items in the sample
    // and the first SHOWN_OUT_OF_PERIOD items out of the period.
    const p = s.population;
    const sampled = new Set((s.sample?.items ?? []).map((i) => i.row));
    const summary: PopulationSummary | null = p && {
      listed: p.items.length,
      frame: frameOf(p).length,
      out_of_period: p.items.filter((i) => i.out_of_period).length,
      has_dates: p.items.some((i) => i.date !== null),
      trimmed: true,
    };
    let outside = 0;
    const population = p && { ...p, items: p.items.filter((i) => (i.out_of_period && outside++ < SHOWN_OUT_OF_PERIOD) || sampled.has(i.row)) };
    return clone({ procedure_id: procedureId, population, population_summary: summary, sample: s.sample, attributes: s.attributes, cells: orderedCells(s), legend: e.legend });
  }

  /** An exception a grid failure made changes with its cell, never by hand. */
  function refuseIfFromGrid(x: ExceptionRecord): void {
    if (x.sample_item && x.attribute) {
      refuse(
        "exception",
        "from_test_grid",
        { item: x.sample_item, attribute: x.attribute },
        `${x.id} comes from the failed test of ${x.sample_item}, attribute ${x.attribute}; change that cell of the test grid instead`,
      );
    }
  }

  /**
   * Records sampling changes already applied, then lets the procedure's
   * result follow its grid, as a visible change of its own.
   */
  function commitSampling(e: Engagement, procedureId: string, changes: Change[]): void {
    for (const change of changes) commit(e, change);
    const p = findProcedure(e, procedureId);
    const s = samplingOf(e, procedureId);
    const result = s.sample ? gridResult(s.sample.items.length, s.attributes.length, orderedCells(s), p.exceptions.length) : undefined;
    if (result !== undefined && result !== p.result) {
      const before = p.result;
      p.result = result;
      commit(e, { kind: "procedure_updated", id: procedureId, changes: [{ field: "result", before, after: result }] });
    }
  }

  function importFailure(file: string, problems: InputProblem[]): never {
    throw new BackendError({
      kind: "import",
      message: `${file}: ${problems.map((p) => `${p.location}: ${p.message}`).join("; ")}`,
      input_problems: problems,
      field_problems: [],
    });
  }

  /** A population file on the pretend disk as a table: CSV in UTF-8 or Shift_JIS. */
  function readTable(file: string): { table: PopulationTable; text: string } {
    const content = backend.files.get(file);
    if (!content) fail("io", `${file}: cannot be read: no such file`);
    if (/\.xlsx$/i.test(file)) importFailure(file, [{ location: "file", message: "the fake backend reads CSV lists only" }]);
    let text: string | null = null;
    for (const encoding of ["utf-8", "shift_jis"]) {
      try {
        text = new TextDecoder(encoding, { fatal: true }).decode(content);
        break;
      } catch {
        // Tried in turn, as the core does.
      }
    }
    if (text === null) importFailure(file, [{ location: "file", message: "the file is neither UTF-8 nor Shift_JIS text" }]);
    const table = readCsv(text);
    if ("location" in table) importFailure(file, [table]);
    return { table, text };
  }

  /** The frame: 0-based indexes of the items that can be drawn (all rows of a counted population). */
  function frameOf(p: Population): number[] {
    if (p.items.length === 0) return Array.from({ length: p.count }, (_, i) => i);
    return p.items.flatMap((item, i) => (item.out_of_period ? [] : [i]));
  }

  function itemIdAt(p: Population, index: number): string {
    return p.items[index]?.item_id ?? `#${index + 1}`;
  }

  function indexOfItem(p: Population, itemId: string): number | null {
    if (p.items.length === 0) {
      const m = /^#(\d+)$/.exec(itemId);
      const n = m ? Number(m[1]) : 0;
      return n >= 1 && n <= p.count ? n - 1 : null;
    }
    const i = p.items.findIndex((x) => x.item_id === itemId);
    return i < 0 ? null : i;
  }

  /** A digest of the items (ID, date, flag) or of the count: what a sample records to notice a replaced list. */
  function itemsDigest(p: Population): string {
    if (p.items.length === 0) return fakeDigest(`count ${p.count}\n`);
    return fakeDigest(p.items.map((i) => `${i.item_id}\t${i.date ?? ""}\t${i.out_of_period ? 1 : 0}\n`).join(""));
  }

  /** A seed for a new sample, from the time and the procedure, so that two samples drawn at once differ. */
  function newSeed(at: string, procedureId: string): number {
    return Number(BigInt(`0x${fakeDigest(at + procedureId).slice(0, 16)}`) % BigInt(MODULUS - 1)) + 1;
  }

  /** Draws by the method of docs/sampling.md; 0-based item indexes in the order chosen. */
  function draw(p: Population, size: number, seed: number, byQuarter: boolean, period: [string, string]): number[] {
    if (!byQuarter) return select(frameOf(p), size, new ParkMiller(seed));
    const dates = p.items.map((i) => (i.out_of_period ? null : i.date));
    const strata = strataByQuarter(dates, period).length;
    const chosen = selectByQuarter(dates, period, size, seed);
    if (chosen === null) {
      refuse("size", "too_small_to_stratify", { size: String(size), strata: String(strata) }, `a sample of ${size} cannot cover ${strata} periods; raise the size or do not stratify`);
    }
    return chosen;
  }

  function populationFor(e: Engagement, procedureId: string): Population {
    findProcedure(e, procedureId);
    const p = e.sampling.get(procedureId)?.population;
    if (!p) refuse("population", "no_population", { procedure: procedureId }, `${procedureId} has no population; import its list or give its count first`);
    return p;
  }

  function sampleFor(e: Engagement, procedureId: string): Sample {
    const sample = e.sampling.get(procedureId)?.sample;
    if (!sample) refuse("sample", "no_sample", { procedure: procedureId }, `${procedureId} has no sample yet; select one first`);
    return sample;
  }

  function storePopulation(e: Engagement, population: Population): SamplingState {
    const id = population.procedure_id;
    const s = samplingOf(e, id);
    if (s.sample) refuse("population", "sample_drawn", { procedure: id }, `a sample of ${id} was drawn from its population; discard the sample first`);
    s.population = population;
    commitSampling(e, id, [{ kind: "population_imported", population: clone(population) }]);
    return samplingState(e, id);
  }

  function importList(e: Engagement, procedureId: string, file: string, table: PopulationTable, text: string, columns: PopulationColumns): SamplingState {
    writable(e);
    findProcedure(e, procedureId);
    const read = listItems(table, columns, [e.fields.period.start, e.fields.period.end]);
    if (Array.isArray(read)) importFailure(file, read);
    return storePopulation(e, {
      procedure_id: procedureId,
      source_name: baseName(file),
      source_sha256: fakeDigest(text),
      count: read.items.length,
      columns: read.extra,
      items: read.items,
      imported_by: actor(),
      imported_at: now(),
    });
  }

  function setCount(e: Engagement, procedureId: string, count: number): SamplingState {
    writable(e);
    findProcedure(e, procedureId);
    if (!Number.isInteger(count) || count < 1 || count > MAX_POPULATION_COUNT) {
      refuse("count", "count_out_of_range", { max: String(MAX_POPULATION_COUNT) }, `a population count is from 1 to ${MAX_POPULATION_COUNT}`);
    }
    return storePopulation(e, {
      procedure_id: procedureId,
      source_name: null,
      source_sha256: null,
      count,
      columns: [],
      items: [],
      imported_by: actor(),
      imported_at: now(),
    });
  }

  function selectRandom(e: Engagement, procedureId: string, rules: SampleRuleTable, request: SampleRequest): SamplingState {
    writable(e);
    const population = populationFor(e, procedureId);
    const s = samplingOf(e, procedureId);
    if (s.sample) refuse("sample", "sample_exists", { procedure: procedureId }, `${procedureId} already has a sample; add items to it or discard it first`);
    const frame = frameOf(population).length;
    if (frame === 0) refuse("population", "empty_frame", {}, "every item of the population is dated outside the audit period; there is nothing to sample");
    const ruleSize = sizeFor(rules, request.frequency, frame);
    if (ruleSize === null) refuse("frequency", "no_rule", { frequency: request.frequency }, `the rule table ${rules.name} has no size for ${request.frequency}`);
    const reason = request.override_reason?.trim() || null;
    let size = ruleSize;
    if (request.size_override !== null && request.size_override !== ruleSize) {
      const n = request.size_override;
      if (!Number.isInteger(n) || n < 1 || n > frame) refuse("size", "size_out_of_range", { frame: String(frame) }, `a sample size is from 1 to the ${frame} items that can be drawn`);
      if (reason === null) refuse("override_reason", "override_needs_reason", { rule: String(ruleSize) }, `a size other than the rule's ${ruleSize} needs the reason`);
      size = n;
    }
    if (request.by_quarter && population.items.every((i) => i.date === null)) {
      refuse("by_quarter", "no_dates", {}, "the population has no dates, so it cannot be stratified by quarter");
    }
    const at = now();
    const seed = request.seed ?? newSeed(at, procedureId);
    if (!seedValid(seed)) {
      refuse("seed", "seed_out_of_range", { seed: String(seed), max: String(MODULUS - 1) }, `the seed must be between 1 and ${MODULUS - 1}; ${seed} is not`);
    }
    const period: [string, string] = [e.fields.period.start, e.fields.period.end];
    const chosen = draw(population, size, seed, request.by_quarter, period);
    const sample: Sample = {
      procedure_id: procedureId,
      method: "random",
      frequency: request.frequency,
      rule_table: clone(rules),
      rule_size: ruleSize,
      size,
      override_reason: size === ruleSize ? null : reason,
      seed,
      by_quarter: request.by_quarter,
      period_start: period[0],
      period_end: period[1],
      population_sha256: itemsDigest(population),
      selected_by: actor(),
      selected_at: at,
      items: chosen.map((index, k) => ({ no: k + 1, id: `${procedureId}/S${k + 1}`, row: index + 1, item_id: itemIdAt(population, index), origin: "random", reason: "" })),
    };
    s.sample = sample;
    commitSampling(e, procedureId, [{ kind: "sample_selected", sample: clone(sample) }]);
    return samplingState(e, procedureId);
  }

  /**
   * What is wrong with a rule table, by field, as the core's
   * `rule_table_problems`: a name and a version (every sample records them),
   * sizes from 1 to 1,000, each frequency at most once.
   */
  function ruleTableProblems(table: SampleRuleTable): FieldProblem[] {
    const problems: FieldProblem[] = [];
    for (const field of ["name", "version"] as const) {
      if (table[field].trim() === "") problems.push({ field, code: "required", params: {}, message: `the table needs a ${field}, which every sample records` });
    }
    table.sizes.forEach((rule, i) => {
      if (!Number.isInteger(rule.size) || rule.size < 1 || rule.size > 1000) {
        problems.push({ field: `size.${rule.frequency}`, code: "size_range", params: { min: "1", max: "1000" }, message: `${rule.frequency}: ${rule.size} is not a size from 1 to 1000` });
      }
      if (table.sizes.slice(0, i).some((r) => r.frequency === rule.frequency)) {
        problems.push({ field: "sizes", code: "duplicate_frequency", params: { frequency: rule.frequency }, message: `${rule.frequency} is given twice` });
      }
    });
    return problems;
  }

  /** Whether two tables give the same size for every frequency, in whatever order. */
  function sameSizes(a: SampleRuleTable, b: SampleRuleTable): boolean {
    return a.sizes.length === b.sizes.length && a.sizes.every((r) => b.sizes.some((x) => x.frequency === r.frequency && x.size === r.size));
  }

  /**
   * Checks a table and makes it the firm's, as the core's `replace_rules`:
   * samples record the table by name and version, so other sizes under the
   * name and version of the firm's current table (or of the shipped
   * default) are refused.
   */
  function replaceRules(given: SampleRuleTable): SampleRuleTable {
    // As the core: name and version without surrounding spaces, sizes in the order of the frequencies.
    const sorted = [...given.sizes].sort((a, b) => FREQUENCIES.indexOf(a.frequency) - FREQUENCIES.indexOf(b.frequency));
    const table: SampleRuleTable = { name: given.name.trim(), version: given.version.trim(), sizes: sorted.map((r) => ({ frequency: r.frequency, size: r.size })) };
    const problems = ruleTableProblems(table);
    if (problems.length === 0) {
      const taken = [firmRules, DEFAULT_SAMPLE_RULES].find((known) => known.name === table.name && known.version === table.version && !sameSizes(known, table));
      if (taken) {
        problems.push({
          field: "version",
          code: "version_unchanged",
          params: { name: taken.name, version: taken.version },
          message: `${taken.name}@${taken.version} already names a table with other sizes: give the changed table a new version`,
        });
      }
    }
    if (problems.length > 0) fail("invalid", problems.map((p) => p.message).join("; "), problems);
    firmRules = table;
    return clone(firmRules);
  }

  function selectByHand(e: Engagement, procedureId: string, itemIds: string[], reason: string): SamplingState {
    writable(e);
    const population = populationFor(e, procedureId);
    if (reason.trim() === "") refuse("reason", "invalid", {}, "a sample chosen by hand needs the reason for the choice");
    if (itemIds.length === 0) refuse("items", "invalid", {}, "name at least one item of the population");
    const items: SampleItem[] = [];
    for (const id of itemIds) {
      const index = indexOfItem(population, id.trim());
      if (index === null) fail("not_found", `population item not found: ${procedureId} ${id}`);
      if (items.some((i) => i.row === index + 1)) refuse("items", "already_in_sample", { item: id }, `${id} is named twice`);
      const no = items.length + 1;
      items.push({ no, id: `${procedureId}/S${no}`, row: index + 1, item_id: itemIdAt(population, index), origin: "manual", reason: reason.trim() });
    }
    const s = samplingOf(e, procedureId);
    if (s.sample) refuse("sample", "sample_exists", { procedure: procedureId }, `${procedureId} already has a sample; add items to it or discard it first`);
    const sample: Sample = {
      procedure_id: procedureId,
      method: "manual",
      frequency: null,
      rule_table: null,
      rule_size: null,
      size: items.length,
      override_reason: null,
      seed: null,
      by_quarter: false,
      period_start: e.fields.period.start,
      period_end: e.fields.period.end,
      population_sha256: itemsDigest(population),
      selected_by: actor(),
      selected_at: now(),
      items,
    };
    s.sample = sample;
    commitSampling(e, procedureId, [{ kind: "sample_selected", sample: clone(sample) }]);
    return samplingState(e, procedureId);
  }

  function addItem(e: Engagement, procedureId: string, itemId: string, reason: string): SamplingState {
    writable(e);
    const population = populationFor(e, procedureId);
    const sample = sampleFor(e, procedureId);
    if (reason.trim() === "") refuse("reason", "invalid", {}, "an item added to a sample needs the reason");
    const index = indexOfItem(population, itemId.trim());
    if (index === null) fail("not_found", `population item not found: ${procedureId} ${itemId}`);
    const taken = sample.items.find((i) => i.row === index + 1);
    if (taken) refuse("item", "already_in_sample", { item: taken.item_id }, `${taken.item_id} is already in the sample (as ${taken.item_id})`);
    const no = Math.max(0, ...sample.items.map((i) => i.no)) + 1;
    const item: SampleItem = { no, id: `${procedureId}/S${no}`, row: index + 1, item_id: itemIdAt(population, index), origin: "added", reason: reason.trim() };
    sample.items.push(item);
    commitSampling(e, procedureId, [{ kind: "sample_item_added", procedure_id: procedureId, item: clone(item) }]);
    return samplingState(e, procedureId);
  }

  function discard(e: Engagement, procedureId: string, reason: string): SamplingState {
    writable(e);
    const sample = sampleFor(e, procedureId);
    if (reason.trim() === "") refuse("reason", "invalid", {}, "discarding a sample needs the reason");
    const s = samplingOf(e, procedureId);
    if (s.cells.length > 0) {
      refuse("sample", "sample_tested", { procedure: procedureId }, `${s.cells.length} of the sample's cells are tested; empty them before discarding the sample`);
    }
    for (const item of sample.items) {
      const linked = e.evidence.filter((ev) => ev.links.some((l) => l.kind === "sample" && l.id === item.id)).map((ev) => ev.id);
      if (linked.length > 0) refuse("sample", "invalid", {}, `${item.id} is supported by evidence ${linked.join(", ")}; unlink the evidence first`);
    }
    s.sample = null;
    commitSampling(e, procedureId, [{ kind: "sample_discarded", sample: clone(sample), reason: reason.trim() }]);
    return samplingState(e, procedureId);
  }

  function reproduce(e: Engagement, procedureId: string): Reproduction {
    const population = populationFor(e, procedureId);
    const sample = sampleFor(e, procedureId);
    const problems: string[] = [];
    if (itemsDigest(population) !== sample.population_sha256) problems.push("the population is not the one the sample was drawn from");
    for (const item of sample.items) {
      if (indexOfItem(population, item.item_id) !== item.row - 1) problems.push(`${item.id} (${item.item_id}) is not at row ${item.row} of the population`);
    }
    const recorded = sample.items.filter((i) => i.origin === "random" || sample.method === "manual").map((i) => i.item_id);
    let redrawn: string[] = recorded;
    if (sample.method === "random") {
      if (sample.seed === null) {
        problems.push("a random sample without its seed cannot be drawn again");
        redrawn = [];
      } else {
        if (sample.rule_table && sample.frequency && sample.rule_size !== null) {
          const again = sizeFor(sample.rule_table, sample.frequency, frameOf(population).length);
          if (again !== sample.rule_size) {
            problems.push(
              `the recorded table ${sample.rule_table.name}@${sample.rule_table.version} gives ${again ?? "no size"} for ${sample.frequency}, but the sample records ${sample.rule_size}`,
            );
          }
          if (sample.size !== sample.rule_size && sample.override_reason === null) {
            problems.push(`the size ${sample.size} differs from the rule's ${sample.rule_size} without a reason`);
          }
        }
        redrawn = draw(population, sample.size, sample.seed, sample.by_quarter, [sample.period_start, sample.period_end]).map((i) => itemIdAt(population, i));
      }
    }
    if (redrawn.join("\n") !== recorded.join("\n")) problems.push("drawing again from the recorded seed gives other items");
    return { procedure_id: procedureId, method: sample.method, seed: sample.seed, size: sample.size, recorded, redrawn, problems };
  }

  function addAttribute(e: Engagement, procedureId: string, text: string): SamplingState {
    writable(e);
    findProcedure(e, procedureId);
    if (text.trim() === "") refuse("text", "invalid", {}, "an attribute needs the thing to test written out");
    const s = samplingOf(e, procedureId);
    const changes: Change[] = [];
    // The engagement's first grid brings the default legend, if it has none.
    if (e.legend.length === 0) {
      for (const tickmark of DEFAULT_TICKMARKS) {
        e.legend.push(clone(tickmark));
        changes.push({ kind: "tickmark_set", tickmark: clone(tickmark), before: null });
      }
    }
    // Keys are never reused, so a reference to attribute B keeps its meaning after A is removed.
    const attribute: TestAttribute = { key: attributeKey(s.attributesAdded), text: text.trim() };
    s.attributesAdded++;
    s.attributes.push(attribute);
    changes.push({ kind: "attribute_added", procedure_id: procedureId, attribute: clone(attribute) });
    commitSampling(e, procedureId, changes);
    return samplingState(e, procedureId);
  }

  function findAttribute(e: Engagement, procedureId: string, key: string): TestAttribute {
    const a = e.sampling.get(procedureId)?.attributes.find((x) => x.key === key);
    if (!a) fail("not_found", `test attribute not found: ${procedureId} ${key}`);
    return a;
  }

  function editAttribute(e: Engagement, procedureId: string, key: string, text: string): SamplingState {
    writable(e);
    const a = findAttribute(e, procedureId, key);
    if (text.trim() === "") refuse("text", "invalid", {}, "an attribute needs the thing to test written out");
    if (a.text !== text.trim()) {
      const before = a.text;
      a.text = text.trim();
      commitSampling(e, procedureId, [{ kind: "attribute_edited", procedure_id: procedureId, key, before, after: a.text }]);
    }
    return samplingState(e, procedureId);
  }

  function removeAttribute(e: Engagement, procedureId: string, key: string): SamplingState {
    writable(e);
    const a = findAttribute(e, procedureId, key);
    const s = samplingOf(e, procedureId);
    const tested = s.cells.filter((c) => c.attribute === key).length;
    if (tested > 0) refuse("attribute", "attribute_tested", { attribute: key }, `attribute ${key} has ${tested} tested cell(s); empty them first`);
    s.attributes = s.attributes.filter((x) => x.key !== key);
    commitSampling(e, procedureId, [{ kind: "attribute_removed", procedure_id: procedureId, attribute: clone(a) }]);
    return samplingState(e, procedureId);
  }

  /**
   * Enters a cell. A failure becomes an exception of the procedure pointing
   * at the sample item, with the comment as its facts; a failure changed to
   * anything else takes its exception away.
   */
  function setCell(e: Engagement, procedureId: string, no: number, attribute: string, input: CellInput): SamplingState {
    writable(e);
    const p = findProcedure(e, procedureId);
    const s = samplingOf(e, procedureId);
    if (!s.sample?.items.some((i) => i.no === no)) fail("not_found", `sample item not found: ${procedureId}/S${no}`);
    findAttribute(e, procedureId, attribute);
    const tickmark = input.tickmark?.trim() || null;
    if (tickmark !== null && !e.legend.some((t) => t.mark === tickmark)) {
      refuse("tickmark", "unknown_tickmark", { mark: tickmark }, `"${tickmark}" is not in the engagement's tickmark legend; add it to the legend first`);
    }
    const comment = input.comment.trim();
    if (input.result === "fail" && comment === "") refuse("comment", "fail_needs_comment", {}, "a failed test needs its facts in the comment; they become the exception");
    const index = s.cells.findIndex((c) => c.no === no && c.attribute === attribute);
    const before = index >= 0 ? s.cells[index] : null;
    const changes: Change[] = [];
    let exceptionId: string | null = null;
    const existing = before?.exception_id ? p.exceptions.find((x) => x.id === before.exception_id) : undefined;
    let removed: ExceptionRecord | null = null;
    if (input.result === "fail" && existing) {
      if (existing.text !== comment) changes.push({ kind: "exception_edited", id: existing.id, before: existing.text, after: comment });
      exceptionId = existing.id;
    } else if (input.result === "fail") {
      e.exceptionsAdded++;
      const x: ExceptionRecord = { id: `E-${String(e.exceptionsAdded).padStart(4, "0")}`, procedure_id: procedureId, text: comment, sample_item: `${procedureId}/S${no}`, attribute };
      changes.push({ kind: "exception_added", exception: clone(x) });
      exceptionId = x.id;
    } else if (existing) {
      removed = existing;
    }
    const after: GridCell | null = input.result === null ? null : { no, attribute, result: input.result, tickmark, comment, exception_id: exceptionId };
    if (canonicalJson(after) === canonicalJson(before)) return samplingState(e, procedureId);
    // Applied as the core records it: the cell is written before its
    // exception goes and after it comes, so no state points at a missing one.
    for (const c of changes) {
      if (c.kind === "exception_added") p.exceptions.push(clone(c.exception as ExceptionRecord));
      if (c.kind === "exception_edited") existing!.text = comment;
    }
    if (after === null) s.cells.splice(index, 1);
    else if (index >= 0) s.cells[index] = after;
    else s.cells.push(after);
    const cell: Change = { kind: "cell_set", procedure_id: procedureId, no, attribute, before: clone(before), after: clone(after) };
    if (removed) {
      const gone = removed.id;
      p.exceptions = p.exceptions.filter((x) => x.id !== gone);
      changes.unshift(cell);
      changes.push({ kind: "exception_removed", exception: clone(removed) });
    } else {
      changes.push(cell);
    }
    commitSampling(e, procedureId, changes);
    return samplingState(e, procedureId);
  }

  function setTickmark(e: Engagement, input: Tickmark): Tickmark[] {
    writable(e);
    const tickmark: Tickmark = { mark: input.mark.trim(), meaning_ja: input.meaning_ja.trim(), meaning_en: input.meaning_en.trim() };
    if (tickmark.mark === "" || [...tickmark.mark].length > 8) refuse("mark", "invalid", {}, "a tickmark is one to eight characters");
    if (tickmark.meaning_ja === "" && tickmark.meaning_en === "") refuse("meaning", "invalid", {}, "a tickmark needs its meaning, in Japanese or English");
    const index = e.legend.findIndex((t) => t.mark === tickmark.mark);
    const before = index >= 0 ? e.legend[index] : null;
    if (canonicalJson(before) !== canonicalJson(tickmark)) {
      if (index >= 0) e.legend[index] = tickmark;
      else e.legend.push(tickmark);
      commit(e, { kind: "tickmark_set", tickmark: clone(tickmark), before: clone(before) });
    }
    return clone(e.legend);
  }

  /**
   * The demo's sampled operating-effectiveness procedures, as the core's
   * `sample::add_demo_sampling` records them, acting as the assessor:
   * change management (4.4.1.1) with the ticket list, a daily sample of 25
   * drawn by quarter from the recorded seed, two attributes and one failure
   * (the procedure's exception); privileged IDs (9.2.3.1) with a counted
   * population and a weekly sample of 5, all passed.
   */
  function addDemoSampling(e: Engagement): void {
    actingAs = "佐藤 花子";
    try {
      const pass = (mark: string): CellInput => ({ result: "pass", tickmark: mark, comment: "" });
      const change = newProcedure(e, "4.4.1.1", {
        kind: "inspection",
        evaluation: "operating",
        text_ja: "変更管理チケットの一覧から標本を抽出し、各変更が実施前に承認され、承認者が申請者と異なることを確かめる。",
        text_en: "Sample the change tickets and confirm that each change was approved before it was made, by someone other than the requester.",
        assignee: "佐藤 花子",
      });
      const table = readCsv(changeTicketsCsv) as PopulationTable;
      importList(e, change.id, "change-tickets.csv", table, changeTicketsCsv, { item_id: 0, date: 1, description: 2 });
      const request: SampleRequest = { frequency: "daily", size_override: null, override_reason: null, seed: DEMO_SEED, by_quarter: true };
      const state = selectRandom(e, change.id, DEFAULT_SAMPLE_RULES, request);
      addAttribute(e, change.id, "変更の実施前に承認されている");
      addAttribute(e, change.id, "承認者が申請者と異なる");
      // The seventh ticket drawn (CHG-0017) is the one the list shows as
      // approved after it was carried out; its facts come from the list.
      const failing = 7;
      const population = state.population;
      const column = (row: number, name: string) => population?.items.find((i) => i.row === row)?.extra[population.columns.indexOf(name)] ?? "";
      for (const item of state.sample?.items ?? []) {
        const a: CellInput =
          item.no === failing
            ? {
                result: "fail",
                tickmark: "×",
                comment: `${item.item_id} は ${column(item.row, "実施日")} に実施されたが、承認は ${column(item.row, "承認日")} であり、実施前に承認されていなかった。`,
              }
            : pass("✓");
        setCell(e, change.id, item.no, "A", a);
        setCell(e, change.id, item.no, "B", pass("✓"));
      }
      patchProcedure(e, change.id, {
        work_done: "変更管理システムから出力した変更チケット一覧（120件）を母集団とし、四半期ごとに層化して25件を抽出した。各チケットの承認記録と実施記録を閲覧した。",
      });

      const privileged = newProcedure(e, "9.2.3.1", {
        kind: "inspection",
        evaluation: "operating",
        text_ja: "特権IDの付与申請から標本を抽出し、付与前に承認されていることを確かめる。",
        text_en: "Sample the privileged ID requests and confirm each was approved before the ID was granted.",
        assignee: "佐藤 花子",
      });
      setCount(e, privileged.id, 48);
      const weekly = selectRandom(e, privileged.id, DEFAULT_SAMPLE_RULES, { ...request, frequency: "weekly", seed: DEMO_SEED + 1, by_quarter: false });
      addAttribute(e, privileged.id, "付与前に申請が承認されている");
      for (const item of weekly.sample?.items ?? []) setCell(e, privileged.id, item.no, "A", pass("✓"));
    } finally {
      actingAs = null;
    }
  }

  // ---- Report and submission package (app export_with, report/src/export.rs) ----

  /**
   * How many pages the report runs to: cover, summary, and scope and method,
   * then the results of the detailed controls, the exceptions and the
   * evidence list. The fake lays nothing out, so only the order of magnitude
   * is the core's: more controls, exceptions and evidence, more pages.
   */
  function reportPages(e: Engagement): number {
    const controls = e.items.filter((i) => i.level === "detailed").length;
    const exceptions = [...e.procedures.values()].flat().reduce((n, p) => n + p.exceptions.length, 0);
    const evidence = e.evidence.filter((ev) => ev.removed === null).length;
    return 3 + Math.ceil(controls / 6) + Math.ceil(exceptions / 4) + Math.max(1, Math.ceil(evidence / 25));
  }

  /**
   * One export, in the core's order: the report date is read first, then the
   * engagement; what may be made is checked before the certificate is opened
   * (so a draft never asks for a passphrase); the stages are reported as the
   * app reports them (read 0/1, layout, sign and package as steps of the
   * work, write 1/1); and the file is written whole at the end or not at all.
   */
  async function exportTo(output: "report" | "package", path: string, request: ExportRequest, onProgress: (p: ExportProgress) => void): Promise<ExportResult> {
    if (backend.latency > 0) await new Promise((r) => setTimeout(r, backend.latency));
    const hold = exportHold;
    exportHold = null;
    const stage = async (name: string, step: number, steps: number) => {
      onProgress({ stage: name, step, steps });
      if (hold && hold.stage === name) await hold.until;
      else await new Promise((r) => setTimeout(r, backend.latency > 0 ? backend.latency / 3 : 0));
    };
    const date = request.report_date ?? "";
    if (date !== "" && !isDate(date)) refuse("report_date", "invalid", {}, `${date} is not a date (YYYY-MM-DD)`);
    await stage("read", 0, 1);
    const e = get(path);
    const isFinal = e.finalized !== null;
    const signing = request.certificate !== null;
    if (output === "package" && !isFinal) refuse("package", "invalid", {}, "a submission package is made only from a finalized engagement; finalize it first");
    if (output === "package" && !signing) refuse("certificate", "invalid", {}, "a submission package is signed; give the firm's PKCS#12 file");
    if (output === "report" && !isFinal && signing) refuse("sign", "invalid", {}, "only the final report of a finalized engagement is signed; finalize the engagement first");
    if (request.certificate !== null) {
      const certificate = backend.certificates.get(request.certificate);
      if (!certificate) fail("io", `${request.certificate}: No such file or directory (os error 2)`);
      if (certificate.passphrase !== (request.passphrase ?? "")) {
        refuse("passphrase", "invalid", {}, "the PKCS#12 file could not be opened (wrong passphrase, or not PKCS#12): MAC verification failed");
      }
      if (certificate.problem) refuse("certificate", "invalid", {}, certificate.problem);
    }
    const steps = output === "package" ? 3 : signing ? 2 : 1;
    await stage("layout", 1, steps);
    const pages = reportPages(e);
    if (signing) await stage("sign", 2, steps);
    if (output === "package") await stage("package", 3, steps);
    await stage("write", 1, 1);
    if (request.out.startsWith(`${READ_ONLY_DIR}/`)) fail("io", `${request.out}: Permission denied (os error 13)`);
    const what = `${isFinal ? "final" : "draft"} report of ${e.fields.service.name} (${request.lang}, ${date || localToday()}), ${pages} pages${signing ? ", signed" : ""}`;
    const content = new TextEncoder().encode(output === "package" ? `PK\u0003\u0004 fake submission package: ${what}\n` : `%PDF-1.7\n% fake ${what}\n%%EOF\n`);
    backend.files.set(request.out, content);
    return { path: request.out, pages, is_final: isFinal, signed: signing, bytes: content.length };
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
        let e = engagements.get(DEMO_PATH);
        if (!e) {
          e = create(DEMO_PATH, catalogs[0], demoFields(), DEFAULT_RULES);
          addDemoSampling(e);
        }
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
          review: summary(e),
        };
      }),
    listControls: (path) => respond(() => rows(get(path))),
    controlDetail: (path, controlId) => respond(() => detail(get(path), controlId)),

    setScope: (path, controlId, decision, reason) =>
      respond(() => {
        const e = get(path);
        writable(e);
        if (!e.byId.has(controlId)) fail("not_found", `control ${controlId} not found`);
        if (decision !== "in_scope" && reason.trim() === "") {
          fail("invalid", "a control out of scope needs the reason (e.g. the provider's statement)");
        }
        const before = e.scope.get(controlId) ?? { decision: "in_scope", reason: "" };
        const after = { decision, reason: decision === "in_scope" ? "" : reason.trim() };
        if (before.decision !== after.decision || before.reason !== after.reason) {
          e.scope.set(controlId, after);
          commit(e, { kind: "scope_set", control_id: controlId, decision: after.decision, reason: after.reason, before: before.decision });
        }
        return detail(e, controlId);
      }),
    addProcedure: (path, controlId, np: NewProcedure) => respond(() => newProcedure(get(path), controlId, np)),
    updateProcedure: (path, procedureId, patch: ProcedurePatch) => respond(() => patchProcedure(get(path), procedureId, patch)),
    removeProcedure: (path, procedureId) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const p = findProcedure(e, procedureId);
        refuseIfLinked(e, "procedure", procedureId);
        // Removing a procedure would lose its population or tested grid, so those go first.
        const sampled = e.sampling.get(procedureId);
        if (sampled && (sampled.population !== null || sampled.attributes.length > 0)) {
          fail("invalid", `procedure ${procedureId} has a population or a test grid; it cannot be removed`, [
            { field: "procedure", code: "invalid", params: {}, message: `procedure ${procedureId} has a population or a test grid; it cannot be removed` },
          ]);
        }
        const list = e.procedures.get(p.control_id) ?? [];
        e.procedures.set(p.control_id, list.filter((x) => x.id !== procedureId));
        commit(e, { kind: "procedure_removed", procedure: clone(p) });
      }),
    addException: (path, procedureId, text) =>
      respond(() => {
        const e = get(path);
        writable(e);
        if (text.trim() === "") fail("invalid", "an exception needs its facts written out");
        const p = findProcedure(e, procedureId);
        // Numbers of removed exceptions are not reused, so a reference never changes meaning.
        e.exceptionsAdded++;
        const x: ExceptionRecord = { id: `E-${String(e.exceptionsAdded).padStart(4, "0")}`, procedure_id: procedureId, text: text.trim() };
        p.exceptions.push(x);
        commit(e, { kind: "exception_added", exception: clone(x) });
        return clone(x);
      }),
    editException: (path, exceptionId, text) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const { procedure, index } = findException(e, exceptionId);
        refuseIfFromGrid(procedure.exceptions[index]);
        if (text.trim() === "") fail("invalid", "an exception needs its facts written out; remove it instead");
        const x = procedure.exceptions[index];
        if (x.text !== text.trim()) {
          const before = x.text;
          x.text = text.trim();
          commit(e, { kind: "exception_edited", id: exceptionId, before, after: x.text });
        }
        return clone(x);
      }),
    removeException: (path, exceptionId) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const { procedure, index } = findException(e, exceptionId);
        refuseIfFromGrid(procedure.exceptions[index]);
        refuseIfLinked(e, "exception", exceptionId);
        const [removed] = procedure.exceptions.splice(index, 1);
        commit(e, { kind: "exception_removed", exception: clone(removed) });
      }),

    // ---- Evidence and the PBC list ----

    files: new Map([...sampleFiles(), ...populationFiles()]),
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
      // A finalized engagement would refuse the records at the end; say so before reading.
      writable(e);
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
      writable(e);
      const sortedLinks = links
        .map((l) => ({ kind: l.kind, id: l.id }))
        .sort(compareLinks)
        .filter((l, i, all) => i === 0 || compareLinks(all[i - 1], l) !== 0);
      const added = files.map((f, i): Evidence => {
        const { sha256, content } = read[i];
        const newContent = !e.contents.has(sha256);
        if (newContent) e.contents.set(sha256, content);
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
        commit(e, { kind: "evidence_added", evidence: clone(ev), new_content: newContent });
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
        writable(e);
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
        const fields = ["title", "description", "kind", "obtained_from", "obtained_by", "obtained_at", "as_of"] as const;
        const changes = fields.filter((f) => next[f] !== ev[f]).map((f): FieldChange => ({ field: f, before: ev[f], after: next[f] }));
        if (changes.length > 0) {
          Object.assign(ev, next);
          commit(e, { kind: "evidence_edited", id: evidenceId, changes });
        }
        return clone(ev);
      }),
    linkEvidence: (path, evidenceId, link) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const ev = findEvidence(e, evidenceId);
        if (ev.links.some((l) => compareLinks(l, link) === 0)) return clone(ev);
        if (ev.removed) fail("invalid", `${evidenceId} was withdrawn and cannot be linked`);
        requireTarget(e, link);
        ev.links = [...ev.links, { kind: link.kind, id: link.id }].sort(compareLinks);
        commit(e, { kind: "evidence_linked", id: evidenceId, link: { kind: link.kind, id: link.id } });
        return clone(ev);
      }),
    unlinkEvidence: (path, evidenceId, link) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const ev = findEvidence(e, evidenceId);
        if (!ev.links.some((l) => compareLinks(l, link) === 0)) fail("not_found", `link ${evidenceId} → ${link.kind} ${link.id} not found`);
        ev.links = ev.links.filter((l) => compareLinks(l, link) !== 0);
        commit(e, { kind: "evidence_unlinked", id: evidenceId, link: { kind: link.kind, id: link.id } });
        return clone(ev);
      }),
    removeEvidence: (path, evidenceId, reason) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const ev = findEvidence(e, evidenceId);
        if (ev.removed) fail("invalid", `${evidenceId} was already withdrawn`);
        if (reason.trim() === "") fail("invalid", "withdrawing evidence needs the reason", [{ field: "reason", code: "required", params: {}, message: "withdrawing evidence needs the reason" }]);
        // Evidence behind a signed-off procedure stays: the sign-off covered
        // it. Unlinking it first is a visible change to the signed item.
        for (const link of ev.links) {
          const procedure =
            link.kind === "procedure"
              ? link.id
              : link.kind === "exception"
                ? (findExceptionOrNull(e, link.id)?.procedure.id ?? null)
                : link.kind === "sample"
                  ? procedureOfSampleItem(link.id)
                  : null;
          if (procedure === null) continue;
          const state = reviewState(e, "procedure", procedure, false);
          if (state.signoffs.length > 0 && !state.changed_after_signoff) {
            const message = `${evidenceId} supports ${procedure}, which is signed off; unlink it first (a visible change to the signed procedure)`;
            fail("invalid", message, [{ field: "evidence", code: "signed_off", params: { procedure }, message }]);
          }
        }
        ev.removed = { reason: reason.trim(), at: new Date().toISOString(), by: profile.name };
        commit(e, { kind: "evidence_removed", id: evidenceId, removal: clone(ev.removed) });
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
        writable(e);
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
        commit(e, { kind: "pbc_added", request: clone(r) });
        return pbcOut(e, r);
      }),
    editPbc: (path, requestId, fields) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const r = findPbc(e, requestId);
        checkPbc(fields);
        const before = clone(r);
        r.item = fields.item.trim();
        r.requested_on = fields.requested_on;
        r.due = fields.due;
        r.from_whom = fields.from_whom.trim();
        r.status = fields.status;
        r.notes = fields.notes;
        const names = ["item", "requested_on", "due", "from_whom", "status", "notes"] as const;
        const changes = names.filter((f) => before[f] !== r[f]).map((f): FieldChange => ({ field: f, before: before[f], after: r[f] }));
        if (changes.length > 0) commit(e, { kind: "pbc_edited", id: requestId, changes });
        return pbcOut(e, r);
      }),

    // ---- Review and sign-off (core/src/db/review.rs) ----

    reviewSummary: (path) => respond(() => summary(get(path))),
    signOff: (path, kind, id, level) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const signer = actor();
        const role = teamRole(e, signer);
        const refuse = (code: string, message: string): never =>
          fail("invalid", message, [{ field: "level", code, params: { level }, message }]);
        if (!LEVELS.includes(level)) fail("invalid", `${String(level)} is not a sign-off level`);
        if (level === "second_reviewer" && !e.fields.second_review) refuse("no_second_review", "this engagement has no second-level review");
        if (!levelAllows(level, role)) refuse("role_not_allowed", `${signer} is on the team as ${role}, who cannot sign as ${level}`);
        if (kind === "procedure") {
          const p = findProcedure(e, id);
          if (level === "preparer" && p.result === null) refuse("no_result", `${id} has no result yet`);
        } else if (kind === "control") {
          const item = e.byId.get(id);
          if (!item) fail("not_found", `control ${id} not found`);
          if (item.level !== "detailed") fail("invalid", `${id} is a heading, not an assessed control`, [{ field: "control", code: "invalid", params: {}, message: `${id} is a heading, not an assessed control` }]);
          const inScope = (e.scope.get(id)?.decision ?? "in_scope") === "in_scope";
          if (inScope && (e.procedures.get(id) ?? []).some((p) => p.result === null)) refuse("no_result", `not every procedure of ${id} has a result`);
        } else {
          fail("invalid", `${String(kind)} cannot be signed`);
        }
        const key = `${kind} ${id}`;
        const rows = e.signoffs.get(key) ?? [];
        const current = reviewState(e, kind, id, false);
        const existing = standing(rows, level);
        if (existing && !(level === "preparer" && current.changed_after_signoff)) {
          fail("already_exists", `sign-off already exists: ${id} (${level}, by ${existing.signoff.signer})`);
        }
        const previous = previousLevel(level);
        if (previous !== null && (!standing(rows, previous) || current.changed_after_signoff)) {
          refuse("previous_level_missing", `${id} needs a standing ${previous} sign-off first`);
        }
        // One person does not sign two levels of the same item.
        for (const other of LEVELS) {
          if (other !== level && standing(rows, other)?.signoff.signer === signer) {
            refuse("same_person", `${signer} already signed ${id} as ${other}; another person must sign as ${level}`);
          }
        }
        const content = contentOf(e, kind, id)!;
        const signoff: SignOff = {
          item_kind: kind,
          item_id: id,
          level,
          signer,
          role,
          at: now(),
          content_sha256: fakeDigest(canonicalJson(content)),
          withdrawn: null,
        };
        commit(e, { kind: "signed_off", signoff: clone(signoff), content });
        rows.push({ signoff, content: canonicalJson(content), changed: null });
        e.signoffs.set(key, rows);
        return reviewState(e, kind, id);
      }),
    addNote: (path, targetKind, targetId, text) =>
      respond(() => {
        const e = get(path);
        writable(e);
        if (text.trim() === "") fail("invalid", "a review note needs its text", [{ field: "text", code: "invalid", params: {}, message: "a review note needs its text" }]);
        if (!NOTE_TARGETS.includes(targetKind)) fail("invalid", `${String(targetKind)} cannot have review notes`);
        if (targetKind === "control") {
          if (!e.byId.has(targetId)) fail("not_found", `control ${targetId} not found`);
        } else if (targetKind === "procedure") {
          findProcedure(e, targetId);
        } else if (targetKind === "exception") {
          findException(e, targetId);
        } else {
          findEvidence(e, targetId);
        }
        const note: ReviewNote = {
          id: `RN-${String(e.notes.length + 1).padStart(3, "0")}`,
          target_kind: targetKind,
          target_id: targetId,
          text: text.trim(),
          author: actor(),
          created_at: now(),
          status: "open",
          answer: null,
          answered_by: null,
          answered_at: null,
          cleared_by: null,
          cleared_at: null,
        };
        e.notes.push(note);
        commit(e, { kind: "note_added", note: clone(note) });
        return clone(note);
      }),
    answerNote: (path, noteId, text) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const note = findNote(e, noteId);
        if (note.status === "cleared") fail("invalid", `${noteId} is already cleared`, [{ field: "note", code: "invalid", params: {}, message: `${noteId} is already cleared` }]);
        if (text.trim() === "") fail("invalid", "an answer needs its text", [{ field: "text", code: "invalid", params: {}, message: "an answer needs its text" }]);
        Object.assign(note, { status: "answered", answer: text.trim(), answered_by: actor(), answered_at: now() });
        commit(e, { kind: "note_answered", id: noteId, answer: note.answer, by: note.answered_by, at: note.answered_at });
        return clone(note);
      }),
    clearNote: (path, noteId) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const note = findNote(e, noteId);
        if (note.status === "cleared") fail("invalid", `${noteId} is already cleared`, [{ field: "note", code: "invalid", params: {}, message: `${noteId} is already cleared` }]);
        const who = actor();
        const manager = mayReopen(e.fields.team.find((m) => m.name === who)?.role ?? "assessor");
        if (note.author !== who && !manager) {
          const message = `only ${note.author} (who wrote ${noteId}) or a manager can clear it`;
          fail("invalid", message, [{ field: "note", code: "not_author", params: { author: note.author }, message }]);
        }
        Object.assign(note, { status: "cleared", cleared_by: who, cleared_at: now() });
        commit(e, { kind: "note_cleared", id: noteId, by: who, at: note.cleared_at });
        return clone(note);
      }),
    finalizeCheck: (path) => respond(() => finalizeCheck(get(path))),
    finalize: (path) =>
      respond(() => {
        const e = get(path);
        writable(e);
        const who = actor();
        const role = teamRole(e, who);
        if (!mayReopen(role)) {
          const message = `${who} is on the team as ${role}; a manager or partner finalizes`;
          fail("invalid", message, [{ field: "role", code: "role_not_allowed", params: {}, message }]);
        }
        const check = finalizeCheck(e);
        if (!check.ready) {
          fail(
            "invalid",
            check.blockers.map((b) => b.message).join("; "),
            check.blockers.map((b) => ({ field: b.item_id, code: b.code, params: { level: b.level ?? "" }, message: b.message })),
          );
        }
        const finalization: Finalization = { by: who, at: now() };
        commit(e, { kind: "engagement_finalized", finalization: clone(finalization) });
        e.finalized = finalization;
        return view(e);
      }),
    reopen: (path, reason) =>
      respond(() => {
        const e = get(path);
        if (!e.finalized) fail("invalid", "the engagement is not finalized", [{ field: "engagement", code: "invalid", params: {}, message: "the engagement is not finalized" }]);
        const who = actor();
        const role = teamRole(e, who);
        if (!mayReopen(role)) {
          const message = `${who} is on the team as ${role}; a manager or partner reopens`;
          fail("invalid", message, [{ field: "role", code: "role_not_allowed", params: {}, message }]);
        }
        if (reason.trim() === "") fail("invalid", "reopening needs the reason", [{ field: "reason", code: "invalid", params: {}, message: "reopening needs the reason" }]);
        e.finalized = null;
        commit(e, { kind: "engagement_reopened", reason: reason.trim(), by: who, at: now() });
        return view(e);
      }),
    itemHistory: (path, itemId) =>
      respond(() => {
        // As the core: every event whose payload names the item (or, for a
        // control, one of its procedures), the engagement's creation aside.
        const quoted = `"${itemId}"`;
        const child = `"${itemId}/`;
        return get(path)
          .log.filter((ev) => ev.kind !== "engagement_created" && (ev.payload.includes(quoted) || ev.payload.includes(child)))
          .map(clone);
      }),

    // ---- Sampling and test grids ----

    pickedPopulationFile: CHANGE_TICKETS_PATH,
    pickPopulationFile: () => respond(() => backend.pickedPopulationFile),
    previewPopulation: (file) =>
      respond((): PopulationPreview => {
        const { table } = readTable(file);
        return {
          file_name: baseName(file),
          sheet: null,
          headers: table.headers,
          rows: table.rows.slice(0, PREVIEW_ROWS).map((r) => r.cells),
          total_rows: table.rows.length,
          guess: guessColumns(table.headers),
        };
      }),
    sampling: (path, procedureId) => respond(() => samplingState(get(path), procedureId)),
    importPopulation: (path, procedureId, file, columns) =>
      respond(() => {
        const e = get(path);
        writable(e);
        findProcedure(e, procedureId);
        const { table, text } = readTable(file);
        return importList(e, procedureId, file, table, text, columns);
      }),
    setPopulationCount: (path, procedureId, count) => respond(() => setCount(get(path), procedureId, count)),
    sampleRules: () => respond(() => clone(firmRules)),
    saveSampleRules: (table) => respond(() => replaceRules(clone(table))),
    resetSampleRules: () =>
      respond(() => {
        firmRules = clone(DEFAULT_SAMPLE_RULES);
        return clone(firmRules);
      }),
    selectSample: (path, procedureId, request) => respond(() => selectRandom(get(path), procedureId, firmRules, request)),
    selectSampleManually: (path, procedureId, itemIds, reason) => respond(() => selectByHand(get(path), procedureId, itemIds, reason)),
    addSampleItem: (path, procedureId, itemId, reason) => respond(() => addItem(get(path), procedureId, itemId, reason)),
    discardSample: (path, procedureId, reason) => respond(() => discard(get(path), procedureId, reason)),
    reproduceSample: (path, procedureId) => respond(() => reproduce(get(path), procedureId)),
    addAttribute: (path, procedureId, text) => respond(() => addAttribute(get(path), procedureId, text)),
    editAttribute: (path, procedureId, key, text) => respond(() => editAttribute(get(path), procedureId, key, text)),
    removeAttribute: (path, procedureId, key) => respond(() => removeAttribute(get(path), procedureId, key)),
    setCell: (path, procedureId, no, attribute, input) => respond(() => setCell(get(path), procedureId, no, attribute, input)),
    setTickmark: (path, tickmark) => respond(() => setTickmark(get(path), tickmark)),

    // ---- Report and submission package ----

    exportFolder: EXPORT_DIR,
    askedDestinations: [],
    pickedCertificate: CERTIFICATE_PATH,
    certificates: new Map([
      [CERTIFICATE_PATH, { passphrase: CERTIFICATE_PASSPHRASE, problem: null }],
      [KEYLESS_CERTIFICATE_PATH, { passphrase: CERTIFICATE_PASSPHRASE, problem: "the PKCS#12 file holds no private key" }],
    ]),
    holdExport: (stage) => {
      let release = () => {};
      exportHold = { stage, until: new Promise<void>((resolve) => (release = resolve)) };
      return release;
    },
    openedPaths: [],
    shownInFolder: [],
    pickExportDestination: (kind, suggestedName) =>
      respond(() => {
        backend.askedDestinations.push({ kind, suggestedName });
        return backend.exportFolder === null ? null : `${backend.exportFolder}/${suggestedName}`;
      }),
    pickCertificateFile: () => respond(() => backend.pickedCertificate),
    exportReport: (path, request, onProgress) => exportTo("report", path, clone(request), onProgress),
    exportPackage: (path, request, onProgress) => exportTo("package", path, clone(request), onProgress),
    // The system's viewer and file manager are started detached, so the
    // core reports no failure for a path they cannot show; neither does the fake.
    openPath: (path) =>
      respond(() => {
        backend.openedPaths.push(path);
      }),
    showInFolder: (path) =>
      respond(() => {
        backend.shownInFolder.push(path);
      }),

    createLarge: (controls = 1500) =>
      respond(() => {
        const existing = engagements.get(LARGE_PATH);
        if (existing) {
          remember(existing);
          return view(existing);
        }
        const e = create(LARGE_PATH, syntheticCatalog(controls), demoFields(), DEFAULT_RULES);
        // Work in full swing, as the core's generator records it: what was
        // done for most procedures, results for many, one in twenty an exception.
        const team = e.fields.team.map((m) => m.name);
        let i = 0;
        for (const list of e.procedures.values()) {
          for (const p of list) {
            const before = clone(p);
            p.assignee = team[i % team.length];
            if (i % 10 < 7) p.work_done = `2026-05-12 情報セキュリティ担当者に質問し、手順書 第${(i % 9) + 1}版を閲覧した。`;
            if (i % 10 < 5) p.result = i % 20 === 7 ? "exception" : "no_exception";
            if (p.result === "exception") {
              e.exceptionsAdded++;
              p.exceptions.push({ id: `E-${String(e.exceptionsAdded).padStart(4, "0")}`, procedure_id: p.id, text: `抽出したサンプル ${i} 件中 1 件で承認記録がなかった。` });
            }
            const changes = (["assignee", "work_done", "result"] as const)
              .filter((f) => before[f] !== p[f])
              .map((f): FieldChange => ({ field: f, before: before[f], after: p[f] }));
            record(e, { kind: "procedure_updated", id: p.id, changes });
            i++;
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
      // The demo's sampled procedures are done already; their result follows their grid.
      if (p.result !== null) continue;
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

/**
 * Performs every in-scope procedure still without a result, signs every item
 * at every required level and, with `finalize`, finalizes, as the core's
 * `sample::perform_and_finalize` does, through the public interface: the
 * assessor (佐藤 花子) prepares, the reviewer (鈴木 一郎) reviews, the
 * manager (山田 太郎) signs the second level and finalizes. Controls named in
 * `leave` are left unsigned. The profile is put back afterwards. Fake-only,
 * for tests and the browser demo.
 */
export async function recordSampleReview(b: Backend, path: string, options: { finalize?: boolean; leave?: string[] } = {}): Promise<void> {
  const saved = await b.getProfile();
  const as = (name: string) => b.saveProfile({ ...saved, name });
  const leave = new Set(options.leave ?? []);
  try {
    const second = (await b.reviewSummary(path)).second_review;
    const controls = (await b.listControls(path)).filter((r) => r.assessable && !leave.has(r.id));
    await as("佐藤 花子");
    for (const c of controls.filter((r) => r.scope === "in_scope")) {
      for (const { procedure: p } of (await b.controlDetail(path, c.id)).procedures) {
        if (p.result === null) await b.updateProcedure(path, p.id, { work_done: p.work_done || `2026-05-12 ${p.kind} を実施し、記録を閲覧した。`, result: "no_exception" });
      }
    }
    const levels: [SignOffLevel, string][] = [["preparer", "佐藤 花子"], ["reviewer", "鈴木 一郎"]];
    if (second) levels.push(["second_reviewer", "山田 太郎"]);
    for (const [level, name] of levels) {
      await as(name);
      for (const c of controls) {
        const d = await b.controlDetail(path, c.id);
        const states = [...(c.scope === "in_scope" ? d.procedures.map((p) => p.review) : []), d.review!];
        for (const s of states) {
          const stands = s.signoffs.some((x) => x.level === level) && !(level === "preparer" && s.changed_after_signoff);
          if (!stands) await b.signOff(path, s.item_kind, s.item_id, level);
        }
      }
    }
    if (options.finalize) {
      await as("山田 太郎");
      await b.finalize(path);
    }
  } finally {
    await b.saveProfile(saved);
  }
}

/**
 * A review in progress, for the browser demo and screenshots: the first 30
 * controls performed and signed by the assessor and the reviewer, one
 * procedure changed since, and review notes, one of them answered. Acts
 * through the public interface; the profile is put back afterwards.
 */
export async function recordReviewInProgress(b: Backend, path: string): Promise<void> {
  const rows = (await b.listControls(path)).filter((r) => r.assessable);
  await recordSampleReview(b, path, { leave: rows.slice(30).map((r) => r.id) });
  const saved = await b.getProfile();
  const as = (name: string) => b.saveProfile({ ...saved, name });
  try {
    const control = "9.2.3.11.PB";
    const [first, second] = (await b.controlDetail(path, control)).procedures.map((p) => p.procedure.id);
    await as("佐藤 花子");
    await b.updateProcedure(path, first, { work_done: "2026-05-14 情報システム部長に質問し、特権ID管理手順書 第3版を閲覧した。承認記録を追加で確認した。" });
    await as("鈴木 一郎");
    await b.addNote(path, "control", control, "特権IDの棚卸の頻度について、手順書の記載との整合を確認してください。");
    await b.addNote(path, "procedure", second, "閲覧した利用ログの期間を実施内容に明記してください。");
    await as("佐藤 花子");
    await b.answerNote(path, "RN-002", "2026年3月1日〜31日のログを閲覧しました。実施内容に追記します。");
  } finally {
    await b.saveProfile(saved);
  }
}
