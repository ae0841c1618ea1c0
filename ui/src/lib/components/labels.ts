// The tones of statuses and results, shared by the badges, the bars and the
// legend so that one colour always means one thing.

import type { ResultKind } from "../ipc/bindings/ResultKind";
import type { Status } from "../ipc/bindings/Status";

export const STATUSES: Status[] = ["not_started", "in_progress", "done", "no_procedures", "out_of_scope"];
export const RESULTS: ResultKind[] = ["no_exception", "exception", "not_applicable", "not_performed"];

export const STATUS_TONE: Record<Status, string> = {
  not_started: "idle",
  in_progress: "progress",
  done: "ok",
  no_procedures: "warn",
  out_of_scope: "accent",
};

export const STATUS_COLOR: Record<Status, string> = {
  not_started: "#c5ccd6",
  in_progress: "#e0a040",
  done: "#2e9a5c",
  no_procedures: "#d4b020",
  out_of_scope: "#7d9cc4",
};

export const RESULT_TONE: Record<ResultKind, string> = {
  no_exception: "ok",
  exception: "danger",
  not_applicable: "idle",
  not_performed: "warn",
};
