import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { BackendError } from "../../ipc";
import { DEMO_PATH, type FakeBackend } from "../ipc/fake";
import { DEFAULT_SAMPLE_RULES } from "../ipc/sampling";
import { openWalkthrough } from "../walkthrough/walkthrough.testing";

// The firm's sample-size rule table, edited from the draw form of a
// procedure's sampling panel (RuleTableDialog).

const CONTROL = "4.4.1.1";

async function openAt(prepare: (backend: FakeBackend) => Promise<unknown> = async () => {}) {
  const { backend } = await openWalkthrough(CONTROL, prepare);
  // Counts the saves that reach the backend.
  const saves: unknown[] = [];
  const save = backend.saveSampleRules;
  backend.saveSampleRules = (table) => {
    saves.push(table);
    return save(table);
  };
  return { backend, saves };
}

const card = (index: number) => screen.getAllByTestId("procedure")[index];

/** Opens the sampling panel of a procedure that is not an operating test. */
async function openPanel(index: number): Promise<HTMLElement> {
  await fireEvent.click(within(card(index)).getByTestId("sampling-toggle"));
  return within(card(index)).findByTestId("sampling-panel");
}

/** Waits for the panel's draw form, with the rule table loaded. */
async function drawForm(panel: HTMLElement): Promise<HTMLElement> {
  await waitFor(() => expect(within(panel).getByTestId("rules-edit").hasAttribute("disabled")).toBe(false));
  return panel;
}

const openDrawForm = async (index: number) => drawForm(await openPanel(index));

/** Imports the demo's change tickets (120 rows, 118 inside the audit period) into the panel's procedure. */
async function importTickets(panel: HTMLElement): Promise<void> {
  await fireEvent.click(await within(panel).findByTestId("population-import"));
  const dialog = await screen.findByTestId("population-preview");
  await fireEvent.click(within(dialog).getByTestId("population-import-confirm"));
  await waitFor(() => expect(screen.queryByTestId("population-preview")).toBeNull());
  await within(panel).findByTestId("population-summary");
}

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

describe("the firm's sample-size rule table", () => {
  it("refuses other sizes under the same version, saves them under a new one, and draws with them at once", async () => {
    const { backend, saves } = await openAt(async (b) => b.setPopulationCount(DEMO_PATH, `${CONTROL}/P2`, 12));
    const panel = await openPanel(0);
    await importTickets(panel);
    await drawForm(panel);
    const other = await openDrawForm(1);
    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "daily" } });
    expect(ruleLine(panel)).toBe("規則表 common-practice 2026.1: 日次 → 25件");

    const dialog = await openEditor(panel);
    expect(dialog.getAttribute("aria-label")).toBe("抽出件数の規則表");
    expect(field(dialog, "rules-name").value).toBe("common-practice");
    expect(field(dialog, "rules-version").value).toBe("2026.1");
    expect(within(dialog).getAllByRole("row").slice(1).map((r) => r.dataset.frequency)).toEqual(["multiple_daily", "daily", "weekly", "monthly", "quarterly", "annual", "automated"]);
    expect(within(dialog).getAllByRole("rowheader").map((h) => h.textContent)).toEqual(["1日複数回", "日次", "週次", "月次", "四半期", "年次", "自動化統制"]);
    expect(["multiple_daily", "daily", "weekly", "monthly", "quarterly", "annual", "automated"].map((f) => field(dialog, `rules-size-${f}`).value)).toEqual(["25", "25", "5", "2", "2", "1", "1"]);
    expect(within(dialog).getByTestId("rules-fact").textContent).toContain("抽出済みの標本は、記録された規則表（名前とバージョン）のまま変わりません。");
    // Each size is labelled by its frequency.
    expect(within(dialog).getByLabelText("日次")).toBe(field(dialog, "rules-size-daily"));
    await waitFor(() => expect(document.activeElement).toBe(field(dialog, "rules-name")));

    // Daily from 25 to 30 under the same version: refused at the version.
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
    expect(saves).toHaveLength(1);
    expect(await backend.sampleRules()).toEqual(DEFAULT_SAMPLE_RULES);

    // A new version, and Enter in the field saves.
    await fireEvent.input(version, { target: { value: "2026.2" } });
    expect(problemAt(dialog, "version")).toBeNull();
    await fireEvent.keyDown(version, { key: "Enter" });
    await waitFor(() => expect(screen.queryByTestId("rules-dialog")).toBeNull());
    expect(ruleLine(panel)).toBe("規則表 common-practice 2026.2: 日次 → 30件");
    expect(document.activeElement).toBe(within(panel).getByTestId("rules-edit"));
    expect(await backend.sampleRules()).toEqual({ ...DEFAULT_SAMPLE_RULES, version: "2026.2", sizes: DEFAULT_SAMPLE_RULES.sizes.map((r) => (r.frequency === "daily" ? { ...r, size: 30 } : r)) });
    // The other open panel shows the table new samples use, too.
    expect(ruleLine(other)).toContain("common-practice 2026.2");

    // The draw uses it: 30 of the 118 tickets inside the period.
    await fireEvent.click(within(panel).getByTestId("sample-select"));
    await within(panel).findByTestId("sample-list");
    expect(within(panel).getAllByTestId("sample-item")).toHaveLength(30);
    const summary = within(panel).getByTestId("sample-summary").textContent ?? "";
    expect(summary).toContain("30 件（規則 30 件）");
    expect(summary).toContain("規則表 common-practice 2026.2");
    expect((await backend.sampling(DEMO_PATH, `${CONTROL}/P1`)).sample).toMatchObject({ size: 30, rule_size: 30, rule_table: { version: "2026.2" } });
    // The demo's sample keeps the table it was drawn with.
    expect(within(card(2)).getByTestId("sample-summary").textContent).toContain("規則表 common-practice 2026.1");
  });

  it("shows a size that is not a whole number from 1 to 1000 at its row and sends nothing; a blank size means no rule", async () => {
    const { backend, saves } = await openAt(async (b) => b.setPopulationCount(DEMO_PATH, `${CONTROL}/P1`, 50));
    const panel = await openDrawForm(0);
    const dialog = await openEditor(panel);
    await fireEvent.input(field(dialog, "rules-version"), { target: { value: "2026.2" } });
    await fireEvent.input(field(dialog, "rules-size-daily"), { target: { value: "0" } });
    await fireEvent.input(field(dialog, "rules-size-weekly"), { target: { value: "1001" } });
    await fireEvent.input(field(dialog, "rules-size-monthly"), { target: { value: "abc" } });
    await fireEvent.click(within(dialog).getByTestId("rules-save"));

    const message = "件数は 1〜1000 の整数で入力してください（規則を設けない頻度は空欄にします）。";
    for (const f of ["daily", "weekly", "monthly"]) {
      const problem = problemAt(dialog, `size.${f}`);
      expect(problem?.textContent, f).toBe(message);
      expect(field(dialog, `rules-size-${f}`).getAttribute("aria-invalid"), f).toBe("true");
      expect(field(dialog, `rules-size-${f}`).getAttribute("aria-describedby")?.split(" "), f).toContain(problem!.id);
      // At its own row.
      expect(problem!.closest("tr")?.dataset.frequency).toBe(f);
    }
    expect(problemAt(dialog, "size.quarterly")).toBeNull();
    expect(field(dialog, "rules-size-quarterly").getAttribute("aria-invalid")).toBe("false");
    expect(document.activeElement).toBe(field(dialog, "rules-size-daily"));
    expect(saves).toHaveLength(0);
    expect(await backend.sampleRules()).toEqual(DEFAULT_SAMPLE_RULES);

    // Fixed, with monthly left blank (no rule), full-width digits read as typed by an input method.
    await fireEvent.input(field(dialog, "rules-size-daily"), { target: { value: "３０" } });
    await fireEvent.input(field(dialog, "rules-size-weekly"), { target: { value: "1000" } });
    await fireEvent.input(field(dialog, "rules-size-monthly"), { target: { value: "" } });
    await fireEvent.click(within(dialog).getByTestId("rules-save"));
    await waitFor(() => expect(screen.queryByTestId("rules-dialog")).toBeNull());
    const saved = await backend.sampleRules();
    expect(saved.version).toBe("2026.2");
    expect(saved.sizes.map((r) => `${r.frequency}:${r.size}`)).toEqual(["multiple_daily:25", "daily:30", "weekly:1000", "quarterly:2", "annual:1", "automated:1"]);
    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "monthly" } });
    expect(ruleLine(panel)).toBe("規則表に「月次」の件数がありません。");
    // Reopened, the blank stays blank.
    const again = await openEditor(panel);
    expect(field(again, "rules-size-monthly").value).toBe("");
    expect(field(again, "rules-size-weekly").value).toBe("1000");
  });

  it("shows the core's refusals at their fields, and anything it does not place below", async () => {
    const { backend, saves } = await openAt(async (b) => b.setPopulationCount(DEMO_PATH, `${CONTROL}/P1`, 50));
    const panel = await openDrawForm(0);
    const dialog = await openEditor(panel);
    await fireEvent.input(field(dialog, "rules-name"), { target: { value: "  " } });
    await fireEvent.input(field(dialog, "rules-version"), { target: { value: "" } });
    await fireEvent.click(within(dialog).getByTestId("rules-save"));
    await waitFor(() => expect(problemAt(dialog, "name")?.textContent).toBe("入力してください。"));
    expect(problemAt(dialog, "version")?.textContent).toBe("入力してください。");
    expect(field(dialog, "rules-name").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(field(dialog, "rules-name"));
    expect(saves).toHaveLength(1);

    backend.saveSampleRules = () => Promise.reject(new BackendError({ kind: "io", message: "/data/sample-sizes.json: Permission denied (os error 13)", input_problems: [], field_problems: [] }));
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
    expect(screen.getByTestId("rules-dialog")).toBe(dialog);
    expect(await backend.sampleRules()).toEqual(DEFAULT_SAMPLE_RULES);
  });

  it("goes back to the default after an inline confirmation naming it", async () => {
    const { backend } = await openAt(async (b) => {
      await b.setPopulationCount(DEMO_PATH, `${CONTROL}/P1`, 50);
      await b.saveSampleRules({ name: "firm", version: "7", sizes: [{ frequency: "daily", size: 40 }] });
    });
    const panel = await openDrawForm(0);
    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "daily" } });
    expect(ruleLine(panel)).toBe("規則表 firm 7: 日次 → 40件");
    const dialog = await openEditor(panel);
    expect(field(dialog, "rules-name").value).toBe("firm");
    expect(field(dialog, "rules-size-daily").value).toBe("40");
    expect(field(dialog, "rules-size-weekly").value).toBe("");

    // Asked first; not now.
    await fireEvent.click(within(dialog).getByTestId("rules-reset"));
    const confirmation = within(dialog).getByTestId("rules-reset-confirmation");
    expect(confirmation.textContent).toContain("規則表を既定の common-practice 2026.1 に戻します。");
    expect(document.activeElement).toBe(within(dialog).getByTestId("rules-reset-confirm"));
    await fireEvent.click(within(dialog).getByTestId("rules-reset-cancel"));
    expect(within(dialog).queryByTestId("rules-reset-confirmation")).toBeNull();
    expect(document.activeElement).toBe(within(dialog).getByTestId("rules-reset"));
    // Escape leaves the confirmation, not the dialog.
    await fireEvent.click(within(dialog).getByTestId("rules-reset"));
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(within(dialog).queryByTestId("rules-reset-confirmation")).toBeNull();
    expect(screen.getByTestId("rules-dialog")).toBe(dialog);
    expect((await backend.sampleRules()).name).toBe("firm");

    await fireEvent.click(within(dialog).getByTestId("rules-reset"));
    await fireEvent.click(within(dialog).getByTestId("rules-reset-confirm"));
    await waitFor(() => expect(screen.queryByTestId("rules-dialog")).toBeNull());
    expect(ruleLine(panel)).toBe("規則表 common-practice 2026.1: 日次 → 25件");
    expect(await backend.sampleRules()).toEqual(DEFAULT_SAMPLE_RULES);
    expect(document.activeElement).toBe(within(panel).getByTestId("rules-edit"));
  });

  it("saves nothing on Cancel or Escape", async () => {
    const { backend, saves } = await openAt(async (b) => b.setPopulationCount(DEMO_PATH, `${CONTROL}/P1`, 50));
    const panel = await openDrawForm(0);
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
    // The walkthrough did not take the Escape for itself: the panel is still there.
    expect(within(card(0)).getByTestId("sampling-panel")).toBe(panel);

    expect(saves).toHaveLength(0);
    expect(await backend.sampleRules()).toEqual(DEFAULT_SAMPLE_RULES);
    await fireEvent.change(within(panel).getByTestId("sample-frequency"), { target: { value: "daily" } });
    expect(ruleLine(panel)).toBe("規則表 common-practice 2026.1: 日次 → 25件");
  });

  it("is offered only where a sample can be drawn", async () => {
    await openAt();
    // The demo's P3 has its sample; P1 has no population yet.
    expect(within(within(card(2)).getByTestId("sampling-panel")).queryByTestId("rules-edit")).toBeNull();
    await fireEvent.click(within(card(0)).getByTestId("sampling-toggle"));
    const panel = await within(card(0)).findByTestId("sampling-panel");
    await within(panel).findByTestId("population-import");
    expect(within(panel).queryByTestId("rules-edit")).toBeNull();
  });
});
