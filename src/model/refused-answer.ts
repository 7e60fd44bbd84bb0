/**
 * An answer from fal (or whatever answers at its address) that breaks one of the runner's rules:
 * a request id not of fal's form, a result over its size cap or with more images than asked, a
 * result URL off fal's media hosts. Permanent: asking again would get the same answer, and
 * nothing of it is written or journaled.
 */
export class FalAnswerRefusedError extends Error {
  readonly code = "FAL_ANSWER_REFUSED";
  constructor(
    /** The rule, in a word or two, for the report (`request-id`, `result-size`, `result-url`, …). */
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = "FalAnswerRefusedError";
  }
}
