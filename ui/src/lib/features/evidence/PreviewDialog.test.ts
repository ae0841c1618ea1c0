import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import PreviewDialog from "./PreviewDialog.svelte";
import type { Evidence } from "../../ipc/bindings/Evidence";
import { setLang } from "../../i18n/index.svelte";
import type { Session } from "../../session.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";
import { takeIn } from "./evidence.testing";
import { TEXT_LIMIT } from "./preview";

// pdf.js needs a real canvas and a worker; here it is replaced, so that the
// test sees what the dialog hands it.
vi.mock("./pdf", () => ({
  renderFirstPage: vi.fn(async () => ({ pages: 3 })),
}));
import { renderFirstPage } from "./pdf";

// 「2026-04-01 09:00:00 特権ID使用開始 ユーザー=admin01」 as Japanese Windows writes it, in Shift_JIS.
const SJIS_LOG = Uint8Array.from(
  [..."2026-04-01 09:00:00 "].map((c) => c.charCodeAt(0)).concat(
    "93 c1 8c a0 49 44 8e 67 97 70 8a 4a 8e 6e 20 83 86 81 5b 83 55 81 5b 3d 61 64 6d 69 6e 30 31 0d 0a".split(" ").map((h) => parseInt(h, 16)),
  ),
);

let core: Core;
let session: Session;

beforeEach(async () => {
  setLang("ja");
  vi.mocked(renderFirstPage).mockClear();
  core = await startCore();
  session = await sessionOn(core);
});
afterEach(() => core.stop());

async function show(name: string, content: string | Uint8Array) {
  const [evidence] = await takeIn(core, session, [{ name, content, meta: { title: "T", kind: "other" } }]);
  renderInApp(PreviewDialog, session, { evidence, onclose: () => {} });
  return { evidence, dialog: await screen.findByTestId("preview-dialog") };
}

describe("evidence preview, on the real core", () => {
  it("shows a Japanese Windows log in Shift_JIS", async () => {
    const { dialog } = await show("特権ID利用ログ_2026-04.log", SJIS_LOG);
    expect((await screen.findByTestId("preview-text")).textContent).toContain("特権ID使用開始 ユーザー=admin01");
    expect(dialog.textContent).toContain("文字コード: Shift_JIS");
    expect(screen.queryByTestId("preview-cut")).toBeNull();
  });

  it("shows the start of a long text and says that it was cut", async () => {
    const line = "2026-04-01T09:00:00 認証成功 user=admin01\n";
    await show("huge.log", line.repeat(Math.ceil((TEXT_LIMIT * 1.5) / line.length)));
    const text = await screen.findByTestId("preview-text");
    expect(new TextEncoder().encode(text.textContent!).length).toBeLessThanOrEqual(TEXT_LIMIT);
    expect(text.textContent).not.toContain("\ufffd");
    expect(screen.getByTestId("preview-cut").textContent).toContain("256 KB");
  });

  it("draws the first page of a PDF with pdf.js, on the canvas", async () => {
    const { dialog } = await show("情報セキュリティ規程_v3.2.pdf", "%PDF-1.4\n%規程\n");
    await waitFor(() => expect(renderFirstPage).toHaveBeenCalledTimes(1));
    const [bytes, canvas] = vi.mocked(renderFirstPage).mock.calls[0];
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe("%PDF-");
    expect(canvas).toBe(screen.getByTestId("preview-pdf-canvas"));
    await waitFor(() => expect(dialog.textContent).toContain("全 3 ページ"));
  });

  it("gives the facts of a file it cannot show, and says why the system's app is not used for it", async () => {
    const { dialog, evidence } = await show("dump.bin", new Uint8Array([0, 1, 2, 3]));
    expect(screen.getByTestId("preview-none")).toBeTruthy();
    expect(screen.getByTestId("preview-sha256").textContent).toBe(evidence.sha256);
    expect(dialog.textContent).toContain("application/octet-stream");
    expect(dialog.textContent).toContain("4 バイト");
    // A .bin may run code when opened: the core refuses, and nothing is opened.
    await fireEvent.click(screen.getByTestId("preview-open"));
    expect((await screen.findByRole("alert")).textContent).toContain(".bin のファイルは開くとプログラムが動く可能性があるため");
    expect(await core.opened()).toEqual([]);
  });

  it("opens a copy of a document with the system's app", async () => {
    await show("設定.json", '{"mfa": true}');
    expect((await screen.findByTestId("preview-text")).textContent).toBe('{"mfa": true}');
    await fireEvent.click(screen.getByTestId("preview-open"));
    await waitFor(async () => expect(await core.opened()).toHaveLength(1));
    const [copy] = await core.opened();
    // A copy named after the item, not the stored content itself.
    expect(copy).toMatch(/EV-0001.*設定\.json$/);
    expect(copy).not.toContain(core.dataDir);
    rmSync(dirname(copy), { recursive: true, force: true });
  });

  it("asks before a plain copy of an encrypted engagement's evidence is opened, and removes it when the engagement is closed", async () => {
    const file = join(core.dataDir, "secret.ismap");
    const passphrase = "みなと監査 2026 春";
    core.cli(["demo", "--encrypt", "--out", file], "山田 太郎", { WORKBENCH_ENGAGEMENT_PASSPHRASE: passphrase });
    await core.choose([file]);
    const handle = await core.client.pickEngagementToOpen({});
    await core.client.unlockFile({ file: handle!, passphrase });
    await session.show(await core.client.openEngagement({ file: handle! }));
    expect(session.engagement!.view.encrypted).toBe(true);
    await show("設定.json", '{"mfa": true}');
    await fireEvent.click(screen.getByTestId("preview-open"));
    const confirm = await screen.findByTestId("viewer-copy-confirm");
    expect(confirm.textContent).toContain("暗号化されていないコピー");
    expect(await core.opened()).toEqual([]);
    // Declined: nothing is written or opened.
    await fireEvent.click(screen.getByTestId("viewer-copy-no"));
    expect(screen.queryByTestId("viewer-copy-confirm")).toBeNull();
    expect(await core.opened()).toEqual([]);
    await fireEvent.click(screen.getByTestId("preview-open"));
    await fireEvent.click(await screen.findByTestId("viewer-copy-yes"));
    await waitFor(async () => expect(await core.opened()).toHaveLength(1));
    const [copy] = await core.opened();
    expect(existsSync(copy)).toBe(true);
    // Closing the engagement removes the plain copy.
    await session.close();
    expect(existsSync(copy)).toBe(false);
  });

  it("leaves images over the limit to the system viewer, without reading them", async () => {
    const evidenceContent = vi.spyOn(session.engagement!.client, "evidenceContent");
    const evidence: Evidence = {
      id: "EV-0001",
      sha256: "a".repeat(64),
      size: 40 * 1024 * 1024,
      media_type: "image/png",
      original_name: "巨大.png",
      added_at: "2026-05-01T00:00:00Z",
      added_by: "",
      links: [],
      removed: null,
      title: "巨大な画面キャプチャ",
      description: "",
      kind: "screenshot",
      obtained_from: "",
      obtained_by: "",
      obtained_at: null,
      as_of: "2026-04-30",
    };
    renderInApp(PreviewDialog, session, { evidence, onclose: () => {} });
    expect((await screen.findByTestId("preview-too-large")).textContent).toContain("32 MB");
    expect(evidenceContent).not.toHaveBeenCalled();
  });
});
