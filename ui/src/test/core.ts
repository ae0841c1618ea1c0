// The real core for the UI's tests: `workbench serve --dev` (the loopback
// development server, built from the same declarations as the app's
// commands) on a fresh data folder, one per test that asks for it. The
// test stands in for the user at native dialogs (`choose`).

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { client, type Client } from "../lib/ipc";
import { devServerTransport, type DevServerControls } from "../lib/ipc/dev-server";

const repo = resolve(__dirname, "../../..");

/** The CLI binary: `$WORKBENCH_BIN`, else the debug build in cargo's target folder. */
function binary(): string {
  const target = process.env.CARGO_TARGET_DIR ?? join(repo, "target");
  const bin = process.env.WORKBENCH_BIN ?? join(target, "debug", process.platform === "win32" ? "workbench.exe" : "workbench");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build it first with \`cargo build -p workbench-cli\` (scripts/test.sh does)`);
  return bin;
}

export interface Core extends DevServerControls {
  client: Client;
  /** The server's data folder (profile, library, demo.ismap). */
  dataDir: string;
  /** A file of the repository, for dialogs to "choose" (the demo's population list, …). */
  repoFile(path: string): string;
  /** Runs the `workbench` CLI on the same data folder (to prepare files as another user would; a key opens with the demo's PIN unless `env` gives another); returns its output. */
  cli(args: string[], user?: string, env?: Record<string, string>): string;
  /** Opens `path` as the user would: chosen in the open dialog, then opened. */
  open(path: string): Promise<import("../lib/ipc/bindings/OpenedEngagement").OpenedEngagement>;
}

export interface CoreOptions {
  /** The profile's user (every change is recorded under this name); "" leaves the profile unnamed. */
  user?: string;
  role?: "assessor" | "reviewer" | "manager" | "partner";
  lang?: "ja" | "en";
}

const running = new Set<ChildProcess>();

/** Starts a core of its own for a test; stop it with `stop()` (or let `stopAll` do it after the file). */
export async function startCore(options: CoreOptions = {}): Promise<Core> {
  const dataDir = mkdtempSync(join(tmpdir(), "workbench-ui-test-"));
  const { user = "佐藤 花子", role = "assessor", lang = "ja" } = options;
  writeFileSync(join(dataDir, "profile.json"), JSON.stringify({ name: user, initials: "", role, lang, recent: [] }));
  const child = spawn(binary(), ["serve", "--dev", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, WORKBENCH_USER: "", WORKBENCH_DOCUMENTS_DIR: dataDir },
  });
  running.add(child);
  const first = await new Promise<string>((ok, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", ok);
    child.once("exit", (code) => fail(new Error(`workbench serve --dev exited with ${code}`)));
  });
  const server = JSON.parse(first) as { url: string; token: string };
  const transport = devServerTransport(server);
  return {
    client: client(transport),
    dataDir,
    repoFile: (path) => join(repo, path),
    cli: (args, as = "山田 太郎", env = {}) =>
      execFileSync(binary(), ["--data-dir", dataDir, "--as", as, ...args], {
        encoding: "utf8",
        // The demo team's keys open with the demo's published PIN.
        env: { ...process.env, WORKBENCH_LANG: "en", WORKBENCH_SIGNING_PIN: "0000", ...env },
      }),
    async open(path) {
      await transport.choose([path]);
      const file = await client(transport).pickEngagementToOpen({});
      if (file === null) throw new Error(`${path} was not chosen`);
      return client(transport).openEngagement({ file });
    },
    choose: (paths) => transport.choose(paths),
    opened: () => transport.opened(),
    async stop() {
      await transport.stop();
      child.kill();
      running.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Stops every core a test left running. */
export async function stopAll(): Promise<void> {
  for (const child of running) child.kill();
  running.clear();
}
