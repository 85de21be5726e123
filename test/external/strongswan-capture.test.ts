// A capture of a real strongSwan tunnel, made the way a user makes one: two charons (Debian
// strongSwan 5.9, kernel-libipsec, ESP in UDP 4500) in network namespaces, dumpcap on the veth,
// keys from the charon logs (Debian has no save-keys plugin; chd = 4 prints them) written as
// save-keys would write them. Then real failures, with strongSwan's own verdicts to compare:
// a CHILD_SA rekey, the responder crashing and coming back (the initiator keeps sending on the
// SA the responder lost), and a replayed and a tampered frame put on the wire with scapy.
//
// Needs root (namespaces) and strongSwan, dumpcap and scapy. Skips with a message when not root
// or strongSwan is missing locally; in CI hasOracle() fails instead. Takes about 15 s.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOracle } from '../support/oracle.js';
import { tsharkFields } from '../support/tshark.js';
import type { ChildSaKeys } from './charon-log.js';
import { espSaLine, parseCharonChildKeys } from './charon-log.js';
import type { JsonLine } from './support.js';
import { parseJsonLines, runCli, scratchDir } from './support.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PEERS = join(HERE, 'strongswan-peers.sh');
const TRAFFIC = join(HERE, 'strongswan_traffic.py');

// Our own namespace names, so a test using peers.sh's default swa/swb can run at the same time.
const NS_A = 'ipxd-a';
const NS_B = 'ipxd-b';
const IN_A = '10.1.0.1';
const IN_B = '10.2.0.1';
const ECHO_PORT = '9000';

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  const message = 'strongswan-capture.test.ts needs root (network namespaces); its tests are SKIPPED';
  if (process.env.IPSEC_TS_REQUIRE_ORACLES === '1') throw new Error(`${message}; CI runs as root and requires it`);
  console.warn(`\n*** ${message} ***\n`);
}
const canRun = isRoot && hasOracle('strongswan') && hasOracle('tshark') && hasOracle('scapy');

const state = scratchDir('strongswan');
const env = { ...process.env, SW_NS_A: NS_A, SW_NS_B: NS_B, SW_STATE: state };
const children: ChildProcess[] = [];

function peers(...args: string[]): string {
  const r = spawnSync(PEERS, args, { env, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`peers.sh ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function inNamespace(ns: string, args: readonly string[]): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} in ${ns} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Datagrams A -> B through the tunnel; B's echo server answers those its strongSwan accepted. */
function send(count: number): { sent: number; echoed: number } {
  return JSON.parse(inNamespace(NS_A, ['/usr/bin/python3', TRAFFIC, 'send', IN_A, IN_B, ECHO_PORT, String(count)])) as { sent: number; echoed: number };
}

/** Starts a long-running process and resolves once `ready` appears on its stdout or stderr. */
function start(args: readonly string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} not ready after 10 s: ${seen}`)), 10_000);
    const look = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (ready.test(seen)) { clearTimeout(timer); resolve(child); }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${args.join(' ')} exited (${code}): ${seen}`)); });
  });
}

/** ESP frames dumpcap has written to the file so far (tshark reads a file still being written). */
function espFramesWritten(file: string): number {
  const r = spawnSync('tshark', ['-r', file, '-Y', 'esp', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l !== '').length;
}

/**
 * dumpcap on A's end of the veth, as a user captures. stop(n) waits until n ESP frames are in
 * the file (libpcap hands packets over in blocks, so the last ones may still be in the kernel's
 * ring when the traffic ends), then ends dumpcap and waits for it to close the file.
 */
async function capture(file: string): Promise<{ stop: (espFrames: number) => Promise<void> }> {
  const child = await start(['ip', 'netns', 'exec', NS_A, 'dumpcap', '-i', `${NS_A}-v`, '-w', file], /Capturing on/);
  child.removeAllListeners('exit');
  return {
    stop: async (espFrames) => {
      for (const until = Date.now() + 5000; Date.now() < until && espFramesWritten(file) < espFrames;) {
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGINT');
      });
    },
  };
}

function stopChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

interface Run {
  healthy: string;
  failures: string;
  /** SAs as A's log shows them (A took part in all), in the order they were installed. */
  aKeys: ChildSaKeys[];
  /** SAs in B's log after its restart: what B knows now. */
  bKeysAfterRestart: ChildSaKeys[];
  traffic: Record<string, { sent: number; echoed: number }>;
  injected: { spi: string; seq: number; tamperedSeq: number; echoed: number };
  bLogBeforeRestart: string;
  seconds: number;
}

let run: Run | null = null;

async function exercise(): Promise<Run> {
  const began = Date.now();
  if (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(NS_A)) peers('down');
  peers('up', '--no-initiate');
  await start(['ip', 'netns', 'exec', NS_B, '/usr/bin/python3', TRAFFIC, 'echo', IN_B, ECHO_PORT], /"ready"/);
  const traffic: Run['traffic'] = {};

  // 1. A healthy tunnel: IKE_SA_INIT, IKE_AUTH with the first CHILD_SA, traffic both ways.
  const healthy = join(state, 'healthy.pcapng');
  let cap = await capture(healthy);
  peers('initiate');
  traffic.healthy = send(5);
  await cap.stop(2 * traffic.healthy.echoed);

  // 2. Failures: rekey (new SPIs), B crashes and restarts without its SAs while A keeps sending,
  // B brings the tunnel back (INITIAL_CONTACT clears A's old SAs), then a replay and a tampered frame.
  const failures = join(state, 'failures.pcapng');
  cap = await capture(failures);
  peers('rekey');
  traffic.afterRekey = send(3);
  peers('restart', 'B');
  traffic.afterCrash = send(3);
  peers('initiate-from', 'B');
  traffic.afterRestart = send(3);
  const injected = JSON.parse(inNamespace(NS_A, ['/usr/bin/python3', TRAFFIC, 'inject', `${NS_A}-v`, IN_A, IN_B, ECHO_PORT])) as Run['injected'];
  // Every datagram A sent and every echo, plus the replay and the tampered frame.
  const sent = [traffic.afterRekey, traffic.afterCrash, traffic.afterRestart].reduce((n, t) => n + t.sent + t.echoed, 0);
  await cap.stop(sent + 1 + injected.echoed + 2);

  return {
    healthy, failures, traffic, injected,
    aKeys: parseCharonChildKeys(readFileSync(join(state, NS_A, 'charon.log'), 'utf8')),
    bKeysAfterRestart: parseCharonChildKeys(readFileSync(join(state, NS_B, 'charon.log'), 'utf8')),
    bLogBeforeRestart: readFileSync(join(state, NS_B, 'charon.log.1'), 'utf8'),
    seconds: (Date.now() - began) / 1000,
  };
}

function keyFile(name: string, sas: readonly ChildSaKeys[], spelling: 'strongswan-save-keys' | 'tshark-4.0'): string {
  const path = join(state, name);
  writeFileSync(path, sas.map((s) => espSaLine(s, spelling)).join('\n') + '\n');
  return path;
}

/** ESP frames as tshark (not us) finds them: frame number, SPI, sequence number. */
function tsharkEsp(capture: string): { frame: number; spi: string; seq: number }[] {
  return tsharkFields(capture, '', ['frame.number', 'esp.spi', 'esp.sequence'], ['-Y', 'esp'])
    .map(([frame, spi, seq]) => ({ frame: Number(frame), spi: spi!, seq: Number(seq) }));
}

const spiText = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
const verdicts = (lines: readonly JsonLine[]): string[] => lines.map((l) => `${l.spi}#${l.seq} ${l.verdict} ${l.code ?? ''} ${l.cause ?? l.reason ?? ''}`.trim());

describe.skipIf(!canRun)('diagnose on a capture of two strongSwan peers', () => {
  beforeAll(async () => {
    run = await exercise();
    console.log(`strongSwan scenario ran in ${run.seconds.toFixed(1)} s`);
  }, 60_000);

  afterAll(() => {
    stopChildren();
    if (existsSync(join(state, NS_A))) spawnSync(PEERS, ['down'], { env, encoding: 'utf8', timeout: 30_000 });
    rmSync(state, { recursive: true, force: true });
  }, 40_000);

  it('sets up the tunnel and carries traffic both ways, as strongSwan sees it', () => {
    const r = run!;
    expect(r.traffic.healthy).toEqual({ sent: 5, echoed: 5 });
    expect(r.traffic.afterRekey).toEqual({ sent: 3, echoed: 3 });
    // B lost its SAs in the crash: strongSwan on B refused all three.
    expect(r.traffic.afterCrash).toEqual({ sent: 3, echoed: 0 });
    expect(r.traffic.afterRestart).toEqual({ sent: 3, echoed: 3 });
    // Three CHILD_SAs (IKE_AUTH, the rekey, B's new IKE_SA), each with two directions.
    expect(r.aKeys.map((k) => k.direction)).toEqual(['inbound', 'outbound', 'inbound', 'outbound', 'inbound', 'outbound']);
    expect(r.bKeysAfterRestart).toHaveLength(2);
  });

  it('reads the keys from the logs right: tshark decrypts every ESP frame of the healthy capture with them', () => {
    const r = run!;
    const keys = readFileSync(keyFile('esp_sa.tshark', r.aKeys, 'tshark-4.0'), 'utf8');
    const rows = tsharkFields(r.healthy, keys, ['frame.number', 'ip.src'], ['-Y', 'esp']);
    expect(rows.length).toBe(10);
    for (const [frame, src] of rows) expect(src!.split(','), `frame ${frame}`).toContain(src!.startsWith('198.51.100.1,') ? IN_A : IN_B);
  });

  it('delivers every ESP packet of the healthy capture (exit 0) with keys as save-keys writes them', async () => {
    const r = run!;
    const keys = keyFile('esp_sa.healthy', r.aKeys.slice(0, 2), 'strongswan-save-keys');
    const out = await runCli(['diagnose', r.healthy, '--keys', keys, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const lines = parseJsonLines(out.stdout);
    const esp = tsharkEsp(r.healthy);
    expect(esp).toHaveLength(10);
    expect(lines.map((l) => [l.frame, l.spi, l.seq, l.verdict])).toEqual(esp.map((e) => [e.frame, e.spi, e.seq, 'delivered']));
    // IKE_SA_INIT on UDP 500, IKE_AUTH on 4500 behind the non-ESP marker.
    expect(out.stderr).toMatch(/no verdict: [1-9]\d* IKE messages/);
  });

  it('with every key (A took part in all three CHILD_SAs), refuses exactly the replayed and the tampered frame, as strongSwan did', async () => {
    const r = run!;
    const keys = keyFile('esp_sa.all', r.aKeys, 'strongswan-save-keys');
    const out = await runCli(['diagnose', r.failures, '--keys', keys, '--json']);
    expect(out.code, out.stderr).toBe(1);
    const lines = parseJsonLines(out.stdout);
    expect(lines.map((l) => [l.frame, l.spi, l.seq])).toEqual(tsharkEsp(r.failures).map((e) => [e.frame, e.spi, e.seq]));
    const { spi, seq, tamperedSeq } = r.injected;
    const dropped = lines.filter((l) => l.verdict === 'dropped');
    expect(verdicts(dropped)).toEqual([
      `${spi}#${seq} dropped 13913 duplicate`,
      `${spi}#${tamperedSeq} dropped 13915 icv-mismatch`,
    ]);
    // The replay is the second frame with that SPI and sequence number, right after the original.
    const copies = lines.filter((l) => l.spi === spi && l.seq === seq);
    expect(copies.map((l) => l.verdict)).toEqual(['delivered', 'dropped']);
    // strongSwan on B refused the same two, in its own words (charon log, esp = 1).
    const bLog = readFileSync(join(state, NS_B, 'charon.log'), 'utf8');
    expect(bLog).toContain(`ESP sequence number verification failed:`);
    expect(bLog).toContain(`SPI ${spi.slice(2)} [seq ${seq}]`);
    expect(bLog).toContain('ESP decryption or ICV verification failed');
    expect(r.injected.echoed).toBe(1);
  });

  it('with the keys B holds after its restart, the SAs it lost are never-established and the rest is judged as before', async () => {
    const r = run!;
    const keys = keyFile('esp_sa.b-after-restart', r.bKeysAfterRestart, 'strongswan-save-keys');
    const out = await runCli(['diagnose', r.failures, '--keys', keys, '--json']);
    expect(out.code, out.stderr).toBe(1);
    const lines = parseJsonLines(out.stdout);
    const current = new Set(r.bKeysAfterRestart.map((k) => spiText(k.spi)));
    const lost = new Set(r.aKeys.slice(2, 4).map((k) => spiText(k.spi)));
    expect([...current].some((s) => lost.has(s))).toBe(false);
    // The rekeyed SA's packets: 3 out and 3 echoes back, then 3 out after the crash.
    const onLost = lines.filter((l) => lost.has(l.spi!));
    expect(onLost).toHaveLength(9);
    expect(onLost.every((l) => l.verdict === 'dropped' && l.code === 13910 && l.cause === 'never-established')).toBe(true);
    const onCurrent = lines.filter((l) => current.has(l.spi!));
    expect(verdicts(onCurrent.filter((l) => l.verdict === 'dropped'))).toEqual([
      `${r.injected.spi}#${r.injected.seq} dropped 13913 duplicate`,
      `${r.injected.spi}#${r.injected.tamperedSeq} dropped 13915 icv-mismatch`,
    ]);
    expect(onCurrent.filter((l) => l.verdict === 'delivered')).toHaveLength(3 + 3 + 2);
    expect(lines).toHaveLength(onLost.length + onCurrent.length);
    // Before its crash B had the lost SAs installed, which the diagnosis cannot know from these keys.
    for (const s of lost) expect(r.bLogBeforeRestart).toContain(`SPI ${s}`);
  });
});
