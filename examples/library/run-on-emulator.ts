// The library used from a program: run a manifest on the built-in emulator and read the report.
// Against fal itself, pass `resolveFalAccess({ env: process.env })` (FAL_KEY) instead.
// Type-checked with the project (`npm run typecheck`) and run by test/docs/library-example.test.ts.
import { type Report, resolveFalAccess, runPipeline, startEmulator } from "seedream-pipeline";

/** Runs `manifestPath` into `<outputRoot>/<name>/` on an emulator started for the run. */
export async function runOnEmulator(manifestPath: string, outputRoot: string): Promise<Report["totals"]> {
  const emulator = await startEmulator({ concurrency: 4, timeScale: 0.001 });
  try {
    const { report, outputDir } = await runPipeline({
      manifestPath,
      outputRoot,
      access: resolveFalAccess({ env: process.env, emulatorUrl: emulator.url }),
    });
    console.log(`${report.totals.succeeded} of ${report.totals.jobs} jobs made, in ${outputDir}`);
    return report.totals;
  } finally {
    await emulator.close();
  }
}
