// Translation of every user-visible string. The language is reactive state,
// so any template that calls t() re-renders when the user switches language.
// The catalogs are split by area (one file per feature's words, and the
// words every screen shares in common.json); `typed.ts` checks, when the UI
// is type-checked, that each holds a message for every value of the closed
// sets the core sends (error kinds, problem codes, event kinds, ...).
import type { Lang } from "../ipc/bindings/Lang";
import { ja, en } from "./typed";

export type { Lang };
type Catalog = Record<string, string>;

export const catalogs: Record<Lang, Catalog> = { ja, en };

const state = $state({ lang: "ja" as Lang });

export function lang(): Lang {
  return state.lang;
}

export function setLang(next: string): void {
  state.lang = next === "en" ? "en" : "ja";
  if (typeof document !== "undefined") document.documentElement.lang = state.lang;
}

/**
 * The message for `key` in the current language with its named placeholders
 * filled. A missing key shows the key itself, so that a gap is visible in the
 * UI instead of an empty space.
 */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = catalogs[state.lang][key] ?? catalogs.ja[key] ?? key;
  return fill(text, params);
}

export function fill(text: string, params: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The names of the placeholders in a message, sorted, for the parity test. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

/** Picks the Japanese or English variant of a bilingual value, falling back to the other one when empty. */
export function pick(ja: string, en: string): string {
  return state.lang === "en" ? en || ja : ja || en;
}

/** The other language's variant, to show on request. */
export function other(ja: string, en: string): string {
  return state.lang === "en" ? ja : en;
}
