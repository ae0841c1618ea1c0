// A small W3C WebDriver client over fetch, enough to drive the real app
// through tauri-driver (which starts WebKitWebDriver). No browser download,
// no dependencies: Node's fetch and child_process only.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The repository, the debug builds the tests drive, and where failures are photographed. */
export const root = resolve(import.meta.dirname, "../..");
export const app = join(root, "target/debug/ismap-workbench");
export const workbench = join(root, "target/debug/workbench");
export const shots = process.env.E2E_SCREENSHOTS ?? join(root, "target/e2e-screenshots");

/** Saves the session's screen as `DIR/NAME.png` (by default in `shots`). */
export async function shoot(session, name, dir = shots) {
  mkdirSync(dir, { recursive: true });
  // WebKit answers a screenshot with the last frame it painted, which can
  // be older than a change the test has just seen in the DOM: wait for two
  // frames, and a little for the compositor, before taking it.
  await session.run(`window.__painted = false; requestAnimationFrame(() => requestAnimationFrame(() => { window.__painted = true; }));`);
  await session.until(`return window.__painted === true`);
  await sleep(200);
  writeFileSync(join(dir, `${name}.png`), await session.screenshot());
}

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export const Keys = { ENTER: "\uE007", ALT: "\uE00A", CONTROL: "\uE009", NULL: "\uE000", TAB: "\uE004", ESCAPE: "\uE00C" };

/** Starts tauri-driver on a free port with the given environment. */
export async function startDriver(env, port = 4444 + Math.floor(Math.random() * 500)) {
  const driver = spawn("tauri-driver", ["--port", String(port)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Only the end of what the driver says is kept: a process that floods its
  // output (an app stuck printing a warning) must not grow this string until
  // Node cannot hold it, which would hide the test's own failure message.
  let log = "";
  const keep = (d) => {
    log += d;
    if (log.length > 65536) log = log.slice(-32768);
  };
  driver.stdout.on("data", keep);
  driver.stderr.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${url}/status`);
      if (r.ok) return { url, driver, log: () => log };
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  driver.kill();
  throw new Error(`tauri-driver did not start: ${log}`);
}

/**
 * Stops tauri-driver, the WebKitWebDriver it started and any app instance
 * left running (both can outlive tauri-driver), and closes the pipes so that
 * the test process can exit.
 */
export async function stopDriver(handle, application) {
  handle.driver.kill("SIGTERM");
  await sleep(300);
  for (const pattern of ["WebKitWebDriver", application]) {
    if (pattern) spawn("pkill", ["-f", pattern], { stdio: "ignore" });
  }
  handle.driver.stdout.destroy();
  handle.driver.stderr.destroy();
}

export class Session {
  constructor(url, id) {
    this.url = url;
    this.id = id;
  }

  static async create(url, application) {
    const body = { capabilities: { alwaysMatch: { "tauri:options": { application } } } };
    const r = await request(url, "POST", "/session", body);
    return new Session(url, r.sessionId ?? r.value?.sessionId);
  }

  cmd(method, path, body) {
    return request(this.url, method, `/session/${this.id}${path}`, body).then((r) => r.value);
  }

  async quit() {
    await this.cmd("DELETE", "");
  }

  /** Waits for an element with this data-testid (and optional extra CSS). */
  async find(testid, extra = "", timeout = 10000) {
    const selector = `[data-testid="${testid}"]${extra}`;
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = await this.cmd("POST", "/elements", { using: "css selector", value: selector });
      if (found.length > 0) return new Element(this, found[0][ELEMENT]);
      if (Date.now() > deadline) throw new Error(`no element ${selector}`);
      await sleep(100);
    }
  }

  async count(testid) {
    const found = await this.cmd("POST", "/elements", { using: "css selector", value: `[data-testid="${testid}"]` });
    return found.length;
  }

  /** Waits until `check` (run in the page, returning a value) is truthy. */
  async until(script, args = [], timeout = 10000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this.cmd("POST", "/execute/sync", { script, args });
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for: ${script}`);
      await sleep(100);
    }
  }

  /**
   * Clicks the element `selector` names once it exists and is enabled,
   * scrolled to the middle first: a button below the fold or under a sticky
   * bar is clicked as a user would, after scrolling to it.
   */
  async clickOn(selector) {
    await this.until(`const el = document.querySelector(arguments[0]); return el !== null && !el.disabled`, [selector]);
    const el = await this.run(`const el = document.querySelector(arguments[0]); el.scrollIntoView({ block: "center" }); return el;`, [selector]);
    await this.cmd("POST", `/element/${Object.values(el)[0]}/click`, {});
  }

  run(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  async screenshot() {
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
    this.ref = { [ELEMENT]: id };
  }
  click() {
    return this.session.cmd("POST", `/element/${this.id}/click`, {});
  }
  type(text) {
    return this.session.cmd("POST", `/element/${this.id}/value`, { text });
  }
  clear() {
    return this.session.cmd("POST", `/element/${this.id}/clear`, {});
  }
  /** The element's text content (WebKitWebDriver's rendered-text call can lag behind rendering). */
  text() {
    return this.session.run("return arguments[0].textContent.trim();", [this.ref]);
  }
  property(name) {
    return this.session.cmd("GET", `/element/${this.id}/property/${name}`);
  }
  attribute(name) {
    return this.session.cmd("GET", `/element/${this.id}/attribute/${name}`);
  }
  /**
   * Sets an input's value the way typing does for the framework (an input
   * event): used for dates and for Japanese text, which an IME would enter.
   */
  set(value) {
    return this.session.run(
      `const [el, v] = arguments; el.focus(); el.value = v;
       el.dispatchEvent(new Event("input", { bubbles: true }));
       el.dispatchEvent(new Event("change", { bubbles: true }));
       el.blur();`,
      [this.ref, value],
    );
  }
}

async function request(url, method, path, body) {
  const r = await fetch(url + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}
