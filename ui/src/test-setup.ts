// jsdom lacks the layout APIs that the windowed control list measures, so
// the tests give elements a fixed size, like a window of 800 pixels.
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 800 });

// Unmounts every component rendered by a test after it, so tests do not see
// each other's DOM.
import "@testing-library/svelte/vitest";

// Cores a test started and did not stop are stopped when its file ends.
import { afterAll } from "vitest";
import { stopAll } from "./test/core";
afterAll(stopAll);

// Screens load from the real core, one process per test file, while the
// machine runs the other files in parallel: a first paint can take more
// than testing-library's default second. Waits end as soon as what they
// wait for appears, so a longer limit slows no passing test.
import { configure } from "@testing-library/svelte";
configure({ asyncUtilTimeout: 5000 });
