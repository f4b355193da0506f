/**
 * "Did you mean …?" for misspelt keys: the known name a typo is closest to,
 * when it is close enough to be a typo rather than a different word.
 */

/** Edits (insert, delete, replace, swap two neighbours) from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The candidate within a third of the word's length in edits (case ignored), nearest first; undefined if none. */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    if (name === word) continue;
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/**
 * closestName, but a word that begins exactly one candidate (at least three
 * letters, case ignored) names it first: "prod" is an abbreviation of
 * "production", too many edits away to count as a typo.
 */
export function suggestName(word: string, candidates: Iterable<string>): string | undefined {
  const names = [...candidates];
  const lower = word.toLowerCase();
  if (lower.length >= 3) {
    const starting = names.filter((name) => name !== word && name.toLowerCase().startsWith(lower));
    if (starting.length === 1) return starting[0];
  }
  return closestName(word, names);
}
