// Every payload type decoded from bytes written by hand from its RFC diagram, then encoded back
// to the same bytes; and whole messages (IKE_SA_INIT, sealed SK, SKF), also at non-zero offsets.
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodePayloadChain, encodeMessage, encodePayloads } from '../../../src/ike/message/message.js';
import { PAYLOAD } from '../../../src/ike/message/numbers.js';
import type { Payload } from '../../../src/ike/message/types.js';
import { AUTH_REQUEST_FRAGMENT, AUTH_REQUEST_SEALED, INIT_REQUEST, h } from './vectors.js';

/** Decodes one payload chain and checks that encoding it gives the same octets back. */
function single(type: number, bytes: Buffer): Payload {
  const r = decodePayloadChain(bytes, type, 0);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  expect(r.value).toHaveLength(1);
  const again = encodePayloads(r.value);
  expect(again.firstType).toBe(type);
  expect(again.bytes.toString('hex')).toBe(bytes.toString('hex'));
  return r.value[0]!;
}

describe('payload codecs against hand-built RFC 7296 section 3 vectors', () => {
  it('decodes KE (3.4): DH group and key exchange data', () => {
    expect(single(PAYLOAD.KE, h('00 00 000c 001f 0000 01020304'))).toEqual({ kind: 'KE', critical: false, group: 31, keyData: h('01020304') });
  });

  it('decodes IDi (3.5) keeping the whole body that AUTH signs', () => {
    const p = single(PAYLOAD.IDi, h('00 00 0012 02 000000 67772e6578616d706c65'));
    expect(p).toMatchObject({ kind: 'IDi', idType: 2, data: Buffer.from('gw.example') });
    expect(p.kind === 'IDi' && p.body.toString('hex')).toBe('0200000067772e6578616d706c65');
  });

  it('decodes IDr (3.5) as the responder identity', () => {
    expect(single(PAYLOAD.IDr, h('00 00 000c 01 000000 c0000201'))).toMatchObject({ kind: 'IDr', idType: 1, data: h('c0000201') });
  });

  it('decodes CERT (3.6) and CERTREQ (3.7): encoding octet then data', () => {
    expect(single(PAYLOAD.CERT, h('00 00 0008 04 308201'))).toEqual({ kind: 'CERT', critical: false, encoding: 4, data: h('308201') });
    const hash = 'ab'.repeat(20);
    expect(single(PAYLOAD.CERTREQ, h(`00 00 0019 04 ${hash}`))).toEqual({ kind: 'CERTREQ', critical: false, encoding: 4, data: h(hash) });
  });

  it('decodes AUTH (3.8): method, three reserved octets, data', () => {
    expect(single(PAYLOAD.AUTH, h(`00 00 0028 02 000000 ${'5a'.repeat(32)}`))).toMatchObject({ kind: 'AUTH', method: 2, data: h('5a'.repeat(32)) });
  });

  it('decodes Nonce (3.9) at both ends of the 16..256 octet range', () => {
    expect(single(PAYLOAD.NONCE, h(`00 00 0014 ${'01'.repeat(16)}`))).toMatchObject({ kind: 'NONCE', nonce: h('01'.repeat(16)) });
    expect(single(PAYLOAD.NONCE, h(`00 00 0104 ${'02'.repeat(256)}`))).toMatchObject({ kind: 'NONCE' });
  });

  it('decodes Notify (3.10) with and without an SPI', () => {
    expect(single(PAYLOAD.NOTIFY, h('00 00 000c 03 04 4009 c0ffee01'))).toEqual({
      kind: 'NOTIFY', critical: false, protocolId: 3, spi: h('c0ffee01'), notifyType: 16393, data: Buffer.alloc(0),
    });
    expect(single(PAYLOAD.NOTIFY, h('00 00 000a 00 00 0011 0013'))).toMatchObject({ notifyType: 17, spi: Buffer.alloc(0), data: h('0013') });
  });

  it('decodes Delete (3.11) for ESP SPIs and for the IKE SA', () => {
    expect(single(PAYLOAD.DELETE, h('00 00 0010 03 04 0002 11111111 22222222'))).toEqual({
      kind: 'DELETE', critical: false, protocolId: 3, spiSize: 4, spis: [h('11111111'), h('22222222')],
    });
    expect(single(PAYLOAD.DELETE, h('00 00 0008 01 00 0000'))).toMatchObject({ protocolId: 1, spiSize: 0, spis: [] });
  });

  it('decodes Vendor ID (3.12)', () => {
    expect(single(PAYLOAD.VENDOR, h(`00 00 0014 ${'88'.repeat(16)}`))).toEqual({ kind: 'VENDOR', critical: false, vendorId: h('88'.repeat(16)) });
  });

  it('decodes TSi with an IPv4 range and TSr with an IPv6 range (3.13.1)', () => {
    expect(single(PAYLOAD.TSi, h('00 00 0018 01 000000  07 00 0010 0000 ffff c0000200 c00002ff'))).toEqual({
      kind: 'TSi', critical: false,
      selectors: [{ tsType: 7, ipProtocol: 0, startPort: 0, endPort: 65535, startAddress: h('c0000200'), endAddress: h('c00002ff') }],
    });
    const a = '20010db8000000000000000000000000';
    const b = '20010db80000ffffffffffffffffffff';
    expect(single(PAYLOAD.TSr, h(`00 00 0030 01 000000  08 06 0028 0050 0050 ${a} ${b}`))).toEqual({
      kind: 'TSr', critical: false,
      selectors: [{ tsType: 8, ipProtocol: 6, startPort: 80, endPort: 80, startAddress: h(a), endAddress: h(b) }],
    });
  });

  it('decodes CP (3.15) with empty request attributes', () => {
    expect(single(PAYLOAD.CP, h('00 00 0010 01 000000 0001 0000 0003 0000'))).toEqual({
      kind: 'CP', critical: false, cfgType: 1, attributes: [{ type: 1, value: Buffer.alloc(0) }, { type: 3, value: Buffer.alloc(0) }],
    });
    expect(single(PAYLOAD.CP, h('00 00 0010 02 000000 0001 0004 0a000001'))).toMatchObject({ cfgType: 2, attributes: [{ type: 1, value: h('0a000001') }] });
  });

  it('decodes EAP (3.16) whose EAP Length matches the payload', () => {
    expect(single(PAYLOAD.EAP, h('00 00 0009 01 05 0005 01'))).toEqual({ kind: 'EAP', critical: false, data: h('0105000501') });
  });

  it('decodes SA (3.3) with an ESP proposal, a 4-octet SPI and a TLV attribute', () => {
    const p = single(PAYLOAD.SA, h(`00 00 0028
      00 00 0024 01 03 04 02 c0ffee02
        03 00 000c 01 00 0014 800e 0080
        00 00 000c 05 00 0000 0002 0000`));
    expect(p).toEqual({
      kind: 'SA', critical: false,
      proposals: [{ number: 1, protocolId: 3, spi: h('c0ffee02'), transforms: [
        { type: 1, id: 20, keyLength: 128, attributes: [{ type: 14, value: 128 }] },
        { type: 5, id: 0, keyLength: null, attributes: [{ type: 2, value: Buffer.alloc(0) }] },
      ] }],
    });
  });

  it('keeps an unknown payload without the critical bit, and the critical bit of a known one', () => {
    const r = decodePayloadChain(h('2b 00 0006 abcd  00 80 0014 ' + '99'.repeat(16)), 200, 0);
    expect(r.ok && r.value).toEqual([
      { kind: 'UNKNOWN', critical: false, type: 200, body: h('abcd') },
      { kind: 'VENDOR', critical: true, vendorId: h('99'.repeat(16)) },
    ]);
  });
});

describe('whole messages', () => {
  it('decodes the hand-built IKE_SA_INIT request and encodes it back octet for octet', () => {
    const r = decodeMessage(INIT_REQUEST);
    if (!r.ok) throw new Error(r.detail);
    const { header, payloads } = r.value;
    expect(header).toMatchObject({ exchangeType: 34, initiator: true, response: false, messageId: 0, length: 240, nextPayload: 33 });
    expect(payloads.map((p) => p.kind)).toEqual(['SA', 'KE', 'NONCE', 'NOTIFY', 'NOTIFY']);
    const sa = payloads[0]!;
    expect(sa.kind === 'SA' && sa.proposals[0]!.transforms.map((t) => [t.type, t.id, t.keyLength])).toEqual([[1, 12, 256], [2, 5, null], [3, 12, null], [4, 19, null]]);
    expect(encodeMessage(header, payloads).equals(INIT_REQUEST)).toBe(true);
  });

  it('keeps an SK payload sealed, with its first inner type, offset and body', () => {
    const r = decodeMessage(AUTH_REQUEST_SEALED);
    expect(r.ok && r.value.payloads).toEqual([{ kind: 'SK', critical: false, firstInnerType: 35, offset: 28, body: h('ee'.repeat(20)) }]);
    if (r.ok) expect(encodeMessage(r.value.header, r.value.payloads).equals(AUTH_REQUEST_SEALED)).toBe(true);
  });

  it('keeps an SKF payload sealed, with its fragment numbers', () => {
    const r = decodeMessage(AUTH_REQUEST_FRAGMENT);
    expect(r.ok && r.value.payloads).toEqual([{ kind: 'SKF', critical: false, firstInnerType: 35, fragmentNumber: 1, totalFragments: 3, offset: 28, body: h('ef'.repeat(12)) }]);
    if (r.ok) expect(encodeMessage(r.value.header, r.value.payloads).equals(AUTH_REQUEST_FRAGMENT)).toBe(true);
  });

  it('decodes a view at a non-zero offset of a larger buffer the same way, with views into it', () => {
    for (const message of [INIT_REQUEST, AUTH_REQUEST_SEALED, AUTH_REQUEST_FRAGMENT]) {
      const big = Buffer.concat([Buffer.alloc(37, 0x5c), message, Buffer.alloc(11, 0x5c)]);
      const view = big.subarray(37, 37 + message.length);
      const a = decodeMessage(message);
      const b = decodeMessage(view);
      expect(b).toEqual(a);
      if (b.ok) expect(encodeMessage(b.value.header, b.value.payloads).equals(message)).toBe(true);
    }
    const chain = h('00 00 0014 ' + '77'.repeat(16));
    const big = Buffer.concat([Buffer.alloc(5), chain]);
    const r = decodePayloadChain(big.subarray(5), PAYLOAD.NONCE, 100);
    expect(r.ok && r.value[0]!.kind === 'NONCE' && r.value[0]!.nonce.buffer).toBe(big.buffer);
  });

  it('ignores reserved bits on receipt and writes them as zero', () => {
    const dirty = Buffer.from(INIT_REQUEST);
    dirty[19] |= 0x07; // header flag bits RFC 7296 3.1 leaves reserved
    dirty[76 + 1] |= 0x7f; // KE generic header RESERVED
    dirty[76 + 6] = 0xff; // KE's own RESERVED octets
    dirty[33] = 0xee; // proposal RESERVED
    const r = decodeMessage(dirty);
    if (!r.ok) throw new Error(r.detail);
    expect(encodeMessage(r.value.header, r.value.payloads).equals(INIT_REQUEST)).toBe(true);
  });
});
