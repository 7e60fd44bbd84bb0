import type { Emulator } from "../../src/emulator/index.js";
import type { startCli } from "./run-cli.js";

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
