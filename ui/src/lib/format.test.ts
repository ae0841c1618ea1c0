import { afterEach, describe, expect, it } from "vitest";
import { dateOf, formatWhen, localToday, normalizeDate } from "./format";
import { setLang } from "./i18n/index.svelte";

// The instants are fixed, so the expectations hold whatever zone the
// machine running the tests is in: 15:30 UTC on 31 March is 00:30 on
// 1 April in Japan (UTC+9, no summer time).
describe("times and days in Japan", () => {
  afterEach(() => setLang("ja"));

  it("shows a time on Japan's clock with the zone named, in both languages", () => {
    expect(formatWhen("2026-03-31T15:30:00Z")).toBe("2026-04-01 00:30 JST");
    expect(formatWhen("2026-03-31T15:30:00.000+00:00")).toBe("2026-04-01 00:30 JST");
    expect(formatWhen("2026-12-31T14:59:59.999Z")).toBe("2026-12-31 23:59 JST");
    setLang("en");
    expect(formatWhen("2026-06-01T03:05:00Z")).toBe("2026-06-01 12:05 JST");
  });

  it("leaves a text that is no time as it is, and says none for none", () => {
    expect(formatWhen("yesterday")).toBe("yesterday");
    expect(formatWhen(null)).toBe("—");
  });

  it("takes today's date in Japan, not UTC's or the machine's", () => {
    expect(localToday(new Date("2026-03-31T15:00:00Z"))).toBe("2026-04-01");
    expect(localToday(new Date("2026-03-31T14:59:59Z"))).toBe("2026-03-31");
    expect(localToday(new Date("2025-12-31T23:30:00-08:00"))).toBe("2026-01-01");
  });

  it("gives the day in Japan of a recorded instant", () => {
    expect(dateOf("2026-03-31T15:30:00.000Z")).toBe("2026-04-01");
    expect(dateOf("2026-03-31T08:00:00.000Z")).toBe("2026-03-31");
  });
});

describe("dates as people type them", () => {
  it("reads the usual ways of writing a day", () => {
    expect(normalizeDate("2026-04-01")).toBe("2026-04-01");
    expect(normalizeDate("2026/4/1")).toBe("2026-04-01");
    expect(normalizeDate(" 2026.04.01 ")).toBe("2026-04-01");
    expect(normalizeDate("20260401")).toBe("2026-04-01");
    expect(normalizeDate("２０２６／４／１")).toBe("2026-04-01");
    expect(normalizeDate("２０２６ー０４ー０１")).toBe("2026-04-01");
    expect(normalizeDate("2026年4月1日")).toBe("2026-04-01");
  });

  it("says empty for nothing and null for no real day", () => {
    expect(normalizeDate("")).toBe("");
    expect(normalizeDate("  ")).toBe("");
    expect(normalizeDate("2026-02-30")).toBeNull();
    expect(normalizeDate("2026-13-01")).toBeNull();
    expect(normalizeDate("04/01/2026")).toBeNull();
    expect(normalizeDate("令和8年4月1日")).toBeNull();
    expect(normalizeDate("2026-4")).toBeNull();
  });
});
