// RFC 7296 3.3: the Security Association payload body, three nested layers with their own
// lengths. 3.3 demands that "the total Payload Length is consistent with the payload's internal
// lengths and counts": every layer is bounded by its parent and must fill it exactly.
//
// Proposal Substructure (3.3.1)          Transform Substructure (3.3.2)      Attribute (3.3.5)
//  | Last Substruc | RESERVED | Length |  | Last Substruc | RESERVED | Length |  |A| Type | Length/Value |
//  | Num | Protocol ID | SPI Size | #T |  | Type | RESERVED | Transform ID    |  ~ Value (TLV only) ~
//  ~ SPI ~  ~ Transforms ~               ~ Transform Attributes ~
import { u16, writeU16 } from '../../wire/bytes.js';
import { checkedU16, checkedU8 } from './encode-util.js';
import { bodyFailure } from './failure.js';
import type { BodyResult } from './failure.js';
import { ATTRIBUTE_KEY_LENGTH } from './numbers.js';
import type { Proposal, SaPayload, Transform, TransformAttribute } from './types.js';

/** RFC 7296 3.3.1/3.3.2: the Last Substruc values ("0 if last, 2 (3) if more"). */
const MORE_PROPOSALS = 2;
const MORE_TRANSFORMS = 3;
const PROPOSAL_HEADER = 8;
const TRANSFORM_HEADER = 8;
/** RFC 7296 3.3.5: the AF bit; set means TV format (a 16-bit value in place of the length). */
const ATTRIBUTE_FORMAT_TV = 0x8000;

export function decodeSa(body: Buffer, critical: boolean): BodyResult<SaPayload> {
  if (body.length === 0) return bodyFailure('SA payload carries no proposal', 0);
  const proposals: Proposal[] = [];
  for (let off = 0; off < body.length; ) {
    const r = decodeProposal(body, off);
    if (!r.ok) return r;
    proposals.push(r.value.proposal);
    off = r.value.end;
  }
  return { ok: true, value: { kind: 'SA', critical, proposals } };
}

function decodeProposal(body: Buffer, off: number): BodyResult<{ proposal: Proposal; end: number }> {
  if (body.length - off < PROPOSAL_HEADER) return bodyFailure(`proposal at ${off}: ${body.length - off} octets left, its header needs ${PROPOSAL_HEADER}`, off);
  const length = u16(body, off + 2);
  const spiSize = body[off + 6]!;
  if (length < PROPOSAL_HEADER + spiSize) return bodyFailure(`proposal at ${off}: Proposal Length ${length} is less than its header and ${spiSize}-octet SPI`, off + 2);
  if (off + length > body.length) return bodyFailure(`proposal at ${off}: Proposal Length ${length} overruns the SA payload (${body.length - off} octets left)`, off + 2);
  const end = off + length;
  const expectedLast = end === body.length ? 0 : MORE_PROPOSALS;
  if (body[off] !== expectedLast) return bodyFailure(`proposal at ${off}: Last Substruc is ${body[off]}, expected ${expectedLast}`, off);
  const spiEnd = off + PROPOSAL_HEADER + spiSize;
  const transforms = decodeTransforms(body.subarray(spiEnd, end), body[off + 7]!);
  if (!transforms.ok) return { ...transforms, at: spiEnd + transforms.at };
  const proposal: Proposal = { number: body[off + 4]!, protocolId: body[off + 5]!, spi: body.subarray(off + PROPOSAL_HEADER, spiEnd), transforms: transforms.value };
  return { ok: true, value: { proposal, end } };
}

function decodeTransforms(bytes: Buffer, count: number): BodyResult<Transform[]> {
  const transforms: Transform[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (bytes.length - off < TRANSFORM_HEADER) return bodyFailure(`transform at ${off}: ${bytes.length - off} octets left, its header needs ${TRANSFORM_HEADER}`, off);
    const length = u16(bytes, off + 2);
    if (length < TRANSFORM_HEADER) return bodyFailure(`transform at ${off}: Transform Length ${length} is less than ${TRANSFORM_HEADER}`, off + 2);
    if (off + length > bytes.length) return bodyFailure(`transform at ${off}: Transform Length ${length} overruns its proposal (${bytes.length - off} octets left)`, off + 2);
    const expectedLast = off + length === bytes.length ? 0 : MORE_TRANSFORMS;
    if (bytes[off] !== expectedLast) return bodyFailure(`transform at ${off}: Last Substruc is ${bytes[off]}, expected ${expectedLast}`, off);
    const attributes = decodeAttributes(bytes.subarray(off + TRANSFORM_HEADER, off + length));
    if (!attributes.ok) return { ...attributes, at: off + TRANSFORM_HEADER + attributes.at };
    transforms.push({ type: bytes[off + 4]!, id: u16(bytes, off + 6), keyLength: keyLengthOf(attributes.value), attributes: attributes.value });
    off += length;
  }
  if (transforms.length !== count) return bodyFailure(`proposal says ${count} transforms but carries ${transforms.length}`, 0);
  return { ok: true, value: transforms };
}

function decodeAttributes(bytes: Buffer): BodyResult<TransformAttribute[]> {
  const attributes: TransformAttribute[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (bytes.length - off < 4) return bodyFailure(`attribute at ${off}: ${bytes.length - off} octets left, an attribute needs 4`, off);
    const word = u16(bytes, off);
    const type = word & ~ATTRIBUTE_FORMAT_TV & 0xffff;
    if ((word & ATTRIBUTE_FORMAT_TV) !== 0) {
      attributes.push({ type, value: u16(bytes, off + 2) });
      off += 4;
      continue;
    }
    const length = u16(bytes, off + 2);
    if (off + 4 + length > bytes.length) return bodyFailure(`attribute ${type} at ${off}: Attribute Length ${length} overruns its transform (${bytes.length - off - 4} octets left)`, off + 2);
    attributes.push({ type, value: bytes.subarray(off + 4, off + 4 + length) });
    off += 4 + length;
  }
  return { ok: true, value: attributes };
}

/** RFC 7296 3.3.5: Key Length is TV format; a TLV-format one is not a key length. */
function keyLengthOf(attributes: readonly TransformAttribute[]): number | null {
  const found = attributes.find((a) => a.type === ATTRIBUTE_KEY_LENGTH && typeof a.value === 'number');
  return found === undefined ? null : (found.value as number);
}

export function encodeSa(p: SaPayload): Buffer {
  return Buffer.concat(p.proposals.map((proposal, i) => encodeProposal(proposal, i === p.proposals.length - 1)));
}

function encodeProposal(p: Proposal, last: boolean): Buffer {
  const transforms = p.transforms.map((t, i) => encodeTransform(t, i === p.transforms.length - 1));
  const head = Buffer.alloc(PROPOSAL_HEADER);
  const length = PROPOSAL_HEADER + p.spi.length + transforms.reduce((n, t) => n + t.length, 0);
  head[0] = last ? 0 : MORE_PROPOSALS;
  writeU16(head, 2, checkedU16(length, 'Proposal Length'));
  head[4] = p.number;
  head[5] = p.protocolId;
  head[6] = checkedU8(p.spi.length, 'SPI Size');
  head[7] = checkedU8(p.transforms.length, 'Num Transforms');
  return Buffer.concat([head, p.spi, ...transforms]);
}

/**
 * The attributes are encoded as listed; a transform built with `keyLength` but no Key Length
 * attribute gets one (TV format), so callers building proposals need not spell it twice.
 */
function encodeTransform(t: Transform, last: boolean): Buffer {
  const hasKeyLength = t.attributes.some((a) => a.type === ATTRIBUTE_KEY_LENGTH);
  const attributes = t.keyLength !== null && !hasKeyLength ? [{ type: ATTRIBUTE_KEY_LENGTH, value: t.keyLength }, ...t.attributes] : t.attributes;
  const encoded = attributes.map(encodeAttribute);
  const head = Buffer.alloc(TRANSFORM_HEADER);
  head[0] = last ? 0 : MORE_TRANSFORMS;
  writeU16(head, 2, checkedU16(TRANSFORM_HEADER + encoded.reduce((n, a) => n + a.length, 0), 'Transform Length'));
  head[4] = t.type;
  writeU16(head, 6, t.id);
  return Buffer.concat([head, ...encoded]);
}

function encodeAttribute(a: TransformAttribute): Buffer {
  if (a.type > 0x7fff) throw new RangeError(`attribute type ${a.type} does not fit 15 bits`);
  if (typeof a.value === 'number') {
    const out = Buffer.alloc(4);
    writeU16(out, 0, ATTRIBUTE_FORMAT_TV | a.type);
    writeU16(out, 2, a.value);
    return out;
  }
  const out = Buffer.alloc(4 + a.value.length);
  writeU16(out, 0, a.type);
  writeU16(out, 2, checkedU16(a.value.length, 'Attribute Length'));
  a.value.copy(out, 4);
  return out;
}
