// Takes the screenshots in docs/screenshots/ from the real app (not the
// fake): run it under Xvfb after building the app and the CLI:
//
//   xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e/screenshots.mjs
//
// The demo engagement gets some recorded work first (with the CLI), so the
// screens show what an engagement in progress looks like.

import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Keys, Session, startDriver, stopDriver } from "./webdriver.mjs";

const root = resolve(import.meta.dirname, "../..");
const app = join(root, "target/debug/ismap-workbench");
const cli = join(root, "target/debug/workbench");
const out = join(root, "docs/screenshots");
mkdirSync(out, { recursive: true });

const home = mkdtempSync(join(tmpdir(), "workbench-shots-"));
const env = { WORKBENCH_DATA_DIR: join(home, "data"), WORKBENCH_DOCUMENTS_DIR: home, WORKBENCH_USER: "佐藤 花子" };
const demo = join(env.WORKBENCH_DATA_DIR, "demo.ismap");
mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
const wb = (...args) => execFileSync(cli, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
wb("demo", "--out", demo);
const done = [
  ["3.1.1.1", "no_exception"], ["3.2.1.1", "no_exception"], ["3.3.1.1", "no_exception"],
  ["5.1.1.1", "no_exception"], ["5.1.1.2.B", "no_exception"], ["5.1.1.3", "not_applicable"],
  ["9.2.1.1", "no_exception"], ["9.2.1.2", "exception"],
];
for (const [control, result] of done) {
  for (const n of [1, 2, 3]) {
    try {
      wb("procedure", "record", demo, `${control}/P${n}`, "--work-done", `2026-05-1${n} 担当責任者に質問し、記録を閲覧した。`, "--result", n === 1 ? result : "no_exception");
    } catch {
      // Governance controls have two procedures, not three.
    }
  }
}
wb("exception", "add", demo, "--procedure", "9.2.1.2/P1", "退職者3名のうち1名のIDが退職日から14日間有効なままであった。");
wb("procedure", "record", demo, "9.2.3.11.PB/P1", "--work-done", "2026-05-12 情報システム部長に質問し、特権ID管理手順書（第3版）を閲覧した。", "--assignee", "佐藤 花子");
wb("scope", "set", demo, "17.1.2.2.B", "--decision", "not_adopted", "--reason", "言明書で非採用（バックアップは利用者の責任範囲）");

const driver = await startDriver(env);
let s;
const shot = async (name) => writeFileSync(join(out, `${name}.png`), await s.screenshot());
const setLang = (lang) =>
  s.run(`const el = document.querySelector('[data-testid="language-switch"]'); el.value = arguments[0];
         el.dispatchEvent(new Event("change", { bubbles: true }));`, [lang]);
try {
  s = await Session.create(driver.url, app);
  await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('サンプルクラウド')`);
  await s.until(`return document.body.textContent.includes('E-0001')`);
  await shot("dashboard-ja");

  await (await s.find("nav-navigator")).click();
  await s.find("navigator-search").catch(() => null);
  await shot("navigator-ja");

  await (await s.find("jump-input")).type("9.2.1.2" + Keys.ENTER);
  await s.until(`return document.querySelector('[data-testid="control-id"]')?.textContent === '9.2.1.2'`);
  await shot("walkthrough-ja");
  await (await s.find("help-button")).click();
  await s.until(`return document.querySelector('[role="dialog"]')`);
  await shot("walkthrough-help-ja");
  await (await s.find("help-button")).type(Keys.ESCAPE).catch(() => {});
  await s.run(`document.querySelector('[role="dialog"]')?.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }))`);
  await s.until(`return !document.querySelector('[role="dialog"]')`);

  await setLang("en");
  await s.until(`return document.body.textContent.includes('Walkthrough')`);
  await shot("walkthrough-en");
  await (await s.find("nav-dashboard")).click();
  await shot("dashboard-en");
  await (await s.find("nav-navigator")).click();
  await shot("navigator-en");
  await setLang("ja");

  await (await s.find("nav-start")).click();
  await s.find("recent-item");
  await shot("start-ja");
  await (await s.find("start-new")).click();
  await (await s.find("field-provider.name")).set("株式会社テストクラウド");
  await (await s.find("field-provider.corporate_number")).set("7123456789013");
  await (await s.find("field-service.name")).set("テストSaaS");
  await (await s.find("field-service.url")).set("saas.example.jp");
  await (await s.find("field-period.start")).set("2026-01-01");
  await (await s.find("field-period.end")).set("2026-02-28");
  await (await s.find("field-assessor.name")).set("テスト監査法人");
  await s.find("problem-provider.corporate_number");
  await shot("new-engagement-ja");
} finally {
  if (s) await s.quit().catch(() => {});
  await stopDriver(driver, app);
}
console.log(`screenshots written to ${out}`);
