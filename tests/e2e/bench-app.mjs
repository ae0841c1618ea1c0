// Benchmarks of the desktop app with the large engagement open (issue 3):
// the IPC call that lists its controls with status, and the app's resident
// memory when idle. Run under Xvfb with a release build:
//
//   cargo build --release -p workbench-app -p workbench-cli
//   xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e/bench-app.mjs
//
// Figures are printed, never asserted. The reference, measured in the same
// run, is the CLI listing the same controls as JSON (a process start and the
// same core call).

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Session, startDriver, stopDriver } from "./webdriver.mjs";

const root = resolve(import.meta.dirname, "../..");
const profile = process.env.BENCH_PROFILE ?? "release";
const app = join(root, `target/${profile}/ismap-workbench`);
const cli = join(root, `target/${profile}/workbench`);
const runs = 20;

const home = mkdtempSync(join(tmpdir(), "workbench-bench-"));
const env = { WORKBENCH_DATA_DIR: join(home, "data"), WORKBENCH_USER: "bench" };
mkdirSync(env.WORKBENCH_DATA_DIR, { recursive: true });
const large = join(home, "large.ismap");
execFileSync(cli, ["generate", "--out", large], { env: { ...process.env, ...env } });
// The same engagement encrypted (issue 19), measured beside it in the same run.
const PASSPHRASE = "ベンチマーク用のパスフレーズ 2026";
const encrypted = join(home, "large-encrypted.ismap");
copyFileSync(large, encrypted);
execFileSync(cli, ["engagement", "encrypt", encrypted], { env: { ...process.env, ...env, WORKBENCH_ENGAGEMENT_PASSPHRASE: PASSPHRASE } });
// The page names files by handles only: the large engagement is opened from
// the Start screen's recent list, as a user would.
writeFileSync(
  join(env.WORKBENCH_DATA_DIR, "profile.json"),
  JSON.stringify({
    name: "bench",
    lang: "ja",
    recent: [
      { path: large, title: "large", opened_at: "2026-01-01T00:00:00Z" },
      { path: encrypted, title: "large-encrypted", opened_at: "2026-01-01T00:00:00Z" },
    ],
  }),
);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Reference: the CLI, same query, as a process.
const cliTimes = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  execFileSync(cli, ["controls", large, "--json"], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  cliTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
}

/** Resident memory (kB) of a process and, for the app, its WebKit children. */
function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}
/** Proportional set size (kB): shared pages divided among the processes that map them. */
function pss(pid) {
  try {
    return Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
function children(pid) {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry), ...children(Number(entry)));
    } catch {
      // The process ended meanwhile.
    }
  }
  return out;
}

const driver = await startDriver(env);
let s;
try {
  s = await Session.create(driver.url, app);
  await (await s.find("recent-item")).click();
  await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('サンプルクラウド')`);
  await (await s.find("nav-navigator")).click();
  await sleep(1000);

  const ipc = await s.cmd("POST", "/execute/async", {
    script: `const [runs, passphrase] = arguments; const done = arguments[arguments.length - 1];
             (async () => {
               const invoke = (name, request) => window.__TAURI_INTERNALS__.invoke(name, { request });
               const recent = (await invoke("get_profile", {})).recent;
               const engagement = recent.find((r) => r.location.endsWith("/large.ismap")).file;
               const locked = recent.find((r) => r.location.endsWith("/large-encrypted.ismap")).file;
               await invoke("unlock_file", { file: locked, passphrase });
               // Plain and encrypted in turn, so that neither gets a warmer cache.
               const times = [], encryptedTimes = []; let count = 0, encryptedCount = 0;
               for (let i = 0; i < runs + 1; i++) {
                 let t0 = performance.now();
                 const rows = await invoke("list_controls", { engagement });
                 if (i > 0) times.push(performance.now() - t0);
                 count = rows.length;
                 t0 = performance.now();
                 const encryptedRows = await invoke("list_controls", { engagement: locked });
                 if (i > 0) encryptedTimes.push(performance.now() - t0);
                 encryptedCount = encryptedRows.length;
               }
               done({ times, count, encryptedTimes, encryptedCount });
             })().catch((e) => done({ error: String(e) }));`,
    args: [runs, PASSPHRASE],
  });
  if (ipc.error) throw new Error(ipc.error);

  // Idle: nothing happens for ten seconds, then the memory is read.
  await sleep(10000);
  const pid = Number(execFileSync("pgrep", ["-f", "-n", app], { encoding: "utf8" }).trim());
  const appKb = rss(pid);
  const all = [pid, ...children(pid)];
  const totalKb = all.reduce((sum, p) => sum + rss(p), 0);
  const totalPss = all.reduce((sum, p) => sum + pss(p), 0);
  const each = all.map((p) => `${readFileSync(`/proc/${p}/comm`, "utf8").trim()} ${(rss(p) / 1024).toFixed(0)}`).join(", ");

  console.log(`| benchmark | app (${profile}) | reference, same run | ratio |`);
  console.log(`|---|---|---|---|`);
  const m = median(ipc.times);
  const c = median(cliTimes);
  console.log(`| IPC list_controls, large engagement (${ipc.count} rows, median of ${runs}) | ${m.toFixed(1)} ms | CLI \`controls --json\`, process: ${c.toFixed(1)} ms | ${(m / c).toFixed(2)} |`);
  const e = median(ipc.encryptedTimes);
  console.log(`| IPC list_controls, large engagement encrypted (${ipc.encryptedCount} rows, median of ${runs}) | ${e.toFixed(1)} ms | the same plain, same run: ${m.toFixed(1)} ms | ${(e / m).toFixed(2)} |`);
  console.log(`| resident memory, idle with the large engagement open | app process ${(appKb / 1024).toFixed(0)} MB RSS; with its ${all.length - 1} WebKit processes ${(totalKb / 1024).toFixed(0)} MB RSS, ${(totalPss / 1024).toFixed(0)} MB PSS (${each}) | | |`);
} finally {
  if (s) await s.quit().catch(() => {});
  await stopDriver(driver, app);
}
