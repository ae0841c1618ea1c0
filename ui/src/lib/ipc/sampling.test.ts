import { describe, expect, it } from "vitest";
import { BackendError } from "./backend";
import { BROKEN_POPULATION_PATH, CHANGE_TICKETS_PATH, DEMO_PATH, createFakeBackend } from "./fake";
import { DEFAULT_SAMPLE_RULES, ParkMiller, allocate, attributeKey, guessColumns, parseListDate, quarters, readCsv, select, selectByQuarter } from "./sampling";

/** The codes of an "invalid" refusal, or the error's kind. */
async function refused(call: Promise<unknown>): Promise<string[]> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof BackendError)) return ["accepted"];
  return err.kind === "invalid" ? err.payload.field_problems.map((p) => p.code) : [err.kind];
}

describe("sampling rules, as in core/src/model/sampling.rs and docs/sampling.md", () => {
  it("the generator matches the published minimal standard", () => {
    const g = new ParkMiller(1);
    let x = 0;
    for (let i = 0; i < 10_000; i++) x = g.next();
    expect(x).toBe(1_043_618_065);
    expect(() => new ParkMiller(0)).toThrow();
    expect(() => new ParkMiller(2147483647)).toThrow();
  });

  it("draws the worked example of the document: 5 of 20 from seed 20261126", () => {
    const frame = Array.from({ length: 20 }, (_, i) => i);
    expect(select(frame, 5, new ParkMiller(20261126)).map((i) => i + 1)).toEqual([17, 5, 12, 10, 16]);
  });

  it("draws the stratified worked example: 6 of 14 over four quarters", () => {
    const quarterOf = ["Q1", "Q1", "Q2", "Q1", "Q3", "Q2", "Q1", "Q3", "Q4", "Q3", "Q1", "Q2", "Q3", "Q4"];
    const day: Record<string, string> = { Q1: "2025-05-10", Q2: "2025-08-10", Q3: "2025-11-10", Q4: "2026-02-10" };
    const dates = quarterOf.map((q) => day[q]);
    expect(allocate([5, 3, 4, 2], 6)).toEqual([2, 1, 2, 1]);
    expect(selectByQuarter(dates, ["2025-04-01", "2026-03-31"], 6, 20261126)!.map((i) => i + 1)).toEqual([2, 4, 6, 5, 8, 14]);
  });

  it("allocates as the core does, and refuses a size below the number of quarters", () => {
    expect(allocate([1, 1, 10], 12)).toEqual([1, 1, 10]);
    expect(allocate([3, 3], 25)).toEqual([3, 3]);
    expect(allocate([3, 3, 3], 2)).toBe(null);
  });

  it("splits a period into quarters from its first day", () => {
    expect(quarters("2025-04-01", "2026-03-31")).toEqual([
      ["2025-04-01", "2025-06-30"],
      ["2025-07-01", "2025-09-30"],
      ["2025-10-01", "2025-12-31"],
      ["2026-01-01", "2026-03-31"],
    ]);
    expect(quarters("2025-10-01", "2026-01-15")).toEqual([
      ["2025-10-01", "2025-12-31"],
      ["2026-01-01", "2026-01-15"],
    ]);
  });

  it("keys attributes A..Z, then AA", () => {
    expect([0, 1, 25, 26, 27, 51, 52].map(attributeKey)).toEqual(["A", "B", "Z", "AA", "AB", "AZ", "BA"]);
  });

  it("reads dates and CSV as the core's import does, and guesses the columns", () => {
    expect(["2025-04-01", "2025/4/1", "2025年4月1日", "2025.04.01 10:30", "2026-02-30", "13月"].map(parseListDate)).toEqual([
      "2025-04-01",
      "2025-04-01",
      "2025-04-01",
      "2025-04-01",
      null,
      null,
    ]);
    const table = readCsv('\uFEFF番号,日付,件名\r\nA-1,2026/1/5,"アクセス権の棚卸し, 四半期"\r\n\r\n"A-""2",2026-01-06,"改行\nあり"\n');
    expect(table).toEqual({
      headers: ["番号", "日付", "件名"],
      rows: [
        { place: "line 2", cells: ["A-1", "2026/1/5", "アクセス権の棚卸し, 四半期"] },
        { place: "line 4", cells: ['A-"2', "2026-01-06", "改行\nあり"] },
      ],
    });
    expect(readCsv("番号,日付\n")).toEqual({ location: "file", message: "the list has a header but no items" });
    expect(guessColumns(["番号", "日付", "件名"])).toEqual({ item_id: 0, date: 1, description: 2 });
    expect(guessColumns(["変更番号", "申請日", "件名", "申請者", "承認者", "承認日", "実施日"])).toEqual({ item_id: 0, date: 1, description: 2 });
    expect(guessColumns(["No", "Approved on", "Date of change"])).toEqual({ item_id: 0, date: 2, description: null });
    expect(guessColumns(["Ticket", "Summary"])).toEqual({ item_id: 0, date: null, description: 1 });
  });
});

describe("fake backend: sampling", () => {
  it("builds the demo's change-management sample as the core's demo does", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    const state = await b.sampling(DEMO_PATH, "4.4.1.1/P3");
    // The list the core's test pins, drawn by an independent computation.
    expect(state.sample!.items.map((i) => i.item_id).join(" ")).toBe(
      "CHG-0011 CHG-0025 CHG-0014 CHG-0012 CHG-0013 CHG-0026 CHG-0017 CHG-0050 CHG-0038 CHG-0037 " +
        "CHG-0046 CHG-0048 CHG-0080 CHG-0076 CHG-0078 CHG-0061 CHG-0060 CHG-0113 CHG-0088 CHG-0096 " +
        "CHG-0097 CHG-0099 CHG-0120 CHG-0118 CHG-0107",
    );
    expect(state.sample).toMatchObject({ seed: 20261126, size: 25, rule_size: 25, by_quarter: true, method: "random" });
    expect(state.population).toMatchObject({ count: 120, source_name: "change-tickets.csv", columns: ["申請者", "承認者", "承認日", "実施日"] });
    expect(state.population!.items.filter((i) => i.out_of_period).map((i) => i.item_id)).toEqual(["CHG-0001", "CHG-0002"]);
    expect(state.attributes).toEqual([
      { key: "A", text: "変更の実施前に承認されている" },
      { key: "B", text: "承認者が申請者と異なる" },
    ]);
    expect(state.cells).toHaveLength(50);
    const failed = state.cells.filter((c) => c.result === "fail");
    expect(failed).toMatchObject([{ no: 7, attribute: "A", tickmark: "×", exception_id: "E-0001" }]);
    expect(failed[0].comment).toBe("CHG-0017 は 2025-11-11 に実施されたが、承認は 2025-11-14 であり、実施前に承認されていなかった。");
    expect(state.legend.map((t) => t.mark)).toEqual(["✓", "×", "N/A", "Ⓘ", "Ⓡ"]);

    const p = (await b.controlDetail(DEMO_PATH, "4.4.1.1")).procedures[2].procedure;
    expect(p).toMatchObject({ id: "4.4.1.1/P3", evaluation: "operating", result: "exception" });
    expect(p.exceptions).toEqual([{ id: "E-0001", procedure_id: "4.4.1.1/P3", text: failed[0].comment, sample_item: "4.4.1.1/P3/S7", attribute: "A" }]);
    expect((await b.reproduceSample(DEMO_PATH, "4.4.1.1/P3")).problems).toEqual([]);
    const counted = await b.sampling(DEMO_PATH, "9.2.3.1/P4");
    expect(counted.population).toMatchObject({ count: 48, items: [], source_name: null });
    expect(counted.sample!.items.every((i) => /^#\d+$/.test(i.item_id))).toBe(true);
    expect((await b.controlDetail(DEMO_PATH, "9.2.3.1")).procedures[3].procedure.result).toBe("no_exception");
  });

  it("previews and imports a list, refuses a broken one naming its lines, and flags items outside the period", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    const P = "4.4.1.1/P1";
    expect(await b.pickPopulationFile()).toBe(CHANGE_TICKETS_PATH);
    const preview = await b.previewPopulation(CHANGE_TICKETS_PATH);
    expect(preview).toMatchObject({ file_name: "change-tickets.csv", total_rows: 120, guess: { item_id: 0, date: 1, description: 2 } });
    expect(preview.rows).toHaveLength(10);
    const err = await b.importPopulation(DEMO_PATH, P, BROKEN_POPULATION_PATH, { item_id: 0, date: 1, description: 2 }).catch((e: BackendError) => e);
    expect((err as BackendError).kind).toBe("import");
    expect((err as BackendError).payload.input_problems.map((x) => x.location)).toEqual(["line 4", "line 5", "line 6"]);
    expect((await b.sampling(DEMO_PATH, P)).population).toBe(null);

    const state = await b.importPopulation(DEMO_PATH, P, CHANGE_TICKETS_PATH, { item_id: 0, date: 1, description: 2 });
    expect(state.population!.items.filter((i) => i.out_of_period)).toHaveLength(2);
    expect(await refused(b.selectSample(DEMO_PATH, P, { frequency: "weekly", size_override: 7, override_reason: " ", seed: 5, by_quarter: false }))).toEqual([
      "override_needs_reason",
    ]);
    expect(await refused(b.selectSample(DEMO_PATH, P, { frequency: "weekly", size_override: null, override_reason: null, seed: 0, by_quarter: false }))).toEqual([
      "seed_out_of_range",
    ]);
    const all = await b.selectSample(DEMO_PATH, P, { frequency: "daily", size_override: 118, override_reason: "全件", seed: 5, by_quarter: false });
    expect(all.sample!.items.map((i) => i.item_id)).not.toContain("CHG-0001");
    expect(await refused(b.importPopulation(DEMO_PATH, P, CHANGE_TICKETS_PATH, { item_id: 0, date: 1, description: 2 }))).toEqual(["sample_drawn"]);
    expect(await refused(b.selectSample(DEMO_PATH, P, { frequency: "daily", size_override: null, override_reason: null, seed: 5, by_quarter: false }))).toEqual([
      "sample_exists",
    ]);
  });

  it("answers with the population in figures and, of its list, only the items out of the period and those sampled", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    const P = "4.4.1.1/P1";
    const imported = await b.importPopulation(DEMO_PATH, P, CHANGE_TICKETS_PATH, { item_id: 0, date: 1, description: 2 });
    expect(imported.population_summary).toEqual({ listed: 120, frame: 118, out_of_period: 2, has_dates: true, trimmed: true });
    expect(imported.population!.items.map((i) => i.item_id)).toEqual(["CHG-0001", "CHG-0002"]);
    expect(imported.population!.count).toBe(120);
    const drawn = await b.selectSample(DEMO_PATH, P, { frequency: "monthly", size_override: null, override_reason: null, seed: 5, by_quarter: false });
    const rows = drawn.population!.items.map((i) => i.row).sort((a, c) => a - c);
    const sampled = drawn.sample!.items.map((i) => i.row);
    expect(sampled).toHaveLength(2);
    expect(rows).toEqual([1, 2, ...sampled].sort((a, c) => a - c));
    // Each sample item finds its population item (ID, date, description) in what was sent.
    for (const item of drawn.sample!.items) {
      expect(drawn.population!.items.find((i) => i.row === item.row)?.item_id).toBe(item.item_id);
    }
    const counted = await b.setPopulationCount(DEMO_PATH, "4.4.1.1/P2", 48);
    expect(counted.population_summary).toEqual({ listed: 0, frame: 48, out_of_period: 0, has_dates: false, trimmed: true });
  });

  it("turns a failed cell into the procedure's exception, and takes it away again", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    const P = "4.4.1.1/P2";
    await b.setPopulationCount(DEMO_PATH, P, 30);
    await b.selectSample(DEMO_PATH, P, { frequency: "monthly", size_override: null, override_reason: null, seed: 7, by_quarter: false });
    expect(await refused(b.addAttribute(DEMO_PATH, P, " "))).toEqual(["invalid"]);
    await b.addAttribute(DEMO_PATH, P, "承認されている");
    const result = async () => (await b.controlDetail(DEMO_PATH, "4.4.1.1")).procedures[1].procedure;
    expect(await refused(b.setCell(DEMO_PATH, P, 1, "A", { result: "fail", tickmark: null, comment: " " }))).toEqual(["fail_needs_comment"]);
    expect(await refused(b.setCell(DEMO_PATH, P, 1, "A", { result: "pass", tickmark: "★", comment: "" }))).toEqual(["unknown_tickmark"]);
    expect(await refused(b.setCell(DEMO_PATH, P, 9, "A", { result: "pass", tickmark: null, comment: "" }))).toEqual(["not_found"]);

    await b.setCell(DEMO_PATH, P, 1, "A", { result: "fail", tickmark: "×", comment: "承認記録がなかった。" });
    let p = await result();
    expect(p.result).toBe("exception");
    expect(p.exceptions).toEqual([{ id: "E-0002", procedure_id: P, text: "承認記録がなかった。", sample_item: `${P}/S1`, attribute: "A" }]);
    expect(await refused(b.editException(DEMO_PATH, "E-0002", "手で"))).toEqual(["from_test_grid"]);
    expect(await refused(b.removeException(DEMO_PATH, "E-0002"))).toEqual(["from_test_grid"]);
    await b.setCell(DEMO_PATH, P, 1, "A", { result: "fail", tickmark: "×", comment: "承認記録が見当たらなかった。" });
    expect((await result()).exceptions[0].text).toBe("承認記録が見当たらなかった。");
    expect(await refused(b.removeAttribute(DEMO_PATH, P, "A"))).toEqual(["attribute_tested"]);
    expect(await refused(b.discardSample(DEMO_PATH, P, "誤り"))).toEqual(["sample_tested"]);

    await b.setCell(DEMO_PATH, P, 1, "A", { result: "pass", tickmark: "✓", comment: "" });
    p = await result();
    expect(p.exceptions).toEqual([]);
    expect(p.result).toBe(null);
    await b.setCell(DEMO_PATH, P, 2, "A", { result: "pass", tickmark: "✓", comment: "" });
    expect((await result()).result).toBe("no_exception");
    // A new column leaves cells open again; its key is never reused.
    await b.addAttribute(DEMO_PATH, P, "承認者が異なる");
    expect((await result()).result).toBe(null);
    await b.removeAttribute(DEMO_PATH, P, "B");
    expect((await b.addAttribute(DEMO_PATH, P, "三つ目")).attributes.map((a) => a.key)).toEqual(["A", "C"]);
  });

  it("adds and links sample items, and records manual choices with their reasons", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    const P = "4.4.1.1/P1";
    await b.setPopulationCount(DEMO_PATH, P, 10);
    expect(await refused(b.selectSampleManually(DEMO_PATH, P, ["#3"], " "))).toEqual(["invalid"]);
    expect(await refused(b.selectSampleManually(DEMO_PATH, P, ["#11"], "理由"))).toEqual(["not_found"]);
    const state = await b.selectSampleManually(DEMO_PATH, P, ["#3", "#7"], "高リスクの変更");
    expect(state.sample!.items.map((i) => [i.id, i.item_id, i.origin, i.reason])).toEqual([
      [`${P}/S1`, "#3", "manual", "高リスクの変更"],
      [`${P}/S2`, "#7", "manual", "高リスクの変更"],
    ]);
    expect(await refused(b.addSampleItem(DEMO_PATH, P, "#3", "追加"))).toEqual(["already_in_sample"]);
    const added = await b.addSampleItem(DEMO_PATH, P, "#9", "期末の変更");
    expect(added.sample!.items[2]).toMatchObject({ no: 3, id: `${P}/S3`, origin: "added", row: 9 });

    b.putFile("/in/s3.png", new Uint8Array([1, 2, 3]));
    const meta = { title: "承認画面", description: "", kind: "screenshot" as const, obtained_from: "", obtained_by: "", obtained_at: null, as_of: "2026-05-01" };
    await b.addEvidence(DEMO_PATH, [{ path: "/in/s3.png", meta }], [{ kind: "sample", id: `${P}/S3` }], () => {});
    expect((await b.controlDetail(DEMO_PATH, "4.4.1.1")).evidence.map((e) => e.id)).toEqual(["EV-0001"]);
    expect(await refused(b.linkEvidence(DEMO_PATH, "EV-0001", { kind: "sample", id: `${P}/S9` }))).toEqual(["not_found"]);
    expect(await refused(b.discardSample(DEMO_PATH, P, "やり直し"))).toEqual(["invalid"]);
    await b.unlinkEvidence(DEMO_PATH, "EV-0001", { kind: "sample", id: `${P}/S3` });
    expect((await b.discardSample(DEMO_PATH, P, "やり直し")).sample).toBe(null);
  });
});

describe("fake backend: the firm's rule table, as in core/src/db/sampling.rs", () => {
  /** Where and why a save is refused: `field:code` in the core's order. */
  async function problems(call: Promise<unknown>): Promise<string[]> {
    const err = await call.then(
      () => null,
      (e: unknown) => e,
    );
    if (!(err instanceof BackendError)) return ["accepted"];
    return err.kind === "invalid" ? err.payload.field_problems.map((p) => `${p.field}:${p.code}`) : [err.kind];
  }

  it("refuses a table without a name or version, with a size out of range, or with a frequency twice, and keeps the firm's", async () => {
    const b = createFakeBackend();
    const before = await b.sampleRules();
    expect(before).toEqual(DEFAULT_SAMPLE_RULES);
    expect(await problems(b.saveSampleRules({ name: " ", version: "", sizes: [{ frequency: "daily", size: 1001 }, { frequency: "weekly", size: 0 }] }))).toEqual([
      "name:required",
      "version:required",
      "size.daily:size_range",
      "size.weekly:size_range",
    ]);
    expect(await problems(b.saveSampleRules({ name: "firm", version: "1", sizes: [{ frequency: "monthly", size: 2.5 }] }))).toEqual(["size.monthly:size_range"]);
    const twice = await b.saveSampleRules({ name: "firm", version: "1", sizes: [{ frequency: "weekly", size: 5 }, { frequency: "weekly", size: 6 }] }).catch((e: BackendError) => e);
    expect((twice as BackendError).payload.field_problems).toMatchObject([{ field: "sizes", code: "duplicate_frequency", params: { frequency: "weekly" } }]);
    const range = await b.saveSampleRules({ name: "firm", version: "1", sizes: [{ frequency: "daily", size: 0 }] }).catch((e: BackendError) => e);
    expect((range as BackendError).payload.field_problems[0].params).toEqual({ min: "1", max: "1000" });
    expect(await b.sampleRules()).toEqual(before);
  });

  it("never saves other sizes under the current table's name and version, and saves a new version in the frequencies' order", async () => {
    const b = createFakeBackend();
    const changed = { ...DEFAULT_SAMPLE_RULES, sizes: DEFAULT_SAMPLE_RULES.sizes.map((r) => (r.frequency === "daily" ? { ...r, size: 30 } : r)) };
    const refused = await b.saveSampleRules(changed).catch((e: BackendError) => e);
    expect((refused as BackendError).payload.field_problems).toMatchObject([{ field: "version", code: "version_unchanged", params: { name: "common-practice", version: "2026.1" } }]);
    // The same sizes in another order are the same table.
    const reordered = { ...DEFAULT_SAMPLE_RULES, sizes: [...DEFAULT_SAMPLE_RULES.sizes].reverse() };
    expect(await b.saveSampleRules(reordered)).toEqual(DEFAULT_SAMPLE_RULES);

    const firm = { name: "firm", version: "2026.2", sizes: [{ frequency: "weekly" as const, size: 6 }, { frequency: "daily" as const, size: 30 }] };
    const saved = await b.saveSampleRules(firm);
    expect(saved.sizes.map((r) => r.frequency)).toEqual(["daily", "weekly"]);
    expect(await b.sampleRules()).toEqual(saved);
    // What is returned is a copy: changing it changes nothing stored.
    saved.sizes[0].size = 99;
    expect((await b.sampleRules()).sizes[0].size).toBe(30);
    // The saved table is protected in its turn; a frequency left out is a change too.
    expect(await problems(b.saveSampleRules({ ...firm, sizes: [{ frequency: "daily", size: 30 }] }))).toEqual(["version:version_unchanged"]);
    // The shipped default's name and version stay taken while a firm table is in use.
    expect(await problems(b.saveSampleRules(changed))).toEqual(["version:version_unchanged"]);
    expect(await b.sampleRules()).toEqual({ name: "firm", version: "2026.2", sizes: [{ frequency: "daily", size: 30 }, { frequency: "weekly", size: 6 }] });
  });

  it("draws new samples with the firm's table, leaves drawn ones as recorded, and goes back to the default", async () => {
    const b = createFakeBackend();
    await b.openDemo();
    const P = "4.4.1.1/P1";
    await b.setPopulationCount(DEMO_PATH, P, 100);
    await b.saveSampleRules({ name: "firm", version: "2", sizes: [{ frequency: "daily", size: 30 }] });
    const state = await b.selectSample(DEMO_PATH, P, { frequency: "daily", size_override: null, override_reason: null, seed: 7, by_quarter: false });
    expect(state.sample).toMatchObject({ size: 30, rule_size: 30, rule_table: { name: "firm", version: "2" } });
    expect(state.sample!.items).toHaveLength(30);
    // A frequency the table leaves out has no rule.
    await b.setPopulationCount(DEMO_PATH, "4.4.1.1/P2", 100);
    expect(await problems(b.selectSample(DEMO_PATH, "4.4.1.1/P2", { frequency: "weekly", size_override: null, override_reason: null, seed: 7, by_quarter: false }))).toEqual(["frequency:no_rule"]);
    // The demo's sample keeps the table it was drawn with.
    expect((await b.sampling(DEMO_PATH, "4.4.1.1/P3")).sample!.rule_table).toEqual(DEFAULT_SAMPLE_RULES);

    expect(await b.resetSampleRules()).toEqual(DEFAULT_SAMPLE_RULES);
    expect(await b.sampleRules()).toEqual(DEFAULT_SAMPLE_RULES);
    expect((await b.sampling(DEMO_PATH, P)).sample!.rule_table).toMatchObject({ name: "firm", version: "2" });
  });
});
