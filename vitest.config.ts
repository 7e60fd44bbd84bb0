import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The examples import the package by its name, as a user's program does.
  resolve: {
    alias: [
      { find: "seedream-pipeline/emulator", replacement: fileURLToPath(new URL("./src/emulator/index.ts", import.meta.url)) },
      { find: /^seedream-pipeline$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
