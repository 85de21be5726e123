// RFC 7296 3.11: the Delete payload. Every SPI has the same size, so the body length is fixed by
// the count: 4 + Num of SPIs * SPI Size, no more and no less.
//
//  | Protocol ID   |   SPI Size    |          Num of SPIs          |
//  ~               Security Parameter Index(es) (SPI)              ~
import { u16, writeU16 } from '../../wire/bytes.js';
import { checkedU16, checkedU8 } from './encode-util.js';
import { bodyFailure } from './failure.js';
import type { BodyResult } from './failure.js';
import type { DeletePayload } from './types.js';

const DELETE_FIXED = 4;

export function decodeDelete(body: Buffer, critical: boolean): BodyResult<DeletePayload> {
  const spiSize = body[1]!;
  const count = u16(body, 2);
  const expected = DELETE_FIXED + count * spiSize;
  if (body.length !== expected) {
    return bodyFailure(`Delete: ${count} SPIs of ${spiSize} octets need ${expected - DELETE_FIXED} octets, the payload carries ${body.length - DELETE_FIXED}`, 2);
  }
  const spis: Buffer[] = [];
  for (let off = DELETE_FIXED; off < body.length; off += spiSize) spis.push(body.subarray(off, off + spiSize));
  // With SPI Size 0 (the IKE SA itself) the loop above adds nothing, whatever the count says.
  for (let i = spis.length; i < count; i++) spis.push(body.subarray(DELETE_FIXED, DELETE_FIXED));
  return { ok: true, value: { kind: 'DELETE', critical, protocolId: body[0]!, spiSize, spis } };
}

export function encodeDelete(p: DeletePayload): Buffer {
  if (p.spis.some((spi) => spi.length !== p.spiSize)) throw new RangeError(`every SPI of a Delete payload must be ${p.spiSize} octets`);
  const head = Buffer.alloc(DELETE_FIXED);
  head[0] = p.protocolId;
  head[1] = checkedU8(p.spiSize, 'SPI Size');
  writeU16(head, 2, checkedU16(p.spis.length, 'Num of SPIs'));
  return Buffer.concat([head, ...p.spis]);
}
