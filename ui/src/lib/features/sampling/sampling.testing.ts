// The sampling panel of a procedure as the walkthrough shows it, rendered
// for the tests on a real core (`startCore`), with the callbacks the
// walkthrough would give it recorded.
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { expect, vi } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Core } from "../../../test/core";
import { renderInApp } from "../../../test/render";
import type { Evidence } from "../../ipc/bindings/Evidence";
import type { Session } from "../../session.svelte";
import SamplingPanel from "./SamplingPanel.svelte";

export async function renderPanel(session: Session, procedureId: string, evidence: Evidence[] = []) {
  const engagement = session.engagement!;
  const detail = await engagement.client.controlDetail({ control_id: procedureId.slice(0, procedureId.lastIndexOf("/")) });
  const procedure = detail.procedures.find((p) => p.procedure.id === procedureId)!.procedure;
  const onchanged = vi.fn(async () => {});
  const onlocked = vi.fn();
  const onpreview = vi.fn();
  const props = { procedure, period: engagement.view.fields.period, locked: engagement.locked, evidence, onchanged, onlocked, onpreview };
  const rendered = renderInApp(SamplingPanel, session, props);
  const panel = rendered.container.querySelector<HTMLElement>('[data-testid="sampling-panel"]')!;
  // Loaded once its steps show.
  await waitFor(() => expect(panel.querySelector(".step")).not.toBeNull());
  return { panel, onchanged, onlocked, rerender: rendered.rerender };
}

/** A population list in the core's data folder, for the test to choose in the picker. */
export function writeList(core: Core, name: string, lines: string[]): string {
  const path = join(core.dataDir, name);
  writeFileSync(path, lines.join("\n"));
  return path;
}

/** A frame of 20 items dated inside the demo's audit period (rows 1 to 20), as in docs/sampling.md. */
export function frameOfTwenty(core: Core): string {
  const rows = Array.from({ length: 20 }, (_, i) => `T-${String(i + 1).padStart(3, "0")},2025-${10 + Math.floor(i / 10)}-${String((i % 10) + 1).padStart(2, "0")},変更 ${i + 1}`);
  return writeList(core, "twenty.csv", ["番号,日付,件名", ...rows]);
}

/** Imports the list the test chose into the panel's procedure, with the columns the core guessed. */
export async function importChosen(core: Core, panel: HTMLElement, path: string): Promise<void> {
  await core.choose([path]);
  await fireEvent.click(within(panel).getByTestId("population-import"));
  const dialog = await screen.findByTestId("population-preview");
  await fireEvent.click(within(dialog).getByTestId("population-import-confirm"));
  await waitFor(() => expect(screen.queryByTestId("population-preview")).toBeNull());
  await within(panel).findByTestId("population-summary");
}

/** The cell of the panel's grid at sample item `no`, attribute `attribute`. */
export const cell = (panel: HTMLElement, no: number, attribute: string) =>
  within(panel)
    .getAllByTestId("grid-cell")
    .find((c) => c.dataset.no === String(no) && c.dataset.attribute === attribute)!;
