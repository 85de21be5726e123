// The demo's key exchange: west and east negotiate their main tunnel with IKEv2 (PSK, AES-GCM,
// X25519) through the wire, exactly as two daemons would; only the settings are demo-sized (no
// port 500, a short rekey grace period so the "replaced by a rekey" step needs no waiting).
import { randomBytes } from 'node:crypto';
import type { ConnectionConfig, IkeSettings } from '../../ike/connection.js';
import { parseIdentity } from '../../ike/auth/identity.js';
import type { IkeIdentity } from '../../ike/auth/identity.js';
import { parseProposalText } from '../../ike/proposal/parse.js';
import type { ProposalSpec } from '../../ike/proposal/parse.js';
import { parseConfiguredSelectors } from '../../ike/ts/config.js';
import type { ConfiguredSelector } from '../../ike/ts/config.js';
import type { IkeEvent } from '../../ike/ports.js';
import type { IkeRuntime } from '../../endpoint/ike-runtime.js';

export const DEMO_IKE_SETTINGS: IkeSettings = {
  port: null, halfOpenLimit: 100, cookieThreshold: 50, retransmitTimeoutMs: 500, retransmitBase: 1.5, retransmitTries: 3,
  rekeyGraceS: 0.3, invalidSpiIntervalS: 1, caCertificates: [],
};

function must<T>(r: { ok: true } & T | { ok: false; message: string }): T {
  if (!r.ok) throw new Error(r.message);
  return r;
}

const proposal = (text: string, kind: 'ike' | 'esp'): ProposalSpec => must(parseProposalText(text, kind)).spec;
const id = (text: string): IkeIdentity => must(parseIdentity(text)).identity;
const ts = (text: string): ConfiguredSelector[] => [...must(parseConfiguredSelectors(text)).selectors];

/** West's or east's side of the demo tunnel: 10.1.0.0/24 <=> 10.2.0.0/24 through the wire at `wirePort`. */
export function demoConnection(side: 'west' | 'east', psk: Buffer, wirePort: number): ConnectionConfig {
  const west = side === 'west';
  return {
    name: west ? 'west-east' : 'east-west', localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', remotePort: wirePort,
    localId: id(west ? 'west@demo.example' : 'east@demo.example'), remoteId: id(west ? 'east@demo.example' : 'west@demo.example'),
    localAuth: { method: 'psk' }, remoteAuth: { method: 'psk' }, psk,
    ikeProposals: [proposal('aes128gcm16-prfsha256-x25519', 'ike')],
    ikeRekeyTimeS: 0, ikeLifeTimeS: 0, ikeRandTimeS: 0, dpdDelayS: 0, forceEncapsulation: true, initialContact: true,
    children: [{
      name: 'net', localTs: ts(west ? '10.1.0.0/24' : '10.2.0.0/24'), remoteTs: ts(west ? '10.2.0.0/24' : '10.1.0.0/24'), mode: 'tunnel',
      espProposals: [proposal('aes128gcm16', 'esp')], startAction: 'none', rekeyTimeS: 3600, lifeTimeS: 3960, randTimeS: 0,
      replayWindow: 64, closeAction: 'none', dpdAction: 'clear',
    }],
  };
}

export function demoPsk(): Buffer {
  return randomBytes(32);
}

/** Resolves with the first IKE event of `type` that matches, or null after timeoutMs. */
export function nextIkeEvent<T extends IkeEvent['type']>(ike: IkeRuntime, type: T, timeoutMs: number,
  match: (e: Extract<IkeEvent, { type: T }>) => boolean = () => true): Promise<Extract<IkeEvent, { type: T }> | null> {
  return new Promise((resolve) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      resolve(null);
    }, timeoutMs);
    ike.host.onEvent((e) => {
      if (done || e.type !== type || !match(e as Extract<IkeEvent, { type: T }>)) return;
      done = true;
      clearTimeout(timer);
      resolve(e as Extract<IkeEvent, { type: T }>);
    });
  });
}
