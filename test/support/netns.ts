// Two network namespaces joined by a veth pair, for integration tests and the tunnel benchmark.
//
//   A: outer 198.51.100.1/24 on its veth      B: outer 198.51.100.2/24 on its veth
//   inner 10.1.0.1/32 (on lo, or left to a TUN)  inner 10.2.0.1/32 (on lo, or left to a TUN)
//
// 198.51.100.0/24 is TEST-NET-2: the host's own interface is on 192.0.2.0/24, so we avoid that.
// Names are unique per process and pair (its-<pid>-<n>a / ...b): tests in parallel forks never
// collide, and namespaces whose creating process is dead are removed by the next run.
//
// Usage (vitest):
//   const canRun = requireNetns('tunnel tests');            // skips visibly, or throws in CI
//   let pair: NetnsPair;
//   beforeAll(async () => { pair = await createNetnsPair(); });
//   afterAll(async () => { await pair?.teardown(); });      // runs on failure too
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OUTER_A = '198.51.100.1';
export const OUTER_B = '198.51.100.2';
export const INNER_A = '10.1.0.1';
export const INNER_B = '10.2.0.1';
export const INNER_NET_A = '10.1.0.0/24';
export const INNER_NET_B = '10.2.0.0/24';

/** Names made by this module: its-<pid>-<counter><a|b>; group 1 is the creating process. */
export const HARNESS_NAME_PATTERN = /^its-(\d+)-[0-9a-z]+[ab]$/;

export interface ExecResult {
  /** Exit code, or null when the command was killed (by a signal or the timeout). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Kill the command after this long (default 30 s). */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface NetnsProcess {
  readonly name: string;
  readonly pid: number;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** Resolves with the exit code (null when killed by a signal) once the process has ended. */
  readonly exited: Promise<number | null>;
  /** True until the process has ended. */
  running(): boolean;
  /** What it wrote so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM to its process group, SIGKILL after graceMs (default 3 s); resolves once it ended. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** Label used for the log file names (<dir>/<name>.stdout, .stderr). */
  readonly name: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface NetnsHost {
  /** Namespace name (also the name of its veth end). */
  readonly ns: string;
  readonly veth: string;
  readonly outer: string;
  readonly inner: string;
  readonly innerNet: string;
  /** Runs a command in this namespace to the end. Never rejects for a failing command. */
  exec(command: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-running command here; stopped at teardown if still running. */
  start(command: string, args: readonly string[], options: StartOptions): NetnsProcess;
  /** `ping -c count` from this host's inner (or given) address; true when every reply came back. */
  ping(destination: string, options?: { count?: number; source?: string; timeoutS?: number }): Promise<boolean>;
}

export interface NetnsPair {
  readonly a: NetnsHost;
  readonly b: NetnsHost;
  /** Scratch folder (mkdtemp, prefix its-netns-, not ipsec-ts-*, which a test hook deletes) for logs and configs; removed at teardown. */
  readonly dir: string;
  /** Stops every process started here, deletes both namespaces and the folder. Safe to call twice. */
  teardown(options?: { keepDir?: boolean }): Promise<void>;
}

export interface PairOptions {
  /**
   * 'lo' (default) puts the inner /32 addresses on lo, as for a peer that routes by policy;
   * 'none' leaves them to the caller (a TUN device configured by the daemon).
   */
  readonly inner?: 'lo' | 'none';
  /** Keep the scratch folder at teardown (to read the logs after a failure). */
  readonly keepDir?: boolean;
  /** Where to make the scratch folder (default os.tmpdir()). */
  readonly parentDir?: string;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Why namespaces cannot be made here, or null when they can. */
export function netnsUnavailableReason(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (!isRoot()) return 'network namespaces need root (run the tests as root, as CI does)';
  for (const tool of [['ip', '-V'], ['ethtool', '--version'], ['ping', '-V']] as const) {
    const r = spawnSync(tool[0], [tool[1]], { stdio: 'ignore' });
    if (r.error !== undefined) return `'${tool[0]}' is missing (apt-get install iproute2 ethtool iputils-ping)`;
  }
  return null;
}

/**
 * True when namespaces can be used. Otherwise prints that `what` is SKIPPED and returns false,
 * or, in CI (CI=1 or IPSEC_TS_REQUIRE_ORACLES=1, which run as root), throws.
 */
export function requireNetns(what: string): boolean {
  const reason = netnsUnavailableReason();
  if (reason === null) return true;
  const message = `${what}: ${reason}; SKIPPED`;
  if (process.env.CI === '1' || process.env.IPSEC_TS_REQUIRE_ORACLES === '1') {
    throw new Error(`${message}, but CI must run them: run CI as root with iproute2, ethtool and iputils-ping installed`);
  }
  console.warn(`\n*** ${message} ***\n`);
  return false;
}

/** Runs a command (outside any namespace) to the end; never rejects for a failing command. */
export function run(command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('error', (err) => resolve({ code: null, signal: null, stdout, stderr: stderr + String(err) }));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs a command in namespace ns (`ip netns exec`). */
export function execInNetns(ns: string, command: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  return run('ip', ['netns', 'exec', ns, command, ...args], options);
}

async function mustRun(command: string, args: readonly string[]): Promise<void> {
  const r = await run(command, args);
  if (r.code !== 0) throw new Error(`netns harness: '${command} ${args.join(' ')}' failed (${r.code ?? r.signal}): ${r.stderr.trim()}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listNamespaces(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').map((line) => line.split(' ')[0] ?? '').filter((n) => n !== '');
}

/** Kills every process inside ns (SIGKILL) and deletes it. Synchronous, so it also works at exit. */
export function deleteNamespace(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

/**
 * Removes leftovers of crashed earlier runs: namespaces (and root-namespace links, should a run
 * have died between creating the veth and moving it) whose name matches pattern and whose
 * creating process (capture group 1) is dead. Returns the names removed.
 */
export function cleanupStaleNamespaces(pattern: RegExp = HARNESS_NAME_PATTERN): string[] {
  const stale = (name: string): boolean => {
    const m = pattern.exec(name);
    return m !== null && m[1] !== undefined && !processAlive(Number(m[1]));
  };
  const removed: string[] = [];
  for (const ns of listNamespaces().filter(stale)) {
    deleteNamespace(ns);
    removed.push(ns);
  }
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
  for (const m of links.matchAll(/^\d+: ([^:@\s]+)[@:]/gm)) {
    const link = m[1]!;
    if (!stale(link)) continue;
    spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
    removed.push(link);
  }
  return removed;
}

let pairCounter = 0;
const liveNamespaces = new Set<string>();
let exitHookInstalled = false;

// A safety net for a process that ends without teardown (an uncaught error): the next run's
// cleanupStaleNamespaces() catches what this misses (SIGKILL).
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const ns of liveNamespaces) deleteNamespace(ns);
  });
}

/**
 * Starts a long-running command in namespace ns (one made here or elsewhere), its output in
 * <dir>/<name>.stdout and .stderr, in its own process group. The caller stops it.
 */
export function startInNetns(ns: string, dir: string, command: string, args: readonly string[], options: StartOptions): NetnsProcess {
  const stdoutPath = join(dir, `${options.name}.stdout`);
  const stderrPath = join(dir, `${options.name}.stderr`);
  const out = openSync(stdoutPath, 'w');
  const err = openSync(stderrPath, 'w');
  // detached: its own process group, so stop() reaches whatever it forks.
  let child: ChildProcess;
  try {
    child = spawn('ip', ['netns', 'exec', ns, command, ...args], { detached: true, stdio: ['ignore', out, err], env: options.env ?? process.env });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  let ended = false;
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => { ended = true; resolve(null); });
    child.on('exit', (code) => { ended = true; resolve(code); });
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (ended || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  return {
    name: options.name,
    pid: child.pid ?? -1,
    stdoutPath,
    stderrPath,
    exited,
    running: () => !ended,
    output: () => ({ stdout: readFileSync(stdoutPath, 'utf8'), stderr: readFileSync(stderrPath, 'utf8') }),
    async stop(graceMs = 3000): Promise<void> {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function makeHost(ns: string, outer: string, inner: string, innerNet: string, dir: string, processes: NetnsProcess[]): NetnsHost {
  const host: NetnsHost = {
    ns, veth: ns, outer, inner, innerNet,
    exec: (command, args, options) => execInNetns(ns, command, args, options),
    start(command, args, options) {
      const p = startInNetns(ns, dir, command, args, options);
      processes.push(p);
      return p;
    },
    async ping(destination, options = {}) {
      const count = options.count ?? 3;
      const r = await host.exec('ping', ['-n', '-q', '-c', String(count), '-i', '0.2', '-W', String(options.timeoutS ?? 2),
        '-I', options.source ?? inner, destination], { timeoutMs: (count * 0.2 + (options.timeoutS ?? 2) + 5) * 1000 });
      return r.code === 0;
    },
  };
  return host;
}

async function addNamespace(ns: string): Promise<void> {
  await mustRun('ip', ['netns', 'add', ns]);
  await mustRun('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  // No IPv6 chatter (router solicitations, MLD, ND) on the link: keeps captures and counters clean.
  await mustRun('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
}

/** The veth end named ns is inside namespace ns already. */
async function configureEnd(ns: string, outer: string, inner: string | null): Promise<void> {
  if (inner !== null) await mustRun('ip', ['-n', ns, 'addr', 'add', `${inner}/32`, 'dev', 'lo']);
  await mustRun('ip', ['-n', ns, 'addr', 'add', `${outer}/24`, 'dev', ns]);
  // veth leaves UDP checksums unfilled with TX offload on: a captured frame replayed into a
  // namespace would then fail the receiver's checksum (shared/interop/strongswan/README.md).
  await mustRun('ip', ['netns', 'exec', ns, 'ethtool', '-K', ns, 'tx', 'off']);
  await mustRun('ip', ['-n', ns, 'link', 'set', ns, 'up']);
}

/** Creates the two namespaces and the veth between them. Throws (after cleaning up) on failure. */
export async function createNetnsPair(options: PairOptions = {}): Promise<NetnsPair> {
  cleanupStaleNamespaces();
  installExitHook();
  const base = `its-${process.pid}-${(pairCounter++).toString(36)}`;
  const nsA = `${base}a`;
  const nsB = `${base}b`;
  const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), 'its-netns-'));
  const processes: NetnsProcess[] = [];
  let torn = false;
  const teardown = async (opts: { keepDir?: boolean } = {}): Promise<void> => {
    if (torn) return;
    torn = true;
    await Promise.all(processes.map((p) => p.stop()));
    for (const ns of [nsA, nsB]) {
      deleteNamespace(ns);
      liveNamespaces.delete(ns);
    }
    // Only there if setup failed before the end was moved into its namespace.
    spawnSync('ip', ['link', 'del', nsA], { stdio: 'ignore' });
    if (!(opts.keepDir ?? options.keepDir ?? false)) rmSync(dir, { recursive: true, force: true });
  };
  const innerOnLo = (options.inner ?? 'lo') === 'lo';
  try {
    liveNamespaces.add(nsA);
    liveNamespaces.add(nsB);
    await addNamespace(nsA);
    await addNamespace(nsB);
    // Each veth end carries its namespace's name (unique, and at most 15 bytes as links need).
    await mustRun('ip', ['link', 'add', nsA, 'type', 'veth', 'peer', 'name', nsB]);
    await mustRun('ip', ['link', 'set', nsA, 'netns', nsA]);
    await mustRun('ip', ['link', 'set', nsB, 'netns', nsB]);
    await configureEnd(nsA, OUTER_A, innerOnLo ? INNER_A : null);
    await configureEnd(nsB, OUTER_B, innerOnLo ? INNER_B : null);
  } catch (err) {
    await teardown();
    throw err;
  }
  return {
    a: makeHost(nsA, OUTER_A, INNER_A, INNER_NET_A, dir, processes),
    b: makeHost(nsB, OUTER_B, INNER_B, INNER_NET_B, dir, processes),
    dir,
    teardown,
  };
}
