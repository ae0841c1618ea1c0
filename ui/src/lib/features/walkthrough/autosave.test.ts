import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { AutosaveQueue } from "./autosave";
import type { FileHandle } from "../../ipc/bindings/FileHandle";
import type { ProcedurePatch } from "../../ipc/bindings/ProcedurePatch";
import { startCore, type Core } from "../../../test/core";

const P1 = "5.1.1.1/P1";
const P2 = "5.1.1.1/P2";

describe("autosave queue, saving to the real core", () => {
  let core: Core;
  let demo: FileHandle;
  beforeEach(async () => {
    core = await startCore();
    demo = (await core.client.openDemo({})).engagement;
  });
  afterEach(() => core.stop());

  const stored = async (id: string) =>
    (await core.client.controlDetail({ engagement: demo, control_id: id.slice(0, id.indexOf("/P")) })).procedures.find((p) => p.procedure.id === id)!.procedure;

  /**
   * Saves to the core, recording each patch; with `held`, each save waits
   * until the test lets it go (a slow disk), so that typing during a save
   * can be tested.
   */
  function saver(held = false) {
    const calls: ProcedurePatch[] = [];
    const waiting: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const save = async (id: string, patch: ProcedurePatch) => {
      calls.push(patch);
      most = Math.max(most, ++running);
      try {
        if (held) await new Promise<void>((go) => waiting.push(go));
        return await core.client.updateProcedure({ engagement: demo, procedure_id: id, patch });
      } finally {
        running--;
      }
    };
    const release = async () => {
      await vi.waitFor(() => expect(waiting.length).toBeGreaterThan(0));
      waiting.shift()!();
    };
    return { save, calls, release, most: () => most };
  }

  it("saves a field 600 ms after typing stops, as a patch of that field", async () => {
    await core.client.updateProcedure({ engagement: demo, procedure_id: P1, patch: { notes: "前回のメモ" } });
    const s = saver();
    const q = new AutosaveQueue({ save: s.save });
    q.edit(P1, "work_done", "質");
    await new Promise((r) => setTimeout(r, 300));
    q.edit(P1, "work_done", "質問");
    const typed = performance.now();
    await new Promise((r) => setTimeout(r, 200));
    // Typing stopped 200 ms ago: nothing sent yet.
    expect(s.calls).toEqual([]);
    expect(q.state()).toBe("dirty");
    await vi.waitFor(() => expect(s.calls).toHaveLength(1), { timeout: 2000 });
    expect(performance.now() - typed).toBeGreaterThanOrEqual(590);
    await vi.waitFor(() => expect(q.state()).toBe("saved"));
    expect(s.calls).toEqual([{ work_done: "質問" }]);
    expect(await stored(P1)).toMatchObject({ work_done: "質問", notes: "前回のメモ" });
  });

  it("loses no keystroke typed while a slow save runs, and runs one save at a time", async () => {
    const s = saver(true);
    const q = new AutosaveQueue({ save: s.save });
    q.edit(P1, "work_done", "担当者に");
    void q.flush(P1, "work_done");
    await vi.waitFor(() => expect(s.calls).toEqual([{ work_done: "担当者に" }]));
    // Typing continues during the save; a blur then asks for another save, and a result is chosen.
    q.edit(P1, "work_done", "担当者に質問した");
    void q.flush(P1, "work_done");
    void q.commit(P1, "result", "no_exception");
    expect(q.state()).toBe("saving");
    await s.release();
    await s.release();
    await s.release();
    await q.flushAll();
    expect(s.calls).toEqual([{ work_done: "担当者に" }, { work_done: "担当者に質問した" }, { result: "no_exception" }]);
    expect(s.most()).toBe(1);
    expect(q.state()).toBe("saved");
    expect(await stored(P1)).toMatchObject({ work_done: "担当者に質問した", result: "no_exception" });
  });

  it("keeps the text after a failed save, reports it, and saves it on retry", async () => {
    const s = saver();
    const changes: string[] = [];
    const errors: unknown[] = [];
    const q = new AutosaveQueue({ save: s.save, onChange: () => changes.push(q.state()), onError: (err) => errors.push(err) });
    // The engagement's file is out of reach while the text is saved.
    const file = join(core.dataDir, "demo.ismap");
    renameSync(file, `${file}.away`);
    q.edit(P1, "notes", "確認済み");
    await q.flush(P1, "notes");
    expect(q.state()).toBe("failed");
    expect(q.state((id) => id.startsWith("9.2.3.1/"))).toBe("saved");
    expect(q.pendingValue(P1, "notes")).toEqual({ value: "確認済み" });
    expect(changes).toContain("failed");
    expect(errors).toHaveLength(1);
    renameSync(`${file}.away`, file);
    await q.retry();
    expect(q.state()).toBe("saved");
    expect(q.pendingValue(P1, "notes")).toBe(null);
    expect((await stored(P1)).notes).toBe("確認済み");
  });

  it("flushAll saves every pending text at once", async () => {
    const s = saver();
    const q = new AutosaveQueue({ save: s.save });
    q.edit(P1, "work_done", "a");
    q.edit(P2, "notes", "b");
    await q.flushAll();
    expect(s.calls).toHaveLength(2);
    expect(q.state()).toBe("saved");
    expect((await stored(P1)).work_done).toBe("a");
    expect((await stored(P2)).notes).toBe("b");
  });
});
