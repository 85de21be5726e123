// RFC 7296 3.2: a message is the header and a chain of payloads, each opening with the generic
// payload header; the Next Payload of each names the type of the one after it.
//
//  | Next Payload  |C|  RESERVED   |         Payload Length        |
//
// Strict bounds, in the order they are checked: the 4-octet generic header fits, Payload Length
// >= 4, the payload fits in what is left, the body holds its type's fixed fields, the body parses;
// after the last payload nothing is left; SK and SKF end the chain (RFC 7296 3.14, RFC 7383 2.5).
// Never throws: every refusal is an IkeDecodeFailure naming the reason, the offset and the notify.
//
// The encoders write every Next Payload and every length themselves; reserved bits and octets go
// out as zero (RFC 7296 3.2). Values that cannot be written (an SK payload that is not last, a
// length over 65535) are our own misuse: they throw.
import { u16, writeU16 } from '../../wire/bytes.js';
import { CODEC_BY_KIND, CODEC_BY_TYPE, payloadType } from './codecs.js';
import { checkedU16 } from './encode-util.js';
import type { BodyFailure } from './failure.js';
import { syntaxFailure } from './failure.js';
import type { IkeHeaderFields } from './header.js';
import { IKE_HEADER_LENGTH, decodeHeader, encodeHeader } from './header.js';
import { NOTIFY_ERROR, PAYLOAD } from './numbers.js';
import type { IkeDecodeFailure, IkeDecodeResult, IkeMessage, Payload, SkPayload, SkfPayload } from './types.js';

const GENERIC_HEADER = 4;
/** RFC 7296 3.2: the C bit; the other seven bits are RESERVED, ignored on receipt. */
const CRITICAL = 0x80;

/** Decodes a whole datagram (without the non-ESP marker): header, then the outer payload chain. */
export function decodeMessage(raw: Buffer): IkeDecodeResult<IkeMessage> {
  const header = decodeHeader(raw);
  if (!header.ok) return header;
  const chain = decodeChain(raw.subarray(IKE_HEADER_LENGTH), header.value.nextPayload, IKE_HEADER_LENGTH, true);
  if (!chain.ok) return chain;
  return { ok: true, value: { header: header.value, payloads: chain.value, raw } };
}

/**
 * Decodes the plaintext of a decrypted SK payload (or a reassembled SKF message): `firstType` is
 * the SK payload's Next Payload, `baseOffset` is added to every reported offset. A sealed payload
 * inside a sealed payload is refused.
 */
export function decodePayloadChain(bytes: Buffer, firstType: number, baseOffset: number): IkeDecodeResult<Payload[]> {
  return decodeChain(bytes, firstType, baseOffset, false);
}

function decodeChain(bytes: Buffer, firstType: number, base: number, allowSealed: boolean): IkeDecodeResult<Payload[]> {
  const payloads: Payload[] = [];
  let type = firstType;
  let off = 0;
  while (type !== PAYLOAD.NONE) {
    const left = bytes.length - off;
    if (left < GENERIC_HEADER) return syntaxFailure('truncated-payload', `payload type ${type} at ${base + off}: ${left} octets left, its generic header needs ${GENERIC_HEADER}`, base + off);
    const length = u16(bytes, off + 2);
    if (length < GENERIC_HEADER) return syntaxFailure('bad-payload-length', `payload type ${type} at ${base + off}: Payload Length ${length} is less than ${GENERIC_HEADER}`, base + off + 2);
    if (length > left) return syntaxFailure('truncated-payload', `payload type ${type} at ${base + off}: Payload Length ${length} runs past the end (${left} octets left)`, base + off + 2);
    const critical = (bytes[off + 1]! & CRITICAL) !== 0;
    const body = bytes.subarray(off + GENERIC_HEADER, off + length);
    if (type === PAYLOAD.SK || type === PAYLOAD.SKF) {
      if (!allowSealed) return syntaxFailure('malformed-payload', `payload type ${type} at ${base + off}: an encrypted payload inside an encrypted payload`, base + off);
      if (off + length !== bytes.length) return syntaxFailure('sk-not-last', `${type === PAYLOAD.SK ? 'SK' : 'SKF'} payload at ${base + off} ends ${bytes.length - off - length} octets before the message does`, base + off + 2);
      const sealed = decodeSealed(type, bytes[off]!, critical, base + off, body);
      if (!sealed.ok) return sealed;
      payloads.push(sealed.value);
      return { ok: true, value: payloads };
    }
    const decoded = decodeOne(type, critical, body, base + off);
    if (!decoded.ok) return decoded;
    payloads.push(decoded.value);
    type = bytes[off]!;
    off += length;
  }
  if (off !== bytes.length) return syntaxFailure('trailing-bytes', `${bytes.length - off} octets follow the last payload`, base + off);
  return { ok: true, value: payloads };
}

function decodeOne(type: number, critical: boolean, body: Buffer, at: number): IkeDecodeResult<Payload> {
  const codec = CODEC_BY_TYPE.get(type);
  if (codec === undefined) {
    // RFC 7296 2.5: an unknown payload with the critical bit set refuses the whole message, and
    // the notify's data is the one octet of its type; without the bit it is skipped (kept here).
    if (critical) {
      return { ok: false, reason: 'unsupported-critical-payload', detail: `payload type ${type} at ${at} is unknown and marked critical`, offset: at, notify: NOTIFY_ERROR.UNSUPPORTED_CRITICAL_PAYLOAD, notifyData: Buffer.from([type]) };
    }
    return { ok: true, value: { kind: 'UNKNOWN', critical, type, body } };
  }
  if (body.length < codec.minBody) {
    return syntaxFailure('bad-payload-length', `${codec.kind} payload at ${at}: Payload Length ${body.length + GENERIC_HEADER} is less than the ${codec.minBody + GENERIC_HEADER} octets it needs`, at + 2);
  }
  const r = codec.decode(body, critical);
  return r.ok ? r : fromBody(r, at + GENERIC_HEADER);
}

function decodeSealed(type: number, firstInnerType: number, critical: boolean, offset: number, body: Buffer): IkeDecodeResult<SkPayload | SkfPayload> {
  if (type === PAYLOAD.SK) return { ok: true, value: { kind: 'SK', critical, firstInnerType, offset, body } };
  if (body.length < 4) return syntaxFailure('bad-payload-length', `SKF payload at ${offset}: Payload Length ${body.length + GENERIC_HEADER} is less than 8`, offset + 2);
  const fragmentNumber = u16(body, 0);
  const totalFragments = u16(body, 2);
  // RFC 7383 2.5: neither number is zero and the fragment number is at most the total. Such a
  // fragment cannot be authenticated yet, so it is dropped silently (RFC 7383 2.6.2).
  if (fragmentNumber === 0 || totalFragments === 0 || fragmentNumber > totalFragments) {
    return syntaxFailure('malformed-payload', `SKF payload at ${offset}: Fragment Number ${fragmentNumber} of Total Fragments ${totalFragments}`, offset + GENERIC_HEADER, null);
  }
  return { ok: true, value: { kind: 'SKF', critical, firstInnerType, fragmentNumber, totalFragments, offset, body: body.subarray(4) } };
}

function fromBody(f: BodyFailure, bodyOffset: number): IkeDecodeFailure {
  return syntaxFailure(f.reason, f.detail, bodyOffset + f.at, f.notify === undefined ? NOTIFY_ERROR.INVALID_SYNTAX : f.notify);
}

/** Chains the payloads; `firstType` goes in the header (or the SK payload) that precedes them. */
export function encodePayloads(payloads: readonly Payload[]): { firstType: number; bytes: Buffer } {
  const parts: Buffer[] = [];
  payloads.forEach((p, i) => {
    const isLast = i === payloads.length - 1;
    if ((p.kind === 'SK' || p.kind === 'SKF') && !isLast) throw new RangeError(`${p.kind} must be the last payload (RFC 7296 3.14)`);
    parts.push(encodeOne(p, isLast ? PAYLOAD.NONE : payloadType(payloads[i + 1]!)));
  });
  return { firstType: payloads.length === 0 ? PAYLOAD.NONE : payloadType(payloads[0]!), bytes: Buffer.concat(parts) };
}

/** An unprotected message (IKE_SA_INIT, or an unprotected notification): header and chain. */
export function encodeMessage(header: IkeHeaderFields, payloads: readonly Payload[]): Buffer {
  const { firstType, bytes } = encodePayloads(payloads);
  return Buffer.concat([encodeHeader({ ...header, nextPayload: firstType }, IKE_HEADER_LENGTH + bytes.length), bytes]);
}

function encodeOne(p: Payload, next: number): Buffer {
  const body = bodyOf(p);
  const head = Buffer.alloc(GENERIC_HEADER);
  // RFC 7296 3.14 / RFC 7383 2.5: a sealed payload's Next Payload names the first payload inside it.
  head[0] = p.kind === 'SK' || p.kind === 'SKF' ? p.firstInnerType : next;
  head[1] = p.critical ? CRITICAL : 0;
  writeU16(head, 2, checkedU16(GENERIC_HEADER + body.length, 'Payload Length'));
  return Buffer.concat([head, body]);
}

function bodyOf(p: Payload): Buffer {
  switch (p.kind) {
    case 'UNKNOWN':
    case 'SK':
      return p.body;
    case 'SKF': {
      const numbers = Buffer.alloc(4);
      writeU16(numbers, 0, checkedU16(p.fragmentNumber, 'Fragment Number'));
      writeU16(numbers, 2, checkedU16(p.totalFragments, 'Total Fragments'));
      return Buffer.concat([numbers, p.body]);
    }
    default:
      return CODEC_BY_KIND.get(p.kind)!.encode(p);
  }
}
