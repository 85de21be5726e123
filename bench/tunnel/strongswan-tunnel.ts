// strongSwan's half: two charons (kernel-libipsec, userspace ESP in UDP 4500, like ipsec-ts)
// started by the project's peers script in their own namespaces, ESP aes128gcm16 without PFS,
// and IKE/CHILD logging at level 1 so logging costs nothing measurable.
//
// The script is test/external/strongswan-peers.sh (a copy of shared/interop/strongswan/peers.sh
// that takes the namespace names from SW_NS_A/SW_NS_B, so the benchmark can run beside tests
// that use the default swa/swb). BENCH_TUNNEL_PEERS may point at another copy; one without
// SW_NS_A support uses swa/swb, and then a leftover swa/swb pair is taken down first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupStaleNamespaces, deleteNamespace, run } from '../../test/support/netns.js';
import { repoRoot } from './repo-root.js';
import type { Tunnel, TunnelKind } from './tunnel.js';
import { cpuSecondsOf, residentKibOf, sumOver } from './tunnel.js';

const CHARON = '/usr/lib/ipsec/charon';
/** Names made here: isw<pid>a / isw<pid>b (the veth ends add "-v": at most 15 bytes). */
const NAME_PATTERN = /^isw(\d+)[ab]$/;

function peersScript(): string {
  return process.env.BENCH_TUNNEL_PEERS ?? join(repoRoot(), 'test', 'external', 'strongswan-peers.sh');
}

function namespaceNames(script: string): { a: string; b: string; custom: boolean } {
  const custom = readFileSync(script, 'utf8').includes('SW_NS_A');
  return custom ? { a: `isw${process.pid}a`, b: `isw${process.pid}b`, custom } : { a: 'swa', b: 'swb', custom };
}

function namespaceExists(ns: string): boolean {
  return (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').some((l) => l.split(' ')[0] === ns);
}

function charonPid(state: string, ns: string): number | null {
  try {
    const pid = Number(readFileSync(join(state, ns, 'run', 'charon.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export const strongswanTunnel: TunnelKind = {
  implementation: 'strongSwan',
  unavailableReason() {
    if (!existsSync(CHARON)) return `${CHARON} is missing (apt-get install strongswan-charon strongswan-swanctl libcharon-extra-plugins)`;
    if (!existsSync(peersScript())) return `the peers script ${peersScript()} is missing (set BENCH_TUNNEL_PEERS to a copy of shared/interop/strongswan/peers.sh)`;
    return null;
  },
  async up(runDir) {
    const script = peersScript();
    const names = namespaceNames(script);
    const state = join(runDir, 'strongswan');
    mkdirSync(state, { recursive: true });
    const env = {
      ...process.env, SW_STATE: state, SW_NS_A: names.a, SW_NS_B: names.b,
      SW_ESP_PROPOSAL: 'aes128gcm16', SW_LOG_IKE: '1', SW_LOG_CHD: '1',
    };
    const peers = (args: string[]): ReturnType<typeof run> => run(script, args, { env, timeoutMs: 60_000 });
    if (names.custom) cleanupStaleNamespaces(NAME_PATTERN);
    if (namespaceExists(names.a) || namespaceExists(names.b)) await peers(['down']);
    let downed = false;
    const down = async (): Promise<void> => {
      if (downed) return;
      downed = true;
      await peers(['down']);
      // Whatever the script could not stop (it finds charons by pid file only).
      deleteNamespace(names.a);
      deleteNamespace(names.b);
    };
    const r = await peers(['up']);
    if (r.code !== 0) {
      await down();
      throw new Error(`strongSwan peers did not come up (${script} up exited ${r.code ?? r.signal}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}; logs in ${state}`);
    }
    const tunnel: Tunnel = {
      ends: { nsA: names.a, nsB: names.b, innerA: '10.1.0.1', innerB: '10.2.0.1' },
      logDir: state,
      residentKib() {
        const kib = [names.a, names.b].map((ns) => { const pid = charonPid(state, ns); return pid === null ? null : residentKibOf(pid); });
        return kib.includes(null) ? null : (kib[0] ?? 0) + (kib[1] ?? 0);
      },
      cpuSeconds: () => sumOver([names.a, names.b].map((ns) => charonPid(state, ns)), cpuSecondsOf),
      down,
    };
    return tunnel;
  },
};
