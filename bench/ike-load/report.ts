// What the load client reports: per worker (sent over IPC), merged over workers, and printed as
// text or JSON. Pure functions, so the test checks the arithmetic on hand-made numbers.

export interface DeleteCounts {
  readonly sent: number;
  /** Answered: the responder removed the IKE SA. */
  readonly confirmed: number;
  /** The DELETE itself timed out or failed. */
  readonly failed: number;
  /** Still unanswered when the worker stopped waiting. */
  readonly unanswered: number;
}

export interface WorkerReport {
  readonly local: string;
  /** Length of the measuring window in seconds. */
  readonly seconds: number;
  readonly started: number;
  /** Child SA up within the window. */
  readonly completed: number;
  /** Handshakes that ended without a child SA, by reason (winerror name, 'timeout', 'ike-closed'). */
  readonly failures: Readonly<Record<string, number>>;
  /** One detail message per failure reason. */
  readonly failureSamples: Readonly<Record<string, string>>;
  /** Datagrams the client's IKE core or sockets dropped, by reason. */
  readonly drops: Readonly<Record<string, number>>;
  readonly latenciesMs: readonly number[];
  readonly deletes: DeleteCounts;
  /** Handshakes still running when the window closed (neither completed nor failed). */
  readonly inFlightAtEnd: number;
  /** With --rate: handshakes the schedule wanted started but no slot was free for. */
  readonly behindSchedule: number;
  /** CPU seconds (user + system) this worker used in the window: is the client the bottleneck? */
  readonly cpuSeconds: number;
}

export interface LatencySummary {
  readonly samples: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface LoadReport {
  readonly target: string;
  readonly workers: number;
  readonly concurrency: number;
  readonly rate: number | null;
  readonly seconds: number;
  readonly started: number;
  readonly completed: number;
  readonly handshakesPerSecond: number;
  readonly failed: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly failureSamples: Readonly<Record<string, string>>;
  readonly drops: Readonly<Record<string, number>>;
  /** null when nothing completed. */
  readonly latency: LatencySummary | null;
  readonly deletes: DeleteCounts;
  readonly inFlightAtEnd: number;
  readonly behindSchedule: number;
  /** Summed over the workers. */
  readonly clientCpuSeconds: number;
  /** Workers that sent no report (killed at the deadline); their handshakes are not counted. */
  readonly lostWorkers: number;
}

/** Nearest-rank percentile (p in 0..100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarizeLatencies(samples: readonly number[]): LatencySummary | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    samples: sorted.length, meanMs: sum / sorted.length,
    p50Ms: percentile(sorted, 50), p90Ms: percentile(sorted, 90), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1]!,
  };
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export interface RunShape {
  readonly target: string;
  readonly concurrency: number;
  readonly rate: number | null;
}

/** One report over all workers: counts add up, the rate is completed over the longest window. */
export function mergeReports(shape: RunShape, workers: readonly WorkerReport[]): LoadReport {
  const failures: Record<string, number> = {};
  const drops: Record<string, number> = {};
  const failureSamples: Record<string, string> = {};
  const deletes = { sent: 0, confirmed: 0, failed: 0, unanswered: 0 };
  const latencies: number[] = [];
  let started = 0;
  let completed = 0;
  let inFlightAtEnd = 0;
  let behindSchedule = 0;
  let seconds = 0;
  let clientCpuSeconds = 0;
  for (const w of workers) {
    clientCpuSeconds += w.cpuSeconds;
    addCounts(failures, w.failures);
    addCounts(drops, w.drops);
    for (const [k, v] of Object.entries(w.failureSamples)) failureSamples[k] ??= v;
    for (const k of ['sent', 'confirmed', 'failed', 'unanswered'] as const) deletes[k] += w.deletes[k];
    for (const l of w.latenciesMs) latencies.push(l);
    started += w.started;
    completed += w.completed;
    inFlightAtEnd += w.inFlightAtEnd;
    behindSchedule += w.behindSchedule;
    seconds = Math.max(seconds, w.seconds);
  }
  return {
    target: shape.target, workers: workers.length, concurrency: shape.concurrency, rate: shape.rate, seconds,
    started, completed, handshakesPerSecond: seconds > 0 ? completed / seconds : 0,
    failed: Object.values(failures).reduce((s, x) => s + x, 0), failures, failureSamples, drops,
    latency: summarizeLatencies(latencies), deletes, inFlightAtEnd, behindSchedule, clientCpuSeconds, lostWorkers: 0,
  };
}

function countsLine(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;

export function formatReport(r: LoadReport): string {
  const load = r.rate === null ? `${r.concurrency} in flight` : `${r.rate}/s offered, at most ${r.concurrency} in flight`;
  const lines = [
    `IKE handshakes against ${r.target}: ${r.workers} worker(s), ${load}, ${r.seconds.toFixed(1)} s`,
    `  completed   ${r.completed} (${r.handshakesPerSecond.toFixed(1)}/s), started ${r.started}, still running at the end ${r.inFlightAtEnd}`,
    `  failed      ${r.failed}: ${countsLine(r.failures)}`,
    ...Object.entries(r.failureSamples).map(([k, v]) => `                ${k}: ${v}`),
    r.latency === null ? '  latency     none completed'
      : `  latency     p50 ${ms(r.latency.p50Ms)}, p90 ${ms(r.latency.p90Ms)}, p99 ${ms(r.latency.p99Ms)}, max ${ms(r.latency.maxMs)}, mean ${ms(r.latency.meanMs)}`,
    `  DELETE      sent ${r.deletes.sent}, confirmed ${r.deletes.confirmed}, failed ${r.deletes.failed}, unanswered ${r.deletes.unanswered}`,
    `  dropped     ${countsLine(r.drops)}`,
    `  client CPU  ${r.clientCpuSeconds.toFixed(2)} s in ${r.workers} worker(s) (${r.completed > 0 ? ((r.clientCpuSeconds * 1000) / r.completed).toFixed(2) : '-'} ms per handshake)`,
  ];
  if (r.rate !== null) lines.push(`  behind schedule (no free slot) ${r.behindSchedule}`);
  if (r.lostWorkers > 0) lines.push(`  LOST ${r.lostWorkers} worker(s): no report before the deadline, their handshakes are missing`);
  return lines.join('\n');
}
