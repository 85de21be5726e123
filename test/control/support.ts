// A fake endpoint behind the control socket: in-memory SAs, policies and drops, with a way to
// make drops happen live. Plus temp socket paths and an in-process CLI built from the verbs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { ControlHandlers, PolicySummary, SaSummary, StatusReply, StatsReply } from '../../src/endpoint/control/handlers.js';
import { ControlError } from '../../src/endpoint/control/handlers.js';
import type { DropQuery, DropRecord } from '../../src/endpoint/drop-record.js';
import { dropMatches } from '../../src/endpoint/drop-record.js';
import { registerStatusCommand } from '../../src/cli/status-command.js';
import { registerSaCommand } from '../../src/cli/sa-command.js';
import { registerPolicyCommand } from '../../src/cli/policy-command.js';
import { registerDropsCommand } from '../../src/cli/drops-command.js';
import { registerStatsCommand } from '../../src/cli/stats-command.js';
import { registerKeysCommand } from '../../src/cli/keys-command.js';
import { registerIkeCommands } from '../../src/cli/ike-command.js';
import { createIkeHandlers } from '../../src/endpoint/control/ike-handlers.js';
import type { Output } from '../../src/cli/output.js';

export const T0 = Date.parse('2026-11-27T09:00:00.000Z');
export const SECRET_KEY_HEX = '0x00112233445566778899aabbccddeeff';

export function badSpiDrop(id: number, at: number, spi = '0x0a0b0001'): DropRecord {
  return {
    id, at, direction: 'inbound', kind: 'bad-spi', windowsName: 'ERROR_IPSEC_BAD_SPI', windowsCode: 13910,
    linuxCounter: 'XfrmInNoStates', stage: 'sa-lookup', spi, sa: null, peer: '203.0.113.20:4500',
    cause: 'our-outbound-spi', reason: 'spi-of-other-direction',
    summary: `SPI ${spi} belongs to the SA for the other direction: the SPIs are swapped`,
    evidence: { saId: 1, label: 'site-b-out', removedAt: T0 - 60_000 },
    nextStep: 'Swap the inbound and outbound SPIs on one side',
    repeats: 1,
  };
}

export function replayDrop(id: number, at: number): DropRecord {
  return {
    id, at, direction: 'inbound', kind: 'replay', windowsName: 'ERROR_IPSEC_REPLAY_CHECK_FAILED', windowsCode: 13913,
    linuxCounter: 'XfrmInStateSeqError', stage: 'replay', spi: '0x0c0d0001', sa: 'site-b-in', peer: '203.0.113.20:4500',
    cause: 'duplicate', reason: 'duplicate', summary: 'sequence number 7 was already received',
    evidence: { seq: 7, windowTop: 9 }, nextStep: 'Look for a device that duplicates packets', repeats: 3,
  };
}

function sa(name: string, spi: string, direction: 'inbound' | 'outbound'): SaSummary {
  return {
    name, spi, direction, src: '198.51.100.10', dst: '203.0.113.20', mode: 'tunnel', transform: 'aes128gcm16', esn: false,
    state: 'mature', reqid: 1, packets: 10, bytes: 1400, drops: 2, addedAt: T0, sequence: '10',
  };
}

export interface FakeEndpoint {
  readonly handlers: ControlHandlers;
  readonly sas: SaSummary[];
  readonly policies: PolicySummary[];
  readonly drops: DropRecord[];
  /** Records a drop and tells every follower whose filter it matches. */
  emit(r: DropRecord): void;
  followers(): number;
  /** The next call to status() throws this (a plain Error: a bug in the daemon). */
  failNext: Error | null;
}

export function fakeEndpoint(): FakeEndpoint {
  const { status: _ikeStatus, ...withoutIke } = createIkeHandlers(null, () => null);
  const sas = [sa('site-b-in', '0x0c0d0001', 'inbound'), sa('site-b-out', '0x0a0b0001', 'outbound')];
  const policies: PolicySummary[] = [{ id: 'site-b', direction: 'both', action: 'protect', local: ['10.1.0.0/24'], remote: ['10.2.0.0/24'], mode: 'tunnel', reqid: 1, peer: '203.0.113.20' }];
  const drops: DropRecord[] = [];
  const listeners = new Set<{ q: DropQuery; l: (r: DropRecord) => void }>();
  const find = (ref: string): SaSummary => {
    const s = sas.find((x) => x.spi === ref || x.name === ref);
    if (s === undefined) throw new ControlError('not-found', `no installed SA is named or numbered '${ref}'; see \`ipsec-ts sa list\``);
    return s;
  };
  const fake: FakeEndpoint = {
    sas, policies, drops, failNext: null,
    emit: (r) => {
      drops.push(r);
      for (const x of listeners) if (dropMatches(r, x.q)) x.l(r);
    },
    followers: () => listeners.size,
    handlers: {
      // A daemon without connections: the IKE methods say so, as the daemon's do.
      ...withoutIke,
      status: (): StatusReply => {
        const err = fake.failNext;
        fake.failNext = null;
        if (err !== null) throw err;
        return {
          version: '0.0.0-test', pid: 4242, startedAt: T0, uptimeSeconds: 3723, configFile: '/etc/ipsec-ts/config.yaml', stateDir: '/var/lib/ipsec-ts',
          listen: { address: '0.0.0.0', port: 4500 }, tun: { name: 'ipsec0', mtu: 1400 },
          sas: { inbound: 1, outbound: 1, remembered: 1 }, policies: policies.length, ike: null,
          counters: { delivered: 120, dummy: 0, keepalive: 4, ike: 0, dropped: 7, byKind: { 'bad-spi': 7 }, byWindowsName: { ERROR_IPSEC_BAD_SPI: 7 }, byLinuxCounter: { XfrmInNoStates: 7 } },
        };
      },
      saList: () => ({ installed: sas, remembered: [{ spi: '0x0a0b0000', name: 'old-out', cause: 'replaced', at: T0 - 5000, detail: 'replaced by 0x0a0b0001' }] }),
      saShow: (ref) => ({ ...find(ref), encapsulation: { srcPort: 4500, dstPort: 4500 }, replayWindow: 64, soft: null, hard: { seconds: 3600 }, reservedThrough: null, replay: 'window 64, highest 10', lastUsedAt: T0 + 1000 }),
      saAdd: (entry) => {
        const e = entry as { name?: unknown; spi?: unknown; direction?: unknown };
        if (typeof e.name !== 'string') throw new ControlError('invalid', 'sas[0].name: required');
        const s = sa(e.name, typeof e.spi === 'string' ? e.spi : `0x${Number(e.spi).toString(16).padStart(8, '0')}`, e.direction === 'outbound' ? 'outbound' : 'inbound');
        sas.push(s);
        return s;
      },
      saDelete: (ref) => {
        const s = find(ref);
        sas.splice(sas.indexOf(s), 1);
        return s;
      },
      saFlush: () => ({ removed: sas.splice(0).length }),
      policyList: () => policies,
      policyAdd: (entry) => {
        const p = { ...policies[0]!, id: String((entry as { id?: unknown }).id) };
        if (policies.some((x) => x.id === p.id)) throw new ControlError('conflict', `a policy named '${p.id}' exists; delete it first or pick another name`);
        policies.push(p);
        return p;
      },
      policyDelete: (id) => {
        const i = policies.findIndex((p) => p.id === id);
        if (i < 0) throw new ControlError('not-found', `no policy named '${id}'; see \`ipsec-ts policy list\``);
        return policies.splice(i, 1)[0]!;
      },
      drops: (q) => drops.filter((r) => dropMatches(r, q)).slice(-(q.limit ?? 1000)),
      followDrops: (q, l) => {
        const x = { q, l };
        listeners.add(x);
        return () => { listeners.delete(x); };
      },
      stats: (): StatsReply => ({
        counters: { delivered: 120, dummy: 1, keepalive: 4, ike: 0, dropped: 7, byKind: { 'bad-spi': 7 }, byWindowsName: { ERROR_IPSEC_BAD_SPI: 7 }, byLinuxCounter: { XfrmInNoStates: 7 } },
        udp: { received: 131, sent: 90, sendErrors: 0 }, tun: { read: 90, written: 120, writeErrors: 0 },
        sas: sas.map((s) => ({ name: s.name, spi: s.spi, direction: s.direction, packets: s.packets, bytes: s.bytes, drops: s.drops })),
      }),
      keysExport: () => `"IPv4","198.51.100.10","203.0.113.20","0x0a0b0001","AES-GCM with 16 octet ICV [RFC4106]","${SECRET_KEY_HEX}","NULL",""\n`,
    },
  };
  return fake;
}

export interface TempDir {
  readonly dir: string;
  remove(): void;
}

export function tempDir(): TempDir {
  // Not /tmp/ipsec-ts-*: a test hook of the repository deletes those.
  const dir = mkdtempSync(join(tmpdir(), 'control-test-'));
  return { dir, remove: () => { rmSync(dir, { recursive: true, force: true }); } };
}

export interface VerbRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The control verbs in a commander program wired like src/cli/main.ts, run in-process. */
export async function runVerbs(args: readonly string[]): Promise<VerbRun> {
  let stdout = '';
  let stderr = '';
  const out: Output = { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, stderrIsTTY: false };
  let code = 0;
  const setExit = (c: number): void => { code = c; };
  const program = new Command('ipsec-ts')
    .configureOutput({ writeOut: (s) => out.stdout(s), writeErr: (s) => out.stderr(s) })
    .exitOverride();
  registerStatusCommand(program, out, setExit);
  registerSaCommand(program, out, setExit);
  registerPolicyCommand(program, out, setExit);
  registerDropsCommand(program, out, setExit);
  registerStatsCommand(program, out, setExit);
  registerKeysCommand(program, out, setExit);
  registerIkeCommands(program, out, setExit);
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    code = err.exitCode === 0 ? 0 : 2;
  }
  return { code, stdout, stderr };
}
