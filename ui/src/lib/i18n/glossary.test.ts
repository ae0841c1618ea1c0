// One word per concept in every catalog the user reads: the app's (one file
// per area), the CLI's and the report's. The words are those of
// `glossary.json`, explained in docs/glossary.md; a catalog that names a
// concept by another word, or a Japanese text that shows a raw code of a
// closed set ("inquiry", "standard"), fails here with its file, key and word.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import glossary from "./glossary.json";

type Lang = "ja" | "en";
type Catalog = { file: string; lang: Lang; entries: Record<string, string> };

const root = join(__dirname, "../../../..");

/** Every catalog of the workbench, each with the file it came from. */
function catalogs(): Catalog[] {
  const found: Catalog[] = [];
  const read = (path: string, lang: Lang) =>
    found.push({ file: relative(root, path), lang, entries: JSON.parse(readFileSync(path, "utf8")) });
  for (const lang of ["ja", "en"] as const) {
    const dir = join(__dirname, lang);
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) read(join(dir, name), lang);
    read(join(root, "src-tauri/cli/messages", `${lang}.json`), lang);
    read(join(root, "src-tauri/report/messages", `${lang}.json`), lang);
  }
  return found;
}

type Concept = {
  concept: string;
  ja: string;
  en: string;
  keys: string[];
  keys_ja?: string[];
  not_ja: string[];
  not_en: string[];
};
const concepts = glossary.concepts as Concept[];

/**
 * A value as a reader sees its words: without its `{placeholders}` (names
 * for the program, filled in later) and its `code spans` (commands typed as
 * they are, such as `workbench log verify`).
 */
function words(value: string): string {
  return value.replace(/\{\w+\}/g, " ").replace(/`[^`]*`/g, " ");
}

/** The forbidden words `catalogs` use, one line each: file, key, word, concept. */
function forbiddenUses(all: Catalog[]): string[] {
  const found: string[] = [];
  for (const c of concepts) {
    for (const catalog of all) {
      const patterns = (catalog.lang === "ja" ? c.not_ja : c.not_en).map((p) => new RegExp(p, catalog.lang === "en" ? "i" : ""));
      for (const [key, value] of Object.entries(catalog.entries)) {
        for (const pattern of patterns) {
          const hit = words(value).match(pattern);
          if (hit) found.push(`${catalog.file} ${key}: 「${hit[0]}」 (say 「${catalog.lang === "ja" ? c.ja : c.en}」 for ${c.concept})`);
        }
      }
    }
  }
  return found;
}

/** The keys that name a concept but hold another word, one line each. */
function wrongLabels(all: Catalog[]): string[] {
  const found: string[] = [];
  for (const c of concepts) {
    for (const catalog of all) {
      const keys = catalog.lang === "ja" ? [...c.keys, ...(c.keys_ja ?? [])] : c.keys;
      const term = catalog.lang === "ja" ? c.ja : c.en;
      for (const key of keys) {
        const value = catalog.entries[key];
        if (value === undefined) continue;
        const same = catalog.lang === "ja" ? value === term : value.toLowerCase() === term.toLowerCase();
        if (!same) found.push(`${catalog.file} ${key}: 「${value}」 (the glossary says 「${term}」 for ${c.concept})`);
      }
    }
  }
  return found;
}

/** Raw codes of the closed sets in Japanese values, one line each. */
function rawCodes(all: Catalog[]): string[] {
  const codes = glossary.raw_codes.codes.map((code) => code.replace(/-/g, "\\-")).join("|");
  const pattern = new RegExp(`(?<![A-Za-z_-])(${codes})(?![A-Za-z_-])`, "gi");
  const found: string[] = [];
  for (const catalog of all.filter((c) => c.lang === "ja")) {
    for (const [key, value] of Object.entries(catalog.entries)) {
      for (const hit of words(value).matchAll(pattern)) found.push(`${catalog.file} ${key}: 「${hit[0]}」 in 「${value}」`);
    }
  }
  return found;
}

describe("the glossary", () => {
  const all = catalogs();

  it("reads every catalog: the app's areas, the CLI's and the report's", () => {
    const files = all.map((c) => c.file);
    for (const file of ["ui/src/lib/i18n/ja/common.json", "src-tauri/cli/messages/ja.json", "src-tauri/report/messages/en.json"]) {
      expect(files).toContain(file);
    }
  });

  it("finds a forbidden word, a wrong label and a raw code (the checks can fail)", () => {
    const planted: Catalog[] = [
      { file: "planted/ja.json", lang: "ja", entries: { "role.partner": "パートナー", "x.work": "2026-05-12 inquiry を実施し、重要度 standard" } },
      { file: "planted/en.json", lang: "en", entries: { "kind.reperformance": "Re-performance" } },
    ];
    expect(forbiddenUses(planted)).toEqual([
      "planted/ja.json role.partner: 「パートナー」 (say 「業務執行責任者」 for team role: partner)",
      "planted/en.json kind.reperformance: 「Re-performance」 (say 「Reperformance」 for procedure kind: reperformance)",
    ]);
    expect(wrongLabels(planted)).toEqual([
      "planted/ja.json role.partner: 「パートナー」 (the glossary says 「業務執行責任者」 for team role: partner)",
      "planted/en.json kind.reperformance: 「Re-performance」 (the glossary says 「Reperformance」 for procedure kind: reperformance)",
    ]);
    expect(rawCodes(planted)).toEqual([
      "planted/ja.json x.work: 「inquiry」 in 「2026-05-12 inquiry を実施し、重要度 standard」",
      "planted/ja.json x.work: 「standard」 in 「2026-05-12 inquiry を実施し、重要度 standard」",
    ]);
  });

  it("names each key it rules in some catalog (a misspelt key would rule nothing)", () => {
    const known = new Set(all.flatMap((c) => Object.keys(c.entries)));
    const unknown = concepts.flatMap((c) => [...c.keys, ...(c.keys_ja ?? [])]).filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
  });

  it("is the one in docs/glossary.md, which lists every term in both languages", () => {
    const doc = readFileSync(join(root, "docs/glossary.md"), "utf8");
    const missing = concepts.flatMap((c) => [c.ja, c.en].filter((term) => !doc.toLowerCase().includes(term.toLowerCase())).map((term) => `${c.concept}: ${term}`));
    expect(missing).toEqual([]);
  });

  it("no catalog uses a word the glossary forbids", () => {
    expect(forbiddenUses(all)).toEqual([]);
  });

  it("every label of a concept is the glossary's word for it", () => {
    expect(wrongLabels(all)).toEqual([]);
  });

  it("no Japanese value shows a raw code of a closed set", () => {
    expect(rawCodes(all)).toEqual([]);
  });
});
