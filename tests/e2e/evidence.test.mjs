// End to end through the real app (see walkthrough.test.mjs for the set-up):
// a file is picked for a procedure, described, taken in, listed in the
// control's evidence panel and previewed; the app restarts and the item is
// still there; the file's evidence and log verify.
//
// GTK's file dialog cannot be driven by WebDriver, so the app's picker
// returns the paths in WORKBENCH_E2E_PICK_FILES instead of opening it;
// everything after the choice is the app's real code.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys, Session, startDriver, stopDriver, app, root, shoot, workbench } from "./webdriver.mjs";


test("pick a file for a procedure, see it listed and previewed, restart, and find it kept", { timeout: 180000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-evidence-"));
  // A real PNG (one of our own screenshots) under a Japanese name with a space.
  const picked = join(home, "管理画面 MFA設定.png");
  copyFileSync(join(root, "docs/screenshots/dashboard-ja.png"), picked);
  const env = {
    WORKBENCH_DATA_DIR: join(home, "data"),
    WORKBENCH_DOCUMENTS_DIR: home,
    WORKBENCH_USER: "e2e",
    WORKBENCH_E2E_PICK_FILES: picked,
  };
  const driver = await startDriver(env);
  let s = null;
  try {
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    await (await s.find("jump-input")).type("9.2.3.11.PB" + Keys.ENTER);
    assert.equal(await (await s.find("control-id")).text(), "9.2.3.11.PB");

    // Pick the file for the first procedure; the form starts from the file's facts.
    await (await s.find("procedure", '[data-index="0"] [data-testid="add-evidence-button"]')).click();
    await s.find("intake-dialog");
    const title = await s.find("intake-title-input");
    await s.until(`return document.querySelector('[data-testid="intake-title-input"]').value === '管理画面 MFA設定'`);
    await title.clear();
    await title.set("管理画面のMFA設定（本番環境）");
    // The as-of date starts empty: the date the evidence speaks for is the assessor's to give.
    await (await s.find("meta-as-of")).set("2026-04-01");
    await (await s.find("intake-submit")).click();

    // Listed in the control's evidence panel, then previewed as an image.
    await s.until(`return document.querySelector('[data-testid="evidence-panel"] [data-testid="evidence-row"][data-evidence-id="EV-0001"]') !== null`);
    const row = await s.find("evidence-panel", ' [data-testid="evidence-row"]');
    assert.match(await row.text(), /管理画面のMFA設定（本番環境）/);
    await (await s.find("evidence-panel", ' [data-evidence-id="EV-0001"] [data-testid="evidence-preview"]')).click();
    await s.find("preview-dialog");
    await s.until(`const img = document.querySelector('[data-testid="preview-image"]'); return img !== null && img.complete && img.naturalWidth > 0`);
    await shoot(s, "10-evidence-preview");
    await s.run(`document.activeElement?.blur(); document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))`);
    await s.until(`return document.querySelector('[data-testid="preview-dialog"]') === null`);
    await s.quit();

    // Restart: the demo is in the recent list, and the item is still there.
    s = await Session.create(driver.url, app);
    await (await s.find("recent-item")).click();
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    await (await s.find("jump-input")).type("9.2.3.11.PB" + Keys.ENTER);
    await s.until(`return document.querySelector('[data-testid="evidence-panel"] [data-evidence-id="EV-0001"]') !== null`);
    await (await s.find("evidence-view-link")).click();
    await s.find("evidence-list");
    await s.until(`return document.querySelector('[data-testid="evidence-list"]').textContent.includes('EV-0001')`);
    await (await s.find("verify-evidence-button")).click();
    await s.find("verify-result");
    await shoot(s, "11-evidence-list-verified");
    await s.quit();

    // The file agrees: the item's content is the picked file's, and both checks pass.
    const file = join(env.WORKBENCH_DATA_DIR, "demo.ismap");
    const verify = execFileSync(workbench, ["--lang", "en", "evidence", "verify", file], { encoding: "utf8" });
    assert.match(verify, /intact \(1 items/, verify);
    const log = execFileSync(workbench, ["--lang", "en", "log", "verify", file], { encoding: "utf8" });
    assert.match(log, /intact/, log);
    const listed = JSON.parse(execFileSync(workbench, ["evidence", "list", file, "--json"], { encoding: "utf8" }));
    assert.equal(listed[0].original_name, "管理画面 MFA設定.png");
    assert.equal(listed[0].title, "管理画面のMFA設定（本番環境）");
    assert.deepEqual(listed[0].links, [{ kind: "procedure", id: "9.2.3.11.PB/P1" }]);
    const sha = execFileSync("sha256sum", [picked], { encoding: "utf8" }).split(" ")[0];
    assert.equal(listed[0].sha256, sha);
  } catch (err) {
    if (s) await shoot(s, "evidence-failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await stopDriver(driver, app);
  }
});
