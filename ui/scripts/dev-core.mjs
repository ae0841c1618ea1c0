// `npm run dev:core`: the UI in a browser against the real core. Starts the
// loopback development server (`workbench serve --dev`, built with
// `cargo build -p workbench-cli`) on a data folder of its own, then Vite,
// and opens the page connected to the server.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const repo = resolve(import.meta.dirname, "../..");
const target = process.env.CARGO_TARGET_DIR ?? join(repo, "target");
const bin = process.env.WORKBENCH_BIN ?? join(target, "debug", process.platform === "win32" ? "workbench.exe" : "workbench");
if (!existsSync(bin)) {
  console.error(`${bin} is missing: build it first with \`cargo build -p workbench-cli\``);
  process.exit(1);
}
const dataDir = process.env.WORKBENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), "workbench-dev-"));
const server = spawn(bin, ["serve", "--dev", "--data-dir", dataDir], { stdio: ["ignore", "pipe", "inherit"] });
const { url, token } = JSON.parse(await new Promise((ok) => createInterface({ input: server.stdout }).once("line", ok)));
console.log(`core: ${url} (data folder ${dataDir})`);
const page = `/?server=${encodeURIComponent(url)}&token=${encodeURIComponent(token)}`;
const vite = spawn("npx", ["vite", "--open", page], { stdio: "inherit" });
const stop = () => {
  vite.kill();
  server.kill();
};
process.on("SIGINT", stop);
vite.on("exit", () => server.kill());
