// Checks the built dist/ holds nothing for development or tests: the
// development server's transport, its token header and routes, test
// helpers. Run after `npm run build` (scripts/test.sh does).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const dist = resolve(import.meta.dirname, "../dist");
const forbidden = ["x-workbench-token", "/dev/choose", "/dev/opened", "/dev/stop", "devServerTransport", "workbench serve", "startCore"];
const found = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (/\.(js|html|css|map)$/.test(name)) {
      const text = readFileSync(full, "utf8");
      for (const word of forbidden) if (text.includes(word)) found.push(`${full}: ${word}`);
    }
  }
};
walk(dist);
if (found.length > 0) {
  console.error("the production bundle holds development or test code:\n" + found.join("\n"));
  process.exit(1);
}
console.log(`dist/ holds no development or test code (checked for ${forbidden.length} markers)`);
