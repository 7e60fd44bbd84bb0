export type { CapacityStep, EmulatorFaults, OutageKind, RateLimitFault, ScheduledOutage } from "./faults.js";
export type { HistoryItem, HistoryPage } from "./history.js";
export type { LedgerStats } from "./ledger.js";
export type { EmulatorStats, RequestTimeline } from "./metrics.js";
export type { EmulatorOptions, InferenceTime } from "./options.js";
export type { OutageStats } from "./outages.js";
export type { Operation, RecordedRequest } from "./record.js";
export { type Emulator, startEmulator } from "./server.js";
