#!/usr/bin/env node
// Runs the compiled CLI. `npm ci` builds dist/ through the `prepare` script.
import { limitHeapGrowth } from "../dist/cli/heap-growth.js";
import { main } from "../dist/cli/main.js";

// The CLI owns its process, so it (and not the library) chooses V8's heap growth.
limitHeapGrowth();

// `seedream-pipeline plan … --json | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });

main({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr });
