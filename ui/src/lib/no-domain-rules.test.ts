// The domain's rules live in the Rust core, once. The page shows what the
// core answers (rights, overdue, sizes, statuses, problems) and computes
// none of it. This test fails when a rule the UI once restated by hand
// comes back: each pattern below is one of those rules.

import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const RULES: [string, RegExp][] = [
  ["the Park–Miller selection (multiplier, modulus)", /\b16807\b|\b2147483647\b|ParkMiller|parkMiller/],
  ["sample sizes from the rule table", /\bsizeFor\b|\bruleSize\b|\bstrataByQuarter\b|\ballocate\(/],
  ["who may sign at which level", /\blevelAllows\b|\brequiredLevels\b|\bpreviousLevel\b|\bnextSigning\b/],
  ["who may reopen or finalize", /\bmayReopen\b|\bmayFinalize\b|\bmayClear\b/],
  ["a person's role on the team", /\bteamRole\b/],
  ["overdue PBC requests", /\bisOverdue\b|\bpbcIsOverdue\b|\bpbcIsOpen\b/],
  ["statuses and results of procedures and controls", /\bprocedureStatus\b|\bcontrolStatus\b|\bcontrolResult\b|\bgridResult\b/],
  ["the corporate number's check digit", /\bcorporateNumberValid\b|\bcheckDigit\b/],
  ["dates derived from the period", /\blatestEnd\b|\bderivedDates\b/],
  ["reading population lists", /\breadCsv\b|\bguessColumns\b|\bparseListDate\b/],
  // A change withdraws the sign-offs the core names (withdrawn_by_change), not the non-preparer ones a page picks.
  ["which sign-offs a change withdraws", /\blevel\s*!==?\s*["']preparer["']|["']preparer["']\s*!==?\s*[\w.]*\blevel\b|\breviewerSignOffs\b/],
];

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== "bindings" && name !== "generated") sources(full, out);
    } else if (/\.(ts|svelte)$/.test(name) && !full.endsWith("no-domain-rules.test.ts")) {
      out.push(full);
    }
  }
  return out;
}

describe("the UI", () => {
  const root = join(__dirname, "..");
  const files = sources(root);

  it("is searched (the walk finds the screens)", () => {
    expect(files.some((f) => f.endsWith("WalkthroughView.svelte"))).toBe(true);
  });

  for (const [rule, pattern] of RULES) {
    it(`does not restate ${rule}`, () => {
      const hits = files.flatMap((f) =>
        readFileSync(f, "utf8")
          .split("\n")
          .map((line, i) => [line, i] as const)
          .filter(([line]) => pattern.test(line))
          .map(([line, i]) => `${relative(root, f)}:${i + 1}: ${line.trim()}`),
      );
      expect(hits).toEqual([]);
    });
  }
});
