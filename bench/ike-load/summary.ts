// From the client's report of every round to the printed comparison: per responder the median
// handshakes/s, failures, latency and responder CPU over the rounds, and the ratio ipsec-ts /
// strongSwan of the medians (above 1: ipsec-ts completes more handshakes per second).
import { median } from '../tunnel/summary.js';
import type { LoadReport } from './report.js';
import type { ResponderName } from './responders.js';

export interface RoundResult {
  readonly responder: ResponderName;
  readonly round: number;
  readonly report: LoadReport;
  /** CPU seconds (user + system) the responder process used while the client ran, when known. */
  readonly cpuSeconds: number | null;
}

export interface ResponderSummary {
  readonly responder: ResponderName;
  readonly rounds: number;
  readonly rates: readonly number[];
  readonly medianRate: number | null;
  readonly failed: number;
  readonly medianP50Ms: number | null;
  readonly medianP99Ms: number | null;
  /** Responder CPU milliseconds per completed handshake (median over rounds). */
  readonly medianCpuMsPerHandshake: number | null;
  readonly medianCpuSeconds: number | null;
  /** The load client's CPU seconds (all workers), to see whether the client was the limit. */
  readonly medianClientCpuSeconds: number | null;
}

export interface Summary {
  readonly responders: readonly ResponderSummary[];
  /** ipsec-ts median / strongSwan median, null unless both were measured. */
  readonly ratio: number | null;
  /**
   * ipsec-ts / strongSwan within each round that measured both (run back to back, so under much
   * the same load from the rest of the machine), and their median.
   */
  readonly roundRatios: readonly number[];
  readonly medianRoundRatio: number | null;
}

const nonNull = (xs: readonly (number | null)[]): number[] => xs.filter((x): x is number => x !== null && Number.isFinite(x));

export function summarizeRounds(results: readonly RoundResult[], order: readonly ResponderName[]): Summary {
  const responders = order.map((name): ResponderSummary => {
    const mine = results.filter((r) => r.responder === name);
    const rates = mine.map((r) => r.report.handshakesPerSecond);
    return {
      responder: name, rounds: mine.length, rates, medianRate: median(rates),
      failed: mine.reduce((s, r) => s + r.report.failed, 0),
      medianP50Ms: median(nonNull(mine.map((r) => r.report.latency?.p50Ms ?? null))),
      medianP99Ms: median(nonNull(mine.map((r) => r.report.latency?.p99Ms ?? null))),
      medianCpuMsPerHandshake: median(nonNull(mine.map((r) => (r.cpuSeconds === null || r.report.completed === 0 ? null : (r.cpuSeconds * 1000) / r.report.completed)))),
      medianCpuSeconds: median(nonNull(mine.map((r) => r.cpuSeconds))),
      medianClientCpuSeconds: median(mine.map((r) => r.report.clientCpuSeconds)),
    };
  });
  const ours = responders.find((r) => r.responder === 'ipsec-ts')?.medianRate ?? null;
  const theirs = responders.find((r) => r.responder === 'strongSwan')?.medianRate ?? null;
  const roundRatios = pairedRatios(results);
  return { responders, ratio: ours === null || theirs === null || theirs === 0 ? null : ours / theirs, roundRatios, medianRoundRatio: median(roundRatios) };
}

function pairedRatios(results: readonly RoundResult[]): number[] {
  const rounds = [...new Set(results.map((r) => r.round))].sort((a, b) => a - b);
  return rounds.flatMap((round) => {
    const ours = results.find((r) => r.round === round && r.responder === 'ipsec-ts');
    const theirs = results.find((r) => r.round === round && r.responder === 'strongSwan');
    return ours === undefined || theirs === undefined || theirs.report.handshakesPerSecond === 0 ? [] : [ours.report.handshakesPerSecond / theirs.report.handshakesPerSecond];
  });
}

const fixed = (x: number | null, digits: number): string => (x === null ? '-' : x.toFixed(digits));

/** A Markdown table (it goes into docs/PERFORMANCE.md as printed) and the ratio line. */
export function formatSummary(s: Summary): string {
  const lines = [
    '| responder | handshakes/s (median) | per round | failed | p50 ms | p99 ms | responder CPU s | CPU ms / handshake | client CPU s |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
    ...s.responders.map((r) => `| ${r.responder} | ${fixed(r.medianRate, 0)} | ${r.rates.map((x) => x.toFixed(0)).join(', ')} | ${r.failed} | ${fixed(r.medianP50Ms, 1)} | ${fixed(r.medianP99Ms, 1)} | ${fixed(r.medianCpuSeconds, 2)} | ${fixed(r.medianCpuMsPerHandshake, 2)} | ${fixed(r.medianClientCpuSeconds, 2)} |`),
  ];
  lines.push('', s.ratio === null ? 'ratio ipsec-ts / strongSwan: not measured (one side missing)' : `ratio ipsec-ts / strongSwan (median handshakes/s): ${s.ratio.toFixed(2)}`);
  if (s.medianRoundRatio !== null) {
    lines.push(`ratio within each round: ${s.roundRatios.map((r) => r.toFixed(2)).join(', ')} (median ${s.medianRoundRatio.toFixed(2)})`);
  }
  return lines.join('\n');
}
