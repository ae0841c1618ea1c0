// Chooses the backend: the Rust core over Tauri IPC when the page runs inside
// the Tauri app, otherwise the in-memory fake, so that `npm run dev` in a
// browser shows a working demo without the core.

import type { Backend } from "./backend";
import { createFakeBackend } from "./fake";
import { tauriBackend } from "./tauri";

export { BackendError } from "./backend";
export type { Backend, FieldCheck } from "./backend";

export function insideTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

export function chooseBackend(): Backend {
  return insideTauri() ? tauriBackend : createFakeBackend({ latency: 150 });
}
