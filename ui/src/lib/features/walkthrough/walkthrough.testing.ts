// Opens the walkthrough of the fake backend's demo at a control, as the
// walkthrough's tests need it: a profile, anything the test prepares in the
// backend first, then the engagement as opened after that preparation.
import { render, screen } from "@testing-library/svelte";
import WalkthroughView from "./WalkthroughView.svelte";
import { Session } from "../../session.svelte";
import { createFakeBackend, DEMO_PATH, type FakeBackend } from "../ipc/fake";
import { setLang } from "../../i18n/index.svelte";

export async function openWalkthrough(id: string, prepare: (backend: FakeBackend) => Promise<unknown> = async () => {}) {
  setLang("ja");
  const backend = createFakeBackend();
  await backend.saveProfile({ name: "佐藤 花子", lang: "ja", recent: [], initials: "HS", role: "assessor" });
  const session = new Session(backend);
  await backend.openDemo();
  await prepare(backend);
  await session.show(await backend.openEngagement(DEMO_PATH));
  session.openControl(id);
  render(WalkthroughView, { session, saveDelay: 20 });
  await screen.findByTestId("control-id");
  return { backend, session };
}
