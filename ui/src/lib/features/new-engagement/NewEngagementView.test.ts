import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import NewEngagementView from "./NewEngagementView.svelte";
import { Session } from "../../session.svelte";
import { createFakeBackend } from "../ipc/fake";
import { setLang } from "../../i18n/index.svelte";

async function type(testid: string, value: string) {
  const input = screen.getByTestId(testid) as HTMLInputElement;
  await fireEvent.input(input, { target: { value } });
}

describe("new engagement form", () => {
  it("shows a translated message beside an invalid corporate number, and disables create", async () => {
    setLang("ja");
    const session = new Session(createFakeBackend());
    render(NewEngagementView, { session, checkDelay: 10 });
    await type("field-provider.corporate_number", "7123456789013");
    const message = await screen.findByTestId("problem-provider.corporate_number");
    expect(message.textContent).toBe("「7123456789013」は法人番号として正しくありません（13桁の数字で、先頭がチェックデジットです）。");
    // The message sits in the same field row as its input.
    expect(message.parentElement).toBe(screen.getByTestId("field-provider.corporate_number").parentElement);
    expect((screen.getByTestId("create-button") as HTMLButtonElement).disabled).toBe(true);
  });

  it("clears the message when the number is corrected, and enables create when all is valid", async () => {
    setLang("en");
    const session = new Session(createFakeBackend());
    render(NewEngagementView, { session, checkDelay: 10 });
    await type("field-provider.corporate_number", "7123456789013");
    expect((await screen.findByTestId("problem-provider.corporate_number")).textContent).toContain("is not a valid corporate number");
    await type("field-provider.corporate_number", "4011001098993");
    await waitFor(() => expect(screen.queryByTestId("problem-provider.corporate_number")).toBeNull());
    await type("field-provider.name", "株式会社テスト");
    await type("field-service.name", "テストクラウド");
    await type("field-period.start", "2025-04-01");
    await type("field-period.end", "2026-03-31");
    await type("field-assessor.name", "テスト監査法人");
    await type("field-team[0].name", "佐藤 花子");
    await waitFor(() => expect((screen.getByTestId("create-button") as HTMLButtonElement).disabled).toBe(false));
    // A second-level review is off unless chosen.
    const second = screen.getByTestId("field-second_review") as HTMLInputElement;
    expect(second.checked).toBe(false);
    await fireEvent.click(second);
    await fireEvent.click(screen.getByTestId("create-button"));
    await waitFor(() => expect(session.screen).toBe("dashboard"));
    expect(session.engagement?.fields.provider.corporate_number).toBe("4011001098993");
    expect(session.engagement?.fields.second_review).toBe(true);
    setLang("ja");
  });
});
