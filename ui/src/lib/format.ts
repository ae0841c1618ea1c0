// Dates, times and sizes as every screen shows them.

import type { EvidenceKind } from "./ipc/bindings/EvidenceKind";
import type { IsoDate } from "./ipc/bindings/IsoDate";
import type { PbcStatus } from "./ipc/bindings/PbcStatus";
import { t } from "./i18n/index.svelte";

export const EVIDENCE_KINDS: EvidenceKind[] = ["document", "screenshot", "log_export", "configuration", "interview_memo", "other"];
export const PBC_STATUSES: PbcStatus[] = ["requested", "received", "follow_up", "withdrawn"];

/**
 * The user's local date as `YYYY-MM-DD`. Dates of evidence and requests are
 * calendar dates in Japan, not instants, so UTC (which is still yesterday
 * until 9 a.m. there) would be wrong.
 */
export function localToday(now: Date = new Date()): IsoDate {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}` as IsoDate;
}

/** `text` as a date when it is one (`YYYY-MM-DD`, a real day), else null: what a date input gives, typed. */
export function isoDate(text: string): IsoDate | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text) ? (text as IsoDate) : null;
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

/** The date part of an RFC 3339 timestamp, for a compact "added on". */
export function dateOf(timestamp: string): string {
  return timestamp.slice(0, 10);
}

/** A timestamp as the user reads it: local date and time to the minute. */
export function formatWhen(iso: string | null | undefined): string {
  if (!iso) return t("common.none");
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
