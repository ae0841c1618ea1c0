import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configure, fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setLang } from "../../i18n/index.svelte";
import type { SampleRuleTable } from "../../ipc/bindings/SampleRuleTable";
import { startCore, type Core } from "../../../test/core";
import { sessionOn } from "../../../test/render";
import type { Session } from "../../session.svelte";
import { importChosen, renderPanel } from "./sampling.testing";

// The firm's sample-size rule table, edited from the draw form of a
// procedure's sampling panel (RuleTableDialog), on the real core.

const P1 = "4.4.1.1/P1";
const P2 = "4.4.1.1/P2";
const P3 = "4.4.1.1/P3";

configure({ asyncUtilTimeout: 5000 });

async function openEditor(panel: HTMLElement): Promise<HTMLElement> {
  const button = within(panel).getByTestId("rules-edit");
  button.focus();
  await fireEvent.click(button);
  return screen.findByTestId("rules-dialog");
}

const field = (dialog: HTMLElement, testid: string) => within(dialog).getByTestId(testid) as HTMLInputElement;

/** The problem shown at a field of the dialog ("" for the general one), if any. */
const problemAt = (dialog: HTMLElement, name: string) => within(dialog).queryAllByTestId("rules-problem").find((p) => p.dataset.field === name) ?? null;

const ruleLine = (panel: HTMLElement) => within(panel).getByTestId("sample-rule").textContent?.replace(/\s+/g, " ").trim();

describe("the firm's sample-size rule table, on the real core", { timeout: 60000 }, () => {
  let core: Core;
  let session: Session;
  /** The table the app ships, which the firm's starts as. */
  let shipped: SampleRuleTable;
  beforeEach(async () => {
    setLang("ja");
    core = await startCore();
    session = await sessionOn(core);
    shipped = JSON.parse(readFileSync(core.repoFile("assets/rules/sample-sizes.json"), "utf8"));
  });
  afterEach(async () => {
    setLang("ja");
    await core.stop();
  });

  /** The panel of P1, whose population is only a count, open at its draw form. */
  async function drawForm(): Promise<HTMLElement> {
    await session.engagement!.client.setPopulationCount({ procedure_id: P1, count: 50 });
    return (await renderPanel(session, P1)).panel;
  }

  it("refuses other sizes under the same version, saves them under a new one, and draws with them at once", async () => {
    await session.engagement!.client.setPopulationCount({ procedure_id: P2, count: 12 });
    const { panel } = await renderPanel(session, P1);
    await importChosen(core, panel, core.repoFile("assets/demo/change-tickets.csv"));
    const { panel: other } = await renderPanel(session, P2);
    const saves = vi.spyOn(session.client, "saveSampleRules");
    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "daily" } });
    expect(ruleLine(panel)).toBe("規則表 common-practice 2026.1: 日次 → 25件");

    const dialog = await openEditor(panel);
    expect(dialog.getAttribute("aria-label")).toBe("抽出件数の規則表");
    expect(field(dialog, "rules-name").value).toBe("common-practice");
    expect(field(dialog, "rules-version").value).toBe("2026.1");
    const frequencies = ["multiple_daily", "daily", "weekly", "monthly", "quarterly", "annual", "automated"];
    expect(within(dialog).getAllByRole("row").slice(1).map((r) => r.dataset.frequency)).toEqual(frequencies);
    expect(within(dialog).getAllByRole("rowheader").map((h) => h.textContent)).toEqual(["1日複数回", "日次", "週次", "月次", "四半期", "年次", "自動化統制"]);
    expect(frequencies.map((f) => field(dialog, `rules-size-${f}`).value)).toEqual(["25", "25", "5", "2", "2", "1", "1"]);
    expect(within(dialog).getByTestId("rules-fact").textContent).toContain("抽出済みの標本は、記録された規則表（名前とバージョン）のまま変わりません。");
    // Each size is labelled by its frequency.
    expect(within(dialog).getByLabelText("日次")).toBe(field(dialog, "rules-size-daily"));
    await waitFor(() => expect(document.activeElement).toBe(field(dialog, "rules-name")));

    // Daily from 25 to 30 under the same version: refused by the core at the version.
    await fireEvent.input(field(dialog, "rules-size-daily"), { target: { value: "30" } });
    await fireEvent.click(within(dialog).getByTestId("rules-save"));
    const problem = await waitFor(() => {
      const p = problemAt(dialog, "version");
      expect(p).not.toBeNull();
      return p!;
    });
    expect(problem.textContent).toBe("名前とバージョンが規則表 common-practice 2026.1 と同じですが、件数が異なります。新しいバージョンを付けてください。");
    expect(problem.getAttribute("role")).toBe("alert");
    const version = field(dialog, "rules-version");
    expect(version.getAttribute("aria-invalid")).toBe("true");
    expect(version.getAttribute("aria-describedby")?.split(" ")).toContain(problem.id);
    expect(document.activeElement).toBe(version);
    expect(saves).toHaveBeenCalledTimes(1);
    expect(await session.client.sampleRules({})).toEqual(shipped);

    // A new version, and Enter in the field saves.
    await fireEvent.input(version, { target: { value: "2026.2" } });
    expect(problemAt(dialog, "version")).toBeNull();
    await fireEvent.keyDown(version, { key: "Enter" });
    await waitFor(() => expect(screen.queryByTestId("rules-dialog")).toBeNull());
    await waitFor(() => expect(ruleLine(panel)).toBe("規則表 common-practice 2026.2: 日次 → 30件"));
    expect(document.activeElement).toBe(within(panel).getByTestId("rules-edit"));
    expect(await session.client.sampleRules({})).toEqual({ ...shipped, version: "2026.2", sizes: shipped.sizes.map((r) => (r.frequency === "daily" ? { ...r, size: 30 } : r)) });
    // The other open panel shows the table new samples use, too.
    await waitFor(() => expect(ruleLine(other)).toContain("common-practice 2026.2"));

    // The draw uses it: 30 of the 118 tickets inside the period.
    await fireEvent.click(within(panel).getByTestId("sample-select"));
    await within(panel).findByTestId("sample-list");
    expect(within(panel).getAllByTestId("sample-item")).toHaveLength(30);
    const summary = within(panel).getByTestId("sample-summary").textContent ?? "";
    expect(summary).toContain("30 件（規則 30 件）");
    expect(summary).toContain("規則表 common-practice 2026.2");
    expect((await session.engagement!.client.sampling({ procedure_id: P1 })).state.sample).toMatchObject({ size: 30, rule_size: 30, rule_table: { version: "2026.2" } });
    // The demo's sample keeps the table it was drawn with.
    const { panel: demo } = await renderPanel(session, P3);
    expect(within(demo).getByTestId("sample-summary").textContent).toContain("規則表 common-practice 2026.1");
  });

  it("says at its row a size that is not a number and sends nothing; shows the core's refusal of a size at its row; a blank size means no rule", async () => {
    const panel = await drawForm();
    const saves = vi.spyOn(session.client, "saveSampleRules");
    const dialog = await openEditor(panel);
    await fireEvent.input(field(dialog, "rules-version"), { target: { value: "2026.2" } });
    await fireEvent.input(field(dialog, "rules-size-daily"), { target: { value: "0" } });
    await fireEvent.input(field(dialog, "rules-size-weekly"), { target: { value: "1001" } });
    await fireEvent.input(field(dialog, "rules-size-monthly"), { target: { value: "abc" } });
    await fireEvent.click(within(dialog).getByTestId("rules-save"));

    // What cannot be a number cannot be sent.
    await waitFor(() => expect(problemAt(dialog, "size.monthly")?.textContent).toBe("数字で入力してください。"));
    expect(problemAt(dialog, "size.daily")).toBeNull();
    expect(document.activeElement).toBe(field(dialog, "rules-size-monthly"));
    expect(saves).not.toHaveBeenCalled();

    // Numbers are the core's to judge: each refusal at its own row.
    await fireEvent.input(field(dialog, "rules-size-monthly"), { target: { value: "" } });
    await fireEvent.click(within(dialog).getByTestId("rules-save"));
    const message = "件数は 1〜1000 の整数で入力してください（規則を設けない頻度は空欄にします）。";
    await waitFor(() => expect(problemAt(dialog, "size.daily")?.textContent).toBe(message));
    for (const f of ["daily", "weekly"]) {
      const problem = problemAt(dialog, `size.${f}`);
      expect(problem?.textContent, f).toBe(message);
      expect(field(dialog, `rules-size-${f}`).getAttribute("aria-invalid"), f).toBe("true");
      expect(field(dialog, `rules-size-${f}`).getAttribute("aria-describedby")?.split(" "), f).toContain(problem!.id);
      expect(problem!.closest("tr")?.dataset.frequency).toBe(f);
    }
    expect(problemAt(dialog, "size.quarterly")).toBeNull();
    expect(field(dialog, "rules-size-quarterly").getAttribute("aria-invalid")).toBe("false");
    expect(document.activeElement).toBe(field(dialog, "rules-size-daily"));
    expect(saves).toHaveBeenCalledTimes(1);
    expect(await session.client.sampleRules({})).toEqual(shipped);

    // Fixed, with monthly left blank (no rule), full-width digits read as typed by an input method.
    await fireEvent.input(field(dialog, "rules-size-daily"), { target: { value: "３０" } });
    await fireEvent.input(field(dialog, "rules-size-weekly"), { target: { value: "1,000" } });
    await fireEvent.click(within(dialog).getByTestId("rules-save"));
    await waitFor(() => expect(screen.queryByTestId("rules-dialog")).toBeNull());
    const saved = await session.client.sampleRules({});
    expect(saved.version).toBe("2026.2");
    expect(saved.sizes.map((r) => `${r.frequency}:${r.size}`)).toEqual(["multiple_daily:25", "daily:30", "weekly:1000", "quarterly:2", "annual:1", "automated:1"]);
    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "monthly" } });
    await waitFor(() => expect(ruleLine(panel)).toBe("規則表に「月次」の件数がありません。"));
    // Reopened, the blank stays blank.
    const again = await openEditor(panel);
    expect(field(again, "rules-size-monthly").value).toBe("");
    expect(field(again, "rules-size-weekly").value).toBe("1000");
  });

  it("shows the core's refusals at their fields, and anything it does not place below", async () => {
    const panel = await drawForm();
    const dialog = await openEditor(panel);
    await fireEvent.input(field(dialog, "rules-name"), { target: { value: "  " } });
    await fireEvent.input(field(dialog, "rules-version"), { target: { value: "" } });
    await fireEvent.click(within(dialog).getByTestId("rules-save"));
    await waitFor(() => expect(problemAt(dialog, "name")?.textContent).toBe("入力してください。"));
    expect(problemAt(dialog, "version")?.textContent).toBe("入力してください。");
    expect(field(dialog, "rules-name").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(field(dialog, "rules-name"));

    // The firm's table cannot be written (a folder is in its place): said below, and the dialog stays.
    mkdirSync(join(core.dataDir, "sample-sizes.json"));
    await fireEvent.input(field(dialog, "rules-name"), { target: { value: "firm" } });
    await fireEvent.input(field(dialog, "rules-version"), { target: { value: "1" } });
    expect(problemAt(dialog, "name")).toBeNull();
    await fireEvent.click(within(dialog).getByTestId("rules-save"));
    const general = await waitFor(() => {
      const p = problemAt(dialog, "");
      expect(p).not.toBeNull();
      return p!;
    });
    expect(general.getAttribute("role")).toBe("alert");
    expect(general.textContent).toBe("ファイルの読み書きに失敗しました。");
    expect(document.activeElement).toBe(general);
    expect(screen.getByTestId("rules-dialog")).toBe(dialog);
  });

  it("goes back to the default after an inline confirmation", async () => {
    await session.client.saveSampleRules({ table: { name: "firm", version: "7", sizes: [{ frequency: "daily", size: 40 }] } });
    const panel = await drawForm();
    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "daily" } });
    expect(ruleLine(panel)).toBe("規則表 firm 7: 日次 → 40件");
    const dialog = await openEditor(panel);
    expect(field(dialog, "rules-name").value).toBe("firm");
    expect(field(dialog, "rules-size-daily").value).toBe("40");
    expect(field(dialog, "rules-size-weekly").value).toBe("");

    // Asked first; not now.
    await fireEvent.click(within(dialog).getByTestId("rules-reset"));
    const confirmation = within(dialog).getByTestId("rules-reset-confirmation");
    expect(confirmation.textContent).toContain("規則表をアプリに同梱の既定の規則表に戻します。");
    expect(document.activeElement).toBe(within(dialog).getByTestId("rules-reset-confirm"));
    await fireEvent.click(within(dialog).getByTestId("rules-reset-cancel"));
    expect(within(dialog).queryByTestId("rules-reset-confirmation")).toBeNull();
    expect(document.activeElement).toBe(within(dialog).getByTestId("rules-reset"));
    // Escape leaves the confirmation, not the dialog.
    await fireEvent.click(within(dialog).getByTestId("rules-reset"));
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(within(dialog).queryByTestId("rules-reset-confirmation")).toBeNull();
    expect(screen.getByTestId("rules-dialog")).toBe(dialog);
    expect((await session.client.sampleRules({})).name).toBe("firm");

    await fireEvent.click(within(dialog).getByTestId("rules-reset"));
    await fireEvent.click(within(dialog).getByTestId("rules-reset-confirm"));
    await waitFor(() => expect(screen.queryByTestId("rules-dialog")).toBeNull());
    await waitFor(() => expect(ruleLine(panel)).toBe("規則表 common-practice 2026.1: 日次 → 25件"));
    expect(await session.client.sampleRules({})).toEqual(shipped);
    expect(document.activeElement).toBe(within(panel).getByTestId("rules-edit"));
  });

  it("saves nothing on Cancel or Escape", async () => {
    const panel = await drawForm();
    const saves = vi.spyOn(session.client, "saveSampleRules");
    let dialog = await openEditor(panel);
    await fireEvent.input(field(dialog, "rules-version"), { target: { value: "2026.2" } });
    await fireEvent.input(field(dialog, "rules-size-daily"), { target: { value: "30" } });
    await fireEvent.click(within(dialog).getByTestId("rules-cancel"));
    await waitFor(() => expect(screen.queryByTestId("rules-dialog")).toBeNull());
    expect(document.activeElement).toBe(within(panel).getByTestId("rules-edit"));

    dialog = await openEditor(panel);
    // What was typed before is gone.
    expect(field(dialog, "rules-version").value).toBe("2026.1");
    expect(field(dialog, "rules-size-daily").value).toBe("25");
    await fireEvent.input(field(dialog, "rules-name"), { target: { value: "firm" } });
    await fireEvent.keyDown(field(dialog, "rules-name"), { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("rules-dialog")).toBeNull());
    expect(document.activeElement).toBe(within(panel).getByTestId("rules-edit"));

    expect(saves).not.toHaveBeenCalled();
    expect(await session.client.sampleRules({})).toEqual(shipped);
    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "daily" } });
    expect(ruleLine(panel)).toBe("規則表 common-practice 2026.1: 日次 → 25件");
  });

  it("is offered only where a sample can be drawn", async () => {
    // The demo's P3 has its sample; P1 has no population yet.
    const { panel: sampled } = await renderPanel(session, P3);
    expect(within(sampled).queryByTestId("rules-edit")).toBeNull();
    const { panel } = await renderPanel(session, P1);
    await within(panel).findByTestId("population-import");
    expect(within(panel).queryByTestId("rules-edit")).toBeNull();
  });
});
