/**
 * The candidates closest to `input` for a "did you mean" hint, nearest first:
 * edit distance (a swap of two neighbouring letters counts as one edit),
 * ignoring case, within a budget that grows with the length of the input.
 */
export function suggestNames(input: string, candidates: Iterable<string>, limit = 3): string[] {
  const wanted = input.toLowerCase();
  const budget = wanted.length <= 3 ? 1 : wanted.length <= 6 ? 2 : 3;
  const scored = new Map<string, number>();
  for (const candidate of candidates) {
    // Far longer or shorter names cannot be within the budget; skip the work.
    if (scored.has(candidate) || Math.abs(candidate.length - wanted.length) > budget) continue;
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance <= budget) scored.set(candidate, distance);
  }
  return [...scored]
    .sort(([a, da], [b, db]) => da - db || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([candidate]) => candidate);
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  // rows[i][j] is the distance between a[0..i) and b[0..j).
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}
