// The per-SA series cap on its own: which SAs keep their series, and what _other adds up.
import { describe, expect, it } from 'vitest';
import { capSaSeries, OTHER_SAS } from '../../src/endpoint/metrics/sa-series.js';
import type { SaSample } from '../../src/endpoint/metrics/snapshot.js';

function sa(name: string, spi: number, direction: 'inbound' | 'outbound', packets: number): SaSample {
  return { name, spi, direction, packets, bytes: packets * 10, drops: packets % 3, state: 'mature' };
}

describe('capSaSeries', () => {
  it('keeps every SA, in order, with its SPI in hex, when there are no more than the cap', () => {
    const sas = [sa('b', 0xc0ffee, 'outbound', 4), sa('a', 0x0a0b0001, 'inbound', 2)];
    const capped = capSaSeries(sas, 2);
    expect(capped.folded).toBe(0);
    expect(capped.series).toEqual([
      { labels: { sa: 'b', spi: '0x00c0ffee', direction: 'outbound' }, packets: 4, bytes: 40, drops: 1 },
      { labels: { sa: 'a', spi: '0x0a0b0001', direction: 'inbound' }, packets: 2, bytes: 20, drops: 2 },
    ]);
  });

  it('folds everything past the cap into one _other series per direction, losing no count', () => {
    const sas = Array.from({ length: 50 }, (_, i) => sa(`sa-${i}`, 0x100 + i, i % 3 === 0 ? 'outbound' : 'inbound', i));
    for (const max of [0, 1, 17, 49, 50]) {
      const { series, folded } = capSaSeries(sas, max);
      expect(folded).toBe(50 - max);
      expect(series.filter((s) => s.labels.sa !== OTHER_SAS).map((s) => s.labels.sa)).toEqual(sas.slice(0, max).map((s) => s.name));
      for (const field of ['packets', 'bytes', 'drops'] as const) {
        expect(series.reduce((t, s) => t + s[field], 0), `${field} at cap ${max}`).toBe(sas.reduce((t, s) => t + s[field], 0));
      }
      const others = series.filter((s) => s.labels.sa === OTHER_SAS);
      expect(others.every((s) => s.labels.spi === OTHER_SAS)).toBe(true);
      expect(new Set(others.map((s) => s.labels.direction)).size).toBe(others.length);
    }
  });
});
