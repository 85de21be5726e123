// editDistance (optimal string alignment) against a naive reference written from the recursive
// definition, and against published values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editDistance } from '../../src/verdict/edit-distance.js';

/** The textbook recursion over the whole matrix, memoised; no row reuse, no shortcuts. */
function referenceOsa(a: string, b: string): number {
  const memo = new Map<string, number>();
  const d = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let best = Math.min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
    if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d(i - 2, j - 2) + 1);
    memo.set(key, best);
    return best;
  };
  return d(a.length, b.length);
}

describe('editDistance', () => {
  it('gives the published values', () => {
    // Levenshtein's classic example (no transpositions involved): kitten -> sitting is 3.
    expect(editDistance('kitten', 'sitting')).toBe(3);
    // Wikipedia, "Damerau-Levenshtein distance": the optimal string alignment distance of CA and
    // ABC is 3 (the unrestricted Damerau-Levenshtein distance would be 2).
    expect(editDistance('CA', 'ABC')).toBe(3);
    // One swap of neighbours costs one: the reason for choosing this variant.
    expect(editDistance('BAD_SIP', 'BAD_SPI')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('', '')).toBe(0);
  });

  it('agrees with the naive reference on random strings over a small alphabet', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '_'), maxLength: 9 });
    fc.assert(fc.property(word, word, (a, b) => editDistance(a, b) === referenceOsa(a, b)), { numRuns: 2000 });
  });

  it('is symmetric, zero only for equal strings, and bounded by the lengths', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(editDistance(b, a)).toBe(d);
        expect(d === 0).toBe(a === b);
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects non-strings naming the parameter', () => {
    expect(() => editDistance(1 as unknown as string, 'a')).toThrow(/\ba\b/);
    expect(() => editDistance('a', null as unknown as string)).toThrow(/\bb\b/);
  });
});
