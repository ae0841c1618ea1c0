// A hands-on usage pass (issue 18's closing request): the real app under
// Xvfb at 1280×720, driven step by step by a person through a small local
// HTTP endpoint, rather than by a fixed script. It is not a test: it asserts
// nothing. Each request's body is the body of an async function that gets
// the session and a few helpers, and its answer (with how long it took) is
// sent back as JSON, so that one can look, act, time and photograph as a
// user would, one step after another.
//
//   xvfb-run -a -s "-screen 0 1280x720x24" node tests/e2e/usage-pass.mjs &
//   curl -s localhost:$USAGE_PORT --data-binary 'return await s.run("return document.title")'
//
// Environment: USAGE_DATA (the app's data folder, with its profile.json),
// USAGE_PORT (default 7390), USAGE_SHOTS (default /tmp/usage-shots).
// tauri-driver is started as the leader of its own process group and
// stopped by it (driver-group.mjs), so nothing else is ended with it.

import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { Keys, Session, app, shoot } from "./webdriver.mjs";
import { startDriver } from "./driver-group.mjs";

const data = process.env.USAGE_DATA ?? "/tmp/usage-data";
const port = Number(process.env.USAGE_PORT ?? 7390);
const shotDir = process.env.USAGE_SHOTS ?? "/tmp/usage-shots";

const env = { WORKBENCH_DATA_DIR: data, WORKBENCH_DOCUMENTS_DIR: data, WORKBENCH_USER: process.env.WORKBENCH_USER ?? "佐藤 花子" };
const driver = await startDriver(env);
const s = await Session.create(driver.url, app);
await s.cmd("POST", "/window/rect", { width: 1280, height: 720 });

/** Sends keys to whatever has the focus, as a person typing would. */
async function keys(text) {
  const el = await s.run("return document.activeElement");
  await s.cmd("POST", `/element/${Object.values(el)[0]}/value`, { text });
}
/** A chord such as Alt+→: the modifier held down over the key, then released. */
const chord = (modifier, key) => keys(modifier + key + Keys.NULL);
const photo = (name) => shoot(s, name, shotDir);
const ARROWS = { LEFT: "\uE012", UP: "\uE013", RIGHT: "\uE014", DOWN: "\uE015", F1: "\uE031" };

let stopping = false;
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", async () => {
    if (body.trim() === "STOP") {
      stopping = true;
      res.end("stopping\n");
      return;
    }
    const t0 = Date.now();
    try {
      const fn = new Function("s", "keys", "chord", "photo", "Keys", "ARROWS", "sleep", `return (async () => { ${body} })();`);
      const value = await fn(s, keys, chord, photo, Keys, ARROWS, sleep);
      res.end(JSON.stringify({ ms: Date.now() - t0, value }, null, 1) + "\n");
    } catch (err) {
      res.end(JSON.stringify({ ms: Date.now() - t0, error: String(err?.message ?? err) }) + "\n");
    }
  });
});
server.listen(port, "127.0.0.1");
console.log(`usage pass listening on ${port}`);
while (!stopping) await sleep(200);
server.close();
await s.quit().catch(() => {});
await driver.stop();
process.exit(0);
