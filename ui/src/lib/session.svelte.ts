// What the app is showing and the engagement it has open. One instance lives
// for the app's lifetime (provided to every screen through context); views
// read it and call its methods, so the navigator's filters and the current
// control survive switching screens.

import { BackendError, type Client } from "./ipc";
import type { ControlRow } from "./ipc/bindings/ControlRow";
import type { OpenedEngagement } from "./ipc/bindings/OpenedEngagement";
import type { ProfileEdit } from "./ipc/bindings/ProfileEdit";
import type { ProfileView } from "./ipc/bindings/ProfileView";
import type { Lang } from "./ipc/bindings/Lang";
import { lang, setLang, t } from "./i18n/index.svelte";
import { anythingUnsaved, saveEverything, type SaveEverythingOutcome } from "./features/walkthrough/autosave";
import { errorText } from "./i18n/messages";
import { NO_FILTER, type ControlFilter } from "./features/navigator/tree";
import { OpenEngagement } from "./engagement.svelte";

export { errorText };

export type Screen = "start" | "new" | "dashboard" | "navigator" | "walkthrough" | "evidence" | "pbc" | "review";

export class Session {
  readonly client: Client;
  screen = $state<Screen>("start");
  profile = $state<ProfileView | null>(null);
  /** The open engagement; raw because it is replaced whole. */
  engagement = $state.raw<OpenEngagement | null>(null);
  /** The control list; raw because it is replaced whole and can hold 1,700 rows. */
  controls = $state.raw<ControlRow[]>([]);
  controlId = $state<string | null>(null);
  /** A translated error to show in the banner, or null. */
  error = $state<string | null>(null);
  filter = $state<ControlFilter>({ ...NO_FILTER });
  expanded = $state.raw<Set<string>>(new Set());
  /** Set when the user asks to jump to an ID (Ctrl+G), so the header focuses its input. */
  jumpRequest = $state(0);
  /** Whether the profile dialog is open (from the header, or by itself on the first start). */
  profileOpen = $state(false);
  /**
   * Set when the window was asked to close but what was typed could not be
   * saved (or the saves did not end in time): the app then asks the user
   * whether to try again or to close without it.
   */
  closeProblem = $state<Exclude<SaveEverythingOutcome, "saved"> | null>(null);
  /** How long the window's close request waits for the saves before asking the user. */
  closeTimeoutMs = 10_000;

  constructor(client: Client) {
    this.client = client;
  }

  async start(): Promise<void> {
    try {
      this.profile = await this.client.getProfile({});
      setLang(this.profile.lang);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Whether the profile has no name yet: every change is recorded under it, so the user is asked first. */
  get needsProfile(): boolean {
    return this.profile !== null && this.profile.name.trim() === "";
  }

  /** Saves the profile (the name every change and sign-off is recorded under). */
  async saveProfile(next: ProfileEdit): Promise<boolean> {
    try {
      await this.switchProfile(next, null);
      return true;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  /**
   * Saves the profile; switching to a person with a signing key on this
   * computer takes their PIN, which opens the key. Rejects with the core's
   * refusal (a wrong or missing PIN), for the dialog to show.
   */
  async switchProfile(next: ProfileEdit, pin: string | null): Promise<void> {
    const saved = await this.client.saveProfile({ profile: next, pin });
    this.profile = saved;
    // The user's rights on the open engagement follow their name.
    if (this.engagement) {
      const reopened = await this.attempt(() => this.client.openEngagement({ file: this.engagement!.handle }));
      if (reopened) this.engagement.update(reopened);
    }
  }

  /** Whether the open engagement is finalized, and so refuses every change. */
  get locked(): boolean {
    return this.engagement?.locked ?? false;
  }

  /**
   * Asks the core again for the open engagement, after a change was refused
   * as locked (finalized meanwhile, elsewhere): the screens then show the
   * lock instead of offering edits that cannot be saved.
   */
  async refreshLock(): Promise<void> {
    const current = this.engagement;
    if (!current) return;
    try {
      current.update(await this.client.openEngagement({ file: current.handle }));
    } catch {
      // The lock is shown again with the next refused change.
    }
  }

  fail(err: unknown): void {
    this.error = errorText(err);
    if (err instanceof BackendError && err.kind === "locked") void this.refreshLock();
  }

  /** Runs a call, showing its error in the banner; returns null when it failed. */
  async attempt<T>(work: () => Promise<T>): Promise<T | null> {
    try {
      this.error = null;
      return await work();
    } catch (err) {
      this.fail(err);
      return null;
    }
  }

  /**
   * Saves everything typed and not yet saved, on every screen, before the
   * engagement is left (another one opened, the start screen, a new one).
   * When something cannot be saved the banner says so and the caller stays
   * where it is: the text is still in its field, with its retry.
   */
  async saveBeforeLeaving(): Promise<boolean> {
    const outcome = await saveEverything(this.closeTimeoutMs);
    if (outcome === "saved") return true;
    this.error = t(outcome === "timeout" ? "saving.leave_timeout" : "saving.leave_failed");
    return false;
  }

  /**
   * The window's close request: everything typed is saved first. Returns
   * whether the window may close now; when not, `closeProblem` says why and
   * the app asks the user.
   */
  async mayCloseWindow(): Promise<boolean> {
    this.closeProblem = null;
    const outcome = await saveEverything(this.closeTimeoutMs);
    if (outcome === "saved") return true;
    this.closeProblem = outcome;
    return false;
  }

  async show(opened: OpenedEngagement, screen: Screen = "dashboard"): Promise<void> {
    // What was typed in the engagement on screen is saved before another replaces it.
    if (!(await this.saveBeforeLeaving())) return;
    this.engagement = new OpenEngagement(this.client, opened);
    this.controlId = null;
    this.filter = { ...NO_FILTER };
    // Domains start expanded, so the navigator opens on a useful depth.
    this.expanded = new Set();
    await this.refreshControls();
    this.expanded = new Set(this.controls.filter((r) => r.level === "domain").map((r) => r.id));
    this.screen = screen;
    this.profile = await this.client.getProfile({});
  }

  async refreshControls(): Promise<void> {
    const engagement = this.engagement;
    if (!engagement) return;
    const rows = await this.attempt(() => engagement.client.listControls({}));
    if (rows) this.controls = rows;
  }

  openControl(id: string): void {
    this.controlId = id;
    this.screen = "walkthrough";
  }

  goto(screen: Screen): void {
    this.error = null;
    // A new engagement's form replaces the open engagement: what was typed is saved first.
    if (screen === "new" && anythingUnsaved()) {
      void this.saveBeforeLeaving().then((saved) => {
        if (saved) this.screen = "new";
      });
      return;
    }
    if (screen === "walkthrough" && this.controlId === null) {
      this.controlId = this.controls.find((r) => r.assessable)?.id ?? null;
    }
    this.screen = screen;
  }

  /** Goes back to the start screen, once everything typed is saved. */
  async close(): Promise<void> {
    if (!(await this.saveBeforeLeaving())) return;
    this.engagement = null;
    this.controls = [];
    this.controlId = null;
    this.screen = "start";
  }

  async setLanguage(next: Lang): Promise<void> {
    setLang(next);
    if (this.profile) {
      const { name, initials, role } = this.profile;
      const saved = await this.attempt(() => this.client.saveProfile({ profile: { name, initials, role, lang: next }, pin: null }));
      if (saved) this.profile = saved;
    }
  }

  get lang(): Lang {
    return lang();
  }
}
