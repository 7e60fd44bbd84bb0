#!/usr/bin/env node
// @ts-check
// A complete program over the library: runs a manifest on the built-in fal emulator (no key,
// nothing paid), prints what each job that did not succeed says, and exits 1 if one failed.
//
//   node examples/library/run-on-emulator.mjs pipelines/demo.yaml [output root]
//
// Against fal itself, pass `resolveFalAccess({ env: process.env })` (FAL_KEY) and drop the
// emulator. In a project of your own, `npm install /path/to/seedream-pipeline-<version>.tgz`
// makes the import below resolve; in this clone it resolves to the built dist/ (`npm run build`).
// Type-checked with the project (`npm run typecheck`), run by test/docs/library-example.test.ts.
import { resolveFalAccess, runPipeline } from "seedream-pipeline";
import { startEmulator } from "seedream-pipeline/emulator";

const [manifestPath, outputRoot = "output"] = process.argv.slice(2);
if (!manifestPath) {
  console.error("usage: node run-on-emulator.mjs <manifest> [output root]");
  process.exit(2);
}

const emulator = await startEmulator({ concurrency: 4, timeScale: 0.001 });
try {
  const { report, outputDir } = await runPipeline({
    manifestPath,
    outputRoot,
    access: resolveFalAccess({ env: process.env, emulatorUrl: emulator.url }),
  });
  // `report.jobs` is made as it is read: a loop, never an array of 100,000 jobs at once.
  for (const job of report.jobs)
    if (job.status !== "succeeded" && job.status !== "skipped")
      console.log(`${job.id}: ${job.status}${job.error ? ` (${job.error.message})` : ""}`);
  const { jobs, succeeded, skipped, failed } = report.totals;
  console.log(`${succeeded} made, ${skipped} up to date, ${failed} failed of ${jobs} jobs, in ${outputDir}`);
  process.exitCode = succeeded + skipped === jobs ? 0 : 1;
} finally {
  await emulator.close();
}
