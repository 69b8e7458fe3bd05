/** "Did you mean …?" for a mistyped name: the closest known name by edit distance, if close enough. */

/**
 * Edit distance with adjacent transpositions counted as one edit (optimal string alignment), so
 * `shcema` is one edit from `schema`, as a typist would count it.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** Case, `-` and `_` do not count: `batch-size`, `BATCH_SIZE` and `batchSize` are the same name. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/**
 * The candidate closest to `name`, or undefined when none is close: at most a third of the
 * name's length in edits (at least one). `aliases` maps other spellings that users reach for (a
 * command-line flag's name, say) straight to a candidate.
 */
export function closestName(
  name: string,
  candidates: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string | undefined {
  const folded = fold(name);
  for (const [alias, target] of Object.entries(aliases)) if (fold(alias) === folded) return target;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(folded.length / 3)) ? best : undefined;
}
