/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Tauri serves dist/ from its own origin, so assets must be referenced by
// relative paths; the dev server port is fixed so tauri.conf.json can name it.
export default defineConfig(({ mode }) => ({
  base: "./",
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  // Component tests mount Svelte 5 components, which needs the browser build
  // of Svelte rather than its server build.
  resolve: mode === "test" ? { conditions: ["browser"] } : undefined,
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test-setup.ts"],
    // Each test drives the real core through several round trips (a
    // walkthrough with its reloads, a profile switch, an intake); with the
    // files run in parallel on a two-core machine one can pass five seconds
    // without anything being wrong. The limit guards against a hang, not
    // speed, which the benchmarks measure.
    testTimeout: 20000,
  },
}));
