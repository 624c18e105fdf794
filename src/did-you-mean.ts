/**
 * "Did you mean …?" for a name a person typed: environments, stacks. A typo is a letter or two off
 * (`dve`, `backnd`), so only names within a small edit distance are suggested; anything further is a
 * different word, and a guess would mislead more than it helps.
 */

/** The closest of `candidates` to `typed`, when it is close enough to be a typo; otherwise undefined. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  const wanted = typed.toLowerCase();
  // One edit per three characters, at least one: `dve` → `dev` (a swap counts as one), `prd` → `prod`.
  const allowed = Math.max(1, Math.floor(wanted.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (distance <= allowed && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** ` Did you mean "dev"?` or nothing: ready to append to a refusal. */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const suggestion = closest(typed, candidates);
  return suggestion ? ` Did you mean "${suggestion}"?` : "";
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
