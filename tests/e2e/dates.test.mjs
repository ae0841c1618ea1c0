// End to end through the real app under a C locale (LANG=C LC_ALL=C), where
// the webview's own date input showed MM/DD/YYYY beside messages written
// YYYY-MM-DD (issue 18, point 4). Every date field is now a text field that
// shows and reads YYYY-MM-DD, and times are Japan's with the zone named,
// whatever the locale. Also the start screen's recent list (three files of
// one service), the header's engagement name, and the new-engagement form's
// question before leaving it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, startDriver, app, shoot, workbench } from "./webdriver.mjs";

/** The process IDs below `pid` (tauri-driver's WebKitWebDriver and the app it started). */
function descendants(pid) {
  let children = [];
  try {
    children = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" }).split("\n").map((l) => l.trim()).filter(Boolean).map(Number);
  } catch {
    // No children: ps exits 1.
  }
  return children.flatMap((c) => [...descendants(c), c]);
}

/** Stops this test's driver and what it started, by their IDs only (other tests may run an app at the same time). */
function stopOwn(handle) {
  for (const pid of [...descendants(handle.driver.pid), handle.driver.pid]) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
  handle.driver.stdout.destroy();
  handle.driver.stderr.destroy();
}

const TIME_JST = /\d{4}-\d{2}-\d{2} \d{2}:\d{2} JST/;

test("dates and times read YYYY-MM-DD and JST under a C locale; recent files and the header tell engagements apart", { timeout: 240000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-dates-"));
  const env = {
    WORKBENCH_DATA_DIR: join(home, "data"),
    WORKBENCH_DOCUMENTS_DIR: home,
    WORKBENCH_USER: "e2e",
    WORKBENCH_SIGNING_PIN: "0000",
    LANG: "C",
    LC_ALL: "C",
    LANGUAGE: "",
  };
  mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
  // Three engagements of the demo's service, one a year: one title for all three.
  const files = ["2024年度/初回監査.ismap", "2025年度/更新監査.ismap", "2026年度/更新監査.ismap"].map((f) => join(home, f));
  for (const f of files) {
    mkdirSync(join(f, ".."), { recursive: true });
    execFileSync(workbench, ["--lang", "en", "--as", "山田 太郎", "demo", "--out", f], { encoding: "utf8", env: { ...process.env, ...env } });
  }
  // 15:30 UTC on the last day of a month is 00:30 on the first of the next in Japan.
  const openedAt = ["2026-03-31T15:30:00.000Z", "2026-04-30T15:30:00.000Z", "2026-05-31T15:30:00.000Z"];
  const recent = files.map((path, i) => ({ path, title: "株式会社サンプルクラウド / サンプルクラウド IaaS", opened_at: openedAt[i] })).reverse();
  writeFileSync(join(env.WORKBENCH_DATA_DIR, "profile.json"), JSON.stringify({ name: "山田 太郎", initials: "TY", role: "manager", lang: "ja", recent }));

  const driver = await startDriver(env);
  let s = null;
  try {
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelectorAll('[data-testid="recent-item"]').length === 3`);
    const names = await s.run(`return Array.from(document.querySelectorAll('[data-testid="recent-file"]')).map((e) => e.textContent)`);
    assert.deepEqual(names, ["更新監査.ismap", "更新監査.ismap", "初回監査.ismap"]);
    // On Japan's clock, whatever the machine's zone and locale.
    const opened = await s.run(`return Array.from(document.querySelectorAll('[data-testid="recent-opened"]')).map((e) => e.textContent)`);
    assert.deepEqual(opened, ["2026-06-01 00:30 JST に開きました", "2026-05-01 00:30 JST に開きました", "2026-04-01 00:30 JST に開きました"]);
    await shoot(s, "start-recent");

    // The new-engagement form under a C locale: its dates read YYYY-MM-DD.
    await (await s.find("start-new")).click();
    const start = await s.find("field-period.start");
    assert.equal(await start.attribute("placeholder"), "YYYY-MM-DD");
    assert.equal(await start.attribute("type"), "text");
    await start.set("２０２５／４／１");
    assert.equal(await s.run(`return document.querySelector('[data-testid="field-period.start"]').value`), "2025-04-01");
    await (await s.find("field-period.end")).set("2026-02-30");
    await s.find("field-period.end-not-a-date");
    await s.run(`document.querySelector('[data-testid="field-period.end"]').scrollIntoView({ block: "center" })`);
    await shoot(s, "dates-new-engagement");
    // Leaving with something typed asks first; staying keeps it.
    await (await s.find("nav-start")).click();
    await s.find("new-leave-dialog");
    await shoot(s, "dates-new-leave");
    await (await s.find("new-leave-discard")).click();
    await s.until(`return document.querySelectorAll('[data-testid="recent-item"]').length === 3`);

    // Opened, the header names the service whole, the provider after it.
    await s.run(`document.querySelectorAll('[data-testid="recent-item"]')[2].click()`);
    await s.until(`return document.querySelector('[data-testid="engagement-service"]')?.textContent === 'サンプルクラウド IaaS'`);
    const title = await s.run(`return document.querySelector('[data-testid="engagement-name"]').title`);
    assert.ok(title.startsWith("株式会社サンプルクラウド　サンプルクラウド IaaS\n"), title);
    await shoot(s, "dates-header");
    const shown = await s.run(`const r = document.querySelector('[data-testid="engagement-service"]'); return r.scrollWidth <= r.clientWidth`);
    assert.equal(shown, true, "the service's name is not cut");

    // The review screen's closing panel: a date field and recorded times.
    await (await s.find("review-view-link")).click();
    const recorded = await s.find("representation-recorded");
    assert.match(await recorded.text(), TIME_JST);
    const date = await s.find("subsequent-date-input");
    await date.set("2026/11/5");
    assert.equal(await s.run(`return document.querySelector('[data-testid="subsequent-date-input"]').value`), "2026-11-05");
    await s.run(`document.querySelector('[data-testid="subsequent-date-input"]').scrollIntoView({ block: "center" })`);
    await shoot(s, "dates-closing");
  } finally {
    await s?.quit().catch(() => {});
    stopOwn(driver);
  }
});
