// End to end through the real app (see walkthrough.test.mjs for the set-up):
// the finalized demo engagement is exported from the dashboard's export
// dialog as a signed report (the certificate made here with openssl and
// thrown away), then as the submission package; pdfsig accepts the report
// and `workbench verify report` and `verify package` accept them. A wrong passphrase is
// refused first.
//
// The native dialogs cannot be driven by WebDriver, so the app's pickers
// answer from WORKBENCH_E2E_EXPORT_DIR and WORKBENCH_E2E_PICK_CERTIFICATE.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys, Session, startDriver, stopDriver, app, root, shoot, workbench } from "./webdriver.mjs";


function throwawayCertificate(dir) {
  const run = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "firm.key", "-out", "firm.pem", "-days", "2",
    "-subj", "/O=Throwaway e2e firm/CN=e2e signer", "-addext", "basicConstraints=critical,CA:TRUE",
    // A signing certificate says so: the workbench refuses to sign with one that does not.
    "-addext", "keyUsage=critical,digitalSignature,keyCertSign");
  run("pkcs12", "-export", "-inkey", "firm.key", "-in", "firm.pem", "-out", "firm.p12", "-passout", "pass:e2e-pass");
  return { p12: join(dir, "firm.p12"), pem: join(dir, "firm.pem") };
}

test("export the finalized demo as a signed report and a package, and both verify", { timeout: 180000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-export-"));
  const exports = join(home, "exports");
  mkdirSync(exports);
  const certificate = throwawayCertificate(home);
  const env = {
    WORKBENCH_DATA_DIR: join(home, "data"),
    WORKBENCH_DOCUMENTS_DIR: home,
    WORKBENCH_USER: "山田 太郎",
    WORKBENCH_E2E_EXPORT_DIR: exports,
    WORKBENCH_E2E_PICK_CERTIFICATE: certificate.p12,
  };
  // The app opens the demo engagement in its data folder; make it the finalized one.
  mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
  execFileSync(workbench, ["demo", "--finalized", "--out", join(env.WORKBENCH_DATA_DIR, "demo.ismap")], { stdio: "pipe", env: { ...process.env, ...env } });
  const driver = await startDriver(env);
  let s = null;
  try {
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    await (await s.find("export-open")).click();
    await s.find("export-dialog");
    await s.until(`return document.querySelector('[data-testid="export-status"]')?.getAttribute('data-final') === 'true'`);
    assert.equal(await (await s.find("export-sign")).property("checked"), true);
    await (await s.find("export-certificate-pick")).click();
    await s.until(`return document.querySelector('[data-testid="export-certificate-name"]')?.textContent.includes('firm.p12')`);

    // A wrong passphrase is refused at its field, and nothing is written.
    await (await s.find("export-passphrase")).type("wrong");
    await (await s.find("export-submit")).click();
    await s.until(`return document.querySelector('[data-testid="export-error"]')?.getAttribute('data-field') === 'passphrase'`);
    await shoot(s, "30-export-wrong-passphrase");

    await (await s.find("export-passphrase")).type("e2e-pass");
    await shoot(s, "31-export-dialog");
    await (await s.find("export-submit")).click();
    const done = await s.find("export-done", "", 30000);
    assert.equal(await done.attribute("data-signed"), "true");
    assert.equal(await done.attribute("data-final"), "true");
    const pdf = await done.attribute("data-path");
    assert.ok(readFileSync(pdf).subarray(0, 5).toString() === "%PDF-", pdf);
    await shoot(s, "32-export-done");
    const sig = execFileSync("pdfsig", [pdf], { encoding: "utf8" });
    assert.match(sig, /Signature is Valid/, sig);
    assert.match(sig, /ETSI\.CAdES\.detached/, sig);
    // The report alone verifies with the CLI too, against the same certificate.
    const alone = execFileSync(workbench, ["--lang", "en", "verify", "report", pdf, "--trust", certificate.pem], { encoding: "utf8" });
    assert.match(alone, /The report's signature passed verification/, alone);

    // The package, from the same dialog.
    await (await s.find("export-again")).click();
    await (await s.find("export-kind-package")).click();
    await (await s.find("export-certificate-pick")).click();
    await (await s.find("export-passphrase")).type("e2e-pass");
    await (await s.find("export-submit")).click();
    const packaged = await s.find("export-done", "", 30000);
    const zip = await packaged.attribute("data-path");
    assert.match(zip, /\.zip$/);
    const verify = execFileSync(workbench, ["--lang", "en", "verify", "package", zip, "--trust", certificate.pem], { encoding: "utf8" });
    assert.match(verify, /The package passed verification/, verify);
  } catch (err) {
    if (s) await shoot(s, "export-failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await stopDriver(driver, app);
  }
});
