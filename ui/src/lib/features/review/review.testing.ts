// What tests of review screens share: the demo's team, its keys' PIN, and
// switching the person at the laptop through the header's profile dialog.
import { expect } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import type { Role } from "../../ipc/bindings/Role";

/** The PIN of every demo key (docs/security.md). */
export const DEMO_PIN = "0000";

/** The demo's team: a partner, a manager, a reviewer and an assessor. */
export const ROLES: Record<string, Role> = { "高橋 美咲": "partner", "山田 太郎": "manager", "鈴木 一郎": "reviewer", "佐藤 花子": "assessor" };

/** Switches the user with the header's profile dialog, as on a laptop handed from one member to another. */
export async function switchProfile(name: string): Promise<void> {
  await fireEvent.click(screen.getByTestId("profile-button"));
  const dialog = await screen.findByTestId("profile-dialog");
  await fireEvent.input(within(dialog).getByTestId("profile-name-input"), { target: { value: name } });
  await fireEvent.change(within(dialog).getByTestId("profile-role-select"), { target: { value: ROLES[name] } });
  // A demo member's key is on this computer: switching takes its PIN, the demo's published 0000.
  // The dialog learns which keys are here as it opens: wait for the PIN field.
  const pin = name in ROLES ? await within(dialog).findByTestId("profile-pin") : null;
  if (pin) await fireEvent.input(pin, { target: { value: DEMO_PIN } });
  await fireEvent.click(within(dialog).getByTestId("profile-save"));
  await waitFor(() => expect(screen.queryByTestId("profile-dialog")).toBeNull());
  expect(screen.getByTestId("profile-current").textContent).toBe(name);
}
