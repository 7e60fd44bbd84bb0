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
 * Removes the fal credentials from text in every form they can travel in, so a key echoed by fal
 * (in a 401/422/500 body, a header, a URL) can reach no log, report, journal or page. Each
 * credential is scrubbed whole and, for `id:secret` keys, part by part.
 */
export class SecretScrubber {
  readonly #pattern: RegExp | undefined;
  /** The longest form, less one: what a stream holds back to find a form cut between chunks. */
  readonly overlap: number;

  constructor(secrets: Iterable<string | undefined>) {
    const forms = new Set<string>();
    for (const s of secrets) {
      if (s === undefined || s.length < MIN_SECRET) continue;
      for (const part of [s, ...s.split(":")])
        if (part.length >= MIN_SECRET) for (const f of formsOf(part)) forms.add(f);
    }
    // Longest first, so a whole form wins over a part of it.
    const sorted = [...forms].sort((a, b) => b.length - a.length);
    this.#pattern = sorted.length > 0 ? new RegExp(sorted.map(patternOf).join("|"), "g") : undefined;
    this.overlap = Math.max(0, (sorted[0]?.length ?? 0) - 1);
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

/** The key the built-in emulator is sent: a stand-in, not a secret (and a word of ordinary text). */
export const EMULATOR_CREDENTIALS = "emulator";

/** What is scrubbed from fal's answers when the caller says nothing: the credentials sent, but the emulator's. */
export function scrubberFor(credentials: string | undefined): SecretScrubber {
  return new SecretScrubber(credentials === EMULATOR_CREDENTIALS ? [] : [credentials]);
}
