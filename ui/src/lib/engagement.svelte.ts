// The engagement the page has open, with a client bound to it: each
// operation that takes `engagement` is called without it, so that no
// component passes a file around. Screens get it from Svelte context
// (`useEngagement()`), set by the session when an engagement is opened.

import type { Client } from "./ipc/generated/client";
import type { EngagementView } from "./ipc/bindings/EngagementView";
import type { FileHandle } from "./ipc/bindings/FileHandle";
import type { OpenedEngagement } from "./ipc/bindings/OpenedEngagement";
import type { Rights } from "./ipc/bindings/Rights";

type Operation = (request: never, ...rest: never[]) => Promise<unknown>;

/** The operations that take an engagement, without it. */
export type EngagementClient = {
  [K in keyof Client as Parameters<Client[K]>[0] extends { engagement: FileHandle } ? K : never]: Client[K] extends (
    request: infer R,
    ...rest: infer A
  ) => infer P
    ? (request: Omit<R, "engagement">, ...rest: A) => P
    : never;
};

/** `client`'s operations on `engagement`. */
export function bindEngagement(client: Client, engagement: FileHandle): EngagementClient {
  const bound: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(client) as [string, Operation][]) {
    bound[name] = (request: object, ...rest: never[]) => op({ ...request, engagement } as never, ...rest);
  }
  return bound as EngagementClient;
}

/** An engagement as a screen sees it: what it shows, what the user may do on it, and its client. */
export class OpenEngagement {
  readonly handle: FileHandle;
  readonly client: EngagementClient;
  view = $state.raw<EngagementView>() as EngagementView;
  rights = $state.raw<Rights>() as Rights;

  constructor(client: Client, opened: OpenedEngagement) {
    this.handle = opened.engagement;
    this.client = bindEngagement(client, opened.engagement);
    this.view = opened.view;
    this.rights = opened.rights;
  }

  /** Takes a new view of the same engagement (after finalizing or reopening it). */
  update(opened: OpenedEngagement): void {
    if (opened.engagement !== this.handle) return;
    this.view = opened.view;
    this.rights = opened.rights;
  }

  /** Whether it is finalized, and so refuses every change. */
  get locked(): boolean {
    return this.view.finalized != null;
  }
}
