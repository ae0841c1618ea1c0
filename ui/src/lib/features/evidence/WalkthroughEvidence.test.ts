import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { openWalkthrough } from "../walkthrough/walkthrough.testing";
import { startCore, type Core } from "../../../test/core";
import { writeFile } from "./evidence.testing";

const CONTROL = "9.2.3.11.PB";

let core: Core;
beforeEach(async () => {
  core = await startCore();
});
afterEach(() => core.stop());

const card = (index: number) => screen.getAllByTestId("procedure")[index];
const panelRows = () => within(screen.getByTestId("evidence-panel")).queryAllByTestId("evidence-row");

describe("walkthrough: evidence, on the real core", () => {
  it("takes in files dropped on a procedure, and lists the item in the panel and on the card", async () => {
    const { drop, engagement } = await openWalkthrough(core, CONTROL);
    expect(panelRows()).toHaveLength(0);
    await drop([writeFile(core, "特権ID申請記録_2026-04.xlsx", "申請番号,承認者\nREQ-1,山田\n")], within(card(1)).getByTestId("work-done"));

    const dialog = await screen.findByTestId("intake-dialog");
    expect(within(dialog).getByTestId("intake-link").textContent).toContain(`${CONTROL}/P2`);
    await fireEvent.input(within(dialog).getByTestId("intake-title-input"), { target: { value: "特権ID利用申請・承認記録（2026年4月）" } });
    await fireEvent.input(within(dialog).getByTestId("meta-as-of"), { target: { value: "2026-04-30" } });
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));

    await waitFor(() => expect(screen.queryByTestId("intake-dialog")).toBeNull());
    const [row] = await within(screen.getByTestId("evidence-panel")).findAllByTestId("evidence-row");
    expect(row.dataset.evidenceId).toBe("EV-0001");
    expect(row.textContent).toContain("特権ID利用申請・承認記録（2026年4月）");
    expect(row.textContent).toContain("文書");
    expect(row.textContent).toContain("P2");
    expect(screen.getByTestId("evidence-notice").textContent).toContain("EV-0001");
    expect(within(card(1)).getByTestId("procedure-evidence").textContent).toContain("EV-0001");
    const [stored] = (await engagement.client.controlDetail({ control_id: CONTROL })).evidence;
    expect(stored.links).toEqual([{ kind: "procedure", id: `${CONTROL}/P2` }]);
  });

  it("links files dropped on an exception to that exception", async () => {
    const { drop, engagement } = await openWalkthrough(core, CONTROL, (demo) =>
      core.client.addException({ engagement: demo, procedure_id: `${CONTROL}/P3`, text: "1件で承認記録がなかった。" }),
    );
    const item = await within(card(2)).findByTestId("exception-item");
    await drop([writeFile(core, "承認記録なし.png", new Uint8Array([137, 80, 78, 71]))], item);
    const dialog = await screen.findByTestId("intake-dialog");
    // The demo's one exception is E-0001 (in its sampled test), so this one is E-0002.
    expect(within(dialog).getByTestId("intake-link").textContent).toContain("例外事項 E-0002");
    expect((within(dialog).getByTestId("meta-kind") as HTMLSelectElement).value).toBe("screenshot");
    await fireEvent.input(within(dialog).getByTestId("meta-as-of"), { target: { value: "2026-04-30" } });
    await fireEvent.click(within(dialog).getByTestId("intake-submit"));
    await waitFor(() => expect(screen.queryByTestId("intake-dialog")).toBeNull());
    expect((await engagement.client.listEvidence({ include_removed: false }))[0].links).toEqual([{ kind: "exception", id: "E-0002" }]);
    await waitFor(() => expect(panelRows()).toHaveLength(1));
  });

  it("takes in files chosen with the picker, closes on Escape and returns the focus", async () => {
    await openWalkthrough(core, CONTROL);
    await core.choose([writeFile(core, "a.txt", "a"), writeFile(core, "b.txt", "b")]);
    const button = within(card(0)).getByTestId("add-evidence-button");
    button.focus();
    await fireEvent.click(button);
    const dialog = await screen.findByTestId("intake-dialog");
    expect(within(dialog).getAllByTestId("intake-title-input")).toHaveLength(2);
    expect(within(dialog).getByTestId("intake-link").textContent).toContain(`${CONTROL}/P1`);
    // Shortcuts of the walkthrough do not reach behind the dialog.
    await fireEvent.keyDown(window, { key: "1", code: "Digit1", altKey: true });
    expect(within(card(0)).getByTestId("result-no_exception").getAttribute("aria-pressed")).toBe("false");
    await fireEvent.keyDown(dialog, { key: "Escape", code: "Escape" });
    expect(screen.queryByTestId("intake-dialog")).toBeNull();
    expect(document.activeElement).toBe(button);

    // A cancelled picker (nothing chosen) opens nothing.
    await core.choose([]);
    await fireEvent.click(button);
    await new Promise((r) => setTimeout(r, 100));
    expect(screen.queryByTestId("intake-dialog")).toBeNull();
  });

  it("says why an empty file cannot be taken in, and stores nothing", async () => {
    const { session, engagement } = await openWalkthrough(core, CONTROL);
    await core.choose([writeFile(core, "空のエクスポート.csv", "")]);
    await fireEvent.click(within(card(0)).getByTestId("add-evidence-button"));
    await waitFor(() => expect(session.error).toContain("取り込めません"));
    expect(screen.queryByTestId("intake-dialog")).toBeNull();
    expect(await engagement.client.listEvidence({ include_removed: true })).toEqual([]);
  });

  it("previews an item of the panel", async () => {
    await openWalkthrough(core, CONTROL, async (demo) => {
      await core.choose([writeFile(core, "設定.json", '{"mfa": true}')]);
      const [picked] = await core.client.pickEvidenceFiles({});
      const meta = { title: "MFA設定", description: "", kind: "configuration" as const, obtained_from: "", obtained_by: "", obtained_at: null, as_of: "2026-04-30" as const };
      return core.client.addEvidence({ engagement: demo, files: [{ file: picked.file, meta }], links: [{ kind: "procedure", id: `${CONTROL}/P1` }] });
    });
    await fireEvent.click(await within(screen.getByTestId("evidence-panel")).findByTestId("evidence-row"));
    const dialog = await screen.findByTestId("preview-dialog");
    expect((await within(dialog).findByTestId("preview-text")).textContent).toBe('{"mfa": true}');
    expect(within(dialog).getByTestId("preview-sha256").textContent).toMatch(/^[0-9a-f]{64}$/);
    await fireEvent.keyDown(dialog, { key: "Escape", code: "Escape" });
    expect(screen.queryByTestId("preview-dialog")).toBeNull();
  });
});
