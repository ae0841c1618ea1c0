// What a preview can show of an evidence item, and the decoding of text
// evidence. Kept free of Svelte and of pdf.js so that it can be tested.

import type { Evidence } from "../../ipc/bindings/Evidence";

/** Images and PDFs are read whole for a preview up to this size; larger ones go to the system viewer. */
export const PREVIEW_LIMIT = 32 * 1024 * 1024;
/** Text is shown from its beginning, this much of it. */
export const TEXT_LIMIT = 256 * 1024;

export type PreviewKind = "image" | "pdf" | "text" | "none";

// The image types every web view shows; TIFF, HEIC and BMP are not among them everywhere.
const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"];
const TEXT_TYPES = ["application/json", "application/xml", "application/x-yaml", "application/yaml", "application/x-ndjson", "application/sql"];
// Extensions of text files that the core's media type guess may call
// application/octet-stream, such as logs exported from appliances.
const TEXT_EXTENSIONS = ["log", "txt", "csv", "tsv", "json", "jsonl", "ndjson", "xml", "yaml", "yml", "ini", "conf", "cfg", "toml", "properties", "md", "sql", "sh", "ps1", "bat", "cmd", "tf", "out", "syslog"];

function extension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
}

export function previewKind(e: Pick<Evidence, "media_type" | "original_name">): PreviewKind {
  const type = e.media_type.toLowerCase();
  if (IMAGE_TYPES.includes(type)) return "image";
  if (type === "application/pdf") return "pdf";
  if (type.startsWith("text/") || TEXT_TYPES.includes(type) || type.endsWith("+json") || type.endsWith("+xml")) return "text";
  if (TEXT_EXTENSIONS.includes(extension(e.original_name))) return "text";
  return "none";
}

export interface DecodedText {
  text: string;
  /** The encoding that decoded it, as the WHATWG Encoding Standard names it. */
  encoding: string;
}

/**
 * How many bytes at the end of `bytes` belong to a UTF-8 character that was
 * cut off by the read limit, so that a strict decoder does not reject the
 * whole text for the last character.
 */
function cutUtf8Tail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back];
    if ((b & 0xc0) === 0x80) continue; // A continuation byte: look further back.
    const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/**
 * Decodes text evidence. A byte order mark decides UTF-16 (PowerShell's
 * redirection writes that); otherwise strict UTF-8 is tried first, and
 * Shift_JIS is the fallback, as Japanese Windows writes its logs and CSV
 * exports in it. `cut` says the bytes are the start of a longer file, whose
 * last character may be incomplete.
 */
export function decodeText(bytes: Uint8Array, cut: boolean): DecodedText {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder("utf-16le").decode(bytes), encoding: "utf-16le" };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder("utf-16be").decode(bytes), encoding: "utf-16be" };
  const whole = cut ? bytes.subarray(0, bytes.length - cutUtf8Tail(bytes)) : bytes;
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(whole), encoding: "utf-8" };
  } catch {
    return { text: new TextDecoder("shift_jis").decode(bytes), encoding: "shift_jis" };
  }
}
