// End to end through the real app (see walkthrough.test.mjs for the set-up):
// the reviewer's work queue on the review screen, and the control list's
// search through the core's index. Screenshots of both go to
// docs/screenshots (review-queue.png, list-headers.png, search-context.png).
//
// The demo is prepared with the CLI, as the team would have left it: the
// assessor 佐藤 花子 has recorded and signed (as preparer) three procedures
// and changed a fourth after signing it; the reviewer 鈴木 一郎 has left two
// notes, one of which she answered. The expected counts below are that hand
// count, not the core's answer. Then, in the app, as the reviewer: the queue
// opens on 査閲待ち with the three procedures; its counts agree with the
// dashboard's; the tabs move with the arrow keys; the filters narrow the
// list; a row opens its control in the walkthrough. In the control list, a
// search of two words finds one control, with both words marked in its
// title, a search of words in the criterion text shows them in context,
// and a search with no hits says so, naming what was searched.
// A second test starts the app with classic scrollbars (which take room, as
// on Windows) and checks that the list's column headers stay over its columns.
//
// Run under Xvfb with a 1280×800 screen:
//   xvfb-run -a -s "-screen 0 1280x800x24" node --test tests/e2e/queue.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, app, root, shoot, shots, workbench } from "./webdriver.mjs";
import { startDriver } from "./driver-group.mjs";

const ARROW_LEFT = "\uE012";
const ARROW_RIGHT = "\uE014";

/** Procedures the assessor prepares and signs, each with the control's group and whether 佐藤 花子 is among its control's assignees. */
const PREPARED = [
  { id: "9.2.3.1/P1", control: "9.2.3.1", group: "controls", hers: true },
  { id: "4.1.1.1/P1", control: "4.1.1.1", group: "management", hers: false },
  { id: "9.2.1.1/P1", control: "9.2.1.1", group: "controls", hers: false },
];
/** Signed by her as preparer, then changed: 署名後に変更あり. */
const CHANGED = "5.1.1.1/P1";

/** The control list with every heading opened (すべて展開), longer than the window. */
async function openWholeList(s) {
  await (await s.find("nav-navigator")).click();
  await s.find("control-list-header");
  const expandAll = await s.run(`return [...document.querySelectorAll('.navigator .filters button')].find((b) => b.textContent.trim() === 'すべて展開')`);
  await s.cmd("POST", `/element/${Object.values(expandAll)[0]}/click`, {});
  await s.find("control-row", '[data-id="4.4.1.1"]');
}

/** The left and right edges of the header's columns and of the first control row's. */
function columnEdges(s) {
  return s.run(`
    const header = document.querySelector('[data-testid="control-list-header"]');
    const row = [...document.querySelectorAll('[data-testid="control-row"]')].find((r) => r.querySelector('.cells'));
    const edges = (el) => [...el.querySelectorAll('.cells > span')].map((c) => { const b = c.getBoundingClientRect(); return { cls: c.className.split(' ')[0], left: Math.round(b.left), right: Math.round(b.right) }; });
    return { header: edges(header), row: edges(row), rowId: row.dataset.id };`);
}

/** Each of the six column headers is over its column in the rows, within a pixel. */
function assertColumnsAligned(columns) {
  assert.equal(columns.header.length, 6, JSON.stringify(columns));
  assert.equal(columns.row.length, 6, JSON.stringify(columns));
  for (const [i, h] of columns.header.entries()) {
    const r = columns.row[i];
    assert.ok(Math.abs(h.left - r.left) <= 1 && Math.abs(h.right - r.right) <= 1, `header column ${h.cls} over row ${columns.rowId}'s: ${JSON.stringify(columns)}`);
  }
}

test("the reviewer's queue agrees with the dashboard, moves by keyboard, filters and opens; the control list searches with context", { timeout: 240000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  assert.ok(process.env.DISPLAY, "run under Xvfb (xvfb-run)");
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-queue-"));
  // The demo's team signs with its demo keys, whose PIN is the published 0000.
  const env = { WORKBENCH_DATA_DIR: join(home, "data"), WORKBENCH_DOCUMENTS_DIR: home, WORKBENCH_USER: "e2e", WORKBENCH_SIGNING_PIN: "0000" };
  mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
  const demo = join(env.WORKBENCH_DATA_DIR, "demo.ismap");
  const cli = (...args) => execFileSync(workbench, ["--lang", "en", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  const asAssessor = (...args) => cli("--as", "佐藤 花子", ...args);
  const asReviewer = (...args) => cli("--as", "鈴木 一郎", ...args);
  cli("demo", "--out", demo);
  for (const p of [...PREPARED.map((x) => x.id), CHANGED]) {
    asAssessor("procedure", "record", demo, p, "--result", "no_exception", "--work-done", "2026-05-12 担当者に質問し、記録を閲覧した。");
    asAssessor("signoff", demo, p, "--level", "preparer");
  }
  asAssessor("procedure", "record", demo, CHANGED, "--work-done", "2026-05-13 担当者に質問し、規程を閲覧した。");
  asReviewer("note", "add", demo, "--on", "9.2.3.1/P1", "承認記録の閲覧範囲を書いてください。");
  asReviewer("note", "add", demo, "--on", "4.1.1.1/P1", "質問した相手の役職を書いてください。");
  asAssessor("note", "answer", demo, "RN-002", "情報セキュリティ委員長と追記しました。");
  // The app starts as the reviewer.
  writeFileSync(join(env.WORKBENCH_DATA_DIR, "profile.json"), JSON.stringify({ name: "鈴木 一郎", initials: "IS", role: "reviewer", lang: "ja", recent: [] }));

  const driver = await startDriver(env);
  let s = null;
  /** Takes a screenshot and puts it in docs/screenshots as well. */
  const forDocs = async (name) => {
    await shoot(s, name);
    copyFileSync(join(shots, `${name}.png`), join(root, "docs/screenshots", `${name}.png`));
  };
  const selectedTab = () => s.run(`return document.querySelector('[data-testid="queue-tab"][aria-selected="true"]')?.dataset.category ?? null`);
  const tabCount = (category) =>
    s.run(`return document.querySelector('[data-testid="queue-tab"][data-category="' + arguments[0] + '"] [data-testid="queue-tab-count"]').textContent.trim()`, [category]);
  const rowIds = () => s.run(`return [...document.querySelectorAll('[data-testid="queue-row"]')].map((r) => r.dataset.itemId).sort()`);
  /** Waits until the queue lists exactly these items. */
  const untilRows = (ids) =>
    s.until(`return JSON.stringify([...document.querySelectorAll('[data-testid="queue-row"]')].map((r) => r.dataset.itemId).sort()) === arguments[0]`, [JSON.stringify([...ids].sort())]);
  /** A number the dashboard shows, read from its text ("… 2 件"). */
  const dashboardNumber = async (testid) => {
    const text = await (await s.find(testid)).text();
    const n = /(\d+)\s*件/.exec(text)?.[1];
    assert.ok(n !== undefined, `a count in ${testid}: ${text}`);
    return Number(n);
  };
  try {
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    await s.until(`return document.querySelector('[data-testid="profile-button"]')?.textContent.includes('鈴木 一郎')`);
    await s.cmd("POST", "/window/rect", { width: 1280, height: 800 });
    await s.until(`return window.innerWidth <= 1280 && window.innerHeight <= 800`);

    // The dashboard's counts, compared below with the queue's.
    await (await s.find("nav-dashboard")).click();
    const dashboardNotes = await dashboardNumber("dashboard-review-notes");
    const dashboardChanged = await dashboardNumber("dashboard-review-changed");
    // Two notes not cleared (one open, one answered), one procedure changed after its sign-off.
    assert.equal(dashboardNotes, 2);
    assert.equal(dashboardChanged, 1);

    // The review screen: the queue opens on 査閲待ち, which holds what the assessor signed.
    await (await s.find("review-view-link")).click();
    await s.find("review-queue");
    await s.until(`return document.querySelector('[data-testid="queue-tab"][aria-selected="true"]') !== null`);
    assert.equal(await selectedTab(), "awaiting_review");
    await untilRows(PREPARED.map((p) => p.id));
    // Each of the three waits for this reviewer, out of three in all.
    assert.equal(await tabCount("awaiting_review"), "3 / 全 3 件");
    assert.equal(await s.run(`return document.querySelector('[data-testid="queue-mine"]').checked`), true);
    await forDocs("review-queue");

    // The arrow keys move between the tabs, and the tab chosen takes the focus.
    await (await s.find("queue-tab", '[aria-selected="true"]')).type(ARROW_RIGHT);
    await s.until(`const el = document.activeElement; return el?.dataset.category === 'changed_after_signoff' && el.getAttribute('aria-selected') === 'true'`);
    // The changed procedure waits for its preparer, not for this reviewer.
    assert.equal(await tabCount("changed_after_signoff"), "0 / 全 1 件");
    await s.find("queue-empty");

    // Everyone's items: the counts are those of the whole engagement, as on the dashboard.
    await (await s.find("queue-mine")).click();
    await s.until(`return document.querySelector('[data-testid="queue-mine"]').checked === false`);
    assert.equal(await tabCount("changed_after_signoff"), `${dashboardChanged} 件`);
    await untilRows([CHANGED]);
    await (await s.find("queue-tab", '[aria-selected="true"]')).type(ARROW_RIGHT);
    await s.until(`return document.activeElement?.dataset.category === 'open_note'`);
    assert.equal(await selectedTab(), "open_note");
    assert.equal(await tabCount("open_note"), `${dashboardNotes} 件`);
    await untilRows(["RN-001", "RN-002"]);
    // And back with ←, twice, to 査閲待ち.
    await (await s.find("queue-tab", '[aria-selected="true"]')).type(ARROW_LEFT);
    await s.until(`return document.activeElement?.dataset.category === 'changed_after_signoff'`);
    await (await s.find("queue-tab", '[aria-selected="true"]')).type(ARROW_LEFT);
    await s.until(`return document.activeElement?.dataset.category === 'awaiting_review'`);
    assert.equal(await tabCount("awaiting_review"), "3 件");
    await untilRows(PREPARED.map((p) => p.id));

    // Filters: by group (管理策の区分), then by assignee.
    await (await s.find("queue-filter-group")).set("management");
    await untilRows(PREPARED.filter((p) => p.group === "management").map((p) => p.id));
    await (await s.find("queue-filter-group")).set("");
    await untilRows(PREPARED.map((p) => p.id));
    await (await s.find("queue-filter-assignee")).set("佐藤 花子");
    await untilRows(PREPARED.filter((p) => p.hers).map((p) => p.id));
    assert.deepEqual(await rowIds(), ["9.2.3.1/P1"]);

    // The row's button opens its control in the walkthrough.
    await s.clickOn('[data-testid="queue-row"][data-item-id="9.2.3.1/P1"] [data-testid="queue-open"]');
    await s.until(`return document.querySelector('[data-testid="control-id"]')?.textContent.trim() === '9.2.3.1'`);
    assert.equal(await (await s.find("control-id")).text(), "9.2.3.1");

    // The control list: column headers over the rows' columns.
    await openWholeList(s);
    assertColumnsAligned(await columnEdges(s));
    await forDocs("list-headers");

    // A search of two words finds the one control with both, and marks both in its title, where they matched.
    await (await s.find("navigator-search")).set("特権 承認");
    await s.find("navigator-found");
    const assessableRows = `return [...document.querySelectorAll('[data-testid="control-row"]')].filter((r) => r.querySelector('.cells')).map((r) => r.dataset.id)`;
    await s.until(`${assessableRows}.join(',') === '9.2.3.1'`);
    const marks = await s.run(`return [...document.querySelectorAll('[data-testid="control-row"][data-id="9.2.3.1"] .title mark')].map((m) => m.textContent)`);
    assert.equal(marks.length, 2, `two words marked: ${JSON.stringify(marks)}`);
    assert.deepEqual([...marks].sort(), ["承認", "特権"].sort());
    assert.match(await (await s.find("navigator-found")).text(), /1/);

    // A word of the titles and one only in the criterion texts: several controls, each with its context, for the screenshot.
    await (await s.find("navigator-search")).set("特権 すること");
    await s.until(`${assessableRows}.length > 1 && document.querySelectorAll('[data-testid="row-context"]').length > 1`);
    await forDocs("search-context");

    // A search that finds nothing says so, naming the words searched.
    const nothing = "量子鍵配送";
    await (await s.find("navigator-search")).set(nothing);
    const empty = await s.find("navigator-empty");
    await s.until(`return document.querySelector('[data-testid="navigator-empty"]')?.textContent.includes(arguments[0])`, [`「${nothing}」`]);
    assert.match(await empty.text(), new RegExp(`「${nothing}」`));
    assert.equal(await s.count("control-row"), 0);
  } catch (err) {
    if (s) await shoot(s, "queue-failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await driver.stop();
  }
});

// Classic scrollbars take room beside the list, as on Windows (GTK's overlay
// scrollbars, the default here, take none): the column headers must stay over
// the rows' columns all the same, with or without a search's taller rows.
// GTK reads the setting from the app's own configuration folder.
test("with classic scrollbars, the control list's column headers are over its columns", { timeout: 120000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  assert.ok(process.env.DISPLAY, "run under Xvfb (xvfb-run)");
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-columns-"));
  const env = { WORKBENCH_DATA_DIR: join(home, "data"), WORKBENCH_DOCUMENTS_DIR: home, WORKBENCH_USER: "e2e", XDG_CONFIG_HOME: join(home, "config") };
  mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
  mkdirSync(join(env.XDG_CONFIG_HOME, "gtk-3.0"), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME, "gtk-3.0", "settings.ini"), "[Settings]\ngtk-overlay-scrolling = false\n");
  const driver = await startDriver(env);
  let s = null;
  try {
    // The first start opens the demo by itself.
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    await s.cmd("POST", "/window/rect", { width: 1280, height: 800 });
    await s.until(`return window.innerWidth <= 1280 && window.innerHeight <= 800`);
    await openWholeList(s);
    assertColumnsAligned(await columnEdges(s));
    await shoot(s, "list-headers-classic-scrollbars");
    await (await s.find("navigator-search")).set("特権 すること");
    await s.until(`return document.querySelectorAll('[data-testid="row-context"]').length > 1`);
    assertColumnsAligned(await columnEdges(s));
  } catch (err) {
    if (s) await shoot(s, "columns-failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await driver.stop();
  }
});
