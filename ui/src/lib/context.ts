// What screens take from Svelte context instead of props: the session (the
// app's state and the core's client) and the engagement it has open.

import { getContext, setContext } from "svelte";
import type { OpenEngagement } from "./engagement.svelte";
import type { Session } from "./session.svelte";

export const SESSION = Symbol("session");

export function provideSession(session: Session): void {
  setContext(SESSION, session);
}

export function useSession(): Session {
  const session = getContext<Session | undefined>(SESSION);
  if (!session) throw new Error("no session in context: render the component inside the app (or a test's renderInApp)");
  return session;
}

/** The open engagement; screens that show one are rendered only while one is open. */
export function useEngagement(): OpenEngagement {
  const engagement = useSession().engagement;
  if (!engagement) throw new Error("no engagement is open");
  return engagement;
}
