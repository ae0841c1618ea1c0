// Opens the walkthrough of the real core's demo at a control, as the
// walkthrough's tests (and those of the panels it shows) need it: the demo
// prepared by the test first, then opened in a session at that control, with
// a way to drop files on it as the app would report a drop.
import { screen } from "@testing-library/svelte";
import WalkthroughView from "./WalkthroughView.svelte";
import type { Session } from "../../session.svelte";
import type { OpenEngagement } from "../../engagement.svelte";
import type { Dropped } from "../../ipc/bindings/Dropped";
import type { ErrorPayload } from "../../ipc/bindings/ErrorPayload";
import type { FileHandle } from "../../ipc/bindings/FileHandle";
import type { PickedFile } from "../../ipc/bindings/PickedFile";
import { BackendError } from "../../ipc";
import { setLang } from "../../i18n/index.svelte";
import type { Core } from "../../../test/core";
import { renderInApp, sessionOn } from "../../../test/render";

export interface OpenedWalkthrough {
  session: Session;
  engagement: OpenEngagement;
  /**
   * Drops the files at `paths` on `target` (null: beside everything). The
   * app hands dropped files over as the native picker does, by handle with
   * the intake form's defaults; jsdom does no layout, so the element under
   * the drop point is the one given.
   */
  drop(paths: string[], target: Element | null): Promise<void>;
  /** Takes the walkthrough off the page, as leaving the screen does. */
  unmount(): void;
}

/**
 * Opens the demo on `core` at control `id`, after `prepare` changed it
 * (given the demo's handle). What is typed is saved after `saveDelay` ms of
 * quiet (an hour keeps it unsaved until something else saves it).
 */
export async function openWalkthrough(
  core: Core,
  id: string,
  prepare: (demo: FileHandle) => Promise<unknown> = async () => {},
  saveDelay = 20,
): Promise<OpenedWalkthrough> {
  setLang("ja");
  await prepare((await core.client.openDemo({})).engagement);
  const session = await sessionOn(core);
  session.openControl(id);
  let dropped: ((dropped: Dropped) => void) | null = null;
  const listenForDrops = async (handler: (d: Dropped) => void) => {
    dropped = handler;
    return () => (dropped = null);
  };
  const view = renderInApp(WalkthroughView, session, { saveDelay, listenForDrops });
  await screen.findByTestId("control-id");
  return {
    session,
    engagement: session.engagement!,
    unmount: () => view.unmount(),
    async drop(paths, target) {
      await core.choose(paths);
      // The app refuses a drop it cannot take in the event itself, as the
      // picker refuses it here.
      let files: PickedFile[] = [];
      let error: ErrorPayload | null = null;
      try {
        files = await core.client.pickEvidenceFiles({});
      } catch (err) {
        if (!(err instanceof BackendError)) throw err;
        error = err.payload;
      }
      const had = Object.getOwnPropertyDescriptor(document, "elementFromPoint");
      document.elementFromPoint = () => target;
      try {
        dropped?.({ files, x: 1, y: 1, error });
      } finally {
        if (had) Object.defineProperty(document, "elementFromPoint", had);
        else delete (document as { elementFromPoint?: unknown }).elementFromPoint;
      }
    },
  };
}
