import { afterEach, describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/svelte";
import DateFieldHarness from "./DateFieldHarness.svelte";
import { setLang } from "../i18n/index.svelte";

const field = () => screen.getByTestId("date") as HTMLInputElement;
const bound = () => JSON.parse(screen.getByTestId("bound").textContent ?? "null");

async function typeAndLeave(text: string): Promise<void> {
  await fireEvent.input(field(), { target: { value: text } });
  await fireEvent.blur(field());
}

describe("DateField", () => {
  afterEach(() => setLang("ja"));

  it("is a text field that says YYYY-MM-DD, not the locale's date input", () => {
    render(DateFieldHarness);
    expect(field().type).toBe("text");
    expect(field().placeholder).toBe("YYYY-MM-DD");
  });

  it("reads 2026/4/1 as 2026-04-01 at once, and writes it so when the user leaves", async () => {
    render(DateFieldHarness);
    await fireEvent.input(field(), { target: { value: "2026/4/1" } });
    expect(bound()).toBe("2026-04-01");
    // While the user types the text is theirs.
    expect(field().value).toBe("2026/4/1");
    await fireEvent.blur(field());
    expect(field().value).toBe("2026-04-01");
    expect(screen.queryByTestId("date-not-a-date")).toBeNull();
  });

  it("reads full-width digits and separators, dots, and eight digits", async () => {
    render(DateFieldHarness);
    await typeAndLeave("２０２６／０４／０１");
    expect(field().value).toBe("2026-04-01");
    await typeAndLeave("２０２６－１２－３１");
    expect(bound()).toBe("2026-12-31");
    await typeAndLeave("2026.7.9");
    expect(field().value).toBe("2026-07-09");
    await typeAndLeave("20260229"); // 2026 is no leap year
    expect(bound()).toBe("20260229");
    await typeAndLeave("20280229");
    expect(field().value).toBe("2028-02-29");
    await typeAndLeave("2026年4月1日");
    expect(bound()).toBe("2026-04-01");
  });

  it("refuses a day that does not exist, with a message, and keeps the text for the form to refuse", async () => {
    render(DateFieldHarness);
    await typeAndLeave("2026-02-30");
    const message = screen.getByTestId("date-not-a-date");
    expect(message.textContent).toBe("「2026-02-30」は日付として読めません。実在する日を YYYY-MM-DD（例: 2026-04-01）で入力してください。");
    expect(field().getAttribute("aria-invalid")).toBe("true");
    expect(field().getAttribute("aria-describedby")).toBe(message.id);
    // The form sees the text, which no date check accepts, not "" (which an optional field would take as no date).
    expect(bound()).toBe("2026-02-30");
    expect(field().value).toBe("2026-02-30");
    // Corrected, the message goes.
    await typeAndLeave("2026-02-28");
    expect(screen.queryByTestId("date-not-a-date")).toBeNull();
    expect(field().getAttribute("aria-invalid")).toBe("false");
    expect(bound()).toBe("2026-02-28");
  });

  it("says nothing while the user is still typing", async () => {
    render(DateFieldHarness);
    await fireEvent.input(field(), { target: { value: "2026-0" } });
    expect(screen.queryByTestId("date-not-a-date")).toBeNull();
  });

  it("says it in English too", async () => {
    setLang("en");
    render(DateFieldHarness);
    await typeAndLeave("4/1/2026");
    expect(screen.getByTestId("date-not-a-date").textContent).toBe("“4/1/2026” is not a date. Type a real day as YYYY-MM-DD (e.g. 2026-04-01).");
  });

  it("takes a value the form sets, and a reset to empty", async () => {
    render(DateFieldHarness, { props: { initial: "2026-03-31" } });
    expect(field().value).toBe("2026-03-31");
    await fireEvent.click(screen.getByTestId("set"));
    expect(field().value).toBe("2025-12-31");
    await fireEvent.click(screen.getByTestId("clear"));
    expect(field().value).toBe("");
    expect(bound()).toBe("");
  });

  it("writes the date in its one form on Enter", async () => {
    render(DateFieldHarness);
    await fireEvent.input(field(), { target: { value: "2026/4/1" } });
    await fireEvent.keyDown(field(), { key: "Enter" });
    expect(field().value).toBe("2026-04-01");
  });
});
