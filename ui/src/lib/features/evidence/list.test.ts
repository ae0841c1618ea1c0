import { describe, expect, it } from "vitest";
import type { Evidence } from "../../ipc/bindings/Evidence";
import { NO_EVIDENCE_FILTER, matchesEvidence, sortEvidence } from "./list";

const item = (id: string, extra: Partial<Evidence> = {}): Evidence => ({
  id,
  sha256: "0".repeat(64),
  size: 1,
  media_type: "text/plain",
  original_name: `${id}.txt`,
  added_at: "2026-05-01T00:00:00Z",
  added_by: "",
  links: [],
  removed: null,
  title: id,
  description: "",
  kind: "document",
  obtained_from: "",
  obtained_by: "",
  obtained_at: null,
  as_of: "2026-05-01",
  ...extra,
});

describe("evidence filter", () => {
  it("hides withdrawn items unless asked, and matches half- and full-width forms", () => {
    const withdrawn = item("EV-0001", { removed: { reason: "誤り", at: "2026-05-02T00:00:00Z", by: "" } });
    expect(matchesEvidence(withdrawn, NO_EVIDENCE_FILTER)).toBe(false);
    expect(matchesEvidence(withdrawn, { ...NO_EVIDENCE_FILTER, showWithdrawn: true })).toBe(true);
    const log = item("EV-0002", { title: "ｱｸｾｽﾛｸﾞ（ＶＰＮ）", kind: "log_export" });
    expect(matchesEvidence(log, { ...NO_EVIDENCE_FILTER, query: "アクセスログ" })).toBe(true);
    expect(matchesEvidence(log, { ...NO_EVIDENCE_FILTER, query: "vpn" })).toBe(true);
    expect(matchesEvidence(log, { ...NO_EVIDENCE_FILTER, kind: "document" })).toBe(false);
  });

  it("orders IDs numerically and keeps ties in the order taken in", () => {
    const items = [item("EV-10000", { size: 2 }), item("EV-9999", { size: 2 }), item("EV-0001", { size: 1 })];
    expect(sortEvidence(items, "id", "asc").map((e) => e.id)).toEqual(["EV-0001", "EV-9999", "EV-10000"]);
    expect(sortEvidence(items, "size", "desc").map((e) => e.id)).toEqual(["EV-9999", "EV-10000", "EV-0001"]);
  });
});
