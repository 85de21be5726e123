// Diagnoses for inbound drops other than BAD_SPI (that one lives in explain/bad-spi.ts):
// what happened, the evidence the engine holds at that moment, and what to do next.
import { spiHex } from '../wire/bytes.js';
import type { ReplayEvidence, ReplayFailureReason } from '../replay/window.js';
import type { ExpiryEvidence, SecurityAssociation } from '../sad/sa.js';
import type { Diagnosis, Evidence } from '../verdict/verdict.js';
import { diagnosis } from '../verdict/verdict.js';
import type { TokenBucket } from './throttle.js';

function saEvidence(sa: SecurityAssociation): Record<string, string | number | boolean | null> {
  return { spi: spiHex(sa.spi), saId: sa.id, label: sa.config.label ?? null };
}

export function truncatedEspHeader(length: number, detail?: string): Diagnosis {
  return diagnosis(null, 'truncated-esp-header',
    detail ?? `ESP packet of ${length} bytes is shorter than the 8-byte ESP header`,
    { length },
    'Something on the path cut the packet, or it is not ESP: capture on both ends and compare lengths (MTU problems show as truncated packets).');
}

export function malformedEsp(sa: SecurityAssociation, reason: 'too-short' | 'misaligned', detail: string, length: number): Diagnosis {
  return diagnosis(null, reason === 'too-short' ? 'truncated-esp' : 'misaligned-ciphertext', detail,
    { ...saEvidence(sa), length, ivLength: sa.config.cipher.ivLength, icvLength: sa.config.cipher.icvLength, transform: transformName(sa) },
    'The packet does not fit the SA\'s transform: check that both ends use the same algorithm (IV and ICV lengths differ between transforms) and that nothing on the path truncates packets.');
}

export function lifetimeExpired(sa: SecurityAssociation, e: ExpiryEvidence): Diagnosis {
  return diagnosis(null, `hard-${e.limit}`,
    `SA ${spiHex(sa.spi)} reached its hard ${e.limit} limit (${e.configured}) and is no longer usable`,
    { ...saEvidence(sa), limit: e.limit, configured: e.configured, reached: e.reached, expiredAt: e.at },
    'The SA was not rekeyed before its hard lifetime: make the soft lifetime fire well before the hard one on both ends and check that rekeying succeeds.');
}

export function replayFailure(sa: SecurityAssociation, reason: ReplayFailureReason, ev: ReplayEvidence): Diagnosis {
  if (reason === 'zero') {
    return diagnosis(null, 'zero-sequence', `sequence number 0 is never sent (RFC 4303 3.3.3: the first packet is 1)`,
      { ...saEvidence(sa), ...ev },
      'The sender reset its counter or wrapped it: with manual keys, the sender must keep its counter across restarts; otherwise rekey.');
  }
  if (reason === 'duplicate') {
    return diagnosis('duplicate', 'duplicate',
      `sequence number ${ev.seq} was already received on SA ${spiHex(sa.spi)} (window top ${ev.top}, size ${ev.windowSize})`,
      { ...saEvidence(sa), ...ev },
      'A copy of an earlier packet: a replay attack, a looping path, or a sender that retransmits ESP. Look for duplicated packets on the path.');
  }
  return diagnosis('too-old', 'too-old',
    `sequence number ${ev.seq} is ${ev.behind} behind the window top ${ev.top}, left of the ${ev.windowSize}-packet window`,
    { ...saEvidence(sa), ...ev },
    'The packet arrived too late: heavy reordering (multipath, QoS queues) or a replay. If reordering is real, enlarge the replay window on the receiver.');
}

export function integrityFailure(sa: SecurityAssociation, detail: string, seqHi: number, seqLo: number): Diagnosis {
  return diagnosis(null, 'icv-mismatch', `${detail}: the packet was changed on the path, or the two ends hold different keys`,
    { ...saEvidence(sa), seqHi, seqLo, esn: sa.config.esn, transform: transformName(sa), icvLength: sa.config.cipher.icvLength },
    'The packet was altered on the path, or the two ends hold different keys for this SPI: compare the keys on both ends (ip xfrm state, swanctl --list-sas; for a capture, the key file) and look for middleboxes rewriting packets.');
}

export function esnMismatch(sa: SecurityAssociation, seqHi: number, seqLo: number): Diagnosis {
  const ours = sa.config.esn ? 'on' : 'off';
  const theirs = sa.config.esn ? 'off' : 'on';
  return diagnosis('esn-mismatch', 'esn-mismatch',
    `the ICV fails with extended sequence numbers ${ours} (this SA) but verifies with ESN ${theirs}: the two ends disagree on ESN`,
    { ...saEvidence(sa), oursEsn: sa.config.esn, verifiesWithEsn: !sa.config.esn, seqHi, seqLo },
    `Configure ESN the same on both ends (IKEv2 negotiates it in the ESN transform; manual keys must agree by hand).${sa.config.esn ? '' : ' If the capture\'s SAs really use ESN, tell diagnose with --esn.'}`);
}

/**
 * A late ESN packet: RFC 4303 A2.2 inferred seq-hi `ev.seqHi` for it, but its ICV verifies only
 * with `verifiedHi`, where it lies left of the window. The evidence places it where it really is.
 */
export function lateEsnPacket(sa: SecurityAssociation, ev: ReplayEvidence, verifiedHi: number): Diagnosis {
  const behind = (ev.topHi - verifiedHi) * 2 ** 32 + (ev.topLo - ev.seqLo);
  const seq = ((BigInt(verifiedHi) << 32n) | BigInt(ev.seqLo)).toString();
  return diagnosis('too-old', 'too-old',
    `sequence number ${seq} (seq-hi ${verifiedHi}, seq-lo ${ev.seqLo}) is ${behind} behind the window top ${ev.top}, left of the ${ev.windowSize}-packet window; ` +
      `RFC 4303 A2.2 took it for seq-hi ${ev.seqHi}, but it verifies only with ${verifiedHi}`,
    { ...saEvidence(sa), ...ev, seq, seqHi: verifiedHi, behind, result: 'too-old', inferredSeqHi: ev.seqHi, verifiedSeqHi: verifiedHi },
    'The packet arrived too late: heavy reordering or a replay. If reordering is real, enlarge the replay window on the receiver.');
}

export function badTrailer(sa: SecurityAssociation, reason: string, detail: string, extra: Evidence = {}): Diagnosis {
  return diagnosis(null, reason, detail, { ...saEvidence(sa), transform: transformName(sa), ...extra },
    'The packet authenticated but its trailer is wrong: the sender builds ESP incorrectly (padding, next header). Check the sender\'s implementation or version.');
}

export function wrongEncapsulation(sa: SecurityAssociation, encapsulated: boolean): Diagnosis {
  return diagnosis(null, 'wrong-encapsulation',
    `SA ${spiHex(sa.spi)} expects ${sa.config.encapsulation ? 'ESP in UDP (RFC 3948)' : 'plain ESP (IP protocol 50)'} but the packet came ${encapsulated ? 'in UDP' : 'as IP protocol 50'}`,
    { ...saEvidence(sa), saEncapsulated: sa.config.encapsulation !== null, packetEncapsulated: encapsulated },
    'Both ends must agree on NAT traversal: check NAT detection / forced UDP encapsulation on both ends.');
}

export function outsideSelectors(sa: SecurityAssociation, src: string, dst: string, protocol: number): Diagnosis {
  return diagnosis(null, 'outside-selectors',
    `the decrypted packet ${src} -> ${dst} (protocol ${protocol}) is outside SA ${spiHex(sa.spi)}'s traffic selectors`,
    { ...saEvidence(sa), innerSrc: src, innerDst: dst, innerProtocol: protocol },
    'The peer routes traffic into an SA that was not negotiated for it: compare the traffic selectors on both ends (swanctl --list-sas shows them).');
}

function transformName(sa: SecurityAssociation): string {
  const t = sa.config.transform;
  const enc = t.encryption === 'aes-gcm' ? `aes${t.keyBits ?? 128}-gcm${t.icvLength ?? 16}` : t.keyBits ? `${t.encryption}-${t.keyBits}` : t.encryption;
  return t.integrity === 'none' ? enc : `${enc}+${t.integrity}`;
}

export function throttled(spi: number, guard: TokenBucket): Diagnosis {
  const { ratePerSecond, burst } = guard.options;
  return diagnosis(null, 'unknown-spi-flood',
    `more than ${ratePerSecond} packets a second on unknown SPIs: refused without a BAD_SPI diagnosis (DoS guard)`,
    { spi: spiHex(spi), ratePerSecond, burst, refusedInRow: guard.refusedInRow },
    'Someone sends ESP on SPIs this host does not have, fast: a peer stuck on old SAs after a restart, or an attack. Find the source in a capture (ipsec-ts diagnose) and fix or block it; raise the limit if the rate is legitimate.');
}
