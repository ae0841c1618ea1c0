// What the app is showing and the engagement it has open. One instance lives
// for the app's lifetime; views read it and call its methods, so the
// navigator's filters and the current control survive switching screens.

import { BackendError, type Backend } from "./ipc";
import type { ControlRow } from "./ipc/bindings/ControlRow";
import type { EngagementView } from "./ipc/bindings/EngagementView";
import type { Profile } from "./ipc/bindings/Profile";
import type { Role } from "./ipc/bindings/Role";
import { lang, setLang, t } from "./i18n/index.svelte";
import { NO_FILTER, type ControlFilter } from "./navigator/tree";

export type Screen = "start" | "new" | "dashboard" | "navigator" | "walkthrough" | "evidence" | "pbc" | "review";

/** The translated message for a failed call, chosen by its stable kind. */
export function errorText(err: unknown): string {
  const kind = err instanceof BackendError ? err.kind : "internal";
  const known = [
    "not_an_engagement",
    "corrupt",
    "newer_version",
    "import",
    "invalid",
    "not_found",
    "already_exists",
    "io",
    "source",
    "cancelled",
    "disk_full",
    "disk_io",
    "storage",
    "locked",
    "foreign_object",
    "log_mismatch",
    "internal",
  ];
  return t(`error.${known.includes(kind) ? kind : "internal"}`);
}

export class Session {
  readonly backend: Backend;
  screen = $state<Screen>("start");
  profile = $state<Profile | null>(null);
  engagement = $state.raw<EngagementView | null>(null);
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

  constructor(backend: Backend) {
    this.backend = backend;
  }

  async start(): Promise<void> {
    try {
      this.profile = await this.backend.getProfile();
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
  async saveProfile(next: Profile): Promise<boolean> {
    const saved = await this.attempt(() => this.backend.saveProfile(next));
    if (saved) this.profile = saved;
    return saved !== null;
  }

  /** The current user's role on the open engagement's team, which decides what they may sign; null when not on it. */
  get teamRole(): Role | null {
    const name = this.profile?.name;
    return this.engagement?.fields.team.find((m) => m.name === name)?.role ?? null;
  }

  /** Whether the open engagement is finalized, and so refuses every change. */
  get locked(): boolean {
    return this.engagement?.finalized != null;
  }

  /** Takes a new view of the open engagement (after finalizing or reopening it). */
  setEngagement(view: EngagementView): void {
    if (this.engagement && view.path === this.engagement.path) this.engagement = view;
  }

  /**
   * Asks the core whether the engagement is finalized, after a change was
   * refused as locked (finalized meanwhile, elsewhere): the screens then
   * show the lock instead of offering edits that cannot be saved.
   */
  async refreshLock(): Promise<void> {
    const current = this.engagement;
    if (!current) return;
    try {
      const summary = await this.backend.reviewSummary(current.path);
      if (this.engagement?.path === current.path) this.engagement = { ...this.engagement, finalized: summary.finalized };
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

  async show(view: EngagementView, screen: Screen = "dashboard"): Promise<void> {
    this.engagement = view;
    this.controlId = null;
    this.filter = { ...NO_FILTER };
    // Domains start expanded, so the navigator opens on a useful depth.
    this.expanded = new Set();
    await this.refreshControls();
    this.expanded = new Set(this.controls.filter((r) => r.level === "domain").map((r) => r.id));
    this.screen = screen;
    this.profile = await this.backend.getProfile();
  }

  async refreshControls(): Promise<void> {
    if (!this.engagement) return;
    const rows = await this.attempt(() => this.backend.listControls(this.engagement!.path));
    if (rows) this.controls = rows;
  }

  openControl(id: string): void {
    this.controlId = id;
    this.screen = "walkthrough";
  }

  goto(screen: Screen): void {
    this.error = null;
    if (screen === "walkthrough" && this.controlId === null) {
      this.controlId = this.controls.find((r) => r.assessable)?.id ?? null;
    }
    this.screen = screen;
  }

  close(): void {
    this.engagement = null;
    this.controls = [];
    this.controlId = null;
    this.screen = "start";
  }

  async setLanguage(next: "ja" | "en"): Promise<void> {
    setLang(next);
    if (this.profile) {
      const profile = { ...$state.snapshot(this.profile), lang: next };
      const saved = await this.attempt(() => this.backend.saveProfile(profile));
      if (saved) this.profile = saved;
    }
  }

  get lang(): string {
    return lang();
  }
}
