// What the app is showing and the engagement it has open. One instance lives
// for the app's lifetime (provided to every screen through context); views
// read it and call its methods, so the navigator's filters and the current
// control survive switching screens.

import { BackendError, type Client } from "./ipc";
import type { SearchResult } from "./ipc/bindings/SearchResult";
import type { ControlRow } from "./ipc/bindings/ControlRow";
import type { OpenedEngagement } from "./ipc/bindings/OpenedEngagement";
import type { ProfileEdit } from "./ipc/bindings/ProfileEdit";
import type { ProfileView } from "./ipc/bindings/ProfileView";
import type { Lang } from "./ipc/bindings/Lang";
import type { FileHandle } from "./ipc/bindings/FileHandle";
import { lang, setLang } from "./i18n/index.svelte";
import { UnsavedList, type SaveEverythingOutcome } from "./features/walkthrough/autosave";
import { errorText } from "./i18n/messages";
import { NO_FILTER, type ControlFilter } from "./features/navigator/tree";
import { OpenEngagement } from "./engagement.svelte";

export { errorText };

export type Screen = "start" | "new" | "dashboard" | "navigator" | "walkthrough" | "evidence" | "pbc" | "review";

/** The passphrase dialog's question: which file, the core's refusal of the last answer, and how the answer returns. */
export interface PassphraseAsk {
  file: FileHandle;
  /** The file's name as the user knows it. */
  name: string;
  /** Set after a wrong passphrase: the field says so. */
  wrong: boolean;
  answer: (passphrase: string | null) => void;
}

/** One item of the work queue as the walkthrough opens it: its control and, for a procedure, which. */
export interface QueueStop {
  control: string;
  procedure: string | null;
}

export class Session {
  readonly client: Client;
  screen = $state<Screen>("start");
  profile = $state<ProfileView | null>(null);
  /** The open engagement; raw because it is replaced whole. */
  engagement = $state.raw<OpenEngagement | null>(null);
  /** The control list; raw because it is replaced whole and can hold 1,700 rows. */
  controls = $state.raw<ControlRow[]>([]);
  controlId = $state<string | null>(null);
  /** The work queue's list being gone through from the walkthrough, and where in it. */
  queueTrail = $state.raw<{ items: QueueStop[]; at: number } | null>(null);
  /** The procedure the walkthrough opens the control at, once; null for its first. */
  openAt = $state<string | null>(null);
  /** A translated error to show in the banner, or null. */
  error = $state<string | null>(null);
  filter = $state<ControlFilter>({ ...NO_FILTER });
  /**
   * The core's last answer to the list's search, with the query it answers:
   * the list shows it, and the walkthrough moves through what it found.
   */
  searched = $state.raw<{ query: string; result: SearchResult } | null>(null);
  expanded = $state.raw<Set<string>>(new Set());
  /** Set when the user asks to jump to an ID (Ctrl+G), so the header focuses its input. */
  jumpRequest = $state(0);
  /** Whether the profile dialog is open (from the header, or by itself on the first start). */
  profileOpen = $state(false);
  /** Everything typed on any screen and not yet saved (the autosave queues list themselves here). */
  readonly unsaved = new UnsavedList();
  /**
   * Set when what was typed could not be saved (or the saves did not end in
   * time) as the window was to close or the engagement to be left: the app
   * asks the user whether to try again, to go on without it, or to stay.
   * `leaving` is what leaving the engagement does; null for the window's close.
   */
  unsavedProblem = $state<{ outcome: Exclude<SaveEverythingOutcome, "saved">; leaving: (() => Promise<void>) | null } | null>(null);
  /** How long closing or leaving waits for the saves before asking the user. */
  saveTimeoutMs = 10_000;
  /** Set while the passphrase of an encrypted file is asked for (`withPassphrase`). */
  passphraseAsk = $state<PassphraseAsk | null>(null);

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
   * Leaves the engagement (`go`: another one opened, the start screen, a new
   * one) once everything typed on every screen is saved. When something
   * cannot be saved, nothing is left yet: `unsavedProblem` asks the user.
   */
  private async leaveThen(go: () => Promise<void>): Promise<void> {
    const outcome = await this.unsaved.saveAll(this.saveTimeoutMs);
    if (outcome === "saved") await go();
    else this.unsavedProblem = { outcome, leaving: go };
  }

  /**
   * The window's close request: everything typed is saved first. Returns
   * whether the window may close now; when not, `unsavedProblem` asks the user.
   */
  async mayCloseWindow(): Promise<boolean> {
    this.unsavedProblem = null;
    const outcome = await this.unsaved.saveAll(this.saveTimeoutMs);
    if (outcome === "saved") return true;
    this.unsavedProblem = { outcome, leaving: null };
    return false;
  }

  /** Tries the saves again after they failed; true when everything is now saved (what was asked can go on). */
  async retryUnsaved(): Promise<boolean> {
    const problem = this.unsavedProblem;
    const outcome = await this.unsaved.saveAll(this.saveTimeoutMs);
    if (outcome === "saved") {
      this.unsavedProblem = null;
      return true;
    }
    if (problem) this.unsavedProblem = { ...problem, outcome };
    return false;
  }

  /** Forgets what could not be saved, as the user chose, so that closing or leaving goes on. */
  discardUnsaved(): void {
    this.unsaved.discardAll();
    this.unsavedProblem = null;
  }

  /**
   * Runs `work` on `file`; when the core says the file is encrypted and its
   * passphrase is not known yet, asks the user for it (the passphrase
   * dialog), gives it to the core, which checks it at once (a wrong one is
   * said at the field, and nothing else happens), and runs `work` again.
   * Returns null when the user cancels.
   */
  async withPassphrase<T>(file: FileHandle, name: string, work: () => Promise<T>): Promise<T | null> {
    let wrong = false;
    try {
      return await work();
    } catch (err) {
      const kind = err instanceof BackendError ? err.kind : null;
      // A passphrase given earlier that the file no longer takes (changed
      // elsewhere) is forgotten, and the user asked again.
      if (kind === "wrong_passphrase" || kind === "not_encrypted") {
        await this.client.forgetPassphrase({ file });
        if (kind === "not_encrypted") return await work();
        wrong = true;
      } else if (kind !== "passphrase_needed") {
        throw err;
      }
    }
    for (;;) {
      const passphrase = await new Promise<string | null>((answer) => {
        this.passphraseAsk = { file, name, wrong, answer };
      });
      if (passphrase === null) {
        this.passphraseAsk = null;
        return null;
      }
      try {
        await this.client.unlockFile({ file, passphrase });
      } catch (err) {
        if (err instanceof BackendError && err.kind === "wrong_passphrase") {
          wrong = true;
          continue;
        }
        this.passphraseAsk = null;
        throw err;
      }
      this.passphraseAsk = null;
      return await work();
    }
  }

  async show(opened: OpenedEngagement, screen: Screen = "dashboard"): Promise<void> {
    // What was typed in the engagement on screen is saved before another replaces it.
    await this.leaveThen(() => this.showNow(opened, screen));
  }

  private async showNow(opened: OpenedEngagement, screen: Screen): Promise<void> {
    const previous = this.engagement;
    if (previous && previous.handle !== opened.engagement) await this.forget(previous.handle);
    this.engagement = new OpenEngagement(this.client, opened);
    this.controlId = null;
    this.filter = { ...NO_FILTER };
    this.searched = null;
    this.queueTrail = null;
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

  /**
   * Opens the item at `at` of a list of the work queue, remembering the
   * list, so that the walkthrough offers the next one (a reviewer goes
   * through the queue without going back to it after each item).
   */
  followQueue(items: QueueStop[], at: number): void {
    const stop = items[at];
    if (!stop) return;
    this.queueTrail = { items, at };
    this.openControl(stop.control, stop.procedure);
  }

  /**
   * Opens a control in the walkthrough; with `procedureId` (a procedure of
   * it, or an item under one: `C/P2/S1`), at that procedure, as the work
   * queue and lists that name an item do.
   */
  openControl(id: string, procedureId: string | null = null): void {
    this.openAt = procedureId;
    this.controlId = id;
    this.screen = "walkthrough";
  }

  goto(screen: Screen): void {
    this.error = null;
    // A new engagement's form replaces the open engagement: what was typed is saved first.
    if (screen === "new" && this.unsaved.any()) {
      void this.leaveThen(async () => {
        this.screen = "new";
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
    await this.leaveThen(async () => this.closeNow());
  }

  /** Tells the core an engagement is closed: its passphrase is forgotten, its viewer copies removed. */
  private async forget(handle: FileHandle): Promise<void> {
    try {
      await this.client.closeEngagement({ engagement: handle });
    } catch (err) {
      this.fail(err);
    }
  }

  private async closeNow(): Promise<void> {
    if (this.engagement) await this.forget(this.engagement.handle);
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
