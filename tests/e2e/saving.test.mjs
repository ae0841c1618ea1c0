// Never losing a keystroke, end to end (issue 18, point 6): text typed in
// a procedure and not yet saved (its quiet time not over) is saved when the
// window is asked to close, as the window manager asks when the user clicks
// the close button; the file, read afterwards with the CLI, holds it. And the
// walkthrough at 1280×720 (point 7) shows at least two procedure cards.
//
// The close request is a real one: the X11 client message WM_DELETE_WINDOW
// sent to the app's window, which GTK turns into the window's delete event
// and Tauri into `WindowEvent::CloseRequested`. WebDriver's "close window"
// command does not go that way in WebKitWebDriver: it asks the web view to
// close (webkit_web_view_try_close), and wry answers the web view's `close`
// signal by destroying the web view, with no close request for the window.
//
// Run under Xvfb with a 1280×720 screen:
//   xvfb-run -a -s "-screen 0 1280x720x24" node --test tests/e2e/saving.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Keys, Session, app, root, shoot, workbench } from "./webdriver.mjs";
import { startDriver } from "./driver-group.mjs";

const TITLE = "ISMAP Assessor Workbench";

/** The X11 window whose name is `name` (xwininfo, from x11-utils), or null. */
function windowNamed(name) {
  try {
    const info = execFileSync("xwininfo", ["-name", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const id = /Window id: (0x[0-9a-f]+)/i.exec(info)?.[1];
    return id ? Number.parseInt(id, 16) : null;
  } catch {
    return null;
  }
}

/** The display's MIT-MAGIC-COOKIE-1 (xvfb-run makes one), or none. */
function cookie(display) {
  try {
    const line = execFileSync("xauth", ["list", display], { encoding: "utf8" }).split("\n").find((l) => l.includes("MIT-MAGIC-COOKIE-1"));
    return line ? Buffer.from(line.trim().split(/\s+/)[2], "hex") : null;
  } catch {
    return null;
  }
}

const pad4 = (n) => (4 - (n % 4)) % 4;

/**
 * A minimal X11 client over the display's socket, enough to intern atoms and
 * send one client message: what a window manager does when the user clicks a
 * window's close button (ICCCM's WM_DELETE_WINDOW).
 */
async function x11(display) {
  const number = /:(\d+)/.exec(display)?.[1];
  assert.ok(number !== undefined, `DISPLAY ${display} is not a local display`);
  const socket = connect(`/tmp/.X11-unix/X${number}`);
  await new Promise((ok, fail) => socket.once("connect", ok).once("error", fail));
  let data = Buffer.alloc(0);
  let wanted = null;
  socket.on("data", (chunk) => {
    data = Buffer.concat([data, chunk]);
    wanted?.();
  });
  /** The next `n` bytes the server sends. */
  const read = (n) =>
    new Promise((ok) => {
      const take = () => {
        if (data.length < n) return;
        wanted = null;
        const out = data.subarray(0, n);
        data = data.subarray(n);
        ok(out);
      };
      wanted = take;
      take();
    });
  const magic = cookie(display);
  const name = magic ? Buffer.from("MIT-MAGIC-COOKIE-1") : Buffer.alloc(0);
  const auth = magic ?? Buffer.alloc(0);
  const setup = Buffer.alloc(12 + name.length + pad4(name.length) + auth.length + pad4(auth.length));
  setup.writeUInt8(0x6c, 0); // little-endian
  setup.writeUInt16LE(11, 2);
  setup.writeUInt16LE(0, 4);
  setup.writeUInt16LE(name.length, 6);
  setup.writeUInt16LE(auth.length, 8);
  name.copy(setup, 12);
  auth.copy(setup, 12 + name.length + pad4(name.length));
  socket.write(setup);
  const head = await read(8);
  const rest = await read(head.readUInt16LE(6) * 4);
  assert.equal(head[0], 1, `the X server refused the connection: ${rest.toString("latin1")}`);

  const reply = async () => {
    const r = await read(32);
    assert.notEqual(r[0], 0, `X error ${r[1]}`);
    await read(r.readUInt32LE(4) * 4);
    return r;
  };
  return {
    async atom(text) {
      const bytes = Buffer.from(text, "latin1");
      const req = Buffer.alloc(8 + bytes.length + pad4(bytes.length));
      req.writeUInt8(16, 0); // InternAtom
      req.writeUInt16LE(req.length / 4, 2);
      req.writeUInt16LE(bytes.length, 4);
      bytes.copy(req, 8);
      socket.write(req);
      return (await reply()).readUInt32LE(8);
    },
    async clientMessage(window, type, values) {
      const req = Buffer.alloc(44);
      req.writeUInt8(25, 0); // SendEvent, not propagated, no event mask: to the window's owner
      req.writeUInt16LE(11, 2);
      req.writeUInt32LE(window, 4);
      req.writeUInt8(33, 12); // ClientMessage
      req.writeUInt8(32, 13); // format: 32-bit values
      req.writeUInt32LE(window, 16);
      req.writeUInt32LE(type, 20);
      values.forEach((v, i) => req.writeUInt32LE(v, 24 + 4 * i));
      socket.write(req);
    },
    close: () => socket.destroy(),
  };
}

/** Asks the window to close, as the window manager's close button does. */
async function requestClose(window) {
  const x = await x11(process.env.DISPLAY ?? "");
  try {
    const protocols = await x.atom("WM_PROTOCOLS");
    const deleteWindow = await x.atom("WM_DELETE_WINDOW");
    await x.clientMessage(window, protocols, [deleteWindow, 0, 0, 0, 0]);
    // A request answered after it means the message was taken.
    await x.atom("WM_PROTOCOLS");
  } finally {
    x.close();
  }
}

/** Waits until `check()` is true, for up to `ms`; returns whether it became true. */
async function eventually(check, ms = 20000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(100);
  }
  return check();
}

test("text typed just before the window is closed is saved by the close request; two procedure cards show at 1280×720", { timeout: 180000 }, async () => {
  assert.ok(existsSync(app), `build the app first: ${app}`);
  assert.ok(process.env.DISPLAY, "run under Xvfb (xvfb-run)");
  const home = mkdtempSync(join(tmpdir(), "workbench-e2e-saving-"));
  const env = {
    WORKBENCH_DATA_DIR: join(home, "data"),
    WORKBENCH_DOCUMENTS_DIR: join(home, "documents"),
    WORKBENCH_USER: "e2e",
  };
  mkdirSync(env.WORKBENCH_DOCUMENTS_DIR, { recursive: true });
  const driver = await startDriver(env);
  let s = null;
  try {
    // The first start opens the demo engagement by itself.
    s = await Session.create(driver.url, app);
    await s.until(`return document.querySelector('[data-testid="engagement-name"]')?.textContent.includes('株式会社サンプルクラウド')`);
    const window = windowNamed(TITLE);
    assert.ok(window, "the app's window is on the display");

    // The window at 1280×720, as on a small laptop screen.
    await s.cmd("POST", "/window/rect", { width: 1280, height: 720 });
    await s.until(`return window.innerHeight <= 720 && window.innerWidth <= 1280`);

    await (await s.find("jump-input")).type("9.2.3.11.PB" + Keys.ENTER);
    await s.find("control-id");
    await s.until(`return document.querySelectorAll('[data-testid="procedure"]').length >= 2`);
    // At least two procedure cards in view, wholly or nearly (the second may be cut at its last line).
    const place = await s.run(`
      const main = document.querySelector('main').getBoundingClientRect();
      const cards = [...document.querySelectorAll('[data-testid="procedure"]')].map((c) => c.getBoundingClientRect());
      return { mainTop: main.top, mainBottom: main.bottom, cards: cards.map((c) => ({ top: c.top, bottom: c.bottom, height: c.height })), inner: [window.innerWidth, window.innerHeight] };`);
    const shown = place.cards.filter((c) => {
      const visible = Math.min(c.bottom, place.mainBottom) - Math.max(c.top, place.mainTop);
      return visible >= 0.8 * c.height;
    });
    await shoot(s, "walkthrough-1280x720");
    copyFileSync(join(process.env.E2E_SCREENSHOTS ?? join(root, "target/e2e-screenshots"), "walkthrough-1280x720.png"), join(root, "docs/screenshots/walkthrough-1280x720.png"));
    assert.ok(shown.length >= 2, `two procedure cards in view at 1280×720: ${JSON.stringify(place)}`);

    // Text typed, then the window asked to close. The page's timers are held
    // back first, so the autosave's quiet time never ends: only the close
    // request can save the text, however slow the machine.
    await s.run(`window.setTimeout = () => 0;`);
    const text = "閉じる直前に入力した。保存されていること。";
    const work = await s.find("procedure", '[data-index="0"] [data-testid="work-done"]');
    await work.click();
    await work.type(text);
    const state = await s.run(`return document.querySelector('[data-testid="save-state"]').dataset.state`);
    assert.equal(state, "dirty", "the text is still waiting for its quiet time when the window is asked to close");
    await requestClose(window);
    assert.ok(await eventually(() => windowNamed(TITLE) === null), "the window closed after saving");

    // The file holds the text (read with the CLI, as anyone would).
    const profile = JSON.parse(readFileSync(join(env.WORKBENCH_DATA_DIR, "profile.json"), "utf8"));
    const file = profile.recent[0]?.path;
    assert.ok(file && existsSync(file), `the demo's file is in the recent list: ${JSON.stringify(profile.recent)}`);
    const control = JSON.parse(execFileSync(workbench, ["--lang", "en", "control", "show", file, "9.2.3.11.PB", "--json"], { encoding: "utf8" }));
    const procedures = control.procedures.map((p) => p.procedure ?? p);
    assert.equal(procedures[0].work_done, text);
    const verify = execFileSync(workbench, ["--lang", "en", "log", "verify", file], { encoding: "utf8" });
    assert.match(verify, /intact/);
  } catch (err) {
    if (s) await shoot(s, "saving-failure").catch(() => {});
    throw new Error(`${err.message}\n--- tauri-driver said:\n${driver.log().slice(-2000)}`);
  } finally {
    if (s) await s.quit().catch(() => {});
    await driver.stop();
  }
});
