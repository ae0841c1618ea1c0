import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import NewEngagementView from "./NewEngagementView.svelte";
import Header from "../shell/Header.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";
import type { Session } from "../../session.svelte";

async function type(testid: string, value: string) {
  await fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

const createButton = () => screen.getByTestId("create-button") as HTMLButtonElement;
const destination = () => (screen.getByTestId("field-destination") as HTMLInputElement).value;

async function fillValidWithoutPassphrase() {
  await type("field-provider.name", "株式会社テスト");
  await type("field-provider.corporate_number", "4011001098993");
  await type("field-service.name", "テストクラウド");
  await type("field-period.start", "2025-04-01");
  await type("field-period.end", "2026-03-31");
  await type("field-assessor.name", "テスト監査法人");
  await type("field-team[0].name", "佐藤 花子");
}

async function fillValid() {
  await fillValidWithoutPassphrase();
  // New engagements are encrypted unless the user says otherwise.
  await type("field-passphrase", PASSPHRASE);
  await type("field-passphrase_repeat", PASSPHRASE);
}

const PASSPHRASE = "みなと監査 2026 春の往査";

describe("new engagement form, on the real core", () => {
  let core: Core;
  beforeEach(async () => {
    setLang("ja");
    core = await startCore();
  });
  afterEach(async () => {
    setLang("ja");
    await core.stop();
  });

  async function openForm() {
    const session = await sessionOn(core, false);
    renderInApp(NewEngagementView, session, { checkDelay: 10 });
    return session;
  }

  it("shows the core's message beside an invalid corporate number, and disables create", async () => {
    await openForm();
    await type("field-provider.corporate_number", "7123456789013");
    const message = await screen.findByTestId("problem-provider.corporate_number");
    expect(message.textContent).toBe("「7123456789013」は法人番号として正しくありません（13桁の数字で、先頭がチェックデジットです）。");
    // The message sits in the same field row as its input.
    expect(message.parentElement).toBe(screen.getByTestId("field-provider.corporate_number").parentElement);
    expect(createButton().disabled).toBe(true);
  });

  it("clears the message when the number is corrected, and creates the engagement in the suggested file", async () => {
    const session = await openForm();
    setLang("en");
    await type("field-provider.corporate_number", "7123456789013");
    expect((await screen.findByTestId("problem-provider.corporate_number")).textContent).toContain("is not a valid corporate number");
    await fillValid();
    await waitFor(() => expect(screen.queryByTestId("problem-provider.corporate_number")).toBeNull());
    // The file is named after the service, in the user's documents folder.
    const file = join(core.dataDir, "テストクラウド.ismap");
    await waitFor(() => expect(destination()).toBe(file));
    await waitFor(() => expect(createButton().disabled).toBe(false));
    // A second-level review is off unless chosen.
    const second = screen.getByTestId("field-second_review") as HTMLInputElement;
    expect(second.checked).toBe(false);
    await fireEvent.click(second);
    await fireEvent.click(createButton());
    await waitFor(() => expect(session.screen).toBe("dashboard"));
    expect(existsSync(file)).toBe(true);
    const fields = session.engagement!.view.fields;
    expect(fields.provider.corporate_number).toBe("4011001098993");
    expect(fields.second_review).toBe(true);
    expect(fields.period).toEqual({ start: "2025-04-01", end: "2026-03-31" });
    expect(session.engagement!.rights.role).toBe("assessor");
  });

  it("encrypts a new engagement by default, with the core's checks of the passphrase and its strength", async () => {
    const session = await openForm();
    expect((screen.getByTestId("field-encrypt") as HTMLInputElement).checked).toBe(true);
    await fillValid();
    // Too short, then typed differently the second time: each said at its field, and nothing can be created.
    await type("field-passphrase", "abc");
    expect((await screen.findByTestId("problem-passphrase")).textContent).toBe("パスフレーズは 8 文字以上にしてください。");
    await waitFor(() => expect(screen.getByTestId("passphrase-strength-level").textContent).toBe("強度: 弱い"));
    expect(createButton().disabled).toBe(true);
    await type("field-passphrase", PASSPHRASE + "!");
    await waitFor(() => expect(screen.queryByTestId("problem-passphrase")).toBeNull());
    expect((await screen.findByTestId("problem-passphrase_repeat")).textContent).toBe("確認のために入力したパスフレーズが一致しません。");
    expect(createButton().disabled).toBe(true);
    await type("field-passphrase", PASSPHRASE);
    await waitFor(() => expect(screen.queryByTestId("problem-passphrase_repeat")).toBeNull());
    await waitFor(() => expect(screen.getByTestId("passphrase-strength-level").textContent).toBe("強度: 強い"));
    await waitFor(() => expect(createButton().disabled).toBe(false));
    await fireEvent.click(createButton());
    await waitFor(() => expect(session.screen).toBe("dashboard"));
    expect(session.engagement!.view.encrypted).toBe(true);
    const file = join(core.dataDir, "テストクラウド.ismap");
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 15).toString("latin1")).not.toBe("SQLite format 3");
    expect(bytes.includes(Buffer.from("株式会社テスト"))).toBe(false);
    // The plain profile lists it by its file's name, not by the provider.
    expect(readFileSync(join(core.dataDir, "profile.json"), "utf8")).not.toContain("株式会社テスト");
    // Without the passphrase the CLI cannot read it.
    expect(() => core.cli(["engagement", "show", file])).toThrow(/passphrase/);
  });

  it("makes a plain file when encryption is turned off, and says what that means", async () => {
    const session = await openForm();
    await fireEvent.click(screen.getByTestId("field-encrypt"));
    expect(screen.getByTestId("encryption-off-warning").textContent).toContain("証跡を含むすべての内容を読めます");
    expect(screen.queryByTestId("field-passphrase")).toBeNull();
    await fillValidWithoutPassphrase();
    await waitFor(() => expect(createButton().disabled).toBe(false));
    await fireEvent.click(createButton());
    await waitFor(() => expect(session.screen).toBe("dashboard"));
    expect(session.engagement!.view.encrypted).toBe(false);
    expect(readFileSync(join(core.dataDir, "テストクラウド.ismap")).subarray(0, 15).toString("latin1")).toBe("SQLite format 3");
  });

  it("creates in the file chosen in the save dialog, which then no longer follows the service's name", async () => {
    const session = await openForm();
    const chosen = join(core.dataDir, "chosen", "監査2026.ismap");
    await core.choose([chosen]);
    await fireEvent.click(screen.getByTestId("destination-browse"));
    await waitFor(() => expect(destination()).toBe(chosen));
    await fillValid();
    await waitFor(() => expect(createButton().disabled).toBe(false));
    expect(destination()).toBe(chosen);
    await fireEvent.click(createButton());
    await waitFor(() => expect(session.screen).toBe("dashboard"));
    expect(existsSync(chosen)).toBe(true);
  });

  it("asks for an empty date once its field was left, and shows the core's check of the period", async () => {
    await openForm();
    await fireEvent.blur(screen.getByTestId("field-period.start"));
    expect((await screen.findByTestId("problem-period.start")).textContent).toBe("入力してください。");
    // The end not yet given is not judged before the user gets there.
    expect(screen.queryByTestId("problem-period.end")).toBeNull();
    await type("field-period.start", "2025-04-01");
    await type("field-period.end", "2025-03-31");
    await fireEvent.blur(screen.getByTestId("field-period.end"));
    expect((await screen.findByTestId("problem-period")).textContent).toBe("終了日（2025-03-31）が開始日（2025-04-01）以前になっています。");
    await waitFor(() => expect(screen.queryByTestId("problem-period.start")).toBeNull());
    // A period shorter than three months is refused (CC2022 §2.2.5)...
    await type("field-period.end", "2025-05-31");
    await waitFor(() =>
      expect(screen.getByTestId("problem-period").textContent).toBe("対象期間は3か月以上必要です。終了日は2025-06-30以降にしてください。"),
    );
    // ...unless the firm records why it departs from the rule, which is then a warning.
    await type("field-period_rule_override", "OSO と協議済み");
    expect((await screen.findByTestId("warning-period_rule_overridden")).textContent).toContain("OSO と協議済み");
    await waitFor(() => expect(screen.queryByTestId("problem-period")).toBeNull());
  });

  it("asks a renewal for the prior period and refuses a gap after it", async () => {
    await openForm();
    await fireEvent.change(screen.getByTestId("field-audit_kind"), { target: { value: "renewal" } });
    await fillValid();
    await type("field-current_registration.number", "C-0001");
    await type("field-current_registration.registered_on", "2024-06-01");
    await type("field-current_registration.expires_on", "2026-07-31");
    await type("field-period.start", "2025-04-01");
    await type("field-period.end", "2026-03-31");
    await fireEvent.blur(screen.getByTestId("field-prior_period.start"));
    expect(createButton().disabled).toBe(true);
    expect((await screen.findByTestId("problem-prior_period.start")).textContent).toBe("入力してください。");
    await type("field-prior_period.start", "2024-03-01");
    await type("field-prior_period.end", "2025-02-28");
    await fireEvent.blur(screen.getByTestId("field-period.start"));
    await waitFor(() =>
      expect(screen.getByTestId("problem-period").textContent).toBe(
        "前回の対象期間は2025-02-28に終わっています。今回の対象期間は2025-03-01から始めてください（空白期間は認められません）。",
      ),
    );
    await type("field-prior_period.start", "2024-04-01");
    await type("field-prior_period.end", "2025-03-31");
    await waitFor(() => expect(screen.queryByTestId("problem-period")).toBeNull());
  });

  it("asks for the current registration of a renewal", async () => {
    await openForm();
    await fireEvent.change(screen.getByTestId("field-audit_kind"), { target: { value: "renewal" } });
    await fireEvent.click(createButton());
    await fillValid();
    await type("field-current_registration.registered_on", "2025-01-01");
    await type("field-current_registration.expires_on", "2024-12-31");
    expect((await screen.findByTestId("problem-current_registration.number")).textContent).toBe("入力してください。");
    expect((await screen.findByTestId("problem-current_registration.expires_on")).textContent).toBe("有効期限が登録日以前になっています。");
    expect(createButton().disabled).toBe(true);
  });

  it("reads a date typed the Japanese way, and says when a typed date is no day", async () => {
    await openForm();
    await type("field-period.start", "２０２５／４／１");
    await fireEvent.blur(screen.getByTestId("field-period.start"));
    expect((screen.getByTestId("field-period.start") as HTMLInputElement).value).toBe("2025-04-01");
    await type("field-period.end", "2026-02-29");
    await fireEvent.blur(screen.getByTestId("field-period.end"));
    expect(screen.getByTestId("field-period.end-not-a-date").textContent).toContain("「2026-02-29」は日付として読めません");
    // The field says why; "required" beside it would be wrong.
    await fireEvent.click(createButton());
    expect(screen.queryByTestId("problem-period.end")).toBeNull();
    expect(createButton().disabled).toBe(true);
  });

  it("does not drop a registration date typed wrong, though the field may be left empty", async () => {
    await openForm();
    await fillValid();
    await waitFor(() => expect(createButton().disabled).toBe(false));
    await type("field-assessor.registration_valid_until", "2027-13-01");
    await waitFor(() => expect(createButton().disabled).toBe(true));
    await type("field-assessor.registration_valid_until", "");
    await waitFor(() => expect(createButton().disabled).toBe(false));
  });

  describe("leaving the form", () => {
    async function openOnScreen(): Promise<Session> {
      const session = await openForm();
      session.screen = "new";
      return session;
    }

    it("leaves at once when nothing was typed", async () => {
      const session = await openOnScreen();
      await fireEvent.click(screen.getByTestId("new-cancel"));
      expect(session.screen).toBe("start");
      expect(screen.queryByTestId("new-leave-dialog")).toBeNull();
    });

    it("asks first on Cancel once something was typed, and stays or leaves as answered", async () => {
      const session = await openOnScreen();
      await type("field-provider.name", "株式会社テスト");
      await fireEvent.click(screen.getByTestId("new-cancel"));
      const dialog = await screen.findByTestId("new-leave-dialog");
      expect(dialog.textContent).toContain("入力内容を破棄しますか");
      expect(session.screen).toBe("new");
      await fireEvent.click(within(dialog).getByTestId("new-leave-stay"));
      expect(screen.queryByTestId("new-leave-dialog")).toBeNull();
      expect(session.screen).toBe("new");
      expect((screen.getByTestId("field-provider.name") as HTMLInputElement).value).toBe("株式会社テスト");
      await fireEvent.click(screen.getByTestId("new-cancel"));
      await fireEvent.click(within(await screen.findByTestId("new-leave-dialog")).getByTestId("new-leave-discard"));
      expect(session.screen).toBe("start");
    });

    it("asks first on Escape, and Escape in the question keeps the form", async () => {
      const session = await openOnScreen();
      await type("field-period.start", "2025-04-01");
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
      await screen.findByTestId("new-leave-dialog");
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
      await waitFor(() => expect(screen.queryByTestId("new-leave-dialog")).toBeNull());
      expect(session.screen).toBe("new");
    });

    it("asks first when the header's start button is pressed", async () => {
      const session = await openOnScreen();
      renderInApp(Header, session);
      await fireEvent.change(screen.getByTestId("field-audit_kind"), { target: { value: "renewal" } });
      await fireEvent.click(screen.getByTestId("nav-start"));
      const dialog = await screen.findByTestId("new-leave-dialog");
      expect(session.screen).toBe("new");
      await fireEvent.click(within(dialog).getByTestId("new-leave-discard"));
      await waitFor(() => expect(session.screen).toBe("start"));
    });
  });
});
