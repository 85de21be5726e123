// Edit distance for "did you mean" suggestions. Typing mistakes in names are mostly one wrong,
// missing or extra letter, or two neighbours swapped (BAD_SIP for BAD_SPI), so we use the
// optimal-string-alignment variant of Damerau-Levenshtein: a swap of adjacent letters costs 1.

/** Optimal string alignment distance between a and b (compares UTF-16 code units). */
export function editDistance(a: string, b: string): number {
  if (typeof a !== 'string') throw new TypeError('editDistance: a must be a string');
  if (typeof b !== 'string') throw new TypeError('editDistance: b must be a string');
  // Three rows suffice: the swap rule looks back two rows.
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = cellCost(a, b, i, j, row, prev, prevPrev);
    }
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length]!;
}

function cellCost(a: string, b: string, i: number, j: number, row: number[], prev: number[], prevPrev: number[]): number {
  const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
  let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + substitution);
  if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
    best = Math.min(best, prevPrev[j - 2]! + 1);
  }
  return best;
}
