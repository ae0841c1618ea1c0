// Encryption at rest, end to end in the real app (issue 19): a new
// engagement is encrypted by default (its passphrase typed twice, with a
// strength hint); work is recorded in it; the app is closed; a new app
// opens it from the recent list, asks for the passphrase, says a wrong one
// at the field with no other effect, and opens it with the right one, the
// work and the lock shown. The file itself reveals nothing without the
// passphrase, and the CLI reads it with it.
//
//   xvfb-run -a -s "-screen 0 1280x800x24" node --test tests/e2e/encryption.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, app, shoot, workbench } from "./webdriver.mjs";
import { startDriver } from "./driver-group.mjs";

const PASSPHRASE = "みなと監査 2026 春の往査";
const WORK = "情報システム部長に退職者のID削除手順を質問した（暗号化テスト）";

test("a new engagement is encrypted; reopened, it asks for the passphrase, refuses a wrong one at the field and shows the work", { timeout: 300000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-encryption-"));
  const env = {
    WORKBENCH_DATA_DIR: join(home, "data"),
    WORKBENCH_DOCUMENTS_DIR: home,
    WORKBENCH_USER: "e2e",
  };
  mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
  // A plain engagement in the recent list, so that the app starts on the start screen.
  const plain = join(home, "plain.ismap");
  execFileSync(workbench, ["--lang", "en", "--as", "佐藤 花子", "demo", "--out", plain], { env: { ...process.env, ...env } });
  const profile = { name: "佐藤 花子", initials: "HS", role: "assessor", lang: "ja", recent: [{ path: plain, title: "plain", opened_at: "2026-04-01T00:00:00.000Z" }] };
  writeFileSync(join(env.WORKBENCH_DATA_DIR, "profile.json"), JSON.stringify(profile));
  const file = join(home, "暗号化クラウド.ismap");

  // The first app: the engagement is created, encrypted, and worked on.
  let driver = await startDriver(env);
  let s = null;
  try {
    s = await Session.create(driver.url, app);
    await (await s.find("start-new")).click();
    const fields = {
      "field-provider.name": "株式会社暗号化テスト",
      "field-provider.corporate_number": "4011001098993",
      "field-service.name": "暗号化クラウド",
      "field-period.start": "2025-04-01",
      "field-period.end": "2026-03-31",
      "field-assessor.name": "みなと監査法人（架空）",
      "field-team[0].name": "佐藤 花子",
    };
    for (const [testid, value] of Object.entries(fields)) await (await s.find(testid)).set(value);
    assert.equal(await s.run(`return document.querySelector('[data-testid="field-encrypt"]').checked`), true, "encryption is on by default");
    await (await s.find("field-passphrase")).set("short");
    await s.until(`return document.querySelector('[data-testid="passphrase-strength-level"]')?.dataset.strength === "weak"`);
    await (await s.find("field-passphrase")).set(PASSPHRASE);
    await (await s.find("field-passphrase_repeat")).set(PASSPHRASE);
    await s.until(`return document.querySelector('[data-testid="passphrase-strength-level"]')?.dataset.strength === "strong"`);
    await s.run(`document.querySelector('[data-testid="encryption-section"]').scrollIntoView({ block: "center" })`);
    await s.until(`return document.querySelector('[data-testid="field-destination"]').value.endsWith("暗号化クラウド.ismap")`);
    await shoot(s, "encryption-new-engagement");
    await s.until(`return !document.querySelector('[data-testid="create-button"]').disabled`);
    await (await s.find("create-button")).click();
    await s.until(`return document.querySelector('[data-testid="engagement-encrypted"]') !== null`, [], 20000);
    assert.equal(await (await s.find("engagement-service")).text(), "暗号化クラウド");

    // Work recorded in the walkthrough: a procedure's work done, saved by the app.
    await (await s.find("nav-walkthrough")).click();
    const workDone = await s.find("work-done");
    await workDone.set(WORK);
    await s.until(`return document.querySelector('[data-testid="save-state"]')?.dataset.state === "saved"`, [], 20000);
    await shoot(s, "encryption-header-lock");
  } finally {
    await s?.quit().catch(() => {});
    await driver.stop();
  }

  // The file reveals nothing without its passphrase.
  const bytes = readFileSync(file);
  for (const secret of ["SQLite format 3", "株式会社暗号化テスト", "暗号化クラウド", WORK]) {
    assert.ok(!bytes.includes(Buffer.from(secret)), `the file shows ${secret}`);
  }
  assert.ok(!readFileSync(join(env.WORKBENCH_DATA_DIR, "profile.json"), "utf8").includes("株式会社暗号化テスト"), "the profile names the provider");

  // A second app: the passphrase is asked for, a wrong one refused at the field.
  driver = await startDriver(env);
  s = null;
  try {
    s = await Session.create(driver.url, app);
    await s.until(`return Array.from(document.querySelectorAll('[data-testid="recent-file"]')).some((e) => e.textContent === "暗号化クラウド.ismap")`);
    await s.clickOn(`[data-testid="recent-item"][title$="暗号化クラウド.ismap"]`);
    await s.find("passphrase-dialog");
    await shoot(s, "encryption-passphrase-dialog");
    await (await s.find("passphrase-input")).set("まちがったパスフレーズ");
    await (await s.find("passphrase-submit")).click();
    assert.equal(await (await s.find("passphrase-wrong")).text(), "パスフレーズが違います。もう一度入力してください。");
    assert.equal(await s.run(`return document.querySelector('[data-testid="error-banner"]')`), null, "a wrong passphrase is said at the field only");
    assert.equal(await s.run(`return document.querySelector('[data-testid="engagement-service"]')`), null, "nothing was opened");
    await shoot(s, "encryption-passphrase-wrong");
    await (await s.find("passphrase-input")).set(PASSPHRASE);
    await (await s.find("passphrase-submit")).click();
    await s.until(`return document.querySelector('[data-testid="engagement-service"]')?.textContent === "暗号化クラウド"`, [], 20000);
    await s.find("engagement-encrypted");
    await (await s.find("nav-walkthrough")).click();
    await s.until(`return document.querySelector('[data-testid="work-done"]')?.value === ${JSON.stringify(WORK)}`, [], 20000);
  } finally {
    await s?.quit().catch(() => {});
    await driver.stop();
  }

  // The CLI reads the work with the passphrase, and refuses without it.
  const cli = (passphrase, ...args) =>
    execFileSync(workbench, ["--lang", "en", ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env, ...(passphrase ? { WORKBENCH_ENGAGEMENT_PASSPHRASE: passphrase } : {}) },
    });
  assert.ok(cli(PASSPHRASE, "procedure", "list", file, "--json").includes(WORK));
  assert.throws(() => cli(null, "procedure", "list", file), /passphrase/);
});
