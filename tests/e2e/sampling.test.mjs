// End to end through the real app (see walkthrough.test.mjs for the set-up):
// a population list is imported for a procedure (with its preview), a
// sample is drawn from a seed and confirmed by "reproduce", a grid row is
// filled from the keyboard with a failure, and the failure shows as an
// exception of the procedure, whose result follows. The CLI then finds the
// same sample and exception in the file.
//
// The population file comes through the app's picker, which returns
// WORKBENCH_E2E_PICK_FILES instead of opening GTK's dialog.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys, Session, startDriver, stopDriver, app, root, shoot, workbench } from "./webdriver.mjs";

const ARROW_DOWN = "\uE015";
const P1 = "4.4.1.1/P1";
const panel = `[data-testid="sampling-panel"][data-procedure-id="${P1}"]`;

test("import a population, draw a sample, fail a grid cell and see the exception", { timeout: 180000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-sampling-"));
  const env = {
    WORKBENCH_DATA_DIR: join(home, "data"),
    WORKBENCH_DOCUMENTS_DIR: home,
    WORKBENCH_USER: "佐藤 花子",
    WORKBENCH_E2E_PICK_FILES: join(root, "assets/demo/change-tickets.csv"),
  };
  const driver = await startDriver(env);
  let s = null;
  try {
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    await (await s.find("jump-input")).type("4.4.1.1" + Keys.ENTER);
    assert.equal(await (await s.find("control-id")).text(), "4.4.1.1");

    // P1 evaluates design, so its sampling panel opens from the card.
    await (await s.find("procedure", `[data-procedure-id="${P1}"] [data-testid="sampling-toggle"]`)).click();
    await s.find("sampling-panel", `[data-procedure-id="${P1}"]`);

    // Import: the preview shows the rows and the guessed columns.
    await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="population-import"]`)).click();
    const preview = await s.find("population-preview");
    assert.match(await preview.text(), /CHG-0001/);
    assert.match(await preview.text(), /120/);
    await (await s.find("population-import-confirm")).click();
    await s.until(`return document.querySelector('${panel} [data-testid="population-summary"]')?.textContent.includes('120')`);
    assert.match(await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="population-summary"]`)).text(), /2/);

    // Size from the rule table, a recorded seed, stratified by quarter.
    await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="sample-frequency"]`)).set("daily");
    await s.until(`return document.querySelector('${panel} [data-testid="sample-rule"]')?.textContent.includes('25')`);
    assert.match(await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="sample-rule"]`)).text(), /common-practice 2026\.1/);

    // The firm's rule table, edited in the app: other sizes under the same
    // version are refused by the core at the version field; a new version is
    // saved and used at once; "back to the default" restores 2026.1.
    await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="rules-edit"]`)).click();
    await (await s.find("rules-size-daily")).set("30");
    await (await s.find("rules-save")).click();
    const refused = await s.find("rules-problem", `[data-field="version"]`);
    assert.match(await refused.text(), /2026\.1/);
    await shoot(s, "sampling-rules-ja");
    await (await s.find("rules-version")).set("2026.2");
    await (await s.find("rules-save")).click();
    await s.until(`return document.querySelector('[data-testid="rules-dialog"]') === null`);
    await s.until(`return /2026\\.2/.test(document.querySelector('${panel} [data-testid="sample-rule"]')?.textContent ?? '')`);
    assert.match(await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="sample-rule"]`)).text(), /30/);
    assert.match(execFileSync(workbench, ["sample", "rules"], { env: { ...process.env, ...env } }).toString(), /2026\.2/);
    await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="rules-edit"]`)).click();
    await (await s.find("rules-reset")).click();
    await (await s.find("rules-reset-confirm")).click();
    await s.until(`return /common-practice 2026\\.1/.test(document.querySelector('${panel} [data-testid="sample-rule"]')?.textContent ?? '')`);
    await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="sample-seed"]`)).set("20261126");
    await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="sample-by-quarter"]`)).click();
    await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="sample-select"]`)).click();
    await s.until(`return document.querySelectorAll('${panel} [data-testid="sample-item"]').length === 25`);
    // The same items as the demo's sample of the same list, seed and method
    // (computed independently, see docs/sampling.md).
    const first = await s.run(`return [...document.querySelectorAll('${panel} [data-testid="sample-item"]')].slice(0, 3).map(e => e.textContent)`);
    assert.match(first[0], /CHG-0011/);
    assert.match(first[1], /CHG-0025/);
    assert.match(first[2], /CHG-0014/);
    await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="sample-reproduce"]`)).click();
    await s.until(`return document.querySelector('${panel} [data-testid="reproduce-result"]')?.getAttribute('data-matches') === 'true'`);

    // An attribute makes the grid; fill a row from the keyboard: pass, then a failure with its facts.
    await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="attribute-add-text"]`)).set("変更の実施前に承認されている");
    await (await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="attribute-add"]`)).click();
    const cell1 = await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="grid-cell"][data-no="1"][data-attribute="A"]`);
    await cell1.click();
    await cell1.type("p");
    await s.until(`return document.querySelector('${panel} [data-testid="grid-cell"][data-no="1"][data-attribute="A"]')?.getAttribute('data-result') === 'pass'`);
    await cell1.type(ARROW_DOWN);
    await s.until(`return document.activeElement?.matches('${panel} [data-testid="grid-cell"][data-no="2"][data-attribute="A"]')`);
    const cell2 = await s.find("sampling-panel", `[data-procedure-id="${P1}"] [data-testid="grid-cell"][data-no="2"][data-attribute="A"]`);
    await cell2.type("f");
    await s.find("cell-editor");
    await s.until(`return document.activeElement?.matches('[data-testid="cell-comment"]')`);
    const comment = await s.find("cell-comment");
    await comment.set("CHG-0025 の承認記録が保存されていなかった。");
    await comment.type(Keys.ENTER);
    await s.until(`return document.querySelector('${panel} [data-testid="grid-cell"][data-no="2"][data-attribute="A"]')?.getAttribute('data-result') === 'fail'`);

    // The failure is the procedure's exception, pointing at the sample item; the result follows.
    await s.until(`return [...document.querySelectorAll('[data-testid="procedure"][data-procedure-id="${P1}"] [data-testid="exception-item"]')].some(e => e.textContent.includes('CHG-0025 の承認記録'))`);
    const exception = await s.find("procedure", `[data-procedure-id="${P1}"] [data-testid="exception-item"]`);
    assert.match(await exception.text(), /E-0002/);
    assert.match(await exception.text(), /S2/);
    await s.until(`return document.querySelector('[data-testid="procedure"][data-procedure-id="${P1}"] [data-testid="result-exception"]')?.getAttribute('aria-pressed') === 'true'`);
    await shoot(s, "20-sampling-failure");
    await s.quit();
    s = null;

    // The file holds the same: the sample reproduces, the exception points at S2.
    const file = join(env.WORKBENCH_DATA_DIR, "demo.ismap");
    const reproduce = execFileSync(workbench, ["--lang", "en", "sample", "reproduce", file, "--procedure", P1], { encoding: "utf8" });
    assert.match(reproduce, /reproduced as recorded/, reproduce);
    const state = JSON.parse(execFileSync(workbench, ["sample", "show", file, "--procedure", P1, "--json"], { encoding: "utf8" }));
    assert.equal(state.sample.seed, 20261126);
    assert.equal(state.cells.find((c) => c.no === 2).exception_id, "E-0002");
    const exceptions = execFileSync(workbench, ["--lang", "en", "exception", "list", file], { encoding: "utf8" });
    assert.match(exceptions, /E-0002/, exceptions);
    const log = execFileSync(workbench, ["--lang", "en", "log", "verify", file], { encoding: "utf8" });
    assert.match(log, /intact/, log);
  } catch (err) {
    if (s) await shoot(s, "sampling-failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await stopDriver(driver, app);
  }
});
