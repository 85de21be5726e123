// From the raw iperf3 results of every round to the printed comparison: medians over the rounds
// per implementation and test, and the ratios ipsec-ts / strongSwan for the three headline
// figures (UDP max rate at < 1% loss, UDP at the highest offered rate, TCP).
import type { Iperf3Result } from './iperf3-result.js';
import type { ThroughputTest } from './iperf3-run.js';
import { formatRate, testLabel } from './iperf3-run.js';
import type { Implementation } from './tunnel.js';

/** Loss below this counts as "clean" (the max-rate figure). */
export const CLEAN_LOSS_PERCENT = 1;

export interface Measurement {
  readonly implementation: Implementation;
  readonly round: number;
  readonly test: ThroughputTest;
  readonly result: Iperf3Result;
  /** CPU seconds (user + system) both IPsec processes used during the test, when known. */
  readonly cpuSeconds?: number | null;
}

/** The headline figures of one implementation in one round; null when not measured. */
export interface RoundFigures {
  /** Highest offered UDP rate that lost < 1%, and what arrived at it. */
  readonly udpCleanOfferedBps: number | null;
  readonly udpCleanReceivedBps: number | null;
  /** What arrived at the highest offered UDP rate. */
  readonly udpHighestReceivedBps: number | null;
  readonly tcpBps: number | null;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Figures from the measurements of one implementation in one round. */
export function roundFigures(measurements: readonly Measurement[]): RoundFigures {
  const udp = measurements.flatMap((m) => (m.test.protocol === 'udp' && m.result.ok && m.result.protocol === 'udp' ? [{ offered: m.test.rateBps, result: m.result }] : []));
  const clean = udp.filter((u) => u.result.lostPercent < CLEAN_LOSS_PERCENT).sort((x, y) => y.offered - x.offered)[0];
  const udpTests = measurements.filter((m) => m.test.protocol === 'udp');
  const highestOffered = Math.max(...udpTests.map((m) => (m.test.protocol === 'udp' ? m.test.rateBps : 0)));
  const atHighest = udp.find((u) => u.offered === highestOffered);
  const tcp = measurements.find((m) => m.result.ok && m.result.protocol === 'tcp');
  return {
    udpCleanOfferedBps: clean?.offered ?? (udp.length > 0 ? 0 : null),
    udpCleanReceivedBps: clean?.result.receivedBps ?? (udp.length > 0 ? 0 : null),
    udpHighestReceivedBps: atHighest?.result.receivedBps ?? null,
    tcpBps: tcp !== undefined && tcp.result.ok ? tcp.result.receivedBps : null,
  };
}

export interface Cell {
  /** Medians over the rounds that succeeded. */
  readonly receivedBps: number | null;
  readonly lostPercent: number | null;
  readonly retransmits: number | null;
  readonly okRuns: number;
  readonly runs: number;
  /** Distinct failure messages. */
  readonly failures: readonly string[];
  /** Median CPU seconds of both IPsec processes per Gbit received (lower is cheaper), when known. */
  readonly cpuPerGbit: number | null;
}

export interface TestRow {
  readonly label: string;
  readonly cells: ReadonlyMap<Implementation, Cell>;
}

export interface Headline {
  readonly label: string;
  readonly values: ReadonlyMap<Implementation, number | null>;
  /** Median offered rate behind the value (the clean-rate figure), per implementation. */
  readonly offered?: ReadonlyMap<Implementation, number | null>;
}

export interface TunnelSummary {
  readonly implementations: readonly Implementation[];
  readonly rounds: number;
  readonly rows: readonly TestRow[];
  readonly headlines: readonly Headline[];
}

function cellOf(measurements: readonly Measurement[]): Cell {
  const ok = measurements.flatMap((m) => (m.result.ok ? [m.result] : []));
  const failures = [...new Set(measurements.flatMap((m) => (m.result.ok ? [] : [m.result.detail])))];
  return {
    receivedBps: median(ok.map((r) => r.receivedBps)),
    lostPercent: median(ok.flatMap((r) => (r.protocol === 'udp' ? [r.lostPercent] : []))),
    retransmits: median(ok.flatMap((r) => (r.protocol === 'tcp' ? [r.retransmits] : []))),
    okRuns: ok.length,
    runs: measurements.length,
    failures,
    cpuPerGbit: median(measurements.flatMap((m) => {
      if (!m.result.ok || m.cpuSeconds === undefined || m.cpuSeconds === null || m.result.receivedBps <= 0) return [];
      return [m.cpuSeconds / ((m.result.receivedBps * m.test.seconds) / 1e9)];
    })),
  };
}

function medianOver(figures: readonly RoundFigures[], pick: (f: RoundFigures) => number | null): number | null {
  return median(figures.flatMap((f) => { const v = pick(f); return v === null ? [] : [v]; }));
}

export function summarize(measurements: readonly Measurement[], implementations: readonly Implementation[]): TunnelSummary {
  const labels = [...new Set(measurements.map((m) => testLabel(m.test)))];
  const rows = labels.map((label) => ({
    label,
    cells: new Map(implementations.map((impl) => [impl, cellOf(measurements.filter((m) => m.implementation === impl && testLabel(m.test) === label))])),
  }));
  const rounds = [...new Set(measurements.map((m) => m.round))];
  const figures = new Map(implementations.map((impl) => [impl, rounds.map((r) => roundFigures(measurements.filter((m) => m.implementation === impl && m.round === r)))]));
  const perImpl = (pick: (f: RoundFigures) => number | null): Map<Implementation, number | null> =>
    new Map(implementations.map((impl) => [impl, medianOver(figures.get(impl) ?? [], pick)]));
  const udpRates = measurements.flatMap((m) => (m.test.protocol === 'udp' ? [m.test.rateBps] : []));
  const highest = udpRates.length > 0 ? formatRate(Math.max(...udpRates)) : '-';
  return {
    implementations,
    rounds: rounds.length,
    rows,
    headlines: [
      { label: `UDP max rate with < ${CLEAN_LOSS_PERCENT}% loss (received)`, values: perImpl((f) => f.udpCleanReceivedBps), offered: perImpl((f) => f.udpCleanOfferedBps) },
      { label: `UDP received at ${highest} offered`, values: perImpl((f) => f.udpHighestReceivedBps) },
      { label: 'TCP', values: perImpl((f) => f.tcpBps) },
    ],
  };
}

function mbps(bps: number | null): string {
  return bps === null ? '-' : (bps / 1e6).toFixed(1);
}

function pad(text: string, width: number, left = false): string {
  return left ? text.padEnd(width) : text.padStart(width);
}

function cellText(cell: Cell | undefined, protocol: 'udp' | 'tcp'): string {
  if (cell === undefined || cell.runs === 0) return pad('not run', 28);
  if (cell.okRuns === 0) return pad('failed', 28);
  const extra = protocol === 'udp' ? `loss ${cell.lostPercent?.toFixed(2) ?? '-'}%` : `retr ${cell.retransmits?.toFixed(0) ?? '-'}`;
  const partial = cell.okRuns < cell.runs ? ` (${cell.okRuns}/${cell.runs})` : '';
  return pad(`${mbps(cell.receivedBps)} ${extra}${partial}`, 28);
}

/**
 * CPU per Gbit received, per test: throughput on a busy 2-core machine moves with whatever else
 * runs, the CPU each implementation spends per bit much less. Ratio: strongSwan / ipsec-ts, so
 * above 100% means ipsec-ts is cheaper.
 */
function cpuLines(summary: TunnelSummary): string[] {
  const impls = summary.implementations;
  if (!summary.rows.some((row) => impls.some((i) => (row.cells.get(i)?.cpuPerGbit ?? null) !== null))) return [];
  const lines = ['', 'CPU seconds per Gbit received (both IPsec processes, user + system; lower is cheaper):'];
  lines.push(`${pad('test', 12, true)} ${impls.map((i) => pad(i, 12)).join(' ')} ${pad('theirs/ours', 12)}`);
  for (const row of summary.rows) {
    const values = new Map(impls.map((i) => [i, row.cells.get(i)?.cpuPerGbit ?? null]));
    const ours = values.get('ipsec-ts') ?? null;
    const theirs = values.get('strongSwan') ?? null;
    const ratio = ours === null || theirs === null || ours === 0 ? '-' : `${((theirs / ours) * 100).toFixed(0)}%`;
    lines.push(`${pad(row.label, 12, true)} ${impls.map((i) => pad(values.get(i)?.toFixed(2) ?? '-', 12)).join(' ')} ${pad(ratio, 12)}`);
  }
  return lines;
}

/** ipsec-ts / strongSwan, or '-' when either is missing. */
export function ratioText(values: ReadonlyMap<Implementation, number | null>): string {
  const ours = values.get('ipsec-ts');
  const theirs = values.get('strongSwan');
  if (ours === null || ours === undefined || theirs === null || theirs === undefined || theirs === 0) return '-';
  return `${((ours / theirs) * 100).toFixed(0)}%`;
}

export function formatSummary(summary: TunnelSummary): string {
  const impls = summary.implementations;
  const lines: string[] = [];
  lines.push(`received Mbit/s, median of ${summary.rounds} round(s); UDP loss is lost/sent datagrams, TCP retr = retransmits`);
  lines.push(`${pad('test', 12, true)} ${impls.map((i) => pad(i, 28)).join(' ')} ${pad('ratio', 7)}`);
  for (const row of summary.rows) {
    const protocol = row.label.startsWith('TCP') ? 'tcp' : 'udp';
    const values = new Map(impls.map((i) => [i, row.cells.get(i)?.receivedBps ?? null]));
    lines.push(`${pad(row.label, 12, true)} ${impls.map((i) => cellText(row.cells.get(i), protocol)).join(' ')} ${pad(ratioText(values), 7)}`);
  }
  lines.push('');
  lines.push('ipsec-ts / strongSwan (medians over the rounds):');
  for (const h of summary.headlines) {
    const parts = impls.map((i) => {
      const offered = h.offered?.get(i);
      const at = offered === undefined ? '' : offered === null ? '' : offered === 0 ? ' (no rate was clean)' : ` (at ${formatRate(offered)} offered)`;
      return `${i} ${mbps(h.values.get(i) ?? null)}${at}`;
    });
    lines.push(`  ${pad(h.label, 40, true)} ${parts.join(', ')}: ${ratioText(h.values)}`);
  }
  lines.push(...cpuLines(summary));
  const failures = summary.rows.flatMap((row) => impls.flatMap((i) => (row.cells.get(i)?.failures ?? []).map((f) => `  ${i} ${row.label}: ${f}`)));
  if (failures.length > 0) lines.push('', 'failed runs:', ...failures);
  return lines.join('\n');
}
