// Takes the screenshots in docs/screenshots/ from the real app (not the
// fake): run it under Xvfb after building the app and the CLI:
//
//   xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e/screenshots.mjs
//
// The demo engagement gets some recorded work first (with the CLI), so the
// screens show what an engagement in progress looks like.

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Keys, Session, shoot, startDriver, stopDriver } from "./webdriver.mjs";

const root = resolve(import.meta.dirname, "../..");
const app = join(root, "target/debug/ismap-workbench");
const cli = join(root, "target/debug/workbench");
const out = join(root, "docs/screenshots");
mkdirSync(out, { recursive: true });

const home = mkdtempSync(join(tmpdir(), "workbench-shots-"));
// The demo's team signs with its demo keys, whose PIN is the published 0000.
const env = { WORKBENCH_DATA_DIR: join(home, "data"), WORKBENCH_DOCUMENTS_DIR: home, WORKBENCH_USER: "佐藤 花子", WORKBENCH_SIGNING_PIN: "0000" };
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
// A population without a sample yet, for the firm's rule table editor.
wb("sample", "population", demo, "--procedure", "4.4.1.1/P1", "--import", join(root, "assets/demo/change-tickets.csv"));

// Evidence: a screenshot, a PDF, an exported log; and the PBC list.
const evidenceDir = join(home, "evidence");
mkdirSync(evidenceDir, { recursive: true });
const png = join(evidenceDir, "特権ID管理画面.png");
copyFileSync(join(out, "navigator-ja.png"), png);
const pdf = join(evidenceDir, "Privileged ID procedure v3.pdf");
writeFileSync(pdf, minimalPdf(["Privileged ID management procedure", "Version 3, approved 2026-02-01"]));
const log = join(evidenceDir, "auth-2026-03.log");
writeFileSync(log, [
  "2026-03-01 09:12:03 sudo: admin01 : TTY=pts/0 ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
  "2026-03-01 09:15:44 特権ID admin01 の利用申請 REQ-2026-0311 を承認（承認者: 情報システム部長）",
  "2026-03-02 18:40:10 sudo: admin02 : TTY=pts/1 ; USER=root ; COMMAND=/usr/sbin/useradd tmp-vendor",
].join("\n") + "\n");
wb("pbc", "add", demo, "--item", "特権ID利用申請・承認記録（2026年3月分）", "--requested-on", "2026-05-01", "--due", "2026-05-15", "--from", "情報システム部 山田", "--status", "received");
wb("pbc", "add", demo, "--item", "特権ID管理手順書（最新版）", "--requested-on", "2026-05-01", "--due", "2026-05-15", "--from", "情報システム部 山田", "--status", "received");
wb("pbc", "add", demo, "--item", "退職者アカウント削除記録", "--requested-on", "2026-05-01", "--due", "2026-05-20", "--from", "人事部 鈴木");
wb("pbc", "add", demo, "--item", "バックアップ取得ログ（四半期分）", "--requested-on", "2026-05-08", "--due", "2026-12-25", "--from", "運用チーム", "--status", "follow_up");
wb("evidence", "add", demo, png, "--procedure", "9.2.3.11.PB/P2", "--title", "特権ID管理画面（本番環境）", "--as-of", "2026-03-31", "--from", "情報システム部 山田");
wb("evidence", "add", demo, pdf, "--procedure", "9.2.3.11.PB/P1", "--pbc", "PBC-002", "--title", "特権ID管理手順書 第3版", "--kind", "document", "--as-of", "2026-02-01", "--from", "情報システム部 山田");
wb("evidence", "add", demo, log, "--procedure", "9.2.3.11.PB/P3", "--pbc", "PBC-001", "--title", "特権ID利用ログ（2026年3月）", "--as-of", "2026-03-31", "--from", "ログ管理基盤");
// Evidence dated after the period's end: warned of on the item.
wb("evidence", "add", demo, log, "--procedure", "9.2.1.2/P1", "--title", "退職者アカウント一覧（10月時点）", "--obtained-at", "2026-10-20", "--as-of", "2026-10-15", "--from", "人事部 鈴木");

// Review: 9.2.3.11.PB performed; P1 signed by the assessor and the
// reviewer, P2 signed and then changed; a note answered, another open.
for (const n of [1, 2, 3]) {
  wb("procedure", "record", demo, `9.2.3.11.PB/P${n}`, "--result", "no_exception", "--work-done", `2026-05-1${n} 特権ID管理手順書と利用記録を閲覧した。`);
}
wb("--as", "佐藤 花子", "signoff", demo, "9.2.3.11.PB/P1");
wb("--as", "鈴木 一郎", "signoff", demo, "9.2.3.11.PB/P1", "--level", "reviewer");
wb("--as", "佐藤 花子", "signoff", demo, "9.2.3.11.PB/P2");
wb("--as", "鈴木 一郎", "signoff", demo, "9.2.3.11.PB/P2", "--level", "reviewer");
wb("procedure", "record", demo, "9.2.3.11.PB/P2", "--work-done", "2026-05-12 特権ID管理手順書（第3版）と2026年3月の利用記録を閲覧した。");
wb("--as", "鈴木 一郎", "note", "add", demo, "--on", "9.2.3.11.PB/P1", "承認記録の閲覧日を実施内容に書いてください。");
wb("--as", "佐藤 花子", "note", "answer", demo, "RN-001", "2026-05-20 と追記しました。");
wb("--as", "鈴木 一郎", "note", "add", demo, "--on", "9.2.3.11.PB", "対象範囲に本番環境以外のIDが含まれるか確認してください。");
// A finalized engagement, opened from the recent list at the end.
const final = join(home, "サンプルクラウド（確定済み）.ismap");
wb("--as", "山田 太郎", "demo", "--out", final, "--finalized");
writeFileSync(
  join(env.WORKBENCH_DATA_DIR, "profile.json"),
  JSON.stringify({ name: "佐藤 花子", initials: "HS", role: "assessor", lang: "ja", recent: [{ path: final, title: "株式会社サンプルクラウド / 確定済みのデモ", opened_at: "2026-11-26T00:00:00.000Z" }] }),
);

const driver = await startDriver({ ...env, WORKBENCH_E2E_PICK_FILES: log });
let s;
const shot = (name) => shoot(s, name, out);
const setLang = (lang) =>
  s.run(`const el = document.querySelector('[data-testid="language-switch"]'); el.value = arguments[0];
         el.dispatchEvent(new Event("change", { bubbles: true }));`, [lang]);
try {
  s = await Session.create(driver.url, app);
  await (await s.find("start-demo")).click();
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

  // Evidence: the control's panel, the intake form, previews, the list, the PBC list.
  await (await s.find("jump-input")).type("9.2.3.11.PB" + Keys.ENTER);
  await s.until(`return document.querySelectorAll('[data-testid="evidence-panel"] [data-testid="evidence-row"]').length === 3`);
  await s.run(`document.querySelector('[data-testid="evidence-panel"]').scrollIntoView()`);
  await shot("evidence-panel-ja");
  const add = await s.find("procedure", '[data-index="0"] [data-testid="add-evidence-button"]');
  await s.run(`arguments[0].scrollIntoView({ block: "center" })`, [add.ref]);
  await add.click();
  await s.find("intake-dialog");
  await s.until(`return document.querySelector('[data-testid="intake-title-input"]')?.value`);
  await shot("evidence-intake-ja");
  await s.run(`document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }))`);
  await s.until(`return !document.querySelector('[data-testid="intake-dialog"]')`);
  const preview = async (id, testid, name) => {
    const open = await s.find("evidence-panel", ` [data-evidence-id="${id}"] [data-testid="evidence-preview"]`);
    await s.run(`arguments[0].scrollIntoView({ block: "center" })`, [open.ref]);
    await open.click();
    await s.find(testid);
    await new Promise((r) => setTimeout(r, 1500)); // the PDF page renders asynchronously
    await shot(name);
    await s.run(`document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }))`);
    await s.until(`return !document.querySelector('[data-testid="preview-dialog"]')`);
  };
  await preview("EV-0001", "preview-image", "evidence-preview-image-ja");
  await preview("EV-0002", "preview-pdf-canvas", "evidence-preview-pdf-ja");
  await preview("EV-0003", "preview-text", "evidence-preview-text-ja");
  await (await s.find("evidence-view-link")).click();
  await s.find("evidence-list");
  await (await s.find("verify-evidence-button")).click();
  await s.find("verify-result");
  await shot("evidence-list-ja");
  await (await s.find("pbc-view-link")).click();
  await s.find("pbc-list");
  await shot("pbc-list-ja");
  await (await s.find("nav-dashboard")).click();
  await s.until(`return document.body.textContent.includes('PBC-003')`);
  await shot("dashboard-pbc-ja");

  // Review: sign-offs and a change after sign-off on the cards, the notes, the review view.
  await (await s.find("jump-input")).type("9.2.3.11.PB" + Keys.ENTER);
  await s.find("changed-badge");
  await s.run(`document.querySelector('[data-testid="procedure"][data-index="0"]').scrollIntoView({ block: "start" }); window.scrollBy(0, -60);`);
  await shot("review-walkthrough-ja");
  await s.run(`document.querySelector('[data-testid="notes-panel"]').scrollIntoView({ block: "center" })`);
  await shot("review-notes-ja");
  await (await s.find("review-view-link")).click();
  await s.find("finalize-blockers");
  await shot("review-ja");

  // Sampling: the demo's change-management procedure, its population and sample, then its grid.
  await (await s.find("jump-input")).type("4.4.1.1" + Keys.ENTER);
  const sampled = '[data-testid="sampling-panel"][data-procedure-id="4.4.1.1/P3"]';
  await s.until(`return document.querySelectorAll('${sampled} [data-testid="sample-item"]').length === 25`);
  // The control changed on 2026-04-01: its two versions, above its procedures.
  await s.run(`document.querySelector('[data-testid="control-changes"]').scrollIntoView({ block: "center" })`);
  await shot("walkthrough-changes-ja");
  // The form to record a change.
  await (await s.find("control-change-open")).click();
  await s.find("control-change-effective");
  await s.run(`document.querySelector('[data-testid="control-changes"]').scrollIntoView({ block: "center" })`);
  await shot("walkthrough-change-form-ja");
  await s.run(`document.querySelector('${sampled}').scrollIntoView({ block: "start" }); window.scrollBy(0, -60);`);
  await shot("sampling-panel-ja");
  await s.run(`document.querySelector('${sampled} [data-testid="test-grid"]').scrollIntoView({ block: "start" }); window.scrollBy(0, -80);`);
  const failed = await s.find("sampling-panel", `[data-procedure-id="4.4.1.1/P3"] [data-testid="grid-cell"][data-no="7"][data-attribute="A"]`);
  await s.run(`arguments[0].scrollIntoView({ block: "center" })`, [failed.ref]);
  await failed.click();
  await shot("sampling-grid-ja");
  // The firm's rule table, from P1's draw form: other sizes under the same version are refused.
  const centred = async (element) => {
    await s.run(`arguments[0].scrollIntoView({ block: "center" })`, [element.ref]);
    return element;
  };
  await (await centred(await s.find("procedure", `[data-procedure-id="4.4.1.1/P1"] [data-testid="sampling-toggle"]`))).click();
  await (await s.find("sampling-panel", `[data-procedure-id="4.4.1.1/P1"] [data-testid="sample-frequency"]`)).set("daily");
  await (await centred(await s.find("sampling-panel", `[data-procedure-id="4.4.1.1/P1"] [data-testid="rules-edit"]`))).click();
  await (await s.find("rules-size-daily")).set("30");
  await (await s.find("rules-save")).click();
  await s.find("rules-problem", `[data-field="version"]`);
  await shot("sampling-rules-ja");
  await (await s.find("rules-cancel")).click();
  // A basic-statement control exempted by its objective's exclusion, with the objective above it.
  await (await s.find("jump-input")).type("10.1.1.2.B" + Keys.ENTER);
  await s.find("objective-excluded");
  await shot("walkthrough-objective-ja");

  await setLang("en");
  await (await s.find("jump-input")).type("9.2.1.2" + Keys.ENTER);
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
  await s.run(`Array.from(document.querySelectorAll('[data-testid="recent-item"]')).find((el) => el.textContent.includes('確定済み')).click()`);
  await s.find("locked-banner");
  await (await s.find("review-view-link")).click();
  await s.until(`return document.querySelector('[data-testid="reopen-button"]') !== null`);
  await shot("review-finalized-ja");
  await (await s.find("nav-start")).click();
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
} catch (err) {
  // Keep what the screen showed when a step failed, outside docs/.
  if (s) writeFileSync(join(root, "target/screenshots-failure.png"), await s.screenshot());
  throw err;
} finally {
  if (s) await s.quit().catch(() => {});
  await stopDriver(driver, app);
}
console.log(`screenshots written to ${out}`);

/** A one-page PDF with Helvetica text, byte offsets computed, for a preview. */
function minimalPdf(lines) {
  const text = lines.map((l, i) => `${i === 0 ? "" : "0 -28 Td "}(${l}) Tj`).join(" ");
  const content = `BT /F1 20 Tf 72 760 Td ${text} ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let pdf = "%PDF-1.4\n";
  const offsets = objects.map((o, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return pdf;
}
