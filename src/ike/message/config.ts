// RFC 7296 3.15: the Configuration payload and its attributes (3.15.1).
//
//  |   CFG Type    |                    RESERVED                   |
//  ~                   Configuration Attributes                    ~
//
//  |R|         Attribute Type      |            Length             |
//  ~                             Value                             ~
import { u16, writeU16 } from '../../wire/bytes.js';
import { checkedU16 } from './encode-util.js';
import { bodyFailure } from './failure.js';
import type { BodyResult } from './failure.js';
import type { ConfigAttribute, CpPayload } from './types.js';

const CP_FIXED = 4;
/** RFC 7296 3.15.1: the R bit, "MUST be set to zero and MUST be ignored on receipt". */
const ATTRIBUTE_TYPE_MASK = 0x7fff;

export function decodeCp(body: Buffer, critical: boolean): BodyResult<CpPayload> {
  const attributes: ConfigAttribute[] = [];
  let off = CP_FIXED;
  while (off < body.length) {
    if (body.length - off < 4) return bodyFailure(`CP attribute at ${off}: ${body.length - off} octets left, an attribute needs 4`, off);
    const type = u16(body, off) & ATTRIBUTE_TYPE_MASK;
    const length = u16(body, off + 2);
    if (off + 4 + length > body.length) return bodyFailure(`CP attribute ${type} at ${off}: Length ${length} overruns the payload (${body.length - off - 4} octets left)`, off + 2);
    attributes.push({ type, value: body.subarray(off + 4, off + 4 + length) });
    off += 4 + length;
  }
  return { ok: true, value: { kind: 'CP', critical, cfgType: body[0]!, attributes } };
}

export function encodeCp(p: CpPayload): Buffer {
  const parts: Buffer[] = [Buffer.from([p.cfgType, 0, 0, 0])];
  for (const a of p.attributes) {
    if (a.type > ATTRIBUTE_TYPE_MASK) throw new RangeError(`CP attribute type ${a.type} does not fit 15 bits`);
    const head = Buffer.alloc(4);
    writeU16(head, 0, a.type);
    writeU16(head, 2, checkedU16(a.value.length, 'CP attribute Length'));
    parts.push(head, a.value);
  }
  return Buffer.concat(parts);
}
