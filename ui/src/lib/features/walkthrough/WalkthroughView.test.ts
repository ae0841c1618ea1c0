import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import WalkthroughView from "./WalkthroughView.svelte";
import { Session } from "../../session.svelte";
import { createFakeBackend, DEMO_PATH } from "../ipc/fake";
import { setLang } from "../../i18n/index.svelte";

async function openAt(id: string) {
  setLang("ja");
  const backend = createFakeBackend();
  const session = new Session(backend);
  await session.show(await backend.openDemo());
  session.openControl(id);
  render(WalkthroughView, { session, saveDelay: 20 });
  await screen.findByTestId("control-id");
  return { backend, session };
}

const alt = (code: string, extra: Record<string, unknown> = {}) =>
  fireEvent.keyDown(window, { key: code.replace("Digit", ""), code, altKey: true, ...extra });

describe("walkthrough", () => {
  it("sets the current procedure's result with Alt+1..4, but not during IME composition", async () => {
    const { backend } = await openAt("9.2.3.11.PB");
    expect(screen.getByTestId("control-id").textContent).toBe("9.2.3.11.PB");
    const cards = screen.getAllByTestId("procedure");
    expect(cards).toHaveLength(3);

    await alt("Digit2", { isComposing: true });
    expect(within(cards[0]).getByTestId("result-exception").getAttribute("aria-pressed")).toBe("false");

    await alt("Digit1");
    expect(within(cards[0]).getByTestId("result-no_exception").getAttribute("aria-pressed")).toBe("true");
    await waitFor(async () => expect((await backend.controlDetail(DEMO_PATH, "9.2.3.11.PB")).procedures[0].procedure.result).toBe("no_exception"));
    await waitFor(() => expect(screen.getByTestId("save-state").dataset.state).toBe("saved"));

    // Alt+↓ moves to the next procedure; Alt+2 then sets its result.
    await fireEvent.keyDown(window, { key: "ArrowDown", code: "ArrowDown", altKey: true });
    await alt("Digit2");
    expect(within(cards[1]).getByTestId("result-exception").getAttribute("aria-pressed")).toBe("true");
    await waitFor(() => expect(screen.getByTestId("control-status").textContent).toBe("実施中"));
  });

  it("adds an exception to a procedure and lists it", async () => {
    const { backend } = await openAt("9.2.3.11.PB");
    const card = screen.getAllByTestId("procedure")[1];
    const input = within(card).getByTestId("exception-input") as HTMLInputElement;
    await fireEvent.input(input, { target: { value: "25件中2件で承認記録がなかった。" } });
    await fireEvent.click(within(card).getByTestId("exception-add"));
    const item = await within(screen.getAllByTestId("procedure")[1]).findByTestId("exception-item");
    // The demo's test grid of 4.4.1.1 holds E-0001, so this is the second.
    expect(item.textContent).toContain("E-0002");
    expect(item.textContent).toContain("25件中2件で承認記録がなかった。");
    expect((await backend.dashboard(DEMO_PATH)).exceptions.map((x) => x.exception.id)).toEqual(["E-0001", "E-0002"]);
  });

  it("saves what was done after typing stops and shows the saved state", async () => {
    const { backend } = await openAt("5.1.1.1");
    const textarea = screen.getAllByTestId("work-done")[0] as HTMLTextAreaElement;
    await fireEvent.input(textarea, { target: { value: "情報セキュリティ委員長に質問した。" } });
    expect(screen.getByTestId("save-state").dataset.state).toBe("dirty");
    expect(screen.getByTestId("save-state").textContent).toContain("未保存");
    await waitFor(() => expect(screen.getByTestId("save-state").dataset.state).toBe("saved"));
    expect((await backend.controlDetail(DEMO_PATH, "5.1.1.1")).procedures[0].procedure.work_done).toBe("情報セキュリティ委員長に質問した。");
  });

  it("opens the shortcut list with F1 and closes it with Escape", async () => {
    await openAt("5.1.1.1");
    await fireEvent.keyDown(window, { key: "F1", code: "F1" });
    expect(screen.getByTestId("shortcut-help").textContent).toContain("Alt+1");
    await fireEvent.keyDown(window, { key: "Escape", code: "Escape" });
    expect(screen.queryByTestId("shortcut-help")).toBeNull();
    // "?" typed in a text field is text, not a shortcut.
    await fireEvent.keyDown(screen.getAllByTestId("work-done")[0], { key: "?", code: "Slash", shiftKey: true });
    expect(screen.queryByTestId("shortcut-help")).toBeNull();
  });

  it("keeps the text when a save fails, says so, and saves it on retry", async () => {
    const { backend } = await openAt("5.1.1.1");
    const real = backend.updateProcedure;
    backend.updateProcedure = () => Promise.reject(new Error("disk full"));
    const textarea = screen.getAllByTestId("work-done")[0] as HTMLTextAreaElement;
    await fireEvent.input(textarea, { target: { value: "規程を閲覧した。" } });
    await waitFor(() => expect(screen.getByTestId("save-state").dataset.state).toBe("failed"));
    expect(screen.getByTestId("save-state").textContent).toContain("保存できませんでした");
    expect(textarea.value).toBe("規程を閲覧した。");
    backend.updateProcedure = real;
    await fireEvent.click(screen.getByTestId("save-retry"));
    await waitFor(() => expect(screen.getByTestId("save-state").dataset.state).toBe("saved"));
    expect((await backend.controlDetail(DEMO_PATH, "5.1.1.1")).procedures[0].procedure.work_done).toBe("規程を閲覧した。");
  });
});
