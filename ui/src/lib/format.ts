// Dates, times and sizes as every screen shows them.

import type { EvidenceKind } from "./ipc/bindings/EvidenceKind";
import type { IsoDate } from "./ipc/bindings/IsoDate";
import type { PbcStatus } from "./ipc/bindings/PbcStatus";
import { t } from "./i18n/index.svelte";

export const EVIDENCE_KINDS: EvidenceKind[] = ["document", "screenshot", "log_export", "configuration", "interview_memo", "other"];
export const PBC_STATUSES: PbcStatus[] = ["requested", "received", "follow_up", "withdrawn"];

/**
 * Japan's offset from UTC. Japan keeps no summer time, so a fixed offset
 * gives its clock for every instant, whatever zone the laptop is set to
 * (an auditor abroad, or a machine left on UTC), without depending on the
 * time zone data that a webview may lack.
 */
const JAPAN_OFFSET_MS = 9 * 60 * 60 * 1000;

/** The fields of Japan's clock at `instant`, two digits each but the year. */
function japanClock(instant: Date): { date: IsoDate; time: string } {
  const shifted = new Date(instant.getTime() + JAPAN_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, "0");
  const date = `${String(shifted.getUTCFullYear()).padStart(4, "0")}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}` as IsoDate;
  return { date, time: `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}` };
}

/**
 * Today's date in Japan as `YYYY-MM-DD`. Dates of evidence and requests are
 * calendar dates in Japan, not instants, so neither UTC (still yesterday
 * until 9 a.m. there) nor the machine's own zone would do. The core judges
 * "overdue" by the same day (`Clock::today_in_japan`).
 */
export function localToday(now: Date = new Date()): IsoDate {
  return japanClock(now).date;
}

/** `text` as a date when it is one (`YYYY-MM-DD`, a real day), else null: what a date field gives, typed. */
export function isoDate(text: string): IsoDate | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text) ? (text as IsoDate) : null;
}

/**
 * What a user typed as a date, written `YYYY-MM-DD`: "" when nothing was
 * typed, null when the text names no real day. A Japanese keyboard often
 * gives full-width digits and separators (２０２６／４／１), and people
 * write 2026/4/1, 2026.4.1, 20260401 or 2026年4月1日; all mean one day.
 * The Japanese era is not read (the fields ask for the Western year).
 */
export function normalizeDate(text: string): IsoDate | "" | null {
  // NFKC turns full-width digits and ／ ． － into their ASCII forms; the
  // dashes an input method gives instead of a hyphen are mapped by hand.
  const plain = text
    .normalize("NFKC")
    .replace(/[\s]/g, "")
    .replace(/[ー‐‑‒–—―−]/g, "-")
    .replace(/[年月]/g, "-")
    .replace(/日$/, "");
  if (plain === "") return "";
  const parts = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(plain) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(plain);
  if (!parts) return null;
  return isoDate(`${parts[1]}-${parts[2].padStart(2, "0")}-${parts[3].padStart(2, "0")}`);
}

const UNITS = ["KB", "MB", "GB", "TB"];

/**
 * A size for people, in the binary units that Windows Explorer shows with
 * these names, so that the numbers match what the auditor sees there.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** A whole number with thousands separators, for exact byte counts. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * The day in Japan of an RFC 3339 timestamp, for a compact "added on". The
 * core records instants in UTC, whose date is the day before in Japan
 * until 9 a.m.
 */
export function dateOf(timestamp: string): string {
  const d = new Date(timestamp);
  return Number.isNaN(d.getTime()) ? timestamp.slice(0, 10) : japanClock(d).date;
}

/**
 * A timestamp as the user reads it: date and time to the minute on Japan's
 * clock, with the zone named (2026-04-01 00:30 JST), so that the same record
 * reads the same on every laptop and beside the dates of the report.
 */
export function formatWhen(iso: string | null | undefined): string {
  if (!iso) return t("common.none");
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const { date, time } = japanClock(d);
  return t("time.when", { date, time, zone: t("time.zone") });
}
