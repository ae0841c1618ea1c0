// Rendering a screen as the app does: inside a session (provided through
// context) that talks to a real core, with the demo engagement open.

import { render, type RenderResult } from "@testing-library/svelte";
import type { Component } from "svelte";
import { SESSION } from "../lib/context";
import { Session } from "../lib/session.svelte";
import type { Core } from "./core";

/** A session on `core`, started (profile read), with the demo engagement open unless `open` is false. */
export async function sessionOn(core: Core, open = true): Promise<Session> {
  const session = new Session(core.client);
  await session.start();
  if (open) await session.show(await core.client.openDemo({}));
  return session;
}

/** Renders `component` with `props` inside `session`, as the app would. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function renderInApp(component: Component<any>, session: Session, props: Record<string, unknown> = {}): RenderResult<Component> {
  return render(component as Component, { props, context: new Map([[SESSION, session]]) } as never) as RenderResult<Component>;
}
