// End to end through the real app (see walkthrough.test.mjs for the set-up):
// team fieldwork. The manager makes a field copy for a second assessor from
// the dashboard; the assessor changes it with the CLI while the manager
// changes the same field in the file; the manager merges the copy in the
// app, sees the conflict with both values, decides it, and the file's log
// verifies. The native dialogs answer from WORKBENCH_E2E_EXPORT_DIR (where
// the copy is saved) and WORKBENCH_E2E_PICK_FILES (the copy to merge).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, startDriver, stopDriver, app, shoot, workbench } from "./webdriver.mjs";

const P1 = "9.2.1.2/P1";

test("make a copy, merge the second assessor's work in the app, decide the conflict", { timeout: 240000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-team-"));
  const copies = join(home, "copies");
  mkdirSync(copies, { recursive: true });
  const copy = join(copies, "demo（鈴木 一郎）.ismap");
  const env = {
    WORKBENCH_DATA_DIR: join(home, "data"),
    WORKBENCH_DOCUMENTS_DIR: home,
    WORKBENCH_USER: "山田 太郎",
    WORKBENCH_E2E_EXPORT_DIR: copies,
    WORKBENCH_E2E_PICK_FILES: copy,
  };
  mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
  const demo = join(env.WORKBENCH_DATA_DIR, "demo.ismap");
  const cli = (as, ...args) => execFileSync(workbench, ["--lang", "en", "--as", as, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  cli("山田 太郎", "demo", "--out", demo);
  writeFileSync(join(env.WORKBENCH_DATA_DIR, "profile.json"), JSON.stringify({ name: "山田 太郎", initials: "TY", role: "manager", lang: "ja", recent: [] }));

  const driver = await startDriver(env);
  let s = null;
  const clickIn = (selector) => s.clickOn(selector);
  try {
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    await s.find("dashboard-team");

    // The copy dialog, from the dashboard.
    await clickIn('[data-testid="copy-open"]');
    await s.find("copy-dialog");
    await (await s.find("copy-for")).set("鈴木 一郎");
    await clickIn('[data-testid="copy-choose"]');
    await s.until(`return document.querySelector('[data-testid="copy-destination"]')?.textContent.endsWith('.ismap')`);
    await shoot(s, "team-copy-dialog-ja");
    await clickIn('[data-testid="copy-create"]');
    await s.until(`return document.querySelector('[data-testid="copy-made"]')?.textContent.includes('コピー A')`);
    assert.ok(existsSync(copy), `${copy} was written`);
    await s.until(`return document.querySelector('[data-testid="team-copy"]')?.textContent.includes('鈴木 一郎')`);

    // The second assessor works on the copy; the manager changes the same field in the file.
    cli("鈴木 一郎", "procedure", "record", copy, P1, "--work-done", "2026-05-20 鈴木が人事部長に質問した。");
    cli("鈴木 一郎", "exception", "add", copy, "--procedure", P1, "退職者1名のIDが14日間有効なままであった。");
    cli("山田 太郎", "procedure", "record", demo, P1, "--work-done", "2026-05-21 山田が退職者一覧を閲覧した。");

    // Merged in the app: the conflict, both values side by side.
    await clickIn('[data-testid="merge-open"]');
    await s.find("merge-dialog");
    await s.until(`return document.querySelector('[data-testid="merge-summary"]')?.textContent.includes('競合 1 件')`);
    const sides = await s.run(`return Array.from(document.querySelectorAll('[data-testid="conflict-side"]')).map((e) => e.dataset.origin + ':' + e.textContent)`);
    assert.equal(sides.length, 2, JSON.stringify(sides));
    assert.ok(sides.some((t) => t.startsWith("A:") && t.includes("鈴木が人事部長に質問した")), JSON.stringify(sides));
    assert.ok(sides.some((t) => t.startsWith(":") && t.includes("山田が退職者一覧を閲覧した")), JSON.stringify(sides));
    await shoot(s, "team-merge-conflict-ja");

    // Decided: the copy's value.
    await clickIn('[data-testid="conflict-side"][data-origin="A"] [data-testid="conflict-choose"]');
    await s.find("merge-no-conflicts");
    await clickIn('[data-testid="merge-dialog"] header button');
    await s.until(`return document.querySelector('[data-testid="merge-dialog"]') === null`);
    await s.until(`return document.querySelector('[data-testid="team-copy"]')?.textContent.includes('1 回')`);
    await shoot(s, "team-dashboard-ja");
    // The audit trail, checked in the app.
    await clickIn('[data-testid="log-verify"]');
    await s.until(`return document.querySelector('[data-testid="log-verify-result"]')?.dataset.intact === 'true'`);

    const shown = cli("山田 太郎", "control", "show", demo, "9.2.1.2");
    assert.match(shown, /鈴木が人事部長に質問した/);
    assert.match(shown, /E-A0001/);
    assert.match(cli("山田 太郎", "log", "verify", demo), /intact/);
    assert.match(cli("山田 太郎", "history", demo, "--item", P1), /field copy A: 鈴木 一郎/);
  } catch (err) {
    if (s) await shoot(s, "team-failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await stopDriver(driver, app);
  }
});
