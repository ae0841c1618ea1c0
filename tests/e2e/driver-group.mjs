// tauri-driver started as the leader of its own process group, and stopped
// by that group: its WebKitWebDriver and any app instance they left running
// end with it, and nothing else does (webdriver.mjs's stopDriver ends
// processes by name, which would end other tests' apps running beside).

import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * tauri-driver on a free port, its output kept for failures. It is stopped by
 * its own process id, with what it started: this test ends only what it began.
 */
export async function startDriver(env) {
  const port = 4444 + Math.floor(Math.random() * 500);
  const driver = spawn("tauri-driver", ["--port", String(port)], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  const keep = (d) => {
    log = (log + d).slice(-32768);
  };
  driver.stdout.on("data", keep);
  driver.stderr.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/status`)).ok) break;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  return {
    url,
    log: () => log,
    async stop() {
      // The driver was started as the leader of its own process group: the
      // group is its WebKitWebDriver and any app they left running.
      try {
        process.kill(-driver.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await sleep(300);
      driver.stdout.destroy();
      driver.stderr.destroy();
    },
  };
}

