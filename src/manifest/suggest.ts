/** Edit distance between two short strings, a swap of neighbours counting as one edit. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) (d[0] as number[])[j] = j;
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(
        at(i - 1, j) + 1,
        at(i, j - 1) + 1,
        at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  return at(a.length, b.length);
}

/** The closest candidate to a misspelt name, when one is close enough to be a likely typo. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** `, did you mean \`x\`?` or nothing. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  return c === undefined ? "" : `, did you mean \`${c}\`?`;
}

/** A hint when one is close, else the list of what there is: `, did you mean \`x\`?` or `; prompts: a, b`. */
export function hintOrList(name: string, candidates: readonly string[], what: string): string {
  return didYouMean(name, candidates) || `; ${what}: ${candidates.join(", ") || "(none)"}`;
}

/**
 * `unknown model \`x\`, did you mean \`y\`? models: a, b, …`: the one message for a model name
 * that is none of `names`, wherever a model is written (a manifest, a job, a CSV cell, a price,
 * `--model`). A name the text starts (`seedream-v5` for `seedream-v5-lite`) beats the nearest
 * by edits; every valid name is listed, since the nearest may not be the one meant.
 */
export function unknownModel(name: string, names: readonly string[]): string {
  const lower = name.toLowerCase();
  const prefixed = lower.length >= 3 ? names.filter((n) => n.toLowerCase().startsWith(lower)) : [];
  const likely = prefixed.length === 1 ? prefixed[0] : closest(name, names);
  const hint = likely === undefined ? "" : `, did you mean \`${likely}\`?`;
  return `unknown model \`${name}\`${hint}${hint ? "" : ";"} models: ${names.join(", ")}`;
}
