// What tests of review screens share: the demo's team and switching the
// person at the laptop through the header's profile dialog.
import { expect } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import type { Role } from "../../ipc/bindings/Role";

/** The demo's team: a partner, a manager, a reviewer and an assessor. */
export const ROLES: Record<string, Role> = { "高橋 美咲": "partner", "山田 太郎": "manager", "鈴木 一郎": "reviewer", "佐藤 花子": "assessor" };

/** Switches the user with the header's profile dialog, as on a laptop handed from one member to another. */
export async function switchProfile(name: string): Promise<void> {
  await fireEvent.click(screen.getByTestId("profile-button"));
  const dialog = await screen.findByTestId("profile-dialog");
  await fireEvent.input(within(dialog).getByTestId("profile-name-input"), { target: { value: name } });
  await fireEvent.change(within(dialog).getByTestId("profile-role-select"), { target: { value: ROLES[name] } });
  await fireEvent.click(within(dialog).getByTestId("profile-save"));
  await waitFor(() => expect(screen.queryByTestId("profile-dialog")).toBeNull());
  expect(screen.getByTestId("profile-current").textContent).toBe(name);
}
