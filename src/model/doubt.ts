/** A submit whose answer never came back: what finds it in fal's request history. */
export interface Doubt {
  readonly endpoint: string;
  /** `inputDigest` of the input sent. */
  readonly digest: string;
  /** When the intent to submit was journaled (epoch ms): fal received it after this, if at all. */
  readonly since: number;
  /**
   * From this time (epoch ms) the request, had fal accepted it, could no longer be waiting
   * (`x-fal-request-timeout`) or running (the longest run time): "not listed" then means "never
   * accepted", and the job is sent again.
   */
  readonly notAfter: number;
  /**
   * Sent with `X-Fal-Store-IO: 0`: fal keeps no input of it, so its history can never find it by
   * its input, and "not listed" would send it again even if fal has it.
   */
  readonly noPayloads?: true;
}

/** The bounds a doubt is reconciled within. */
export interface ReconcileBounds {
  /** fal's bound on time queued, sent as `x-fal-request-timeout` on every submit (s). */
  readonly startTimeoutS: number;
  /** The longest a request runs at fal once started, and is listed in its history after (ms). */
  readonly maxRunTimeMs: number;
}

/** The doubt a submit of an input (by its `inputDigest`) at `since` leaves until its answer arrives. */
export function doubtOf(endpoint: string, digest: string, since: number, bounds: ReconcileBounds): Doubt {
  return { endpoint, digest, since, notAfter: since + bounds.startTimeoutS * 1000 + bounds.maxRunTimeMs };
}

/** What `doctor --live` verified of fal's request history, per endpoint (see the fal profile). */
export interface HistoryTrust {
  /**
   * Undefined when fal's history was seen listing this endpoint's requests by the exact input
   * sent, so "not listed" means "never accepted"; else why that cannot be relied on.
   */
  unverified(endpoint: string): string | undefined;
  /** How long after a request ends fal was measured to list it (ms): added to a doubt's bound. */
  listingDelayMs(endpoint: string): number;
}
