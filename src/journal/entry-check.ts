import { isFalRequestId } from "../fal/answer-rules.js";
import { unsafeOutputPath } from "../plan/output-path.js";

/**
 * Checks a journal line before it is replayed. The journal is a file in the output folder that
 * anything with access to it can edit; a line it holds is trusted no more than fal's answer it
 * records: a request id of fal's form (it goes into URLs), paths under the output folder, hashes
 * that are hashes (they name files under `.state/originals/`), counts that are counts.
 */

const SHA256 = /^[0-9a-f]{64}$/;
const EXT = /^[a-z0-9]{1,5}$/;

/**
 * Why a result that a `completed` line holds is not one to use, given where its request went
 * (`source` of the key's `submitted` line); from the run, which knows fal's address.
 */
export type ResultCheck = (result: unknown, source: string | undefined) => string | undefined;

/** Where each key's request went, as far as the lines before say. */
export type SourceOf = (key: string) => string | undefined;

type Fields = Record<string, unknown>;

const text = (v: unknown, max = 4096) => typeof v === "string" && v.length <= max;
const count = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const amount = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;

function requestProblem(e: Fields, required: boolean): string | undefined {
  if (e.request === undefined && !required) return undefined;
  return isFalRequestId(e.request)
    ? undefined
    : `request id ${JSON.stringify(String(e.request).slice(0, 60))} is not of fal's form (a UUID)`;
}

function pathProblem(path: unknown): string | undefined {
  if (typeof path !== "string" || path === "") return "an image path that is not text";
  const unsafe = unsafeOutputPath(path);
  return unsafe === undefined ? undefined : `image path: ${unsafe}`;
}

function originalProblem(e: Fields): string | undefined {
  if (!count(e.n) || (e.n as number) < 1) return "an image number that is not a positive integer";
  const original = e.original as Fields | null;
  if (typeof original !== "object" || original === null || !SHA256.test(String(original.sha256)))
    return "an original that is not a SHA-256";
  return EXT.test(String(original.ext)) ? undefined : "an original's extension that is not one";
}

function pathsProblem(main: unknown, derivatives: unknown): string | undefined {
  if (!Array.isArray(derivatives)) return "derivatives that are not a list";
  for (const p of [main, ...derivatives.map((d) => (d as Fields | null)?.path)]) {
    const problem = pathProblem(p);
    if (problem) return problem;
  }
  return undefined;
}

function imageProblem(e: Fields): string | undefined {
  return (
    originalProblem(e) ??
    (SHA256.test(String(e.sha256)) ? undefined : "an image hash that is not a SHA-256") ??
    pathsProblem(e.path, e.derivatives)
  );
}

/** A `kept` line: fal's image kept, with the recipe of the files a render makes of it. */
function keptProblem(e: Fields): string | undefined {
  const recipe = e.recipe as Fields | null;
  if (typeof recipe !== "object" || recipe === null) return "a kept image without its recipe";
  return originalProblem(e) ?? pathsProblem((recipe.main as Fields | null)?.path, recipe.derivatives);
}

const SPENT_COUNTS = ["accepted", "completed", "images", "failed", "pending", "in_doubt"] as const;
const SPENT_USD = ["completed_usd", "pending_usd", "in_doubt_usd"] as const;

function byType(e: Fields, checkResult: ResultCheck | undefined, sourceOf: SourceOf): string | undefined {
  switch (e.type) {
    case "run":
      return text(e.run, 200) && count(e.pid) ? undefined : "a run line without its id and pid";
    case "spent":
      // A forged negative spend would understate what the folder cost and loosen the budget.
      return SPENT_COUNTS.every((k) => count(e[k])) && SPENT_USD.every((k) => amount(e[k]))
        ? undefined
        : "a spend that is not a count or an amount ≥ 0";
    case "submitting":
      return text(e.job) ? undefined : "a submit without its job";
    case "submitted":
      return text(e.job) && text(e.endpoint, 200)
        ? requestProblem(e, true)
        : "a request without its job or endpoint";
    case "completed":
      return requestProblem(e, true) ?? checkResult?.(e.result, sourceOf(String(e.key)));
    case "image":
      return requestProblem(e, true) ?? imageProblem(e);
    case "kept":
      return requestProblem(e, true) ?? keptProblem(e);
    case "done":
    case "expired":
      return requestProblem(e, true);
    case "canceled":
      return requestProblem(e, true) ?? (text(e.cause) ? undefined : "a cancel without its cause");
    case "failed":
    case "unfinished":
      return (
        requestProblem(e, false) ??
        (text(e.cause) && text(e.class, 100) ? undefined : "a failure without its cause")
      );
    default:
      return `an unknown entry type ${JSON.stringify(String(e.type).slice(0, 40))}`;
  }
}

/** Why `value` (a parsed journal line) is not a journal entry to replay, or undefined when it is. */
export function entryProblem(
  value: unknown,
  checkResult?: ResultCheck,
  sourceOf: SourceOf = () => undefined,
): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a journal entry";
  const e = value as Fields;
  if (typeof e.t !== "number" || !Number.isFinite(e.t)) return "an entry without its time";
  if (e.type !== "run" && e.type !== "spent" && !text(e.key, 200)) return "an entry without its key";
  return byType(e, checkResult, sourceOf);
}
