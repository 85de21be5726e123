// A case of the interop tests: in one namespace pair, A runs an ipsec-ts daemon (inner address on
// its TUN device) and B a strongSwan charon (inner address on lo), both configured for the case;
// `stop()` ends both so the next case starts clean in the same namespaces.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IkeSaSummary } from '../../src/endpoint/control/handlers.js';
import type { NetnsPair } from '../support/netns.js';
import { INNER_A, INNER_NET_A, INNER_NET_B, OUTER_A, OUTER_B } from '../support/netns.js';
import type { Daemon } from '../netns/support.js';
import { waitFor, writePrivate } from '../netns/support.js';
import type { Charon, CharonRetransmit, SwIkeSa, SwanctlChild } from './charon.js';
import { startCharon } from './charon.js';
import type { TsChild } from './ipsec-ts.js';
import { hex8, installedChildren, startTsDaemon, tsDaemonYaml } from './ipsec-ts.js';
import type { TestPki } from './pki.js';

export const TS_CONN = 'ts-sw';
export const SW_CONN = 'sw-ts';
export const CHILD = 'net';
export const TS_ID = 'ts.interop.test';
export const SW_ID = 'sw.interop.test';
const PSK = 'ipsec-ts-interop-psk-0123456789abcdef';

export interface CaseOptions {
  readonly name: string;
  readonly initiator: 'ipsec-ts' | 'strongswan' | 'none';
  readonly auth?: 'psk' | 'pubkey';
  readonly pki?: TestPki;
  /** strongSwan spelling; both ends get the same. */
  readonly ikeProposal?: string;
  readonly espProposal?: string;
  readonly tsDpdDelay?: string;
  readonly tsRetransmit?: { readonly timeout: string; readonly base: number; readonly tries: number };
  readonly tsChild?: Partial<TsChild>;
  readonly swChild?: Partial<SwanctlChild>;
  readonly swRetransmit?: CharonRetransmit;
}

export interface InteropCase {
  readonly dir: string;
  readonly daemon: Daemon;
  readonly charon: Charon;
  readonly socket: string;
  /** Both sides show one installed CHILD_SA with the same SPI pair; returns them. */
  established(timeoutMs?: number): Promise<{ ts: IkeSaSummary; sw: SwIkeSa }>;
  /** Charon log and daemon output, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/** Starts both ends for one case; with an initiator, waits until the tunnel is up and routed. */
export async function startCase(pair: NetnsPair, o: CaseOptions): Promise<InteropCase> {
  const dir = join(pair.dir, o.name);
  mkdirSync(dir, { recursive: true });
  const auth = o.auth ?? 'psk';
  const ike = o.ikeProposal ?? 'aes128gcm16-prfsha256-x25519';
  const esp = o.espProposal ?? 'aes128gcm16';
  const ts = auth === 'pubkey' ? o.pki!.issue(`ts-${o.name}`, TS_ID) : null;
  const sw = auth === 'pubkey' ? o.pki!.issue(`sw-${o.name}`, SW_ID) : null;
  const charon = await startCharon({
    host: pair.b, dir: join(dir, 'charon'), retransmit: o.swRetransmit,
    connection: {
      name: SW_CONN, localAddress: OUTER_B, remoteAddress: OUTER_A, proposals: ike, localId: SW_ID, remoteId: TS_ID,
      auth: sw === null ? { kind: 'psk', secret: PSK } : { kind: 'pubkey', cert: 'sw.pem' },
      child: { name: CHILD, localTs: INNER_NET_B, remoteTs: INNER_NET_A, espProposals: esp, ...o.swChild },
    },
    credentials: sw === null ? undefined : { x509: { 'sw.pem': sw.certPem }, x509ca: { 'ca.pem': o.pki!.caPem }, private: { 'sw.key': sw.keyPem } },
  });
  const socket = join(dir, 'ts', 'control.sock');
  const config = writePrivate(join(dir, 'ts.yaml'), tsDaemonYaml({
    stateDir: join(dir, 'ts'), tunAddress: INNER_A, route: INNER_NET_B, retransmit: o.tsRetransmit,
    connection: {
      name: TS_CONN, localAddress: OUTER_A, remoteAddress: OUTER_B, localId: TS_ID, remoteId: SW_ID, proposal: ike, dpdDelay: o.tsDpdDelay,
      auth: ts === null ? { kind: 'psk', secret: PSK } : { kind: 'pubkey', cert: ts.certPath, key: ts.keyPath, ca: o.pki!.caPath },
      child: { name: CHILD, localTs: INNER_NET_A, remoteTs: INNER_NET_B, espProposal: esp, startAction: o.initiator === 'ipsec-ts' ? 'start' : 'none', ...o.tsChild },
    },
  }));
  let daemon: Daemon;
  try {
    daemon = await startTsDaemon(pair.a, config, socket, `ipsec-ts-${o.name}`);
  } catch (err) {
    await charon.stop();
    throw err;
  }
  const logs = (): string => `--- charon log ---\n${charon.log()}\n--- ipsec-ts output ---\n${daemon.proc.output().stdout}\n${daemon.proc.output().stderr}`;
  const c: InteropCase = {
    dir, daemon, charon, socket, logs,
    async established(timeoutMs = 15_000) {
      let last: { ts: IkeSaSummary; sw: SwIkeSa } | null = null;
      await waitFor(async () => {
        const tsChildren = await installedChildren(socket);
        const sas = (await charon.listSas()).filter((s) => s.state === 'ESTABLISHED');
        const swChildren = sas.flatMap((s) => s.children.filter((ch) => ch.state === 'INSTALLED').map((ch) => ({ s, ch })));
        if (tsChildren.length !== 1 || swChildren.length !== 1) return false;
        const t = tsChildren[0]!;
        const s = swChildren[0]!;
        if (t.spiIn !== hex8(s.ch.spiOut) || t.spiOut !== hex8(s.ch.spiIn)) return false;
        last = { ts: t.ikeSa, sw: s.s };
        return true;
      }, timeoutMs, 'one installed CHILD_SA with the same SPIs on both sides', () => `${logs()}`);
      // strongSwan routes the remote net into its TUN (table 220) right after installing the child.
      await waitFor(async () => (await pair.b.exec('ip', ['route', 'show', 'table', '220'])).stdout.includes(INNER_NET_A), 5000, 'charon\'s route to 10.1.0.0/24 in table 220');
      return last!;
    },
    async stop() {
      await Promise.all([daemon.proc.stop(), charon.stop()]);
    },
  };
  try {
    if (o.initiator === 'strongswan') {
      const r = await charon.swanctl(['--initiate', '--child', CHILD, '--timeout', '15'], 20_000);
      if (r.code !== 0) throw new Error(`swanctl --initiate failed (${r.code}): ${r.stdout}${r.stderr}\n${logs()}`);
    }
    if (o.initiator !== 'none') await c.established();
  } catch (err) {
    await c.stop();
    throw err;
  }
  return c;
}
