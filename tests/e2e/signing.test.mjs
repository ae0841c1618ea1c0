// End to end through the real app (see walkthrough.test.mjs for the set-up):
// personal signing keys. The assessor makes her key in the profile dialog
// (a PIN twice) and sees its fingerprint; the manager adds her card and the
// reviewer's to the engagement's roster with the CLI; in the app she signs
// with her PIN; switching the laptop to the reviewer without his PIN is
// refused, with it he signs; the log verifies, signatures included.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys, Session, startDriver, stopDriver, app, shoot, workbench } from "./webdriver.mjs";

const CONTROL = "9.2.3.11.PB";
const P1 = `${CONTROL}/P1`;

test("a key made in the profile signs with its PIN; switching to a key holder takes theirs", { timeout: 240000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-signing-"));
  const env = { WORKBENCH_DATA_DIR: join(home, "data"), WORKBENCH_DOCUMENTS_DIR: home, WORKBENCH_USER: "e2e" };
  mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
  const demo = join(env.WORKBENCH_DATA_DIR, "demo.ismap");
  const cli = (as, pin, ...args) =>
    execFileSync(workbench, ["--lang", "en", "--as", as, ...args], { encoding: "utf8", env: { ...process.env, ...env, ...(pin ? { WORKBENCH_SIGNING_PIN: pin } : {}) } });
  // The demo without its demo keys: this roster is built from the people's own.
  cli("山田 太郎", null, "demo", "--out", demo, "--without-keys");
  cli("佐藤 花子", null, "procedure", "record", demo, P1, "--result", "no_exception", "--work-done", "2026-05-12 情報システム部長に質問した。");
  for (const [who, pin] of [["山田 太郎", "yamada-pin"], ["鈴木 一郎", "suzuki-pin"]]) {
    cli(who, pin, "key", "new");
    cli(who, null, "key", "card", "--key", who, "--out", join(home, `${who}.card`));
  }
  cli("山田 太郎", "yamada-pin", "roster", "add", demo, "--card", join(home, "山田 太郎.card"));
  cli("山田 太郎", "yamada-pin", "roster", "add", demo, "--card", join(home, "鈴木 一郎.card"));
  writeFileSync(join(env.WORKBENCH_DATA_DIR, "profile.json"), JSON.stringify({ name: "佐藤 花子", initials: "SH", role: "assessor", lang: "ja", recent: [] }));

  const driver = await startDriver(env);
  let s = null;
  const clickIn = (selector) => s.clickOn(selector);
  const card = (extra) => `[data-testid="procedure"][data-index="0"] ${extra}`;
  try {
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);

    // Her key, made in the profile dialog with a PIN typed twice.
    await clickIn('[data-testid="profile-button"]');
    await s.find("profile-dialog");
    await s.find("profile-choose-key-file");
    await shoot(s, "signing-profile-no-key-ja");
    await (await s.find("profile-new-pin")).set("sato-pin-2026");
    await (await s.find("profile-new-pin-again")).set("sato-pin-2026");
    await clickIn('[data-testid="profile-make-key"]');
    await s.until(`return /^([0-9A-F]{4} ){7}[0-9A-F]{4}$/.test(document.querySelector('[data-testid="profile-fingerprint"]')?.textContent ?? '')`);
    const fingerprint = await s.run(`return document.querySelector('[data-testid="profile-fingerprint"]').textContent`);
    await shoot(s, "signing-profile-key-ja");
    await clickIn('[data-testid="profile-dialog"] header button');

    // The manager adds her card to the roster.
    cli("佐藤 花子", null, "key", "card", "--key", "佐藤 花子", "--out", join(home, "佐藤 花子.card"));
    cli("山田 太郎", "yamada-pin", "roster", "add", demo, "--card", join(home, "佐藤 花子.card"));
    assert.match(cli("山田 太郎", null, "roster", "list", demo), new RegExp(fingerprint));

    // She signs; the key opened at her profile stays open a few minutes, so no PIN is asked.
    await (await s.find("jump-input")).type(CONTROL + Keys.ENTER);
    await s.until(`return document.querySelector('[data-testid="control-id"]')?.textContent === arguments[0]`, [CONTROL]);
    await clickIn(card('[data-testid="sign-button"][data-level="preparer"]'));
    await s.until(`return document.querySelector(arguments[0])?.textContent.includes('佐藤 花子')`, [card('[data-testid="signoff-chip"][data-level="preparer"]')]);

    // Switching to the reviewer without his PIN is refused; with it, he signs.
    await clickIn('[data-testid="profile-button"]');
    await s.find("profile-dialog");
    await (await s.find("profile-name-input")).set("鈴木 一郎");
    await s.find("profile-pin");
    await clickIn('[data-testid="profile-save"]');
    await s.find("profile-pin-problem");
    assert.match(await s.run(`return document.querySelector('[data-testid="profile-current"]').textContent`), /佐藤 花子/);
    await (await s.find("profile-pin")).set("suzuki-pin");
    await clickIn('[data-testid="profile-save"]');
    await s.until(`return document.querySelector('[data-testid="profile-dialog"]') === null`);
    await s.until(`return document.querySelector('[data-testid="profile-current"]')?.textContent.includes('鈴木 一郎')`);
    await clickIn(card('[data-testid="sign-button"][data-level="reviewer"]'));
    await s.until(`return document.querySelector(arguments[0])?.textContent.includes('鈴木 一郎')`, [card('[data-testid="signoff-chip"][data-level="reviewer"]')]);
    assert.equal(await s.run(`return document.querySelectorAll(arguments[0]).length`, [card('[data-testid="signoff-key"]')]), 2);
    await shoot(s, "signing-signed-ja");

    assert.match(cli("山田 太郎", null, "log", "verify", demo), /intact/);
    // Both sign-offs carry their signer's signature, by the key on the roster.
    const history = JSON.parse(cli("山田 太郎", null, "history", demo, "--item", P1, "--json"));
    const signed = history.filter((e) => e.kind === "signed_off").map((e) => JSON.parse(e.payload).signoff);
    assert.deepEqual(signed.map((x) => x.signer), ["佐藤 花子", "鈴木 一郎"]);
    assert.equal(signed[0].signature.fingerprint, fingerprint);
    assert.ok(signed.every((x) => /^[0-9a-f]{128}$/.test(x.signature.value)), JSON.stringify(signed));
  } catch (err) {
    if (s) await shoot(s, "signing-failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await stopDriver(driver, app);
  }
});
