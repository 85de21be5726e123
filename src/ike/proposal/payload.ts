// Configured proposals as SA payload proposals (RFC 7296 3.3.1, 3.3.2, 3.3.5), and proposals in
// strongSwan's log notation ("AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519").
import { ATTRIBUTE_KEY_LENGTH, ESN, PROTOCOL, TRANSFORM_TYPE } from '../message/numbers.js';
import type { Proposal, Transform } from '../message/types.js';
import { hasKeyLengthAttribute, transformName } from './algorithms.js';
import type { ProposalSpec } from './parse.js';

function transform(type: number, id: number, keyLength: number | null = null): Transform {
  // RFC 7296 3.3.5: Key Length is a TV attribute, sent only for variable-key-size ciphers.
  const attributes = keyLength === null ? [] : [Object.freeze({ type: ATTRIBUTE_KEY_LENGTH, value: keyLength })];
  return Object.freeze({ type, id, keyLength, attributes: Object.freeze(attributes) });
}

/** The transforms of one spec, grouped by type in the order strongSwan sends them. */
export function transformsOf(spec: ProposalSpec): Transform[] {
  return [
    ...spec.encr.map((e) => transform(TRANSFORM_TYPE.ENCR, e.id, hasKeyLengthAttribute(e.id) ? e.keyBits : null)),
    ...spec.prf.map((id) => transform(TRANSFORM_TYPE.PRF, id)),
    ...spec.integ.map((id) => transform(TRANSFORM_TYPE.INTEG, id)),
    ...spec.dh.map((id) => transform(TRANSFORM_TYPE.DH, id)),
    ...spec.esn.map((on) => transform(TRANSFORM_TYPE.ESN, on ? ESN.YES : ESN.NO)),
  ];
}

function expectedKind(protocolId: number): ProposalSpec['kind'] {
  if (protocolId === PROTOCOL.IKE) return 'ike';
  if (protocolId === PROTOCOL.ESP) return 'esp';
  throw new RangeError(`proposalsToPayload: protocolId must be ${PROTOCOL.IKE} (IKE) or ${PROTOCOL.ESP} (ESP), got ${protocolId}`);
}

/**
 * The SA payload's proposals for our specs: numbered 1..n in preference order (RFC 7296 3.3.1),
 * all carrying `spi` (empty for IKE in IKE_SA_INIT, 8 octets when rekeying IKE, 4 for ESP).
 */
export function proposalsToPayload(specs: readonly ProposalSpec[], protocolId: number, spi: Buffer): Proposal[] {
  if (!Array.isArray(specs) || specs.length === 0) throw new RangeError('proposalsToPayload: specs must be a non-empty array');
  if (!Buffer.isBuffer(spi)) throw new TypeError('proposalsToPayload: spi must be a Buffer');
  const kind = expectedKind(protocolId);
  // RFC 7296 3.3.1: at most 255 proposals (one octet), and ESP SPIs are 4 octets.
  if (specs.length > 255) throw new RangeError(`proposalsToPayload: at most 255 proposals, got ${specs.length}`);
  if (kind === 'esp' && spi.length !== 4) throw new RangeError(`proposalsToPayload: an ESP SPI is 4 octets, got ${spi.length}`);
  if (kind === 'ike' && spi.length !== 0 && spi.length !== 8) throw new RangeError(`proposalsToPayload: an IKE SPI is 0 or 8 octets, got ${spi.length}`);
  return specs.map((spec, i) => {
    if (spec.kind !== kind) throw new RangeError(`proposalsToPayload: specs[${i}] is an ${spec.kind} proposal, protocolId says ${kind}`);
    return Object.freeze({ number: i + 1, protocolId, spi, transforms: Object.freeze(transformsOf(spec)) });
  });
}

/** Transform type order of strongSwan's log lines: encryption, integrity, PRF, key exchange, ESN. */
const PRINT_ORDER: readonly number[] = [
  TRANSFORM_TYPE.ENCR, TRANSFORM_TYPE.INTEG, TRANSFORM_TYPE.PRF, TRANSFORM_TYPE.DH, TRANSFORM_TYPE.ESN,
];

function printRank(type: number): number {
  const i = PRINT_ORDER.indexOf(type);
  return i < 0 ? PRINT_ORDER.length + type : i;
}

/** One proposal in strongSwan's notation, e.g. AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048. */
export function describeProposal(p: Proposal): string {
  const sorted = [...p.transforms].sort((a, b) => printRank(a.type) - printRank(b.type));
  const names = sorted.map((t) => transformName(t.type, t.id, t.keyLength));
  return names.length === 0 ? '(no transforms)' : names.join('/');
}

/** Our spec in the same notation (for "we offer ..." lines). */
export function describeSpec(spec: ProposalSpec): string {
  return describeProposal({ number: 1, protocolId: 0, spi: Buffer.alloc(0), transforms: transformsOf(spec) });
}
