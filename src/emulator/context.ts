import type { IncomingMessage, ServerResponse } from "node:http";
import type { Capacity } from "./capacity.js";
import type { FaultDice } from "./fault-dice.js";
import type { FileStore } from "./files.js";
import type { Gateway } from "./gateway.js";
import type { HeldAnswers } from "./held-answers.js";
import type { Ledger } from "./ledger.js";
import type { ResolvedEmulatorOptions } from "./options.js";
import type { Outages } from "./outages.js";
import type { PublicUrls } from "./public-urls.js";
import type { RecordedRequest } from "./record.js";
import type { RequestStore } from "./request-store.js";
import type { StatusStreams } from "./status-streams.js";
import type { Worker } from "./worker.js";

/** The emulator's state, as every route sees it. */
export interface EmulatorContext {
  readonly opts: ResolvedEmulatorOptions;
  /** When the emulator started (epoch ms); recorded times count from here. */
  readonly started: number;
  readonly files: FileStore;
  readonly store: RequestStore;
  readonly worker: Worker;
  readonly streams: StatusStreams;
  readonly faults: FaultDice;
  readonly gateway: Gateway;
  readonly capacity: Capacity;
  readonly outages: Outages;
  /** Submit answers held back after the request was accepted. */
  readonly answers: HeldAnswers;
  /** Accepted submits and what completed requests cost. */
  readonly ledger: Ledger;
  /** Tells whoever waits on the emulator's measures that something changed. */
  readonly changed: () => void;
  /** Measures kept as the emulator runs. */
  readonly measures: { maxQueued: number };
  /** Every HTTP request served so far, in order. */
  readonly record: RecordedRequest[];
  /** The emulator's base URL, set once it listens. */
  baseUrl: string;
  /** The URLs it gives out: at its base URL, or at fal's hosts (`falHosts`). */
  readonly urls: PublicUrls;
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
