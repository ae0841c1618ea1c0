// Leaving the new-engagement form with what was typed in it asks first:
// nothing of it is stored until the engagement is created, so leaving loses
// it. The form says whether anything was typed; whatever takes the user
// elsewhere (the form's Cancel and Escape, the header's start button) goes
// through `leaveForm`, which either leaves at once or lets the form ask.

/** The open form's question "was anything typed?", or null when no form is open. */
let typedCheck: (() => boolean) | null = null;

/** A leaving that waits for the user's answer, for the form to show its question. */
export const leaving = $state<{ pending: (() => void) | null }>({ pending: null });

/** Called by the form while it is open; the returned function ends it. */
export function guardLeaving(anythingTyped: () => boolean): () => void {
  typedCheck = anythingTyped;
  return () => {
    if (typedCheck === anythingTyped) typedCheck = null;
    leaving.pending = null;
  };
}

/** Runs `leave` at once when nothing typed would be lost, else asks the form's user first. */
export function leaveForm(leave: () => void): void {
  if (typedCheck?.()) leaving.pending = leave;
  else leave();
}
