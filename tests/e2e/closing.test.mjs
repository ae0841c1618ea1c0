// End to end through the real app (see walkthrough.test.mjs for the set-up):
// what closes an audit besides the workpapers, on the review screen. The
// demo is prepared finalized with the CLI and reopened by the manager; a
// reviewer's note (cleared) reads like assurance. In the app the manager
// records the written representation again with item 5 left unanswered and
// sees finalizing blocked by it, answers it, adds a subsequent event, states
// up to which date subsequent events were considered, sees the wording
// warning, and finalizes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, startDriver, stopDriver, app, shoot, workbench } from "./webdriver.mjs";

/** Today in Japan, as the core dates things. */
function todayInJapan() {
  return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
}

test("the representation and subsequent events gate finalizing; assurance-like wording is listed", { timeout: 240000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-closing-"));
  // The demo's team signs with its demo keys, whose PIN is the published 0000.
  const env = { WORKBENCH_DATA_DIR: join(home, "data"), WORKBENCH_DOCUMENTS_DIR: home, WORKBENCH_USER: "e2e", WORKBENCH_SIGNING_PIN: "0000" };
  mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
  const demo = join(env.WORKBENCH_DATA_DIR, "demo.ismap");
  const cli = (...args) => execFileSync(workbench, ["--lang", "en", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  cli("--as", "山田 太郎", "demo", "--out", demo, "--finalized");
  cli("--as", "山田 太郎", "reopen", demo, "--reason", "経営者確認書を差し替えるため");
  const note = cli("--as", "鈴木 一郎", "note", "add", demo, "--on", "9.2.3.11.PB", "閲覧した限り、重要な問題はないと考えます。");
  const noteId = /RN-\d+/.exec(note)[0];
  cli("--as", "鈴木 一郎", "note", "clear", demo, noteId);
  writeFileSync(join(env.WORKBENCH_DATA_DIR, "profile.json"), JSON.stringify({ name: "山田 太郎", initials: "TY", role: "manager", lang: "ja", recent: [] }));

  const driver = await startDriver(env);
  let s = null;
  const clickIn = (selector) => s.clickOn(selector);
  const blockers = () => s.run(`return Array.from(document.querySelectorAll('[data-testid="finalize-blocker"]')).map((b) => b.dataset.code)`);
  try {
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    await (await s.find("review-view-link")).click();
    await s.until(`const b = document.querySelector('[data-testid="finalize-button"]'); return b !== null && !b.disabled`);

    // The wording warning: listed, and not a blocker.
    const hit = await s.find("wording-hit");
    assert.match(await hit.text(), new RegExp(`${noteId} の本文: 「重要な問題はない」`));

    // The representation recorded again with item 5 unanswered blocks finalizing.
    await clickIn('[data-testid="closing-panel"] [data-testid="representation-edit"]');
    await s.find("representation-form");
    await (await s.find("confirmation-answer-5")).set("");
    await clickIn('[data-testid="representation-save"]');
    await s.until(`return Array.from(document.querySelectorAll('[data-testid="finalize-blocker"]')).some((b) => b.dataset.code === "representation_unanswered")`);
    assert.deepEqual(await blockers(), ["representation_unanswered"]);
    assert.equal(await s.run(`return document.querySelector('[data-testid="finalize-button"]').disabled`), true);
    await shoot(s, "40-representation-unanswered");

    // Answered, it no longer blocks.
    await clickIn('[data-testid="closing-panel"] [data-testid="representation-edit"]');
    await s.find("representation-form");
    await (await s.find("confirmation-answer-5")).set("confirmed");
    await clickIn('[data-testid="representation-save"]');
    await s.until(`const b = document.querySelector('[data-testid="finalize-button"]'); return b !== null && !b.disabled`);

    // A subsequent event found after the period, added in the app.
    await (await s.find("subsequent-date-input")).set("2026-11-05");
    await (await s.find("subsequent-description-input")).set("東京リージョンで認証基盤の設定変更があった。");
    await clickIn('[data-testid="subsequent-add"]');
    await s.until(`return document.querySelectorAll('[data-testid="subsequent-row"]').length === 2`);

    // Considered up to today by the manager; then finalize.
    const today = todayInJapan();
    await (await s.find("subsequent-considered-date")).set(today);
    await clickIn('[data-testid="subsequent-considered-save"]');
    await s.until(`return document.querySelector('[data-testid="subsequent-considered-through"]')?.dataset.through === arguments[0]`, [today]);
    await shoot(s, "41-closing-recorded");
    await clickIn('[data-testid="finalize-button"]');
    // The manager's key is on the roster: finalizing asks for its PIN.
    await (await s.find("finalize-pin")).set("0000");
    await shoot(s, "42-finalize-pin");
    await clickIn('[data-testid="finalize-pin-submit"]');
    await s.find("locked-banner");
    await s.quit();
    s = null;

    // The file agrees: finalized with the events, intact.
    assert.match(cli("review", "status", demo), /Finalized \(locked\) by 山田 太郎/);
    assert.match(cli("log", "verify", demo), /intact/);
    const listed = cli("subsequent", "list", demo);
    assert.match(listed, /SE-002  2026-11-05  東京リージョンで認証基盤の設定変更があった。/, listed);
    assert.match(cli("representation", "show", demo), /5\. .*: confirmed/);
  } catch (err) {
    if (s) await shoot(s, "closing-failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await stopDriver(driver, app);
  }
});
