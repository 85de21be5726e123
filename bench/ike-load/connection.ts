// The one connection every load handshake uses: our identity and PSK, one child with fixed
// selectors, no INITIAL_CONTACT (it would make the responder close our other IKE SAs, RFC 7296
// 2.4), no DPD and no rekeys (a handshake lives a few milliseconds). Settings keep
// retransmissions short: the client's own timeout decides what counts as failed.
import { parseIdentity } from '../../src/ike/auth/identity.js';
import type { ConnectionConfig, IkeSettings } from '../../src/ike/connection.js';
import { parseProposalList } from '../../src/ike/proposal/parse.js';
import { parseConfiguredSelectors } from '../../src/ike/ts/config.js';

export interface ConnectionPlan {
  readonly local: string;
  readonly target: string;
  /** Where IKE_SA_INIT goes (500, or the responder's only IKE port). */
  readonly port: number;
  readonly psk: Buffer;
  readonly id: string;
  /** The responder's identity we insist on, or %any. */
  readonly remoteId: string;
  readonly ikeProposal: string;
  readonly espProposal: string;
  readonly localTs: string;
  readonly remoteTs: string;
  /** Fake our NAT-D source hash (strongSwan's encap = yes), moving IKE_AUTH to port 4500. */
  readonly encap: boolean;
}

export const CONNECTION_NAME = 'load';
export const CHILD_NAME = 'net';
const HOUR_S = 3600;

export type ConnectionResult = { readonly ok: true; readonly connection: ConnectionConfig } | { readonly ok: false; readonly message: string };

export function loadConnection(plan: ConnectionPlan): ConnectionResult {
  const localId = parseIdentity(plan.id);
  if (!localId.ok || localId.identity.idType === 0) return { ok: false, message: `--id: ${localId.ok ? 'our identity cannot be %any' : localId.message}` };
  const remoteId = parseIdentity(plan.remoteId);
  if (!remoteId.ok) return { ok: false, message: `--remote-id: ${remoteId.message}` };
  const ike = parseProposalList([plan.ikeProposal], 'ike');
  if (!ike.ok) return { ok: false, message: `--ike-proposal: ${ike.message}` };
  const esp = parseProposalList([plan.espProposal], 'esp');
  if (!esp.ok) return { ok: false, message: `--esp-proposal: ${esp.message}` };
  const localTs = parseConfiguredSelectors(plan.localTs);
  if (!localTs.ok) return { ok: false, message: `--local-ts: ${localTs.message}` };
  const remoteTs = parseConfiguredSelectors(plan.remoteTs);
  if (!remoteTs.ok) return { ok: false, message: `--remote-ts: ${remoteTs.message}` };
  const connection: ConnectionConfig = {
    name: CONNECTION_NAME, localAddress: plan.local, remoteAddress: plan.target, remotePort: plan.port,
    localId: localId.identity, remoteId: remoteId.identity.idType === 0 ? null : remoteId.identity,
    localAuth: { method: 'psk' }, remoteAuth: { method: 'psk' }, psk: plan.psk,
    ikeProposals: ike.specs, ikeRekeyTimeS: 4 * HOUR_S, ikeLifeTimeS: 4.4 * HOUR_S, ikeRandTimeS: 0,
    dpdDelayS: 0, forceEncapsulation: plan.encap, initialContact: false,
    children: [Object.freeze({
      name: CHILD_NAME, localTs: localTs.selectors, remoteTs: remoteTs.selectors, mode: 'tunnel', espProposals: esp.specs,
      startAction: 'none', rekeyTimeS: HOUR_S, lifeTimeS: 1.1 * HOUR_S, randTimeS: 0, replayWindow: 32,
      closeAction: 'none', dpdAction: 'clear',
    })],
  };
  return { ok: true, connection: Object.freeze(connection) };
}

/** IkeSettings for the client: no cookie or half-open limits of its own, quick retransmissions. */
export function loadSettings(ikePort: number, timeoutMs: number): IkeSettings {
  return Object.freeze({
    port: ikePort, halfOpenLimit: 1_000_000, cookieThreshold: 999_999,
    // Two resends inside the handshake timeout; the client gives up at the timeout either way.
    retransmitTimeoutMs: Math.max(50, Math.floor(timeoutMs / 3)), retransmitBase: 1, retransmitTries: 2,
    rekeyGraceS: 0, invalidSpiIntervalS: 1, caCertificates: [],
  });
}
