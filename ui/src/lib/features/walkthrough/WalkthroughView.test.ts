import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openWalkthrough } from "./walkthrough.testing";
import { startCore, type Core } from "../../../test/core";

const alt = (code: string, extra: Record<string, unknown> = {}) =>
  fireEvent.keyDown(window, { key: code.replace("Digit", ""), code, altKey: true, ...extra });

const card = (index: number) => screen.getAllByTestId("procedure")[index];
const saveState = () => screen.getByTestId("save-state").dataset.state;

describe("walkthrough, on the real core", () => {
  let core: Core;
  beforeEach(async () => {
    core = await startCore();
  });
  afterEach(() => core.stop());

  it("shows the catalog's importance in words, never its raw code", async () => {
    // 3.1.1.1 is marked "high" in assets/catalogs/sample-catalog.json.
    await openWalkthrough(core, "3.1.1.1");
    const header = (await screen.findByTestId("control-id")).closest("header") ?? document.body;
    expect(header.textContent).toContain("重要度 高");
    expect(header.textContent).not.toContain("high");
  });

  it("sets the current procedure's result with Alt+1..4, but not during IME composition", async () => {
    const { engagement } = await openWalkthrough(core, "9.2.3.11.PB");
    expect(screen.getByTestId("control-id").textContent).toBe("9.2.3.11.PB");
    expect(screen.getAllByTestId("procedure")).toHaveLength(3);
    expect(screen.getByTestId("control-status").textContent).toBe("未着手");

    await alt("Digit2", { isComposing: true });
    expect(within(card(0)).getByTestId("result-exception").getAttribute("aria-pressed")).toBe("false");

    await alt("Digit1");
    expect(within(card(0)).getByTestId("result-no_exception").getAttribute("aria-pressed")).toBe("true");
    await waitFor(() => expect(saveState()).toBe("saved"));
    const stored = await engagement.client.controlDetail({ control_id: "9.2.3.11.PB" });
    expect(stored.procedures[0].procedure.result).toBe("no_exception");

    // Alt+↓ moves to the next procedure; Alt+2 then sets its result.
    await fireEvent.keyDown(window, { key: "ArrowDown", code: "ArrowDown", altKey: true });
    await alt("Digit2");
    expect(within(card(1)).getByTestId("result-exception").getAttribute("aria-pressed")).toBe("true");
    // The control's status is the core's, asked for again after the saves.
    await waitFor(() => expect(screen.getByTestId("control-status").textContent).toBe("実施中"));
    expect(within(card(0)).getByTestId("procedure-status").textContent).toBe("完了");
  });

  it("moves to the next control with Alt+→, saving what was typed first", async () => {
    const { session, engagement } = await openWalkthrough(core, "5.1.1.1");
    await fireEvent.input(within(card(0)).getByTestId("work-done"), { target: { value: "方針の承認記録を閲覧した。" } });
    await fireEvent.keyDown(window, { key: "ArrowRight", code: "ArrowRight", altKey: true });
    await waitFor(() => expect(screen.getByTestId("control-id").textContent).toBe("5.1.1.2.B"));
    expect(session.controlId).toBe("5.1.1.2.B");
    expect((await engagement.client.controlDetail({ control_id: "5.1.1.1" })).procedures[0].procedure.work_done).toBe("方針の承認記録を閲覧した。");
    await fireEvent.click(screen.getByTestId("prev-control"));
    await waitFor(() => expect(screen.getByTestId("control-id").textContent).toBe("5.1.1.1"));
    expect((within(card(0)).getByTestId("work-done") as HTMLTextAreaElement).value).toBe("方針の承認記録を閲覧した。");
  });

  it("adds an exception to a procedure and lists it; an empty one is refused beside the input", async () => {
    const { engagement } = await openWalkthrough(core, "9.2.3.11.PB");
    const input = within(card(1)).getByTestId("exception-input") as HTMLInputElement;
    await fireEvent.click(within(card(1)).getByTestId("exception-add"));
    expect((await within(card(1)).findByTestId("exception-problem")).textContent).toBe("入力してください。");

    await fireEvent.input(input, { target: { value: "25件中2件で承認記録がなかった。" } });
    await fireEvent.keyDown(input, { key: "Enter", code: "Enter" });
    const item = await within(card(1)).findByTestId("exception-item");
    // The demo's test grid of 4.4.1.1 holds E-0001, so this is the second.
    expect(item.textContent).toContain("E-0002");
    expect(item.textContent).toContain("25件中2件で承認記録がなかった。");
    await waitFor(() => expect((within(card(1)).getByTestId("exception-input") as HTMLInputElement).value).toBe(""));
    expect(within(card(1)).queryByTestId("exception-problem")).toBeNull();
    const dashboard = await engagement.client.dashboard({});
    expect(dashboard.exceptions.map((x) => x.exception.id)).toEqual(["E-0001", "E-0002"]);
  });

  it("shows an exception the test grid recorded with its cell, and offers no change of it by hand", async () => {
    await openWalkthrough(core, "4.4.1.1");
    const sampled = screen.getAllByTestId("procedure").find((c) => c.dataset.procedureId === "4.4.1.1/P3")!;
    const item = within(sampled).getByTestId("exception-item");
    expect(within(item).getByTestId("exception-from-grid")).toBeTruthy();
    expect(within(item).queryByTestId("exception-remove")).toBeNull();
  });

  it("saves what was done after typing stops and shows the saved state", async () => {
    const { engagement } = await openWalkthrough(core, "5.1.1.1");
    const textarea = within(card(0)).getByTestId("work-done") as HTMLTextAreaElement;
    await fireEvent.input(textarea, { target: { value: "情報セキュリティ委員長に質問した。" } });
    expect(saveState()).toBe("dirty");
    expect(screen.getByTestId("save-state").textContent).toContain("未保存");
    await waitFor(() => expect(saveState()).toBe("saved"));
    expect((await engagement.client.controlDetail({ control_id: "5.1.1.1" })).procedures[0].procedure.work_done).toBe("情報セキュリティ委員長に質問した。");
  });

  it("opens the shortcut list with F1 and closes it with Escape", async () => {
    await openWalkthrough(core, "5.1.1.1");
    await fireEvent.keyDown(window, { key: "F1", code: "F1" });
    expect(screen.getByTestId("shortcut-help").textContent).toContain("Alt+1");
    await fireEvent.keyDown(window, { key: "Escape", code: "Escape" });
    expect(screen.queryByTestId("shortcut-help")).toBeNull();
    // "?" typed in a text field is text, not a shortcut.
    await fireEvent.keyDown(within(card(0)).getByTestId("work-done"), { key: "?", code: "Slash", shiftKey: true });
    expect(screen.queryByTestId("shortcut-help")).toBeNull();
  });

  it("keeps the text when a save fails, says so, and saves it on retry", async () => {
    const { engagement } = await openWalkthrough(core, "5.1.1.1");
    // The engagement's file is out of reach (a network drive gone, say) while the user types.
    const file = join(core.dataDir, "demo.ismap");
    renameSync(file, `${file}.away`);
    const textarea = within(card(0)).getByTestId("work-done") as HTMLTextAreaElement;
    await fireEvent.input(textarea, { target: { value: "規程を閲覧した。" } });
    await waitFor(() => expect(saveState()).toBe("failed"));
    expect(screen.getByTestId("save-state").textContent).toContain("保存できませんでした");
    expect(textarea.value).toBe("規程を閲覧した。");
    renameSync(`${file}.away`, file);
    await fireEvent.click(screen.getByTestId("save-retry"));
    await waitFor(() => expect(saveState()).toBe("saved"));
    expect((await engagement.client.controlDetail({ control_id: "5.1.1.1" })).procedures[0].procedure.work_done).toBe("規程を閲覧した。");
  });

  it("puts a control out of scope with its reason, refusing it without one beside the reason", async () => {
    const { session, engagement } = await openWalkthrough(core, "8.1.5.4.P");
    await fireEvent.click(screen.getByTestId("scope-not_adopted"));
    await fireEvent.click(screen.getByTestId("scope-save"));
    // The core's refusal is shown beside the reason.
    const problem = await screen.findByTestId("scope-problem");
    expect(problem.textContent).not.toBe("");
    expect(screen.getByTestId("scope").contains(problem)).toBe(true);
    expect((await engagement.client.controlDetail({ control_id: "8.1.5.4.P" })).scope).toBe("in_scope");

    await fireEvent.input(screen.getByTestId("scope-reason"), { target: { value: "言明書で対象外とされている" } });
    await fireEvent.click(screen.getByTestId("scope-save"));
    await waitFor(() => expect(screen.getByTestId("control-status").textContent).toBe("対象外"));
    expect(screen.queryByTestId("scope-problem")).toBeNull();
    expect(screen.queryAllByTestId("procedure")).toHaveLength(0);
    const stored = await engagement.client.controlDetail({ control_id: "8.1.5.4.P" });
    expect([stored.scope, stored.scope_reason]).toEqual(["not_adopted", "言明書で対象外とされている"]);
    await waitFor(() => expect(session.controls.find((r) => r.id === "8.1.5.4.P")?.scope).toBe("not_adopted"));

    // Back in scope needs no reason and is saved at once.
    await fireEvent.click(screen.getByTestId("scope-in_scope"));
    await waitFor(() => expect(screen.getAllByTestId("procedure")).toHaveLength(3));
  });

  it("records a control inherited from a registered service, asking for the service and its number", async () => {
    const { engagement } = await openWalkthrough(core, "8.1.5.4.P");
    await fireEvent.click(screen.getByTestId("scope-inherited"));
    await fireEvent.input(screen.getByTestId("scope-service-name"), { target: { value: "基盤クラウド" } });
    await fireEvent.click(screen.getByTestId("scope-save"));
    expect((await screen.findByTestId("scope-service-problem")).textContent).toBe("入力してください。");
    await fireEvent.input(screen.getByTestId("scope-registration-number"), { target: { value: "C-0001" } });
    await fireEvent.click(screen.getByTestId("scope-save"));
    await waitFor(() => expect(screen.getByTestId("control-status").textContent).toBe("対象外"));
    const stored = await engagement.client.controlDetail({ control_id: "8.1.5.4.P" });
    expect([stored.scope, stored.inherited_from]).toEqual(["inherited", { service_name: "基盤クラウド", registration_number: "C-0001" }]);
  });

  it("says what the control's suffix means, from the core's legend", async () => {
    await openWalkthrough(core, "9.2.3.11.PB");
    await waitFor(() =>
      expect(screen.getByTestId("control-suffix").textContent).toBe("区分 PB: クラウドサービス固有の管理策であり、基本言明要件でもある"),
    );
  });

  it("shows a basic-statement control exempted by its excluded objective, with the objective's reason", async () => {
    // The demo excludes the objective 10.1.1, which exempts 10.1.1.2.B.
    await openWalkthrough(core, "10.1.1.2.B");
    expect(screen.getByTestId("scope-exempt").textContent).toContain("統制目標の除外により免除: 10.1.1: 利用者データの暗号化は");
    expect(screen.queryByTestId("scope-in_scope")).toBeNull();
  });

  it("adds a procedure in the user's language, refusing one without text, and removes it", async () => {
    const { engagement } = await openWalkthrough(core, "5.1.1.1");
    await fireEvent.click(screen.getByTestId("procedure-add"));
    await fireEvent.click(screen.getByTestId("procedure-add-save"));
    expect((await screen.findByTestId("procedure-add-problem")).textContent).toBe("入力してください。");

    await fireEvent.input(screen.getByTestId("procedure-new-text"), { target: { value: "方針の改訂履歴を閲覧する。" } });
    await fireEvent.click(screen.getByTestId("procedure-add-save"));
    await waitFor(() => expect(screen.getAllByTestId("procedure")).toHaveLength(4));
    const added = card(3);
    expect(added.dataset.procedureId).toBe("5.1.1.1/P4");
    expect(added.textContent).toContain("方針の改訂履歴を閲覧する。");
    // The demo is an initial audit: a new procedure evaluates the design.
    expect((within(added).getByTestId("procedure-evaluation") as HTMLSelectElement).value).toBe("design");
    const stored = (await engagement.client.controlDetail({ control_id: "5.1.1.1" })).procedures[3].procedure;
    expect([stored.text_ja, stored.text_en]).toEqual(["方針の改訂履歴を閲覧する。", ""]);

    await fireEvent.click(within(added).getByTestId("procedure-remove"));
    await fireEvent.click(within(added).getByTestId("procedure-remove-confirm"));
    await waitFor(() => expect(screen.getAllByTestId("procedure")).toHaveLength(3));
  });

  it("takes files dropped on a card in for that procedure, and says where to drop files dropped beside the cards", async () => {
    const { drop } = await openWalkthrough(core, "9.2.3.11.PB");
    const path = join(core.dataDir, "特権ID申請記録.txt");
    writeFileSync(path, "申請番号,承認者\nREQ-1,山田\n");
    await drop([path], document.body);
    expect((await screen.findByTestId("drop-note")).textContent).toContain("手続のカード");
    expect(screen.queryByTestId("intake-dialog")).toBeNull();

    await drop([path], within(card(1)).getByTestId("work-done"));
    const dialog = await screen.findByTestId("intake-dialog");
    expect(dialog.textContent).toContain("特権ID申請記録.txt");
    expect(dialog.textContent).toContain("9.2.3.11.PB/P2");
    expect(screen.queryByTestId("drop-note")).toBeNull();
  });

  it("says why a drop it cannot take is refused, and opens no intake", async () => {
    const { drop } = await openWalkthrough(core, "9.2.3.11.PB");
    await drop([join(core.dataDir, "なくなったファイル.txt")], within(card(1)).getByTestId("work-done"));
    expect((await screen.findByTestId("drop-note")).textContent).toBe("対象が見つかりません。");
    expect(screen.queryByTestId("intake-dialog")).toBeNull();
  });
});
