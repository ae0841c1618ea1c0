import { describe, expect, it } from "vitest";
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

  it("translates errors by their kind, never by their message", () => {
    setLang("ja");
    const err = new BackendError({ kind: "already_exists", message: "x", input_problems: [], field_problems: [] });
    expect(errorText(err)).toBe("同じ名前のファイルがすでにあります。別の名前を選んでください。");
    expect(errorText(new BackendError({ kind: "something_new", message: "x", input_problems: [], field_problems: [] }))).toBe("予期しないエラーが発生しました。");
    expect(errorText(new Error("boom"))).toBe("予期しないエラーが発生しました。");
  });
});
