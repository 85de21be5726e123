// The two responders the IKE benchmark loads, each started in the responder namespace on the same
// addresses, one at a time, with settings made comparable:
//   - IKE aes128gcm16-prfsha256-x25519, ESP aes128gcm16, PSK, remote address %any with the
//     client's identity fixed, forced UDP encapsulation (IKE_AUTH moves to 4500 on both);
//   - no cookies and no half-open limits (ipsec-ts: ike.half_open_limit 1000000,
//     cookie_threshold 999999; strongSwan: cookie_threshold, cookie_threshold_ip, block_threshold,
//     init_limit_half_open 1000000);
//   - no per-handshake logging (ipsec-ts log level warn; strongSwan filelog at -1, errors to
//     charon.out), no routes (ipsec-ts without tun, strongSwan install_routes = no);
//   - strongSwan's IKE_SA table 1024 buckets in 16 segments (its documented setting for many
//     SAs; the default is one bucket), kernel-libipsec as in the tunnel benchmark.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsHost, NetnsProcess } from '../../test/support/netns.js';
import { run } from '../../test/support/netns.js';
import { repoRoot } from '../tunnel/repo-root.js';
import { cpuSecondsOf } from '../tunnel/tunnel.js';
import { DAEMON_NODE_FLAGS } from '../../src/endpoint/node-flags.js';

export type ResponderName = 'strongSwan' | 'ipsec-ts';

export interface ResponderSetup {
  readonly address: string;
  readonly psk: Buffer;
  readonly id: string;
  readonly clientId: string;
  readonly localTs: string;
  readonly remoteTs: string;
}

export interface Responder {
  /** User + system CPU seconds of the responder process so far, or null when unknown. */
  cpuSeconds(): number | null;
  readonly pid: number | null;
  /** Stops it; never rejects. */
  down(): Promise<void>;
}

export interface ResponderKind {
  readonly name: ResponderName;
  unavailableReason(): string | null;
  /** Starts it in `host`'s namespace with its files under dir; rejects saying what to check. */
  up(host: NetnsHost, dir: string, setup: ResponderSetup): Promise<Responder>;
}

const READY_TIMEOUT_MS = 20_000;
const CHARON = '/usr/lib/ipsec/charon';
const SWANCTL = '/usr/sbin/swanctl';
const HALF_OPEN_UNLIMITED = 1_000_000;

async function poll(what: string, alive: () => boolean, check: () => Promise<boolean>, logHint: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${what} exited during start; see ${logHint}`);
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not become ready within ${READY_TIMEOUT_MS / 1000} s; see ${logHint}`);
}

/** Node flags for the daemon (--cpu-prof for profile runs; NODE_OPTIONS refuses it). */
function extraNodeArgs(): string[] {
  return (process.env['IPSEC_TS_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
}

export function ipsecTsConfigYaml(dir: string, s: ResponderSetup): string {
  return [
    '# ipsec-ts IKE load benchmark responder (generated; the PSK is random per run)',
    `listen: { address: ${s.address}, port: 4500 }`,
    `state_dir: ${join(dir, 'state')}`,
    `control: { socket: ${join(dir, 'control.sock')} }`,
    'log: { level: warn }',
    'nat_keepalive: off',
    `ike: { port: 500, half_open_limit: ${HALF_OPEN_UNLIMITED}, cookie_threshold: ${HALF_OPEN_UNLIMITED - 1} }`,
    'connections:',
    '  - name: load',
    `    local: { address: ${s.address}, id: "${s.id}", auth: psk }`,
    `    remote: { address: "%any", id: "${s.clientId}", auth: psk }`,
    `    psk: "0x${s.psk.toString('hex')}"`,
    '    proposals: [aes128gcm16-prfsha256-x25519]',
    '    dpd_delay: off',
    '    children:',
    '      - name: net',
    `        local_ts: [${s.localTs}]`,
    `        remote_ts: [${s.remoteTs}]`,
    '        esp_proposals: [aes128gcm16]',
    '        start_action: none',
    '',
  ].join('\n');
}

export const ipsecTsResponder: ResponderKind = {
  name: 'ipsec-ts',
  unavailableReason() {
    return existsSync(join(repoRoot(), 'dist', 'src', 'cli', 'main.js')) ? null : 'the CLI is not built (npm run bench:ike builds it)';
  },
  async up(host, dir, setup) {
    const mine = join(dir, 'ipsec-ts');
    rmSync(mine, { recursive: true, force: true });
    mkdirSync(join(mine, 'state'), { recursive: true });
    const config = join(mine, 'responder.yaml');
    writeFileSync(config, ipsecTsConfigYaml(mine, setup), { mode: 0o600 });
    const launcher = join(repoRoot(), 'bin', 'ipsec-ts.js');
    const daemon = host.start(process.execPath, [...DAEMON_NODE_FLAGS, ...extraNodeArgs(), launcher, 'up', '-c', config], { name: 'ipsec-ts-responder' });
    const ready = (): Promise<boolean> => run(process.execPath, [launcher, 'status', '--socket', join(mine, 'control.sock')], { timeoutMs: 5000 }).then((r) => r.code === 0);
    try {
      await poll('the ipsec-ts daemon', () => daemon.running(), ready, daemon.stderrPath);
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    return { pid: daemon.pid, cpuSeconds: () => cpuSecondsOf(daemon.pid), down: () => daemon.stop(10_000) };
  },
};

export function strongswanConf(dir: string): string {
  const limit = HALF_OPEN_UNLIMITED;
  return `# strongSwan IKE load benchmark responder (generated)
charon {
  load_modular = no
  load = random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  cookie_threshold = ${limit}
  cookie_threshold_ip = ${limit}
  block_threshold = ${limit}
  init_limit_half_open = ${limit}
  ikesa_table_size = 1024
  ikesa_table_segments = 16
  plugins {
    vici {
      socket = unix://${dir}/charon.vici
    }
  }
  filelog {
    quiet {
      path = ${dir}/charon.log
      append = no
      default = ${process.env['BENCH_IKE_SW_LOG'] ?? '-1'}
    }
  }
  syslog {
    identifier = charon-bench-ike
    daemon {
      default = -1
    }
  }
}
swanctl {
  load = pem pkcs1 x509 pubkey openssl random
}
`;
}

export function swanctlConf(s: ResponderSetup): string {
  return `# strongSwan IKE load benchmark responder (generated; the PSK is random per run)
connections {
  load {
    version = 2
    local_addrs = ${s.address}
    remote_addrs = %any
    proposals = aes128gcm16-prfsha256-x25519
    encap = yes
    mobike = no
    dpd_delay = 0
    unique = no
    local {
      auth = psk
      id = ${s.id}
    }
    remote {
      auth = psk
      id = ${s.clientId}
    }
    children {
      net {
        mode = tunnel
        local_ts = ${s.localTs}
        remote_ts = ${s.remoteTs}
        esp_proposals = aes128gcm16
        start_action = none
      }
    }
  }
}
secrets {
  ike-load {
    id-a = ${s.id}
    id-b = ${s.clientId}
    secret = 0x${s.psk.toString('hex')}
  }
}
`;
}

function charonPid(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, 'run', 'charon.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export const strongswanResponder: ResponderKind = {
  name: 'strongSwan',
  unavailableReason() {
    if (!existsSync(CHARON)) return `${CHARON} is missing (apt-get install strongswan-charon strongswan-swanctl libcharon-extra-plugins)`;
    if (!existsSync(SWANCTL)) return `${SWANCTL} is missing (apt-get install strongswan-swanctl)`;
    return null;
  },
  async up(host, dir, setup) {
    const mine = join(dir, 'strongswan');
    rmSync(mine, { recursive: true, force: true });
    mkdirSync(join(mine, 'run'), { recursive: true });
    writeFileSync(join(mine, 'strongswan.conf'), strongswanConf(mine));
    writeFileSync(join(mine, 'swanctl.conf'), swanctlConf(setup), { mode: 0o600 });
    const env = { ...process.env, STRONGSWAN_CONF: join(mine, 'strongswan.conf') };
    // Its pid file path (/var/run/charon.pid) is compiled in: a private /run per charon
    // (ip netns exec gives the command its own mount namespace, so the bind mount stays there).
    const charon: NetnsProcess = host.start('sh', ['-c', `mount --bind '${mine}/run' /run && exec ${CHARON}`], { name: 'charon', env });
    const uri = `unix://${mine}/charon.vici`;
    const swanctl = (args: string[]): ReturnType<typeof run> => run(SWANCTL, [...args, '--uri', uri], { env, timeoutMs: 10_000 });
    try {
      await poll('charon', () => charon.running(), async () => existsSync(join(mine, 'charon.vici')) && (await swanctl(['--stats'])).code === 0, join(mine, 'charon.log'));
      const loaded = await swanctl(['--load-all', '--file', join(mine, 'swanctl.conf')]);
      if (loaded.code !== 0) throw new Error(`swanctl --load-all failed: ${(loaded.stderr || loaded.stdout).trim()}`);
    } catch (err) {
      await charon.stop();
      throw err;
    }
    return { pid: charonPid(mine), cpuSeconds: () => { const pid = charonPid(mine); return pid === null ? null : cpuSecondsOf(pid); }, down: () => charon.stop(10_000) };
  },
};
