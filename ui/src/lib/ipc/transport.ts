// How the generated client (generated/client.ts) reaches the core: by the
// operation's name, with its request, and an optional listener for its
// progress. The app's transport is Tauri's IPC (tauri.ts); the UI's tests
// and the browser during development use the loopback development server
// (`workbench serve --dev`, dev-server.ts). Both come from the same Rust
// declarations, so the page talks to the real core either way.

import type { ErrorKind } from "./bindings/ErrorKind";
import type { ErrorPayload } from "./bindings/ErrorPayload";

export interface Transport {
  call<T>(name: string, request: unknown, onProgress?: (progress: never) => void): Promise<T>;
}

/** Every failed call rejects with this error; switch on `kind`. */
export class BackendError extends Error {
  readonly payload: ErrorPayload;
  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.payload = payload;
  }
  get kind(): ErrorKind {
    return this.payload.kind;
  }
}

/** A refusal as it arrived (the core's payload, or anything else a transport threw) as a `BackendError`. */
export function asBackendError(raw: unknown): BackendError {
  if (raw instanceof BackendError) return raw;
  if (typeof raw === "object" && raw !== null && "kind" in raw && "message" in raw) {
    const payload = raw as Partial<ErrorPayload>;
    return new BackendError({
      kind: payload.kind ?? "internal",
      message: String(payload.message),
      input_problems: payload.input_problems ?? [],
      field_problems: payload.field_problems ?? [],
    });
  }
  return new BackendError({ kind: "internal", message: String(raw), input_problems: [], field_problems: [] });
}
