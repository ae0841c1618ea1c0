import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ja, en } from "./typed";
import { placeholders } from "./index.svelte";

describe("message catalogs", () => {
  it("have the same keys", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ja).sort());
  });

  it("have the same placeholders for each key", () => {
    const jaMessages = ja as Record<string, string>;
    const enMessages = en as Record<string, string>;
    for (const key of Object.keys(ja)) {
      expect(placeholders(enMessages[key]), key).toEqual(placeholders(jaMessages[key]));
    }
  });

  it("hold every key the source code names literally", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.(svelte|ts)$/.test(name) && !name.endsWith(".test.ts")) files.push(full);
      }
    };
    walk(join(__dirname, "../.."));
    const missing: string[] = [];
    for (const file of files) {
      for (const m of readFileSync(file, "utf8").matchAll(/\bt\(\s*"([a-z_]+\.[a-z_.]+)"/g)) {
        if (!(m[1] in ja)) missing.push(`${file}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  // Every value of the closed sets the core sends has a message in both
  // languages: `typed.ts` checks it when the UI is type-checked. Here are
  // the UI's own families, which no binding declares.
  it("name every value of the UI's own families", () => {
    const families: Record<string, string[]> = {
      group: ["governance", "management", "controls"],
      save: ["saved", "dirty", "saving", "failed"],
      nav: ["dashboard", "navigator", "walkthrough", "evidence", "pbc", "review"],
      encoding: ["utf-8", "shift_jis", "utf-16le", "utf-16be"],
    };
    for (const [family, values] of Object.entries(families)) {
      for (const v of values) {
        expect(ja, `${family}.${v}`).toHaveProperty([`${family}.${v}`]);
        expect(en, `${family}.${v}`).toHaveProperty([`${family}.${v}`]);
      }
    }
  });
});
