// The transport inside the desktop app: each operation is a Tauri command
// of the same name (src-tauri/app/src/lib.rs hands it to the one
// dispatcher), with `{request, progress}` as its arguments.

import { Channel, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Dropped } from "./bindings/Dropped";
import { asBackendError, type Transport } from "./transport";

export const tauriTransport: Transport = {
  async call<T>(name: string, request: unknown, onProgress?: (progress: never) => void): Promise<T> {
    const args: Record<string, unknown> = { request };
    if (onProgress) {
      const progress = new Channel<never>();
      progress.onmessage = onProgress;
      args.progress = progress;
    }
    try {
      return await invoke<T>(name, args);
    } catch (raw) {
      throw asBackendError(raw);
    }
  },
};

/**
 * Files dropped on the window, as handles with the intake form's defaults
 * (the app's own event; the page never sees their paths). The position
 * arrives in physical pixels; the handler gets CSS pixels.
 */
export async function onDropped(handler: (dropped: Dropped) => void): Promise<UnlistenFn> {
  return listen<Dropped>("workbench://dropped", (event) => {
    const scale = window.devicePixelRatio || 1;
    handler({ ...event.payload, x: event.payload.x / scale, y: event.payload.y / scale });
  });
}

export function insideTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}
