import type { Emulator, EmulatorFaults } from "../../src/emulator/index.js";
import { runCli, type startCli } from "./run-cli.js";

/** `run MANIFEST -o OUT --fal-base-url URL …more`: the arguments of a run against an emulator. */
export function runArgs(manifest: string, out: string, baseUrl: string, ...more: string[]): string[] {
  return ["run", manifest, "-o", out, "--fal-base-url", baseUrl, ...more];
}

/** Lets a run against an emulator that holds its requests finish: releases them until the run ends. */
export async function finishReleasing(run: ReturnType<typeof startCli>, em: Emulator) {
  let finished = false;
  const done = run.done.then((r) => {
    finished = true;
    return r;
  });
  while (!finished) {
    em.release();
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  return done;
}

/**
 * Runs `doctor --live` for a manifest's output folder against an emulator (its faults off while
 * it runs, then `faults` set): the fal profile that lets a run read "not listed in fal's history"
 * as "never accepted". Its one request counts in the emulator's figures.
 */
export async function verifiedByDoctor(
  em: Emulator,
  manifest: string,
  out: string,
  key: string,
  faults: EmulatorFaults,
): Promise<void> {
  em.setFaults({});
  const r = await runCli(["doctor", manifest, "-o", out, "--fal-base-url", em.url, "--live"], {
    env: { FAL_KEY: key },
  });
  if (r.code !== 0) throw new Error(`doctor --live failed:\n${r.stdout}${r.stderr}`);
  em.setFaults(faults);
}
