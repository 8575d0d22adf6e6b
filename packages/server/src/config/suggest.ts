/**
 * Did-you-mean for a setting or option name: the closest of the valid names
 * by edit distance, when it is close enough to be what was meant. Pure.
 */

/** Levenshtein distance, with `_` and `-` the same letter (leasehold.yaml uses one, dnsmasq the other). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase().replaceAll('-', '_');
  const y = b.toLowerCase().replaceAll('-', '_');
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[y.length]!;
}

/** The valid name `word` most likely meant, or undefined when none is within about a third of its letters. */
export function closestName(word: string, names: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const name of names) {
    const d = distance(word, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** " (did you mean x?)" or nothing. */
export function didYouMean(word: string, names: Iterable<string>): string {
  const name = closestName(word, names);
  return name === undefined ? '' : ` (did you mean ${name}?)`;
}
