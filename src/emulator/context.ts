import type { IncomingMessage, ServerResponse } from "node:http";
import type { Capacity } from "./capacity.js";
import type { FaultDice } from "./fault-dice.js";
import type { FileStore } from "./files.js";
import type { Gateway } from "./gateway.js";
import type { ResolvedEmulatorOptions } from "./options.js";
import type { RecordedRequest } from "./record.js";
import type { RequestStore } from "./request-store.js";
import type { StatusStreams } from "./status-streams.js";

/** The emulator's state, as every route sees it. */
export interface EmulatorContext {
  readonly opts: ResolvedEmulatorOptions;
  /** When the emulator started (epoch ms); recorded times count from here. */
  readonly started: number;
  readonly files: FileStore;
  readonly store: RequestStore;
  readonly streams: StatusStreams;
  readonly faults: FaultDice;
  readonly gateway: Gateway;
  readonly capacity: Capacity;
  /** Measures kept as the emulator runs. */
  readonly measures: { maxQueued: number };
  /** Every HTTP request served so far, in order. */
  readonly record: RecordedRequest[];
  /** The emulator's base URL, set once it listens. */
  baseUrl: string;
}

/** One call being served. */
export interface Call {
  readonly ctx: EmulatorContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly method: string;
  /** Its entry in the record; routes fill in what they learn (request id, endpoint, status). */
  readonly entry: RecordedRequest;
}
