// One strongSwan charon (5.9.8) in a network namespace of test/support/netns.ts, as a peer of an
// ipsec-ts daemon: kernel-libipsec (userspace ESP, which is always in UDP 4500: this kernel has no
// ESP), its own /run (the pid file path is compiled in), its own STRONGSWAN_CONF, SWANCTL_DIR and
// vici socket. The recipe is /work/shared/interop/strongswan/peers.sh; this module generates the
// swanctl.conf per test case, drives swanctl and parses `swanctl --list-sas`.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecResult, NetnsHost, NetnsProcess } from '../support/netns.js';
import { run } from '../support/netns.js';

export const CHARON = '/usr/lib/ipsec/charon';
// Order matters: kernel-libipsec must register its IPsec backend before kernel-netlink, which then
// only provides addresses and routes (README of shared/interop/strongswan). X25519 and the MODP
// and ECP groups come from openssl.
const PLUGINS = 'random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 pkcs8 x509 pubkey constraints revocation kernel-libipsec kernel-netlink socket-default vici';

export interface CharonRetransmit {
  /** charon.retransmit_tries (0: give up after the first timeout). */
  readonly tries: number;
  readonly timeoutS: number;
  readonly base: number;
}

export interface SwanctlChild {
  readonly name: string;
  readonly localTs: string;
  readonly remoteTs: string;
  readonly espProposals: string;
  readonly startAction?: 'none' | 'trap' | 'start';
  readonly closeAction?: 'none' | 'trap' | 'start';
  readonly dpdAction?: 'clear' | 'trap' | 'restart';
  readonly rekeyTime?: string;
}

export interface SwanctlConnection {
  readonly name: string;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly proposals: string;
  readonly localId: string;
  readonly remoteId: string;
  /** psk: the same key on both ends (text); pubkey: certificate file names in swanctl/x509. */
  readonly auth: { readonly kind: 'psk'; readonly secret: string } | { readonly kind: 'pubkey'; readonly cert: string };
  readonly dpdDelay?: string;
  readonly rekeyTime?: string;
  readonly child: SwanctlChild;
}

/** PEM files for swanctl's x509 (own certificate), x509ca and private folders. */
export interface SwanctlCredentials {
  readonly x509: Readonly<Record<string, string>>;
  readonly x509ca: Readonly<Record<string, string>>;
  readonly private: Readonly<Record<string, string>>;
}

export function swanctlConf(c: SwanctlConnection): string {
  const auth = c.auth.kind === 'psk' ? 'psk' : 'pubkey';
  const certs = c.auth.kind === 'pubkey' ? `\n      certs = ${c.auth.cert}` : '';
  const secrets = c.auth.kind === 'psk'
    ? `secrets {\n  ike-${c.name} {\n    id-local = ${c.localId}\n    id-remote = ${c.remoteId}\n    secret = "${c.auth.secret}"\n  }\n}\n`
    : '';
  const ch = c.child;
  return `connections {
  ${c.name} {
    version = 2
    local_addrs = ${c.localAddress}
    remote_addrs = ${c.remoteAddress}
    proposals = ${c.proposals}
    # ESP in UDP (RFC 3948) even without a NAT: libipsec and ipsec-ts carry ESP in UDP only
    encap = yes
    mobike = no
    dpd_delay = ${c.dpdDelay ?? '0'}
    rekey_time = ${c.rekeyTime ?? '4h'}
    local {
      auth = ${auth}
      id = ${c.localId}${certs}
    }
    remote {
      auth = ${auth}
      id = ${c.remoteId}
    }
    children {
      ${ch.name} {
        mode = tunnel
        local_ts = ${ch.localTs}
        remote_ts = ${ch.remoteTs}
        esp_proposals = ${ch.espProposals}
        rekey_time = ${ch.rekeyTime ?? '1h'}
        start_action = ${ch.startAction ?? 'none'}
        close_action = ${ch.closeAction ?? 'none'}
        dpd_action = ${ch.dpdAction ?? 'clear'}
      }
    }
  }
}
${secrets}`;
}

function strongswanConf(dir: string, r: CharonRetransmit): string {
  return `charon {
  load_modular = no
  load = ${PLUGINS}
  install_routes = yes
  retransmit_tries = ${r.tries}
  retransmit_timeout = ${r.timeoutS}
  retransmit_base = ${r.base}
  plugins {
    vici {
      socket = unix://${dir}/charon.vici
    }
  }
  filelog {
    peer {
      path = ${dir}/charon.log
      append = yes
      flush_line = yes
      time_format = %H:%M:%S
      time_add_ms = yes
      ike_name = yes
      default = 1
      ike = 2
      chd = 2
      cfg = 1
      knl = 1
      net = 1
      esp = 1
      enc = 1
    }
  }
  syslog {
    identifier = charon-interop
    daemon {
      default = -1
    }
  }
}
swanctl {
  load = pem pkcs1 pkcs8 x509 pubkey openssl random
}
`;
}

/** One CHILD_SA as `swanctl --list-sas` prints it. */
export interface SwChild {
  readonly name: string;
  readonly uniqueId: number;
  readonly reqid: number;
  readonly state: string;
  /** e.g. TUNNEL-in-UDP */
  readonly mode: string;
  /** e.g. ESP:AES_GCM_16-128 */
  readonly proposal: string;
  readonly spiIn: number;
  readonly spiOut: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly localTs: string;
  readonly remoteTs: string;
}

/** One IKE_SA as `swanctl --list-sas` prints it. */
export interface SwIkeSa {
  readonly name: string;
  readonly uniqueId: number;
  readonly state: string;
  readonly spiI: string;
  readonly spiR: string;
  /** Which SPI is ours: swanctl stars it. */
  readonly initiator: boolean;
  readonly localPort: number;
  readonly remotePort: number;
  /** e.g. AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256 */
  readonly proposal: string;
  readonly children: readonly SwChild[];
}

const IKE_LINE = /^(\S+): #(\d+), (\w+), IKEv2, ([0-9a-f]{16})_i(\*?) ([0-9a-f]{16})_r(\*?)$/;
const CHILD_LINE = /^ {2}(\S+): #(\d+), reqid (\d+), (\w+), (\S+), (\S+)$/;
const SPI_LINE = /^ {4}(in|out) +([0-9a-f]{8})[^,]*, +\d+ bytes, +(\d+) packets/;

/** Parses `swanctl --list-sas` (5.9 text format). Lines it does not know are skipped. */
export function parseListSas(text: string): SwIkeSa[] {
  const out: { -readonly [K in keyof SwIkeSa]: SwIkeSa[K] }[] = [];
  let child: { -readonly [K in keyof SwChild]: SwChild[K] } | null = null;
  let tsSide: 'local' | 'remote' | null = null;
  for (const line of text.split('\n')) {
    const ike = IKE_LINE.exec(line);
    if (ike !== null) {
      out.push({ name: ike[1]!, uniqueId: Number(ike[2]), state: ike[3]!, spiI: ike[4]!, spiR: ike[6]!, initiator: ike[5] === '*',
        localPort: 0, remotePort: 0, proposal: '', children: [] });
      child = null;
      continue;
    }
    const sa = out[out.length - 1];
    if (sa === undefined) continue;
    const ends = /^ {2}(local|remote) +'.*' @ [\d.]+\[(\d+)\]/.exec(line);
    if (ends !== null) {
      if (ends[1] === 'local') sa.localPort = Number(ends[2]);
      else sa.remotePort = Number(ends[2]);
      continue;
    }
    if (child === null && /^ {2}[A-Z0-9_]+(-\d+)?\/\S+$/.test(line)) {
      sa.proposal = line.trim();
      continue;
    }
    const c = CHILD_LINE.exec(line);
    if (c !== null) {
      child = { name: c[1]!, uniqueId: Number(c[2]), reqid: Number(c[3]), state: c[4]!, mode: c[5]!, proposal: c[6]!,
        spiIn: 0, spiOut: 0, packetsIn: 0, packetsOut: 0, localTs: '', remoteTs: '' };
      (sa.children as SwChild[]).push(child);
      tsSide = null;
      continue;
    }
    if (child === null) continue;
    const spi = SPI_LINE.exec(line);
    if (spi !== null) {
      if (spi[1] === 'in') {
        child.spiIn = parseInt(spi[2]!, 16);
        child.packetsIn = Number(spi[3]);
      } else {
        child.spiOut = parseInt(spi[2]!, 16);
        child.packetsOut = Number(spi[3]);
      }
      continue;
    }
    const ts = /^ {4}(local|remote) +(\S.*)$/.exec(line);
    if (ts !== null) {
      tsSide = ts[1] as 'local' | 'remote';
      child[tsSide === 'local' ? 'localTs' : 'remoteTs'] = ts[2]!.trim();
    }
  }
  return out;
}

export interface CharonOptions {
  readonly host: NetnsHost;
  /** A folder of its own (configs, log, vici socket, the /run it bind-mounts). */
  readonly dir: string;
  readonly connection: SwanctlConnection;
  readonly credentials?: SwanctlCredentials;
  readonly retransmit?: CharonRetransmit;
}

export interface Charon {
  readonly dir: string;
  readonly logPath: string;
  readonly proc: () => NetnsProcess;
  /** `swanctl <args> --uri ...` (as peers.sh: the command first). Never rejects. */
  swanctl(args: readonly string[], timeoutMs?: number): Promise<ExecResult>;
  /** `swanctl --list-sas`, parsed. */
  listSas(): Promise<SwIkeSa[]>;
  /** The log so far (for failure messages and the report). */
  log(): string;
  /** SIGKILL: a crash, nothing is sent to the peer. */
  kill9(): Promise<void>;
  /** Starts charon again (after kill9 or stop), same config, log appended. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_RETRANSMIT: CharonRetransmit = { tries: 3, timeoutS: 2, base: 1.4 };

/** Starts charon in host's namespace, waits for its vici socket and loads the connection and credentials. */
export async function startCharon(o: CharonOptions): Promise<Charon> {
  const dir = o.dir;
  const swanctlDir = join(dir, 'swanctl');
  for (const sub of ['x509', 'x509ca', 'private']) {
    mkdirSync(join(swanctlDir, sub), { recursive: true });
  }
  mkdirSync(join(dir, 'run'), { recursive: true });
  writeFileSync(join(dir, 'strongswan.conf'), strongswanConf(dir, o.retransmit ?? DEFAULT_RETRANSMIT));
  writeFileSync(join(swanctlDir, 'swanctl.conf'), swanctlConf(o.connection), { mode: 0o600 });
  const creds = o.credentials;
  if (creds !== undefined) {
    for (const [folder, files] of [['x509', creds.x509], ['x509ca', creds.x509ca], ['private', creds.private]] as const) {
      for (const [name, pem] of Object.entries(files)) writeFileSync(join(swanctlDir, folder, name), pem, { mode: 0o600 });
    }
  }
  const env = { ...process.env, STRONGSWAN_CONF: join(dir, 'strongswan.conf'), SWANCTL_DIR: swanctlDir };
  const vici = `unix://${join(dir, 'charon.vici')}`;
  const swanctl = (args: readonly string[], timeoutMs = 30_000): Promise<ExecResult> => run('swanctl', [...args, '--uri', vici], { env, timeoutMs });
  let proc: NetnsProcess;
  let runs = 0;
  const launch = async (): Promise<void> => {
    rmSync(join(dir, 'charon.vici'), { force: true });
    rmSync(join(dir, 'run', 'charon.pid'), { force: true });
    // ip netns exec gives the command a mount namespace of its own: the bind mount stays private.
    proc = o.host.start('sh', ['-c', `mount --bind '${dir}/run' /run && exec ${CHARON}`], { name: `charon-${runs++}`, env });
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (existsSync(join(dir, 'charon.vici')) && (await swanctl(['--stats'], 5000)).code === 0) break;
      if (!proc.running() || Date.now() > deadline) {
        throw new Error(`charon in ${o.host.ns} did not come up: ${JSON.stringify(proc.output())}\n${readLog()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const load = await swanctl(['--load-all', '--noprompt']);
    // Credential folders swanctl knows but we leave out are reported as "opening directory ... failed".
    const problems = (load.stdout + load.stderr).split('\n').filter((l) => /failed|error/i.test(l) && !l.startsWith('opening directory'));
    if (load.code !== 0 || problems.length > 0) throw new Error(`swanctl --load-all failed (${load.code}): ${load.stdout}${load.stderr}`);
  };
  const readLog = (): string => (existsSync(join(dir, 'charon.log')) ? readFileSync(join(dir, 'charon.log'), 'utf8') : '');
  await launch();
  return {
    dir,
    logPath: join(dir, 'charon.log'),
    proc: () => proc,
    swanctl,
    async listSas() {
      const r = await swanctl(['--list-sas']);
      if (r.code !== 0) throw new Error(`swanctl --list-sas failed (${r.code}): ${r.stderr}`);
      return parseListSas(r.stdout);
    },
    log: readLog,
    async kill9() {
      // ip netns exec execs sh, which execs charon: the process we started is charon itself.
      process.kill(proc.pid, 'SIGKILL');
      await proc.exited;
    },
    restart: launch,
    stop: () => proc.stop(5000),
  };
}
