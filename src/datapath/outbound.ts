// The outbound pipeline (DESIGN.md "Data flows"):
//   packet ─► SPD (BYPASS / DISCARD / PROTECT) ─► SA for the policy ─► next sequence number
//     ─► mode encapsulation ─► ESP ─► caller sends it (UDP or IP protocol 50)
// No I/O: the caller owns sockets, queues and the key exchange.
import { spiHex } from '../wire/bytes.js';
import { packetFields } from '../packet/fields.js';
import { spdFieldsOf } from './spd-fields.js';
import { splitTransport } from '../packet/transport.js';
import { encapsulate } from '../esp/encapsulate.js';
import type { SaDatabase } from '../sad/sad.js';
import type { ExpiryEvidence, SecurityAssociation } from '../sad/sa.js';
import { SEQUENCE_EXHAUSTED } from '../sad/sa.js';
import type { Policy } from '../spd/policy.js';
import type { SecurityPolicyDatabase } from '../spd/spd.js';
import type { Dropped } from '../verdict/verdict.js';
import { diagnosis, drop } from '../verdict/verdict.js';
import { NEXT_HEADER_IPV4, NEXT_HEADER_IPV6 } from './inner.js';

export type OutboundVerdict =
  | { readonly verdict: 'protected'; readonly sa: SecurityAssociation; readonly esp: Buffer; readonly seqHi: number; readonly seqLo: number }
  | { readonly verdict: 'bypass'; readonly packet: Buffer }
  | Dropped;

export interface OutboundContext {
  readonly sad: SaDatabase;
  readonly spd: SecurityPolicyDatabase;
  /** The installed outbound SA that carries a PROTECT policy's traffic, or null (then: acquire). */
  readonly saForPolicy: (policy: Policy) => SecurityAssociation | null;
}

/** Decides and, for PROTECT, seals one outbound IP packet. */
export function processOutbound(ctx: OutboundContext, packet: Buffer, now: number): OutboundVerdict {
  const f = packetFields(packet);
  if (!f.ok) {
    return drop('outbound-blocked', null, null, diagnosis(null, 'malformed-outbound-packet', `cannot read the packet to send: ${f.detail}`,
      { reason: f.reason }, 'The application handed over something that is not an IP packet: check what writes to the tunnel.'));
  }
  const decision = ctx.spd.decideOutbound(spdFieldsOf(f));
  if (decision.action === 'bypass') return { verdict: 'bypass', packet };
  if (decision.action === 'discard' || decision.policy === null) {
    return drop('outbound-blocked', null, null, diagnosis(null, 'discard-policy', `outbound ${flowText(f)} is discarded by ${decision.policy ? `policy ${decision.policy.id}` : 'the default outbound action'}`,
      { src: f.src, dst: f.dst, protocol: f.protocol, policy: decision.policy?.id ?? null }, 'Add a BYPASS or PROTECT policy for this flow if it should leave.'));
  }
  const policy = decision.policy;
  const sa = ctx.saForPolicy(policy);
  if (sa === null || !sa.usable) {
    return drop('outbound-no-sa', null, null, diagnosis(null, 'no-outbound-sa', `outbound ${flowText(f)} needs IPsec (policy ${policy.id}) but no SA is installed for it`,
      { policy: policy.id, label: policy.template?.label ?? null }, 'Bring the SA up (install it with its keys, or let the key exchange negotiate it) before sending this traffic.'));
  }
  // RFC 4301 4.4.2.1: at the hard lifetime the SA must not be used, even between timer ticks.
  const expiry = ctx.sad.checkUsable(sa, now);
  if (expiry !== null) return expiredSa(policy, sa, expiry, flowText(f));
  return sealWithSa(sa, packet, now, ctx.sad);
}

function flowText(f: { readonly src: string; readonly dst: string; readonly protocol: number }): string {
  return `${f.src} -> ${f.dst} (protocol ${f.protocol})`;
}

function expiredSa(policy: Policy, sa: SecurityAssociation, e: ExpiryEvidence, flow: string): Dropped {
  return drop('outbound-no-sa', null, null, diagnosis(null, 'outbound-sa-expired',
    `outbound ${flow} needs IPsec (policy ${policy.id}), but its SA ${spiHex(sa.spi)} reached its hard ${e.limit} limit (${e.configured}) and was removed`,
    { policy: policy.id, label: policy.template?.label ?? null, spi: spiHex(sa.spi), limit: e.limit, configured: e.configured, reached: e.reached, expiredAt: e.at },
    'The SA was not rekeyed before its hard lifetime: make the soft lifetime fire well before the hard one and check that rekeying succeeds.'));
}

/**
 * Seals one IP packet with an outbound SA: tunnel mode carries the whole packet (next header
 * 4 or 41), transport mode its upper-layer bytes (RFC 4303 3.1.1).
 */
export function sealWithSa(sa: SecurityAssociation, packet: Buffer, now: number, sad: SaDatabase | null = null, tfcPadTo?: number): OutboundVerdict {
  // Misuse, not input: an inbound SA holds the peer's key, and sealing with it would repeat the
  // nonces (sequence numbers) the peer uses with that key; a removed SA must not send again.
  if (sa.config.direction !== 'outbound') throw new RangeError(`sa must be an outbound SA; ${spiHex(sa.spi)} is inbound`);
  if (!sa.usable) throw new RangeError(`sa ${spiHex(sa.spi)} is not usable (state ${sa.state}${sa.removedAt === null ? '' : ', removed'}): seal only with an installed SA`);
  let payload: Uint8Array = packet;
  let nextHeader = (packet[0]! >> 4) === 6 ? NEXT_HEADER_IPV6 : NEXT_HEADER_IPV4;
  if (sa.config.mode === 'transport') {
    const split = splitTransport(packet);
    if (!split.ok) {
      return drop('outbound-blocked', sa.spi, sa.ref(), diagnosis(null, 'malformed-outbound-packet', `transport mode cannot split the packet: ${split.detail}`,
        { spi: spiHex(sa.spi), reason: split.reason }, 'Reassemble fragments before transport-mode protection, or use tunnel mode.'));
    }
    payload = split.upper;
    nextHeader = split.protocol;
  }
  const seqLo = sa.nextSequence();
  if (seqLo === SEQUENCE_EXHAUSTED) {
    return drop('outbound-seq-exhausted', sa.spi, sa.ref(), diagnosis(null, 'sequence-exhausted',
      `SA ${spiHex(sa.spi)} used every sequence number (RFC 4303 3.3.3: the counter must not cycle)`,
      { spi: spiHex(sa.spi), esn: sa.config.esn }, 'Rekey the SA (a new SA starts again at 1); enable ESN for long-lived high-rate SAs.'));
  }
  const seqHi = sa.outSeqHi;
  const esp = encapsulate(sa.config.cipher, {
    spi: sa.spi, seqHi, seqLo, esn: sa.config.esn, nextHeader, payload, tfcPadTo,
  });
  sad?.account(sa, payload.length, now);
  return { verdict: 'protected', sa, esp, seqHi, seqLo };
}
