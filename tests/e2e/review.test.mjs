// End to end through the real app (see walkthrough.test.mjs for the set-up):
// review and sign-off on one laptop shared by the assessor, the reviewer and
// the manager, who switch the profile as they hand over.
//
// The demo is prepared finalized with the CLI (every procedure performed and
// signed) and reopened by the manager. Then, in the app: the assessor
// corrects and signs a procedure; the reviewer leaves a note; the assessor
// answers; the reviewer clears it and signs; the control is signed again;
// the manager finalizes; an edit is then refused.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys, Session, startDriver, stopDriver, app, root, shoot, workbench } from "./webdriver.mjs";


const P1 = "9.2.3.11.PB/P1";
const CONTROL = "9.2.3.11.PB";

test("assessor signs, reviewer notes, answers, clears and signs, manager finalizes, edits refused", { timeout: 240000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-review-"));
  // The demo's team signs with its demo keys, whose PIN is the published 0000.
  const env = { WORKBENCH_DATA_DIR: join(home, "data"), WORKBENCH_DOCUMENTS_DIR: home, WORKBENCH_USER: "e2e", WORKBENCH_SIGNING_PIN: "0000" };
  mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
  const demo = join(env.WORKBENCH_DATA_DIR, "demo.ismap");
  const cli = (...args) => execFileSync(workbench, ["--lang", "en", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  cli("--as", "山田 太郎", "demo", "--out", demo, "--finalized");
  cli("--as", "山田 太郎", "reopen", demo, "--reason", "9.2.3.11.PB の実施内容を補足するため");
  // The profile starts as the assessor.
  writeFileSync(join(env.WORKBENCH_DATA_DIR, "profile.json"), JSON.stringify({ name: "佐藤 花子", initials: "HS", role: "assessor", lang: "ja", recent: [] }));

  const driver = await startDriver(env);
  let s = null;
  const switchTo = async (name) => {
    await (await s.find("profile-button")).click();
    await s.find("profile-dialog");
    await (await s.find("profile-name-input")).set(name);
    // Each demo member's key is on this computer: switching takes its PIN.
    await (await s.find("profile-pin")).set("0000");
    if (name === "鈴木 一郎") await shoot(s, "23-switch-demo-pin");
    await (await s.find("profile-save")).click();
    await s.until(`return document.querySelector('[data-testid="profile-dialog"]') === null`);
    await s.until(`return document.querySelector('[data-testid="profile-button"]').textContent.includes(arguments[0])`, [name]);
  };
  const goTo = async (id) => {
    await (await s.find("jump-input")).type(id + Keys.ENTER);
    await s.until(`return document.querySelector('[data-testid="control-id"]')?.textContent === arguments[0]`, [id]);
  };
  const card = (extra) => `[data-testid="procedure"][data-index="0"] ${extra}`;
  const clickIn = (selector) => s.clickOn(selector);
  try {
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    await goTo(CONTROL);

    // The assessor adds to what was done: the signed procedure is now changed.
    const work = await s.find("procedure", '[data-index="0"] [data-testid="work-done"]');
    await work.click();
    // A reviewer signed it: the first keystroke asks before the change withdraws that sign-off.
    await work.type(" ");
    await clickIn('[data-testid="signed-continue"]');
    await s.until(`return document.querySelector('[data-testid="signed-warning"]') === null`);
    await work.click();
    await work.type("補足: 2026-05-20 承認記録も閲覧した。");
    await s.until(`return document.querySelector('[data-testid="save-state"]')?.dataset.state === 'saved'`);
    await s.until(`return document.querySelector(arguments[0]) !== null`, [card('[data-testid="changed-badge"]')]);
    await clickIn(card('[data-testid="sign-button"][data-level="preparer"]'));
    // Her key opens with its PIN, asked beside the button.
    await (await s.find("signoff-pin")).set("0000");
    await clickIn(card('[data-testid="signoff-pin-sign"]'));
    await s.until(`return document.querySelector(arguments[0])?.textContent.includes('佐藤 花子')`, [card('[data-testid="signoff-chip"][data-level="preparer"]')]);
    await shoot(s, "20-assessor-signed");

    // The reviewer leaves a note on the procedure.
    await switchTo("鈴木 一郎");
    await goTo(CONTROL);
    await s.find("notes-panel");
    await s.run(`const sel = document.querySelector('[data-testid="note-target-select"]'); sel.value = Array.from(sel.options).find(o => o.value.includes(arguments[0]))?.value ?? sel.value; sel.dispatchEvent(new Event('change', { bubbles: true }));`, [P1]);
    await (await s.find("note-input")).set("承認記録の閲覧日を実施内容に書いてください。");
    await clickIn('[data-testid="note-add-button"]');
    await s.until(`return document.querySelector('[data-testid="note-row"][data-note-id="RN-001"][data-status="open"]') !== null`);

    // The assessor answers it.
    await switchTo("佐藤 花子");
    await goTo(CONTROL);
    await (await s.find("note-row", '[data-note-id="RN-001"] [data-testid="note-answer-input"]')).set("2026-05-20 と追記しました。");
    await clickIn('[data-testid="note-row"][data-note-id="RN-001"] [data-testid="note-answer-button"]');
    await s.until(`return document.querySelector('[data-testid="note-row"][data-note-id="RN-001"][data-status="answered"]') !== null`);
    // The control, whose procedure changed, is signed again by its preparer.
    await clickIn('[data-testid="control-review"] [data-testid="sign-button"][data-level="preparer"]');
    await s.until(`return document.querySelector('[data-testid="control-review"] [data-testid="signoff-chip"][data-level="preparer"]')?.textContent.includes('佐藤 花子')`);

    // The reviewer clears the note and signs the procedure and the control.
    await switchTo("鈴木 一郎");
    await goTo(CONTROL);
    await clickIn('[data-testid="note-row"][data-note-id="RN-001"] [data-testid="note-clear-button"]');
    await s.until(`return document.querySelector('[data-testid="note-row"][data-note-id="RN-001"][data-status="cleared"]') !== null`);
    await clickIn(card('[data-testid="sign-button"][data-level="reviewer"]'));
    await s.until(`return document.querySelector(arguments[0])?.textContent.includes('鈴木 一郎')`, [card('[data-testid="signoff-chip"][data-level="reviewer"]')]);
    await clickIn('[data-testid="control-review"] [data-testid="sign-button"][data-level="reviewer"]');
    await s.until(`return document.querySelector('[data-testid="control-review"] [data-testid="signoff-chip"][data-level="reviewer"]')?.textContent.includes('鈴木 一郎')`);
    await shoot(s, "21-reviewer-signed");

    // The manager finalizes from the review view.
    await switchTo("山田 太郎");
    await (await s.find("review-view-link")).click();
    await s.until(`const b = document.querySelector('[data-testid="finalize-button"]'); return b !== null && !b.disabled`);
    await clickIn('[data-testid="finalize-button"]');
    await s.find("locked-banner");
    await shoot(s, "22-finalized");

    // An edit is now refused: the walkthrough is read-only.
    await goTo(CONTROL);
    await s.find("locked-banner");
    const disabled = await s.run(`const el = document.querySelector(arguments[0]); return el.disabled || el.readOnly;`, [card('[data-testid="work-done"]')]);
    assert.equal(disabled, true);
    await s.quit();
    s = null;

    // The file agrees: finalized, every check passes, and the CLI is refused too.
    const status = cli("review", "status", demo);
    assert.match(status, /Finalized \(locked\) by 山田 太郎/, status);
    assert.match(cli("log", "verify", demo), /intact/);
    assert.throws(() => cli("procedure", "record", demo, P1, "--notes", "x"), /locked/);
    const history = cli("history", demo, "--item", P1);
    assert.match(history, /changed_after_signoff/);
    assert.match(history, /note_added/);
  } catch (err) {
    if (s) await shoot(s, "review-failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await stopDriver(driver, app);
  }
});
