// The main window's close request, for the page: the window closes only
// after what was typed is saved. Tauri prevents the close by itself while
// the page listens for the request (`has_js_listener` in tauri's window
// manager), and closes the window when the listener returns without
// `preventDefault`; a page that failed to load does not listen, and the
// window then closes as usual, so it can never be left unclosable.

import { getCurrentWindow } from "@tauri-apps/api/window";
import type { UnlistenFn } from "@tauri-apps/api/event";

/**
 * Calls `mayClose` on each close request of the window (its close button,
 * the window manager, the session ending); the window closes when it
 * resolves true and stays open when it resolves false.
 */
export async function onWindowCloseRequested(mayClose: () => Promise<boolean>): Promise<UnlistenFn> {
  return getCurrentWindow().onCloseRequested(async (event) => {
    if (!(await mayClose())) event.preventDefault();
  });
}

/** Closes the window at once, without asking the page again (after the user chose to close without saving). */
export function destroyWindow(): Promise<void> {
  return getCurrentWindow().destroy();
}
