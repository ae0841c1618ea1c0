import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import ja from "./ja.json";
import en from "./en.json";
import { placeholders } from "./index.svelte";
import { SAMPLING_PROBLEM_CODES } from "../sampling/sampling";

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

  it("name every value of the enumerations the UI translates by code", () => {
    const families: Record<string, string[]> = {
      status: ["not_started", "in_progress", "done", "no_procedures", "out_of_scope"],
      result: ["no_exception", "exception", "not_applicable", "not_performed"],
      result_short: ["no_exception", "exception", "not_applicable", "not_performed"],
      kind: ["inquiry", "inspection", "observation", "reperformance"],
      evaluation: ["design", "operating"],
      scope: ["in_scope", "not_adopted", "liu_excluded"],
      program: ["ismap", "ismap_liu"],
      audit_kind: ["initial", "renewal", "additional", "re_audit"],
      role: ["assessor", "reviewer", "manager", "partner"],
      group: ["governance", "management", "controls"],
      error: ["not_an_engagement", "corrupt", "newer_version", "import", "invalid", "not_found", "already_exists", "io", "source", "cancelled", "disk_full", "disk_io", "storage", "locked", "foreign_object", "log_mismatch", "internal"],
      problem: ["required", "corporate_number", "url", "period_inverted", "period_too_long", "registration_required", "registration_dates", "duplicate_member", "invalid"],
      warning: ["short_period", "assessor_registration_lapses", "no_team"],
      save: ["saved", "dirty", "saving", "failed"],
      nav: ["dashboard", "navigator", "walkthrough", "evidence", "pbc", "review"],
      evidence_kind: ["document", "screenshot", "log_export", "configuration", "interview_memo", "other"],
      link_kind: ["procedure", "exception", "pbc", "sample"],
      frequency: ["multiple_daily", "daily", "weekly", "monthly", "quarterly", "annual", "automated"],
      origin: ["random", "manual", "added"],
      cell_result: ["pass", "fail", "not_applicable"],
      "sampling.method": ["random", "manual"],
      "sampling.problem": [...SAMPLING_PROBLEM_CODES, "not_found"],
      "sampling.invalid": ["reason", "text", "items", "mark", "meaning", "sample"],
      pbc_status: ["requested", "received", "follow_up", "withdrawn"],
      encoding: ["utf-8", "shift_jis", "utf-16le", "utf-16be"],
      "review.level": ["preparer", "reviewer", "second_reviewer"],
      "review.sign": ["preparer", "reviewer", "second_reviewer"],
      "review.problem": ["not_on_team", "role_not_allowed", "no_result", "previous_level_missing", "same_person", "no_second_review", "not_author"],
      "review.blocker": ["log_mismatch", "no_result", "not_signed", "changed_after_signoff", "open_note"],
      "review.blocker_count": ["log_mismatch", "no_result", "not_signed", "changed_after_signoff", "open_note"],
      "review.target": ["control", "procedure", "exception", "evidence"],
      "review.kind": ["procedure", "control"],
      note_status: ["open", "answered", "cleared"],
      "export.stage": ["read", "layout", "sign", "package", "write"],
      "export.running": ["read", "layout", "sign", "package", "write"],
      event: [
        "engagement_created",
        "engagement_edited",
        "scope_set",
        "procedure_added",
        "procedure_updated",
        "procedure_removed",
        "exception_added",
        "exception_edited",
        "exception_removed",
        "evidence_added",
        "evidence_edited",
        "evidence_linked",
        "evidence_unlinked",
        "evidence_removed",
        "pbc_added",
        "pbc_edited",
        "signed_off",
        "changed_after_signoff",
        "note_added",
        "note_answered",
        "note_cleared",
        "engagement_finalized",
        "engagement_reopened",
        "population_imported",
        "sample_selected",
        "sample_item_added",
        "sample_discarded",
        "attribute_added",
        "attribute_edited",
        "attribute_removed",
        "cell_set",
        "tickmark_set",
      ],
    };
    for (const [family, values] of Object.entries(families)) {
      for (const v of values) expect(ja, `${family}.${v}`).toHaveProperty([`${family}.${v}`]);
    }
  });
});
