import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Session, errorText } from "./session.svelte";
import { BackendError } from "./ipc";
import { lang, setLang } from "./i18n/index.svelte";
import { startCore, type Core } from "../test/core";

describe("session, on the real core", () => {
  let core: Core;
  beforeEach(async () => {
    setLang("ja");
    core = await startCore();
  });
  afterEach(async () => {
    setLang("ja");
    await core.stop();
  });

  it("saves the chosen language in the profile and restores it on start", async () => {
    const session = new Session(core.client);
    await session.start();
    await session.setLanguage("en");
    expect(lang()).toBe("en");
    expect((await core.client.getProfile({})).lang).toBe("en");
    setLang("ja");
    await new Session(core.client).start();
    expect(lang()).toBe("en");
  });

  it("opens the demo with the rights of the profile's user on its team", async () => {
    const session = new Session(core.client);
    await session.start();
    await session.show(await core.client.openDemo({}));
    expect(session.engagement?.rights.role).toBe("assessor");
    expect(session.engagement?.rights.may_sign).toEqual(["preparer"]);
    expect(session.controls.length).toBeGreaterThan(10);
    // Renamed to the demo's manager, the rights follow.
    // His demo key is on this computer: switching to him takes its PIN (the demo's 0000).
    await session.switchProfile({ name: "山田 太郎", initials: "", role: "manager", lang: "ja" }, "0000");
    expect(session.engagement?.rights.may_reopen).toBe(true);
  });

  it("turns read-only when a change is refused as locked, and says why", async () => {
    await core.stop();
    core = await startCore({ user: "山田 太郎", role: "manager" });
    const path = `${core.dataDir}/final.ismap`;
    core.cli(["demo", "--finalized", "--out", path]);
    const session = new Session(core.client);
    await session.start();
    await session.show(await core.open(path));
    expect(session.locked).toBe(true);
    const engagement = session.engagement!;
    // He reopens with his demo key, opened with the demo's PIN.
    await core.client.unlockSigningKey({ pin: "0000" });
    engagement.update(await engagement.client.reopen({ reason: "追加の手続" }));
    expect(session.locked).toBe(false);
    // Finalized again elsewhere: the session learns it from a refused change.
    await core.client.finalize({ engagement: engagement.handle });
    expect(session.locked).toBe(false);
    session.fail(new BackendError({ kind: "locked", message: "x", input_problems: [], field_problems: [] }));
    expect(session.error).toBe(
      "この監査業務は確定（ロック）されているため、変更できませんでした。変更が必要な場合は、マネージャーまたは業務執行責任者が再開してください。",
    );
    await vi.waitFor(() => expect(session.locked).toBe(true));
  });

  it("translates errors by their kind, never by their message", () => {
    const err = new BackendError({ kind: "already_exists", message: "x", input_problems: [], field_problems: [] });
    expect(errorText(err)).toBe("同じ名前のファイルがすでにあります。別の名前を選んでください。");
    expect(errorText(new Error("boom"))).toBe("予期しないエラーが発生しました。");
  });

  it("has a message for a refused file kind the core may send (disk_io)", () => {
    const err = new BackendError({ kind: "disk_io", message: "x", input_problems: [], field_problems: [] });
    expect(errorText(err)).not.toBe("error.disk_io");
  });
});
