import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startCore, type Core } from "../../../test/core";
import type { OpenedEngagement } from "../../ipc/bindings/OpenedEngagement";
import { NO_FILTER, ancestors, buildTree, matches, resolveId, visibleRows, type ControlFilter } from "./tree";

const f = (over: Partial<ControlFilter>): ControlFilter => ({ ...NO_FILTER, ...over });
const ids = (rows: { row: { id: string } }[]) => rows.map((r) => r.row.id);

describe("navigator, on the real core's control list", () => {
  let core: Core;
  let demo: OpenedEngagement;
  beforeEach(async () => {
    core = await startCore();
    demo = await core.client.openDemo({});
  });
  afterEach(() => core.stop());

  /** The demo's controls after the assessor took a procedure of 9.2.1.1 and put 8.1.5.4.P out of scope. */
  async function demoRows() {
    const engagement = demo.engagement;
    await core.client.updateProcedure({ engagement, procedure_id: "9.2.1.1/P1", patch: { assignee: "佐藤 花子", result: "exception" } });
    await core.client.setScope({ engagement, control_id: "8.1.5.4.P", decision: "not_adopted", reason: "不採用", inherited_from: null });
    return core.client.listControls({ engagement });
  }

  it("shows what the core's search finds, with the headings above it, and combines it with the filters", async () => {
    const rows = await demoRows();
    const engagement = demo.engagement;
    const hitsFor = async (query: string) => new Set((await core.client.searchControls({ engagement, query })).hits.map((h) => h.id));
    const shown = async (over: Partial<ControlFilter>) => ids(visibleRows(buildTree(rows), f(over), new Set(), await hitsFor(over.query ?? "")));
    // Two words together: only 9.2.3.1 holds both 特権 and 承認 (assets/catalogs/sample-catalog.json).
    expect(await shown({ query: "特権 承認" })).toEqual(["9", "9.2", "9.2.3", "9.2.3.1"]);
    // One word: the objective 9.2.3 is found by itself as well as its two controls.
    expect(await shown({ query: "特権" })).toEqual(["9", "9.2", "9.2.3", "9.2.3.1", "9.2.3.11.PB"]);
    // With a filter, headings are only the way to what matches.
    const assessedHits = rows.filter((r) => r.assessable).map((r) => r.id);
    const privileged = await hitsFor("９．２．３");
    expect(rows.filter((r) => matches(r, f({ query: "９．２．３", assignee: "佐藤 花子" }), privileged)).map((r) => r.id)).toEqual(["9.2.3.1"]);
    expect(assessedHits.length).toBeGreaterThan(2);
    // Until the core has answered, a query matches nothing rather than something stale.
    expect(rows.filter((r) => matches(r, f({ query: "特権" }), null))).toEqual([]);
    expect(await shown({ query: "存在しない語" })).toEqual([]);
  });

  it("filters the controls changed after their sign-off", async () => {
    const engagement = demo.engagement;
    // The demo's assessor signs with her demo key, opened with the demo's PIN.
    await core.client.unlockSigningKey({ pin: "0000" });
    for (const id of ["9.2.1.1/P1", "9.2.1.2/P1"]) {
      await core.client.updateProcedure({ engagement, procedure_id: id, patch: { work_done: "規程を閲覧した。", result: "no_exception" } });
      await core.client.signOff({ engagement, item_kind: "procedure", item_id: id, level: "preparer" });
    }
    await core.client.updateProcedure({ engagement, procedure_id: "9.2.1.2/P1", patch: { notes: "追記" } });
    const rows = await core.client.listControls({ engagement });
    expect(rows.filter((r) => matches(r, f({ changed: true }))).map((r) => r.id)).toEqual(["9.2.1.2"]);
    expect(ids(visibleRows(buildTree(rows), f({ changed: true }), new Set()))).toEqual(["9", "9.2", "9.2.1", "9.2.1.2"]);
  });

  it("filters by status, result, assignee, suffix and scope", async () => {
    const rows = await demoRows();
    const hit = (over: Partial<ControlFilter>) => rows.filter((r) => matches(r, f(over))).map((r) => r.id);
    // The demo's sampled tests (4.4.1.1/P3, 9.2.3.1/P4) are the assessor's and done, their controls in progress.
    expect(hit({ assignee: "佐藤 花子" })).toEqual(["4.4.1.1", "9.2.1.1", "9.2.3.1"]);
    expect(hit({ status: "in_progress" })).toEqual(["4.4.1.1", "9.2.1.1", "9.2.3.1"]);
    // Besides it, the demo's .B control exempted by its excluded objective and its inherited control.
    expect(hit({ scope: "out" })).toEqual(["8.1.5.4.P", "10.1.1.2.B", "11.1.2.1"]);
    expect(hit({ scope: "in" })).toHaveLength(47);
    expect(hit({ suffix: "PB" })).toEqual(["9.2.3.11.PB"]);
    expect(hit({ suffix: "P" })).toEqual(["6.1.1.2.P", "8.1.5.4.P", "13.2.3.7.P"]);
    // No control has all its procedures done, so none has a result yet.
    expect(hit({ result: "none" })).toHaveLength(50);
    expect(hit({ result: "exception" })).toEqual([]);
    const known = new Set((await core.client.searchControls({ engagement: demo.engagement, query: "周知" })).hits.map((h) => h.id));
    expect(rows.filter((r) => matches(r, f({ suffix: "B", query: "周知" }), known)).map((r) => r.id)).toEqual(["5.1.1.2.B"]);
  });

  it("shows matches with the headings above them, and collapses without filters", async () => {
    const rows = await demoRows();
    const tree = buildTree(rows);
    const found = new Set((await core.client.searchControls({ engagement: demo.engagement, query: "特権ID" })).hits.map((h) => h.id));
    expect(ids(visibleRows(tree, f({ query: "特権ID" }), new Set(), found))).toEqual(["9", "9.2", "9.2.3", "9.2.3.1", "9.2.3.11.PB"]);
    const collapsed = visibleRows(tree, NO_FILTER, new Set());
    expect(ids(collapsed)).toEqual(["3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18"]);
    expect(ids(visibleRows(tree, NO_FILTER, new Set(["9"])))).toContain("9.2");
    expect(ids(visibleRows(tree, NO_FILTER, new Set(["9"])))).not.toContain("9.2.1");
    expect(ancestors(tree, "9.2.3.11.PB")).toEqual(["9.2.3", "9.2", "9"]);
  });

  it("jumps to an ID, with or without its suffix, in full-width too", async () => {
    const rows = await demoRows();
    expect(resolveId(rows, "9.2.3.11.PB")).toBe("9.2.3.11.PB");
    expect(resolveId(rows, "9.2.3.11")).toBe("9.2.3.11.PB");
    expect(resolveId(rows, "９．２．３．１１．ｐｂ")).toBe("9.2.3.11.PB");
    expect(resolveId(rows, " 12.4.1.2.b ")).toBe("12.4.1.2.B");
    expect(resolveId(rows, "9.2.3")).toBe("9.2.3");
    expect(resolveId(rows, "99.1")).toBe(null);
    expect(resolveId(rows, "")).toBe(null);
  });

  it("searches the 1,500-control engagement through the core's index", async () => {
    // How fast is measured by the bench harness (docs/benchmarks.md), not here.
    const path = join(core.dataDir, "large.ismap");
    core.cli(["generate", "--out", path, "--controls", "1500", "--events", "2000", "--evidence", "0", "--samples", "0"]);
    const large = await core.open(path);
    const rows = await core.client.listControls({ engagement: large.engagement });
    expect(rows.filter((r) => r.assessable)).toHaveLength(1500);
    const some = rows.filter((r) => r.assessable)[700];
    const result = await core.client.searchControls({ engagement: large.engagement, query: some.id });
    const hits = new Set(result.hits.map((h) => h.id));
    expect(hits.has(some.id)).toBe(true);
    const tree = buildTree(rows);
    const all = visibleRows(tree, NO_FILTER, new Set(rows.filter((r) => !r.assessable).map((r) => r.id)));
    expect(all).toHaveLength(rows.length);
    expect(ids(visibleRows(tree, f({ query: some.id }), new Set(), hits))).toContain(some.id);
  }, 60_000);
});
