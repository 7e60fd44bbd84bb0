import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The examples import the package by its name, as a user's program does.
const alias = [
  {
    find: "seedream-pipeline/emulator",
    replacement: fileURLToPath(new URL("./src/emulator/index.ts", import.meta.url)),
  },
  { find: /^seedream-pipeline$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
];

const BROWSER = "test/**/*.browser.test.ts";
/** What runs the built CLI or a program as a subprocess, or reads the docs' commands. */
const E2E = ["test/e2e/**/*.test.ts", "test/docs/**/*.test.ts"];

/**
 * Three projects: `unit` is the quick loop (`vitest run --project unit`), in process; `e2e` runs
 * the CLI as a subprocess against the emulator; `browser` drives Chromium. `npm test` runs all.
 */
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...E2E, BROWSER],
          // The files share one module graph: src/ is loaded once, not once a file, which halves
          // the project's CPU. No unit test leaves a global changed (the one fake-timer test and
          // the two that set process.exitCode restore them).
          isolate: false,
          // Projects whose worker counts differ must run in groups of their own (vitest refuses
          // them together): the unit files first, then the e2e files, then the browser's.
          sequence: { groupOrder: 0 },
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "e2e",
          include: E2E,
          exclude: [BROWSER],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // An e2e file mostly waits on its subprocesses and the emulator's clock: more files at
          // once than cores keeps both cores of a 2-core machine busy (vitest's default is cores - 1).
          maxWorkers: 4,
          sequence: { groupOrder: 1 },
        },
      },
      {
        resolve: { alias },
        test: {
          name: "browser",
          include: [BROWSER],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
