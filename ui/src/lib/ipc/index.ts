// The client of the core's operations, over the transport that fits where
// the page runs: Tauri's IPC in the app; in development in a browser, the
// loopback development server named in the address
// (`?server=http://127.0.0.1:PORT&token=…`, as `npm run dev:core` opens it).

import { client, type Client } from "./generated/client";
import { insideTauri, tauriTransport } from "./tauri";

export { BackendError, asBackendError } from "./transport";
export type { Transport } from "./transport";
export type { Client } from "./generated/client";
export { client, insideTauri };

/** The client for this page, or null when there is no core to talk to. */
export async function connect(): Promise<Client | null> {
  if (insideTauri()) return client(tauriTransport);
  if (import.meta.env.DEV) {
    const params = new URLSearchParams(location.search);
    const url = params.get("server");
    const token = params.get("token");
    if (url && token) {
      const { devServerTransport } = await import("./dev-server");
      return client(devServerTransport({ url, token }));
    }
  }
  return null;
}
