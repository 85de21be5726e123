// The IKE load client: forks --workers processes (worker.ts), each on its own local address,
// starts them together, merges their reports and prints handshakes/s, failures by reason and
// latency percentiles (text, or --json). Usage: see options.ts (--help).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadOptions } from './options.js';
import { parseLoadOptions, shareOf } from './options.js';
import type { LoadReport, WorkerReport } from './report.js';
import { formatReport, mergeReports } from './report.js';
import type { WorkerPlan } from './load-generator.js';
import type { FromWorker } from './worker-protocol.js';
import { toWire } from './worker-protocol.js';

const WORKER_EXIT_GRACE_MS = 5000;
/** Beyond the run and one handshake timeout: the drain after the window (3 s) and start-up. */
const REPORT_SLACK_MS = 15_000;
const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

function planOf(options: LoadOptions, i: number): WorkerPlan {
  const { locals, natPort: _natPort, concurrency, rate, workers, json: _json, ...shared } = options;
  return {
    ...shared,
    local: locals[i % locals.length]!,
    concurrency: Math.max(1, shareOf(concurrency, workers, i)),
    rate: rate === null ? null : shareOf(rate, workers, i),
  };
}

/** Resolves with the next message of `type` from the worker; rejects on its error or exit. */
function next<T extends FromWorker['type']>(child: ChildProcess, type: T): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker): void => {
      if (m.type === type) {
        cleanup();
        resolve(m as Extract<FromWorker, { type: T }>);
      } else if (m.type === 'error') {
        cleanup();
        reject(new Error(`worker ${child.pid ?? '?'}: ${m.message}`));
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`worker ${child.pid ?? '?'} exited (${code}) before sending '${type}'`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Runs the load with options.workers processes and returns the merged report. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  // Workers never hold our stdout/stderr themselves: a straggler would keep the pipes of whoever
  // reads our report open (bench/ike-load/run.ts waits for them to close).
  const children = Array.from({ length: options.workers }, () => {
    const child = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr?.pipe(process.stderr, { end: false });
    return child;
  });
  try {
    const ready = children.map((c) => next(c, 'ready'));
    children.forEach((c, i) => c.send({ type: 'plan', plan: toWire(planOf(options, i), options.natPort) }));
    await Promise.all(ready);
    // A worker that sends nothing by then is killed and left out (node has been seen to hang on a
    // futex here, rarely, under heavy load); the report says how many were lost.
    const deadlineMs = options.seconds * 1000 + options.timeoutMs + REPORT_SLACK_MS;
    const reports = children.map((c) => withDeadline(next(c, 'report'), deadlineMs, () => c.kill('SIGKILL')));
    for (const c of children) c.send({ type: 'go' });
    const done = (await Promise.all(reports)).flatMap((m): WorkerReport[] => (m === null ? [] : [m.report]));
    if (done.length === 0) throw new Error(`no worker sent a report within ${deadlineMs / 1000} s`);
    const merged = mergeReports({ target: `${options.target}:${options.port}`, concurrency: options.concurrency, rate: options.rate }, done);
    return { ...merged, lostWorkers: children.length - done.length };
  } finally {
    await Promise.all(children.map(ended));
  }
}

/** The promise's value, or null (after calling onLate) when it takes longer than ms or fails. */
function withDeadline<T>(promise: Promise<T>, ms: number, onLate: () => void): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      onLate();
      resolve(null);
    }, ms);
    promise.then((v) => resolve(v), () => resolve(null)).finally(() => clearTimeout(timer));
  });
}

/** Workers exit by themselves after their report (writing a --cpu-prof profile on the way); stragglers are killed. */
function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), WORKER_EXIT_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (!child.connected) return;
    child.disconnect();
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseLoadOptions(argv);
  if (!parsed.ok) {
    console.error(parsed.message);
    return 2;
  }
  try {
    const report = await runLoad(parsed.options);
    console.log(parsed.options.json ? JSON.stringify(report) : formatReport(report));
    return report.completed > 0 ? 0 : 1;
  } catch (err) {
    console.error(`ike-load: ${(err as Error).message}`);
    return 1;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main(process.argv.slice(2));
