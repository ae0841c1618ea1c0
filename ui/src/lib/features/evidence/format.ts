// Dates and sizes as the evidence screens show them.

import type { EvidenceKind } from "../../ipc/bindings/EvidenceKind";
import type { PbcStatus } from "../../ipc/bindings/PbcStatus";

export const EVIDENCE_KINDS: EvidenceKind[] = ["document", "screenshot", "log_export", "configuration", "interview_memo", "other"];
export const PBC_STATUSES: PbcStatus[] = ["requested", "received", "follow_up", "withdrawn"];

/**
 * The user's local date as `YYYY-MM-DD`. Dates of evidence and requests are
 * calendar dates in Japan, not instants, so UTC (which is still yesterday
 * until 9 a.m. there) would be wrong.
 */
export function localToday(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
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
