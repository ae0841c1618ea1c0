import { describe, expect, it, vi } from "vitest";
import { Session, errorText } from "./session.svelte";
import { createFakeBackend } from "./ipc/fake";
import { BackendError } from "./ipc";
import { lang, setLang } from "./i18n/index.svelte";

describe("session", () => {
  it("saves the chosen language in the profile and restores it on start", async () => {
    setLang("ja");
    const backend = createFakeBackend();
    const session = new Session(backend);
    await session.start();
    await session.setLanguage("en");
    expect(lang()).toBe("en");
    expect((await backend.getProfile()).lang).toBe("en");
    setLang("ja");
    await new Session(backend).start();
    expect(lang()).toBe("en");
    setLang("ja");
  });

  it("turns read-only when a change is refused as locked, and says why", async () => {
    setLang("ja");
    const backend = createFakeBackend();
    const session = new Session(backend);
    await session.start();
    await session.show(await backend.openDemo());
    expect(session.locked).toBe(false);
    // Finalized elsewhere: the session learns it from the refusal.
    const finalized = { by: "山田 太郎", at: "2026-05-20T00:00:00.000Z" };
    const real = backend.reviewSummary;
    backend.reviewSummary = async (path) => ({ ...(await real(path)), finalized });
    session.fail(new BackendError({ kind: "locked", message: "x", input_problems: [], field_problems: [] }));
    expect(session.error).toBe("この監査は確定（ロック）されているため、変更できませんでした。変更が必要な場合は、マネージャーまたは業務執行責任者が再開してください。");
    await vi.waitFor(() => expect(session.locked).toBe(true));
    expect(session.engagement?.finalized).toEqual(finalized);
  });

  it("translates errors by their kind, never by their message", () => {
    setLang("ja");
    const err = new BackendError({ kind: "already_exists", message: "x", input_problems: [], field_problems: [] });
    expect(errorText(err)).toBe("同じ名前のファイルがすでにあります。別の名前を選んでください。");
    expect(errorText(new BackendError({ kind: "something_new", message: "x", input_problems: [], field_problems: [] }))).toBe("予期しないエラーが発生しました。");
    expect(errorText(new Error("boom"))).toBe("予期しないエラーが発生しました。");
  });
});
