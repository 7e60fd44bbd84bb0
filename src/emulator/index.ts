export type { EmulatorOptions, InferenceTime } from "./options.js";
export type { Operation, RecordedRequest } from "./record.js";
export { type Emulator, startEmulator } from "./server.js";
