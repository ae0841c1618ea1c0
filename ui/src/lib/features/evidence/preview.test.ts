import { describe, expect, it } from "vitest";
import { decodeText, previewKind } from "./preview";
import { formatBytes, localToday } from "../../format";

const sjis = (hex: string) => Uint8Array.from(hex.split(" ").map((h) => parseInt(h, 16)));

describe("preview kinds", () => {
  it("chooses by media type, and by extension for text the type does not reveal", () => {
    const kind = (media_type: string, original_name: string) => previewKind({ media_type, original_name });
    expect(kind("image/png", "a.png")).toBe("image");
    expect(kind("image/svg+xml", "a.svg")).toBe("image");
    expect(kind("image/tiff", "a.tif")).toBe("none");
    expect(kind("application/pdf", "a.pdf")).toBe("pdf");
    expect(kind("text/csv", "a.csv")).toBe("text");
    expect(kind("application/json", "a.json")).toBe("text");
    expect(kind("application/octet-stream", "fw.LOG")).toBe("text");
    expect(kind("application/octet-stream", "dump.bin")).toBe("none");
    expect(kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "a.xlsx")).toBe("none");
  });
});

describe("text decoding", () => {
  it("reads UTF-8, and Shift_JIS when the bytes are not UTF-8", () => {
    expect(decodeText(new TextEncoder().encode("ログオン成功"), false)).toEqual({ text: "ログオン成功", encoding: "utf-8" });
    // 「ログオン成功」 as Japanese Windows writes it.
    expect(decodeText(sjis("83 8d 83 4f 83 49 83 93 90 ac 8c f7"), false)).toEqual({ text: "ログオン成功", encoding: "shift_jis" });
  });

  it("does not mistake UTF-8 cut in the middle of a character for Shift_JIS", () => {
    const bytes = new TextEncoder().encode("承認記録");
    const cut = bytes.subarray(0, bytes.length - 1);
    expect(decodeText(cut, true)).toEqual({ text: "承認記", encoding: "utf-8" });
  });

  it("follows a UTF-16 byte order mark", () => {
    const le = new Uint8Array([0xff, 0xfe, 0x2d, 0x4e, 0x41, 0x00]);
    expect(decodeText(le, false)).toEqual({ text: "中A", encoding: "utf-16le" });
  });
});

describe("formats", () => {
  it("shows sizes in the units Explorer uses", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(32 * 1024 * 1024)).toBe("32 MB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.0 GB");
  });

  it("takes the date in Japan, not the UTC one", () => {
    // 2026-01-02 00:30 in Japan is still the first of January in UTC.
    expect(localToday(new Date("2026-01-01T15:30:00Z"))).toBe("2026-01-02");
  });
});
