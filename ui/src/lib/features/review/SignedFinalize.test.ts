// Finalizing and reopening by a manager who holds a key on the roster, in
// the app, against the real core: the review screen asks for his PIN beside
// the button (a wrong one refused, nothing finalized), signs with the key,
// and `log verify` checks the signature.
import { afterEach, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { join } from "node:path";
import ReviewView from "./ReviewView.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

let core: Core | null = null;
afterEach(async () => {
  await core?.stop();
  core = null;
});

it("asks the manager's PIN to finalize with his key, and signs the finalizing", async () => {
  setLang("ja");
  core = await startCore({ user: "山田 太郎", role: "manager" });
  const c = core;
  const demo = join(c.dataDir, "demo.ismap");
  // The whole audit done and signed by name, then reopened so that the manager's key can join the roster.
  c.cli(["demo", "--finalized", "--out", demo, "--without-keys"]);
  c.cli(["reopen", demo, "--reason", "鍵で確定し直すため"]);
  c.cli(["key", "new"], "山田 太郎", { WORKBENCH_SIGNING_PIN: "yamada-pin" });
  c.cli(["key", "card", "--key", "山田 太郎", "--out", join(c.dataDir, "yamada.card")], "山田 太郎");
  c.cli(["roster", "add", demo, "--card", join(c.dataDir, "yamada.card")], "山田 太郎", { WORKBENCH_SIGNING_PIN: "yamada-pin" });
  await c.client.openDemo({});
  const session = await sessionOn(c);
  renderInApp(ReviewView, session);

  const finalize = await screen.findByTestId<HTMLButtonElement>("finalize-button");
  await waitFor(() => expect(finalize.disabled).toBe(false));
  await fireEvent.click(finalize);
  const form = await screen.findByTestId("finalize-pin-form");
  expect(form.textContent).toContain("PIN");
  expect(session.engagement!.view.finalized).toBeNull();

  await fireEvent.input(within(form).getByTestId("finalize-pin"), { target: { value: "not-my-pin" } });
  await fireEvent.click(within(form).getByTestId("finalize-pin-submit"));
  expect((await screen.findByTestId("finalize-error")).textContent).toContain("PIN が違います");
  expect(session.engagement!.view.finalized).toBeNull();

  await fireEvent.input(within(form).getByTestId("finalize-pin"), { target: { value: "yamada-pin" } });
  await fireEvent.click(within(form).getByTestId("finalize-pin-submit"));
  await waitFor(() => expect(session.engagement!.view.finalized?.by).toBe("山田 太郎"));
  expect(screen.queryByTestId("finalize-pin-form")).toBeNull();
  const verified = c.cli(["log", "verify", demo]);
  expect(verified).toContain("intact");
  // The newest finalizing is the app's, and it carries his key's signature.
  const events = JSON.parse(c.cli(["log", "show", demo, "--json"])) as { seq: number; kind: string; payload: string }[];
  const finalizings = events.filter((e) => e.kind === "engagement_finalized").sort((a, b) => b.seq - a.seq);
  expect(finalizings).toHaveLength(2);
  expect(JSON.parse(finalizings[0].payload).signature?.fingerprint).toMatch(/^([0-9A-F]{4} ){7}[0-9A-F]{4}$/);
  expect(JSON.parse(finalizings[1].payload).signature ?? null).toBeNull();
});
