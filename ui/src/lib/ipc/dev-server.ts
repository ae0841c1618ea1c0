// The transport to `workbench serve --dev`, the loopback development server
// built from the same declarations as the app's commands: for the UI's
// tests, and for the UI in a browser while developing it. Never part of the
// app's bundle (index.ts loads it only in development; scripts/check-bundle.mjs
// checks the built dist/).

import { asBackendError, type Transport } from "./transport";

export interface DevServer {
  url: string;
  token: string;
}

export function devServerTransport(server: DevServer): Transport & DevServerControls {
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-workbench-token": server.token },
      body: JSON.stringify(body),
    });
  return {
    async call<T>(name: string, request: unknown, onProgress?: (progress: never) => void): Promise<T> {
      const response = await post(`/op/${name}`, request ?? {});
      if ((response.headers.get("content-type") ?? "").startsWith("application/octet-stream")) {
        return (await response.arrayBuffer()) as T;
      }
      const body = (await response.json()) as { ok?: T; error?: unknown; progress?: never[] };
      for (const p of body.progress ?? []) onProgress?.(p);
      if ("error" in body && body.error !== undefined) throw asBackendError(body.error);
      return body.ok as T;
    },
    async choose(paths: string[]): Promise<void> {
      await post("/dev/choose", { paths });
    },
    async opened(): Promise<string[]> {
      const response = await fetch(`${server.url}/dev/opened`, { headers: { "x-workbench-token": server.token } });
      return ((await response.json()) as { ok: string[] }).ok;
    },
    async stop(): Promise<void> {
      await post("/dev/stop", {}).catch(() => undefined);
    },
  };
}

/** What a test (standing in for the user) can do beside calling operations. */
export interface DevServerControls {
  /** The files the user "chooses" in the next native dialog. */
  choose(paths: string[]): Promise<void>;
  /** The files handed to the system's app so far. */
  opened(): Promise<string[]>;
  stop(): Promise<void>;
}
