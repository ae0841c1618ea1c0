import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import PreviewDialog from "./PreviewDialog.svelte";
import { createFakeBackend, DEMO_PATH, type FakeBackend } from "../../ipc/fake";
import type { Evidence } from "../../ipc/bindings/Evidence";
import { setLang } from "../../i18n/index.svelte";
import { TEXT_LIMIT } from "./preview";

// pdf.js needs a real canvas and a worker; here it is replaced, so that the
// test sees what the dialog hands it.
vi.mock("../../evidence/pdf", () => ({
  renderFirstPage: vi.fn(async () => ({ pages: 3 })),
}));
import { renderFirstPage } from "./pdf";

async function takeIn(backend: FakeBackend, path: string, content?: string | Uint8Array): Promise<Evidence> {
  if (content !== undefined) backend.putFile(path, content);
  const meta = { title: "T", description: "", kind: "other" as const, obtained_from: "", obtained_by: "", obtained_at: null, as_of: "2026-04-30" };
  const [e] = await backend.addEvidence(DEMO_PATH, [{ path, meta }], [], () => {});
  return e;
}

async function show(content: string | Uint8Array | undefined, path: string) {
  setLang("ja");
  const backend = createFakeBackend();
  await backend.openDemo();
  const evidence = await takeIn(backend, path, content);
  render(PreviewDialog, { backend, path: DEMO_PATH, evidence, onclose: () => {} });
  return { backend, evidence, dialog: await screen.findByTestId("preview-dialog") };
}

beforeEach(() => vi.mocked(renderFirstPage).mockClear());

describe("evidence preview", () => {
  it("shows a Japanese Windows log in Shift_JIS", async () => {
    const { dialog } = await show(undefined, "/fake/files/特権ID利用ログ_2026-04.log");
    expect((await screen.findByTestId("preview-text")).textContent).toContain("特権ID使用開始 ユーザー=admin01");
    expect(dialog.textContent).toContain("文字コード: Shift_JIS");
    expect(screen.queryByTestId("preview-cut")).toBeNull();
  });

  it("shows the start of a long text and says that it was cut", async () => {
    const line = "2026-04-01T09:00:00 認証成功 user=admin01\n";
    await show(line.repeat(Math.ceil((TEXT_LIMIT * 1.5) / line.length)), "/in/huge.log");
    const text = await screen.findByTestId("preview-text");
    expect(new TextEncoder().encode(text.textContent!).length).toBeLessThanOrEqual(TEXT_LIMIT);
    expect(text.textContent).not.toContain("\ufffd");
    expect(screen.getByTestId("preview-cut").textContent).toContain("256 KB");
  });

  it("draws the first page of a PDF with pdf.js, on the canvas", async () => {
    const { dialog } = await show(undefined, "/fake/files/情報セキュリティ規程_v3.2.pdf");
    await waitFor(() => expect(renderFirstPage).toHaveBeenCalledTimes(1));
    const [bytes, canvas] = vi.mocked(renderFirstPage).mock.calls[0];
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe("%PDF-");
    expect(canvas).toBe(screen.getByTestId("preview-pdf-canvas"));
    await waitFor(() => expect(dialog.textContent).toContain("全 3 ページ"));
  });

  it("gives the facts of a file it cannot show, with the system viewer one click away", async () => {
    const { dialog, evidence } = await show(new Uint8Array([0, 1, 2, 3]), "/in/dump.bin");
    expect(screen.getByTestId("preview-none")).toBeTruthy();
    expect(screen.getByTestId("preview-sha256").textContent).toBe(evidence.sha256);
    expect(dialog.textContent).toContain("application/octet-stream");
    expect(dialog.textContent).toContain("4 バイト");
    expect(screen.getByTestId("preview-open")).toBeTruthy();
  });

  it("leaves images over the limit to the system viewer, without reading them", async () => {
    setLang("ja");
    const backend = createFakeBackend();
    const evidenceContent = vi.spyOn(backend, "evidenceContent");
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
    render(PreviewDialog, { backend, path: DEMO_PATH, evidence, onclose: () => {} });
    expect((await screen.findByTestId("preview-too-large")).textContent).toContain("32 MB");
    expect(evidenceContent).not.toHaveBeenCalled();
  });
});
