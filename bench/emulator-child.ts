// An emulator in its own process for the benchmark: options as JSON in argv[2]; prints its
// URL, serves until SIGTERM.
import { type EmulatorOptions, startEmulator } from "../src/emulator/index.js";

const options = JSON.parse(process.argv[2] ?? "{}") as EmulatorOptions;
const emulator = await startEmulator(options);
process.stdout.write(`${emulator.url}\n`);
process.once("SIGTERM", () => {
  emulator.close().then(() => process.exit(0));
});
