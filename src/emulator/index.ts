export type { CapacityStep, EmulatorFaults, RateLimitFault } from "./faults.js";
export type { EmulatorStats, RequestTimeline } from "./metrics.js";
export type { EmulatorOptions, InferenceTime } from "./options.js";
export type { Operation, RecordedRequest } from "./record.js";
export { type Emulator, startEmulator } from "./server.js";
