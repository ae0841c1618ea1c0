// The header names the open engagement by its service, whole, with the
// provider after it and both in the tooltip and the accessible name: cut to
// a width, a provider's name alone ("株式会社サン…") told nothing.
import { afterEach, beforeEach, expect, it } from "vitest";
import { fireEvent, screen } from "@testing-library/svelte";
import Header from "./Header.svelte";
import { setLang } from "../../i18n/index.svelte";
import { startCore, type Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

let core: Core;
beforeEach(async () => {
  setLang("ja");
  core = await startCore();
});
afterEach(() => core.stop());

it("names the engagement by its service first, and says provider and service in full in the tooltip and label", async () => {
  const session = await sessionOn(core);
  renderInApp(Header, session);
  const name = screen.getByTestId("engagement-name");
  expect(screen.getByTestId("engagement-service").textContent).toBe("サンプルクラウド IaaS");
  expect(name.getAttribute("title")).toBe(`株式会社サンプルクラウド　サンプルクラウド IaaS\n${session.engagement!.view.path}`);
  expect(name.getAttribute("aria-label")).toBe("開いている監査: 株式会社サンプルクラウド　サンプルクラウド IaaS");
  // The end-to-end tests find the engagement by its provider's name, which stays in the text.
  expect(name.textContent).toContain("株式会社サンプルクラウド");
});

it("keeps a missing ID's text to correct, and drops the message on Escape or when the user moves on", async () => {
  const session = await sessionOn(core);
  renderInApp(Header, session);
  const input = screen.getByTestId("jump-input") as HTMLInputElement;
  const tryJump = async (text: string) => {
    await fireEvent.input(input, { target: { value: text } });
    await fireEvent.submit(input.closest("form")!);
  };
  await tryJump("12.3.1.99");
  expect(screen.getByTestId("jump-missing").textContent).toBe("「12.3.1.99」は見つかりません");
  expect(input.value).toBe("12.3.1.99");
  await fireEvent.keyDown(input, { key: "Escape" });
  expect(screen.queryByTestId("jump-missing")).toBeNull();
  expect(input.value).toBe("");

  // A control found: opened, and the keyboard leaves the field for the page.
  input.focus();
  await tryJump("9.2.3.1");
  expect(session.controlId).toBe("9.2.3.1");
  expect(document.activeElement).not.toBe(input);
  expect(input.value).toBe("");

  await tryJump("12.3.1.99");
  expect(screen.getByTestId("jump-missing")).toBeTruthy();
  session.goto("evidence");
  await Promise.resolve();
  await fireEvent.focus(input);
  expect(screen.queryByTestId("jump-missing")).toBeNull();
});
