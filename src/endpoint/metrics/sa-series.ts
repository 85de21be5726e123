// Per-SA series, capped: every SA is a label set on three counters, and a host with very many
// SAs must not blow up the scraper. The first `max` SAs (in snapshot order) get their own
// series; the rest are summed per direction into sa="_other", spi="_other".
import { spiHex } from '../../wire/bytes.js';
import type { SaSample } from './snapshot.js';

export const DEFAULT_MAX_SA_SERIES = 10_000;
export const OTHER_SAS = '_other';

export interface SaSeries {
  readonly labels: { readonly sa: string; readonly spi: string; readonly direction: 'inbound' | 'outbound' };
  readonly packets: number;
  readonly bytes: number;
  readonly drops: number;
}

export interface CappedSaSeries {
  readonly series: readonly SaSeries[];
  /** How many SAs were folded into the _other series. */
  readonly folded: number;
}

export function capSaSeries(sas: readonly SaSample[], max: number): CappedSaSeries {
  const series: SaSeries[] = sas.slice(0, max).map((sa) => ({
    labels: { sa: sa.name, spi: spiHex(sa.spi), direction: sa.direction },
    packets: sa.packets,
    bytes: sa.bytes,
    drops: sa.drops,
  }));
  const rest = sas.slice(max);
  for (const direction of ['inbound', 'outbound'] as const) {
    const folded = rest.filter((sa) => sa.direction === direction);
    if (folded.length === 0) continue;
    series.push({
      labels: { sa: OTHER_SAS, spi: OTHER_SAS, direction },
      packets: sum(folded, (sa) => sa.packets),
      bytes: sum(folded, (sa) => sa.bytes),
      drops: sum(folded, (sa) => sa.drops),
    });
  }
  return { series, folded: rest.length };
}

function sum(sas: readonly SaSample[], of: (sa: SaSample) => number): number {
  return sas.reduce((total, sa) => total + of(sa), 0);
}
