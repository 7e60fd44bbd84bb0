/** Credentials shorter than this are not scrubbed: too short to tell from ordinary text. */
const MIN_SECRET = 8;

/** The part of base64 text that depends on `secret` alone, with it `offset` bytes into the data. */
function base64Core(secret: Buffer, offset: number): string {
  const text = Buffer.concat([Buffer.alloc(offset), secret]).toString("base64");
  return text.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + secret.length)) / 6));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Every form a secret travels in as text: raw, JSON-escaped, URL-encoded, base64 (any alignment, url-safe too). */
function formsOf(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  for (const offset of [0, 1, 2]) {
    const core = base64Core(bytes, offset);
    forms.add(core);
    forms.add(core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET);
}

/** A pattern for one form; percent-escapes match in either case (`%3a`, `%3A`). */
function patternOf(form: string): string {
  return escapeRegExp(form).replace(/%([0-9A-F])([0-9A-F])/g, (_, a: string, b: string) => {
    const c = (x: string) => (/[A-F]/.test(x) ? `[${x}${x.toLowerCase()}]` : x);
    return `%${c(a)}${c(b)}`;
  });
}

/** What a scrubbed secret is replaced with. */
const REDACTED = "[redacted]";

/**
 * Removes credentials from text in every form they can travel in, so a key echoed by fal or by
 * a publish destination (in a 401/422/500 body, a header, a URL) can reach no log, report,
 * journal or page. Each credential is scrubbed whole and, for `id:secret` keys, part by part;
 * values shorter than 8 characters are left (they would garble ordinary text).
 */
export class SecretScrubber {
  readonly #pattern: RegExp | undefined;
  /** The credentials scrubbed (at least 8 characters each), to build a wider scrubber from. */
  readonly values: readonly string[];
  /** The longest form, less one: what a stream holds back to find a form cut between chunks. */
  readonly overlap: number;

  constructor(secrets: Iterable<string | undefined>) {
    const forms = new Set<string>();
    const values: string[] = [];
    for (const s of secrets) {
      if (s === undefined || s.length < MIN_SECRET) continue;
      values.push(s);
      for (const part of [s, ...s.split(":")])
        if (part.length >= MIN_SECRET) for (const f of formsOf(part)) forms.add(f);
    }
    // Longest first, so a whole form wins over a part of it.
    const sorted = [...forms].sort((a, b) => b.length - a.length);
    this.#pattern = sorted.length > 0 ? new RegExp(sorted.map(patternOf).join("|"), "g") : undefined;
    this.overlap = Math.max(0, (sorted[0]?.length ?? 0) - 1);
    this.values = values;
  }

  /** Whether there is anything to scrub. */
  get active(): boolean {
    return this.#pattern !== undefined;
  }

  /** `text` with every form of every secret replaced by `[redacted]`. */
  scrub(text: string): string {
    return this.#pattern ? text.replace(this.#pattern, REDACTED) : text;
  }

  /**
   * A stream that scrubs bytes as they pass, holding back what follows the last newline (at most
   * `overlap` bytes) so a form cut between two chunks is still found: no form holds a newline,
   * so a status stream's events pass at once. Bytes are read as latin1 (one char a byte, the
   * forms are ASCII), so any encoding passes through unchanged but for the forms.
   */
  stream(): TransformStream<Uint8Array, Uint8Array> {
    let held = "";
    const keep = this.overlap;
    return new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        const text = this.scrub(held + Buffer.from(chunk).toString("latin1"));
        const cut = Math.max(0, text.length - keep, text.lastIndexOf("\n") + 1);
        held = text.slice(cut);
        if (cut > 0) controller.enqueue(Buffer.from(text.slice(0, cut), "latin1"));
      },
      flush: (controller) => {
        if (held) controller.enqueue(Buffer.from(this.scrub(held), "latin1"));
      },
    });
  }

  /** `response` with its headers and body scrubbed (the body as it streams). */
  response(response: Response): Response {
    if (!this.#pattern) return response;
    const headers = new Headers();
    response.headers.forEach((value, name) => {
      // A scrubbed body has another length.
      if (name !== "content-length") headers.append(name, this.scrub(value));
    });
    return new Response(response.body ? response.body.pipeThrough(this.stream()) : null, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
}

/**
 * The environment variables that hold credentials the process may send somewhere: fal's
 * (`FAL_KEY`, `FAL_KEY_ID`, `FAL_KEY_SECRET`), the AWS SDK's that publish uses
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, and the container
 * credentials token), and any other whose name says it is one (…_SECRET, …_TOKEN, …_PASSWORD,
 * …_API_KEY, …_CREDENTIALS).
 */
const CREDENTIAL_NAMES = new Set([
  "FAL_KEY",
  "FAL_KEY_ID",
  "FAL_KEY_SECRET",
  "FAL_API_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
]);
const CREDENTIAL_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)($|_)/i;

/** The credential values of `env` (see `CREDENTIAL_NAMES`), for a `SecretScrubber`. */
export function credentialsInEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(
      ([name, value]) => value !== undefined && (CREDENTIAL_NAMES.has(name) || CREDENTIAL_NAME.test(name)),
    )
    .map(([, value]) => value as string);
}

/** A scrubber of every credential `env` holds. */
export function envScrubber(env: Readonly<Record<string, string | undefined>>): SecretScrubber {
  return new SecretScrubber(credentialsInEnv(env));
}

/**
 * `stream` with every text written to it scrubbed: the same object in all else (isTTY, columns,
 * events), so a terminal stays a terminal. Each write is scrubbed whole; the logger and the CLI
 * write a line or a message at a time, so a form is never cut between two writes.
 */
export function scrubbedStream<S extends NodeJS.WritableStream>(stream: S, scrubber: SecretScrubber): S {
  if (!scrubber.active) return stream;
  return new Proxy(stream, {
    get(target, property) {
      if (property === "write")
        return (chunk: unknown, ...rest: unknown[]) => {
          const clean =
            typeof chunk === "string"
              ? scrubber.scrub(chunk)
              : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array
                ? Buffer.from(scrubber.scrub(Buffer.from(chunk).toString("latin1")), "latin1")
                : chunk;
          return (target.write as (...args: unknown[]) => boolean)(clean, ...rest);
        };
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * `error` with its message and stack (and its causes', a few deep) scrubbed in place: for an
 * error a library built from an answer (an S3 error body's Message) before it reaches a report.
 */
export function scrubError<E>(error: E, scrubber: SecretScrubber): E {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e instanceof Error && scrubber.active; depth += 1) {
    e.message = scrubber.scrub(e.message);
    if (e.stack !== undefined) e.stack = scrubber.scrub(e.stack);
    e = e.cause;
  }
  return error;
}
