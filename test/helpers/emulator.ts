import { afterEach } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";

/**
 * The emulator fixture of a test file: `start` runs one on a free loopback port, and every one a
 * test started is closed after it, whatever the test did.
 */
export function useEmulators(): { start(options?: EmulatorOptions): Promise<Emulator> } {
  const started: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close()));
  });
  return {
    async start(options: EmulatorOptions = {}) {
      const emulator = await startEmulator(options);
      started.push(emulator);
      return emulator;
    },
  };
}
