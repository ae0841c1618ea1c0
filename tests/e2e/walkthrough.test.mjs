// End to end through the real app: tauri-driver + WebKitWebDriver, under
// Xvfb (scripts/test.sh runs this file with xvfb-run). The app binary must
// be built first (cargo build -p workbench-app, with ui/dist built).
//
// The flow: the first start opens the demo; an engagement is created with
// the form (an invalid corporate number is refused first); a control is
// reached by its ID; a result and an exception are recorded with the
// keyboard; the app quits and restarts, and all of it is still there.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys, Session, app, root, shoot, workbench } from "./webdriver.mjs";
import { startDriver } from "./driver-group.mjs";


test("create, walk through with the keyboard, restart, and find everything kept", { timeout: 180000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-"));
  const env = {
    WORKBENCH_DATA_DIR: join(home, "data"),
    WORKBENCH_DOCUMENTS_DIR: join(home, "documents"),
    WORKBENCH_USER: "e2e",
  };
  mkdirSync(env.WORKBENCH_DOCUMENTS_DIR, { recursive: true });
  const driver = await startDriver(env);
  let s = null;
  try {
    // First start: the demo engagement opens by itself.
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    await s.find("nav-dashboard");
    await shoot(s, "01-first-start-dashboard");

    // The form: an invalid corporate number is shown beside its field.
    await (await s.find("nav-start")).click();
    await (await s.find("start-new")).click();
    await (await s.find("field-provider.name")).set("株式会社テストクラウド");
    const corporate = await s.find("field-provider.corporate_number");
    await corporate.type("7123456789013");
    await corporate.set("7123456789013");
    const problem = await s.find("problem-provider.corporate_number");
    assert.match(await problem.text(), /法人番号/);
    assert.equal(await (await s.find("create-button")).property("disabled"), true);
    await shoot(s, "02-form-invalid-corporate-number");

    await corporate.clear();
    await corporate.set("4011001098993");
    await (await s.find("field-service.name")).set("テストSaaS");
    await (await s.find("field-service.url")).set("https://saas.example.jp");
    await (await s.find("field-period.start")).set("2025-04-01");
    await (await s.find("field-period.end")).set("2026-03-31");
    await (await s.find("field-assessor.name")).set("テスト監査法人");
    await (await s.find("field-team[0].name")).set("佐藤 花子");
    // A plain file here (encryption has its own test, tests/e2e/encryption.test.mjs): the restart below reopens it without a passphrase.
    await (await s.find("field-encrypt")).click();
    assert.equal(await s.run(`return document.querySelector('[data-testid="field-encrypt"]').checked`), false);
    await s.until(`return document.querySelector('[data-testid="field-destination"]').value.endsWith('テストSaaS.ismap')`);
    await s.until(`return !document.querySelector('[data-testid="create-button"]').disabled`);
    await (await s.find("create-button")).click();
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社テストクラウド')`);
    const file = join(env.WORKBENCH_DOCUMENTS_DIR, "テストSaaS.ismap");
    assert.ok(existsSync(file), `${file} was created`);

    // Jump to a control by its ID.
    const jump = await s.find("jump-input");
    await jump.type("9.2.3.11.PB" + Keys.ENTER);
    const id = await s.find("control-id");
    assert.equal(await id.text(), "9.2.3.11.PB");

    // Record with the keyboard: what was done, Alt+2 (exception), an exception with Enter.
    const work = await s.find("procedure", '[data-index="0"] [data-testid="work-done"]');
    await work.click();
    await work.type("2026-05-12 情報システム部長に質問した。");
    await work.type(Keys.ALT + "2" + Keys.NULL);
    await s.until(`return document.querySelector('[data-testid="procedure"][data-index="0"] [data-testid="result-exception"]').getAttribute('aria-pressed') === 'true'`);
    const exceptionInput = await s.find("procedure", '[data-index="0"] [data-testid="exception-input"]');
    await exceptionInput.click();
    await exceptionInput.set("2026年3月分の特権ID利用記録に確認の記録がなかった。");
    await exceptionInput.type(Keys.ENTER);
    await s.find("exception-item");
    await s.until(`return document.querySelector('[data-testid="save-state"]')?.dataset.state === 'saved'`);
    await shoot(s, "03-walkthrough-recorded");
    await s.quit();

    // Restart: the engagement is in the recent list, and the work is there.
    s = await Session.create(driver.url, app);
    const recent = await s.find("recent-item");
    assert.match(await recent.text(), /株式会社テストクラウド/);
    await recent.click();
    await (await s.find("jump-input")).type("9.2.3.11.PB" + Keys.ENTER);
    await s.find("control-id");
    const kept = await s.find("procedure", '[data-index="0"] [data-testid="work-done"]');
    assert.equal(await kept.property("value"), "2026-05-12 情報システム部長に質問した。");
    const chosen = await s.find("procedure", '[data-index="0"] [data-testid="result-exception"]');
    assert.equal(await chosen.attribute("aria-pressed"), "true");
    assert.match(await (await s.find("exception-item")).text(), /E-0001/);
    await shoot(s, "04-after-restart");

    // Alt+↓ goes to the next procedure, and the card reached is wholly in
    // view below the sticky toolbar (the window is 1280×800).
    const ARROW_DOWN = "\uE015";
    await kept.type(Keys.ALT + ARROW_DOWN + Keys.NULL);
    await s.until(`return document.activeElement === document.querySelector('[data-testid="procedure"][data-index="1"] [data-testid="work-done"]')`);
    await (await s.find("procedure", '[data-index="1"] [data-testid="work-done"]')).type(Keys.ALT + ARROW_DOWN + Keys.NULL);
    await s.until(`return document.activeElement === document.querySelector('[data-testid="procedure"][data-index="2"] [data-testid="work-done"]')`);
    const place = await s.run(`
      const card = document.querySelector('[data-testid="procedure"][data-index="2"]').getBoundingClientRect();
      const bar = document.querySelector('[data-testid="walkthrough-bar"]').getBoundingClientRect();
      const main = document.querySelector('main').getBoundingClientRect();
      return { cardTop: card.top, cardBottom: card.bottom, barBottom: bar.bottom, mainBottom: main.bottom };`);
    assert.ok(place.cardTop >= place.barBottom, `the card starts below the toolbar: ${JSON.stringify(place)}`);
    assert.ok(place.cardBottom <= place.mainBottom + 1, `the card ends in view: ${JSON.stringify(place)}`);
    // Back up with Alt+↑: the card reached is not left under the toolbar.
    const ARROW_UP = "\uE013";
    await (await s.find("procedure", '[data-index="2"] [data-testid="work-done"]')).type(Keys.ALT + ARROW_UP + Keys.NULL);
    await s.until(`return document.activeElement === document.querySelector('[data-testid="procedure"][data-index="1"] [data-testid="work-done"]')`);
    const back = await s.run(`
      const card = document.querySelector('[data-testid="procedure"][data-index="1"]').getBoundingClientRect();
      const bar = document.querySelector('[data-testid="walkthrough-bar"]').getBoundingClientRect();
      return { cardTop: card.top, barBottom: bar.bottom };`);
    assert.ok(back.cardTop >= back.barBottom, `the card starts below the toolbar: ${JSON.stringify(back)}`);

    // A jump to an ID that does not exist keeps the text for correction, and says so on one line.
    const jumpAgain = await s.find("jump-input");
    await jumpAgain.click();
    await jumpAgain.type("99.9.9" + Keys.ENTER);
    const missing = await s.find("jump-missing");
    assert.equal(await jumpAgain.property("value"), "99.9.9");
    assert.equal(await s.run(`return document.querySelector('[data-testid="jump-missing"]').getClientRects().length`), 1);
    assert.ok((await s.run(`return document.querySelector('[data-testid="jump-missing"]').offsetHeight`)) < 28, "one line");
    assert.match(await missing.text(), /99\.9\.9/);
    await s.quit();

    // The file's audit trail records each change, and verifies.
    const verify = execFileSync(workbench, ["--lang", "en", "log", "verify", file], { encoding: "utf8" });
    const events = Number(/intact: (\d+) events/.exec(verify)?.[1]);
    assert.ok(events >= 4, verify); // creation, work done, result, exception (autosave may add steps)
  } catch (err) {
    if (s) await shoot(s, "failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await driver.stop();
  }
});
