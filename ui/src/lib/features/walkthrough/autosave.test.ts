import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AutosaveQueue } from "./autosave";
import type { Procedure } from "../../ipc/bindings/Procedure";
import type { ProcedurePatch } from "../../ipc/bindings/ProcedurePatch";

/** A backend whose saves finish only when the test says so. */
function slowBackend() {
  const stored: Record<string, unknown> = {};
  const calls: ProcedurePatch[] = [];
  const waiting: { resolve: () => void; reject: () => void }[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const save = (id: string, patch: ProcedurePatch) => {
    calls.push(patch);
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    return new Promise<Procedure>((resolve, reject) => {
      waiting.push({
        resolve: () => {
          concurrent--;
          Object.assign(stored, patch);
          resolve({ id, ...stored } as unknown as Procedure);
        },
        reject: () => {
          concurrent--;
          reject(new Error("disk full"));
        },
      });
    });
  };
  return { save, stored, calls, waiting, max: () => maxConcurrent };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe("autosave queue", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("saves a field 600 ms after typing stops, as a patch of that field", async () => {
    const b = slowBackend();
    const q = new AutosaveQueue({ save: b.save });
    q.edit("C/P1", "work_done", "質");
    await vi.advanceTimersByTimeAsync(300);
    q.edit("C/P1", "work_done", "質問");
    await vi.advanceTimersByTimeAsync(599);
    expect(b.calls).toEqual([]);
    expect(q.state()).toBe("dirty");
    await vi.advanceTimersByTimeAsync(1);
    expect(b.calls).toEqual([{ work_done: "質問" }]);
    expect(q.state()).toBe("saving");
    b.waiting.shift()!.resolve();
    await settle();
    expect(q.state()).toBe("saved");
  });

  it("loses no keystroke typed while a slow save runs, and runs one save at a time", async () => {
    const b = slowBackend();
    const q = new AutosaveQueue({ save: b.save });
    q.edit("C/P1", "work_done", "担当者に");
    void q.flush("C/P1", "work_done");
    await settle();
    expect(b.calls).toEqual([{ work_done: "担当者に" }]);
    // Typing continues during the save; a blur then asks for another save.
    q.edit("C/P1", "work_done", "担当者に質問した");
    void q.flush("C/P1", "work_done");
    void q.commit("C/P1", "result", "no_exception");
    await settle();
    expect(b.calls).toHaveLength(1);
    b.waiting.shift()!.resolve();
    await settle();
    expect(q.state()).toBe("saving");
    b.waiting.shift()!.resolve();
    await settle();
    b.waiting.shift()!.resolve();
    await settle();
    expect(b.calls).toEqual([{ work_done: "担当者に" }, { work_done: "担当者に質問した" }, { result: "no_exception" }]);
    expect(b.stored).toEqual({ work_done: "担当者に質問した", result: "no_exception" });
    expect(b.max()).toBe(1);
    expect(q.state()).toBe("saved");
  });

  it("keeps the text after a failed save, reports it, and saves it on retry", async () => {
    const b = slowBackend();
    const changes: string[] = [];
    const q = new AutosaveQueue({ save: b.save, onChange: () => changes.push(q.state()) });
    q.edit("C/P1", "notes", "確認済み");
    void q.flush("C/P1", "notes");
    await settle();
    b.waiting.shift()!.reject();
    await settle();
    expect(q.state()).toBe("failed");
    expect(q.state((id) => id.startsWith("OTHER/"))).toBe("saved");
    expect(q.pendingValue("C/P1", "notes")).toEqual({ value: "確認済み" });
    expect(changes).toContain("failed");
    void q.retry();
    await settle();
    b.waiting.shift()!.resolve();
    await settle();
    expect(q.state()).toBe("saved");
    expect(q.pendingValue("C/P1", "notes")).toBe(null);
    expect(b.stored).toEqual({ notes: "確認済み" });
  });

  it("flushAll saves every pending text at once", async () => {
    const b = slowBackend();
    const q = new AutosaveQueue({ save: b.save });
    q.edit("C/P1", "work_done", "a");
    q.edit("C/P2", "notes", "b");
    const done = q.flushAll();
    await settle();
    expect(b.calls).toHaveLength(2);
    b.waiting.splice(0).forEach((w) => w.resolve());
    await done;
    expect(q.state()).toBe("saved");
  });
});
