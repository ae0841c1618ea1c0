// Autosave for procedure fields. Each field is saved with a patch of just
// that field, some time after typing stops or at once (on blur, or for a
// choice such as a result). Saves of one procedure run one after another, so
// an older value never overwrites a newer one; and a value typed while a save
// is running stays pending until it is saved in turn, so no keystroke is
// lost. A failed save keeps its value pending for a retry.
//
// Every queue with something not yet saved lists itself in the session's
// `UnsavedList`, so that closing the window, switching engagement or going
// to the start screen saves it first, whichever screen it was typed on and
// even after that screen is gone.

import type { Procedure } from "../../ipc/bindings/Procedure";
import type { ProcedurePatch } from "../../ipc/bindings/ProcedurePatch";

export type SaveState = "saved" | "dirty" | "saving" | "failed";
export type PatchField = keyof ProcedurePatch;
type Value = ProcedurePatch[PatchField];

export interface AutosaveOptions {
  save: (procedureId: string, patch: ProcedurePatch) => Promise<Procedure>;
  /** Quiet time after the last keystroke before a text is saved. */
  delayMs?: number;
  /** Called whenever the state of any procedure may have changed. */
  onChange?: () => void;
  /** Called with the procedure as the backend returned it after each save. */
  onSaved?: (procedure: Procedure) => void;
  /** Called with the error of each failed save (the value stays pending for a retry). */
  onError?: (error: unknown) => void;
  /** Where the queue lists itself while it holds values not yet saved (the session's list). */
  unsaved?: UnsavedList;
}

/** Anything that holds typed values not yet saved. */
export interface UnsavedWork {
  /** Saves every pending value at once (failed ones again) and waits for every save to end, saved or failed. */
  saveNow(): Promise<void>;
  /** Whether a value is still not saved (waiting, saving or failed). */
  unsaved(): boolean;
  /** Forgets every value not yet saved (the user chose to go on without them). */
  discard(): void;
}

export type SaveEverythingOutcome = "saved" | "failed" | "timeout";

/**
 * Everything of the app that holds typed values not yet saved, whichever
 * screen they were typed on and even after that screen is gone; the
 * session holds one, and an autosave queue adds and removes itself as its
 * state changes.
 */
export class UnsavedList {
  private readonly holders = new Set<UnsavedWork>();

  hold(work: UnsavedWork): void {
    this.holders.add(work);
  }

  release(work: UnsavedWork): void {
    this.holders.delete(work);
  }

  /** Whether anything typed anywhere is not saved yet. */
  any(): boolean {
    return [...this.holders].some((w) => w.unsaved());
  }

  /**
   * Saves everything not yet saved and says how it ended: "failed" when a
   * save was refused or could not reach the core (its value stays
   * pending), "timeout" when the saves had not ended after `timeoutMs` (a
   * hung save must not keep the window from closing; the user is asked
   * instead). Holders left with nothing unsaved are dropped.
   */
  async saveAll(timeoutMs = 10_000): Promise<SaveEverythingOutcome> {
    const work = [...this.holders];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"timeout">((done) => {
      timer = setTimeout(() => done("timeout"), timeoutMs);
    });
    try {
      const ended = Promise.all(work.map((w) => w.saveNow())).then(() => "ended" as const);
      if ((await Promise.race([ended, expired])) === "timeout") return "timeout";
    } catch {
      // A holder whose save threw keeps its work unsaved, and is reported below.
    } finally {
      clearTimeout(timer);
    }
    for (const w of work) if (!w.unsaved()) this.holders.delete(w);
    return this.any() ? "failed" : "saved";
  }

  /** Forgets everything not yet saved, after the user chose to go on without it. */
  discardAll(): void {
    for (const w of [...this.holders]) w.discard();
    this.holders.clear();
  }
}

const key = (procedureId: string, field: PatchField) => `${procedureId}\u0000${field}`;

export class AutosaveQueue implements UnsavedWork {
  private readonly options: AutosaveOptions;
  /** The newest value of each field that is not yet known to be saved. */
  private readonly pending = new Map<string, { procedureId: string; field: PatchField; value: Value }>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly running = new Map<string, number>();
  private readonly failed = new Set<string>();

  constructor(options: AutosaveOptions) {
    this.options = options;
  }

  /** Records a keystroke's result; it is saved after the quiet time. */
  edit(procedureId: string, field: PatchField, value: Value): void {
    const k = key(procedureId, field);
    this.pending.set(k, { procedureId, field, value });
    this.clearTimer(k);
    this.timers.set(
      k,
      setTimeout(() => {
        this.timers.delete(k);
        this.enqueue(k);
      }, this.options.delayMs ?? 600),
    );
    this.changed();
  }

  /** Saves a value at once (a choice, or a text on blur). */
  commit(procedureId: string, field: PatchField, value: Value): Promise<void> {
    const k = key(procedureId, field);
    this.pending.set(k, { procedureId, field, value });
    this.clearTimer(k);
    return this.enqueue(k);
  }

  /** Saves a field's pending text at once, if it has one (on blur). */
  flush(procedureId: string, field: PatchField): Promise<void> {
    const k = key(procedureId, field);
    if (!this.timers.has(k)) return this.chains.get(procedureId) ?? Promise.resolve();
    this.clearTimer(k);
    return this.enqueue(k);
  }

  /** Saves everything pending and waits for every save to finish. */
  async flushAll(): Promise<void> {
    for (const k of [...this.timers.keys()]) {
      this.clearTimer(k);
      void this.enqueue(k);
    }
    await Promise.all([...this.chains.values()]);
  }

  /** Saves every waiting value and tries every failed one again; waits for all of them. */
  async saveNow(): Promise<void> {
    for (const k of this.failed) if (this.pending.has(k) && !this.timers.has(k)) void this.enqueue(k);
    await this.flushAll();
  }

  /** Whether a value is waiting, being saved, or failed. */
  unsaved(): boolean {
    return this.pending.size > 0 || [...this.running.values()].some((n) => n > 0);
  }

  /** Forgets every value not yet saved; a save already running ends as it will. */
  discard(): void {
    for (const k of [...this.timers.keys()]) this.clearTimer(k);
    this.pending.clear();
    this.failed.clear();
    this.changed();
  }

  /** Tries again every value whose save failed. */
  retry(): Promise<void> {
    for (const k of this.failed) if (this.pending.has(k)) void this.enqueue(k);
    return Promise.all([...this.chains.values()]).then(() => undefined);
  }

  /** The value not yet saved for a field, so a reloaded control can show it. */
  pendingValue(procedureId: string, field: PatchField): { value: Value } | null {
    const p = this.pending.get(key(procedureId, field));
    return p ? { value: p.value } : null;
  }

  /** The state of the procedures whose IDs pass `belongs` (all when omitted). */
  state(belongs: (procedureId: string) => boolean = () => true): SaveState {
    const mine = (k: string) => belongs(k.slice(0, k.indexOf("\u0000")));
    if ([...this.failed].some(mine)) return "failed";
    if ([...this.running.entries()].some(([id, n]) => n > 0 && belongs(id))) return "saving";
    if ([...this.pending.keys()].some(mine)) return "dirty";
    return "saved";
  }

  private clearTimer(k: string): void {
    const timer = this.timers.get(k);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(k);
  }

  private enqueue(k: string): Promise<void> {
    const entry = this.pending.get(k);
    if (!entry) return Promise.resolve();
    const { procedureId } = entry;
    this.running.set(procedureId, (this.running.get(procedureId) ?? 0) + 1);
    this.changed();
    const previous = this.chains.get(procedureId) ?? Promise.resolve();
    const next = previous.then(() => this.run(k));
    this.chains.set(procedureId, next);
    return next;
  }

  private async run(k: string): Promise<void> {
    // The value is read when the save starts, not when it was queued, so
    // the newest text is sent; an older queued save then finds nothing to do.
    const entry = this.pending.get(k);
    try {
      if (!entry) return;
      const procedure = await this.options.save(entry.procedureId, { [entry.field]: entry.value } as ProcedurePatch);
      this.failed.delete(k);
      // Text typed during the save is newer than what was saved: keep it pending.
      if (this.pending.get(k)?.value === entry.value) this.pending.delete(k);
      this.options.onSaved?.(procedure);
    } catch (err) {
      this.failed.add(k);
      this.options.onError?.(err);
    } finally {
      const id = k.slice(0, k.indexOf("\u0000"));
      this.running.set(id, (this.running.get(id) ?? 1) - 1);
      this.changed();
    }
  }

  private changed(): void {
    if (this.unsaved()) this.options.unsaved?.hold(this);
    else this.options.unsaved?.release(this);
    this.options.onChange?.();
  }
}
