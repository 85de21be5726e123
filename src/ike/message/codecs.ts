// One codec per payload type (RFC 7296 3.2's Next Payload table), declared as a table: the
// payload number, the kind it decodes to, the fixed octets every instance has after the generic
// header, and its body codec. The sealed payloads (SK, SKF) are here for their numbers and fixed
// sizes; the chain decoder handles them itself because they end the chain (RFC 7296 3.14).
import { decodeCp, encodeCp } from './config.js';
import { decodeDelete, encodeDelete } from './delete.js';
import type { BodyResult } from './failure.js';
import { LAYOUTS, decodeLayout, encodeLayout, fixedLength } from './layouts.js';
import { decodeNotify, encodeNotify } from './notify.js';
import { PAYLOAD } from './numbers.js';
import { decodeSa, encodeSa } from './sa.js';
import { decodeTs, encodeTs } from './traffic-selectors.js';
import type { Payload, PayloadKind } from './types.js';

export interface PayloadCodec {
  readonly type: number;
  readonly kind: PayloadKind;
  /** Octets after the generic header that every instance carries (the fixed part of its diagram). */
  readonly minBody: number;
  decode(body: Buffer, critical: boolean): BodyResult<Payload>;
  /** The body after the generic header; throws on values that cannot be written (our misuse). */
  encode(p: Payload): Buffer;
}

/** The chain dispatches on kind, so each encoder only ever sees its own payload shape. */
function codec<P extends Payload>(type: number, kind: P['kind'], minBody: number, decode: (body: Buffer, critical: boolean) => BodyResult<P>, encode: (p: P) => Buffer): PayloadCodec {
  return { type, kind, minBody, decode, encode: (p) => encode(p as P) };
}

const LAYOUT_TYPES: Readonly<Record<string, number>> = {
  KE: PAYLOAD.KE, IDi: PAYLOAD.IDi, IDr: PAYLOAD.IDr, CERT: PAYLOAD.CERT, CERTREQ: PAYLOAD.CERTREQ,
  AUTH: PAYLOAD.AUTH, NONCE: PAYLOAD.NONCE, VENDOR: PAYLOAD.VENDOR, EAP: PAYLOAD.EAP,
};

const sealed = (): never => {
  throw new Error('SK and SKF are encoded by the chain encoder');
};

const TABLE: readonly PayloadCodec[] = [
  codec(PAYLOAD.SA, 'SA', 0, decodeSa, encodeSa), // RFC 7296 3.3 (at least one proposal: checked in decodeSa)
  // A rest with length bounds (Nonce) is checked by the layout, which says which bound failed.
  ...LAYOUTS.map((l) => codec(LAYOUT_TYPES[l.kind]!, l.kind, fixedLength(l), (b, c) => decodeLayout(l, b, c), (p) => encodeLayout(l, p))),
  codec(PAYLOAD.NOTIFY, 'NOTIFY', 4, decodeNotify, encodeNotify), // 3.10
  codec(PAYLOAD.DELETE, 'DELETE', 4, decodeDelete, encodeDelete), // 3.11
  codec(PAYLOAD.TSi, 'TSi', 4, (b, c) => decodeTs('TSi', b, c), encodeTs), // 3.13
  codec(PAYLOAD.TSr, 'TSr', 4, (b, c) => decodeTs('TSr', b, c), encodeTs), // 3.13
  codec(PAYLOAD.CP, 'CP', 4, decodeCp, encodeCp), // 3.15
  codec(PAYLOAD.SK, 'SK', 0, sealed, sealed), // 3.14: IV, ciphertext and ICV sizes depend on the transform
  codec(PAYLOAD.SKF, 'SKF', 4, sealed, sealed), // RFC 7383 2.5: Fragment Number, Total Fragments
];

export const CODEC_BY_TYPE: ReadonlyMap<number, PayloadCodec> = new Map(TABLE.map((c) => [c.type, c]));
export const CODEC_BY_KIND: ReadonlyMap<PayloadKind, PayloadCodec> = new Map(TABLE.map((c) => [c.kind, c]));

/** The Next Payload number of a payload. */
export function payloadType(p: Payload): number {
  if (p.kind === 'UNKNOWN') return p.type;
  return CODEC_BY_KIND.get(p.kind)!.type;
}
