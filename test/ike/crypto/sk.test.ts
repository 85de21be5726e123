// The Encrypted payload (RFC 7296 3.14, RFC 5282, RFC 7634) and the Encrypted Fragment payload
// (RFC 7383 2.5). Independent checks: the python reference (fixtures/ikev2_reference.py) opens
// what we seal and seals what we open, and node:crypto's plain deciphers read our AEAD output
// with the RFC 5282 nonce layout (salt || IV) and AAD (header through the SK payload header).
import { createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { CipherGCMTypes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SealedSk, SkKeys } from '../../../src/ike/crypto/sk.js';
import { SkOpener, SkSealer } from '../../../src/ike/crypto/sk.js';
import type { EncrSpec, IntegSpec } from '../../../src/ike/crypto/transforms.js';
import { encrSpec, integSpec } from '../../../src/ike/crypto/transforms.js';
import type { IkeHeaderFields } from '../../../src/ike/message/header.js';
import { ENCR, EXCHANGE, INTEG, PAYLOAD } from '../../../src/ike/message/numbers.js';
import { hasPythonReference, hex, reference, unhex } from './reference.js';

interface Suite { readonly encr: EncrSpec; readonly integ: IntegSpec | null }

const CBC_INTEG = [INTEG.HMAC_SHA2_256_128, INTEG.HMAC_SHA2_384_192, INTEG.HMAC_SHA2_512_256];
const SUITES: readonly Suite[] = [
  ...[128, 192, 256].map((bits, i) => ({ encr: encrSpec(ENCR.AES_CBC, bits)!, integ: integSpec(CBC_INTEG[i]!)! })),
  ...[ENCR.AES_GCM_8, ENCR.AES_GCM_12, ENCR.AES_GCM_16].flatMap((id) => [128, 192, 256].map((bits) => ({ encr: encrSpec(id, bits)!, integ: null }))),
  { encr: encrSpec(ENCR.CHACHA20_POLY1305, null)!, integ: null },
];
const label = (s: Suite): string => `${s.encr.name}${s.integ === null ? '' : `-${s.integ.name}`}`;
const CBC = SUITES[0]!;
const GCM16 = SUITES.find((s) => s.encr.name === 'aes256gcm16')!;
const GCM8 = SUITES.find((s) => s.encr.name === 'aes128gcm8')!;
const CHACHA = SUITES.at(-1)!;

function keysFor(s: Suite): SkKeys {
  return { encr: s.encr, encKey: randomBytes(s.encr.keymatLength), integ: s.integ, integKey: s.integ === null ? null : randomBytes(s.integ.keyLength) };
}

const HEADER: IkeHeaderFields = {
  initiatorSpi: Buffer.from('0102030405060708', 'hex'), responderSpi: Buffer.from('1112131415161718', 'hex'),
  nextPayload: 0, exchangeType: EXCHANGE.IKE_AUTH, initiator: true, response: false, messageId: 1,
};

/** The single SK payload of a message we built: it starts right after the 28-octet header. */
function skOf(raw: Buffer, headerLength = 4): SealedSk {
  return { offset: 28, body: raw.subarray(28 + headerLength), firstInnerType: raw[28]! };
}

function pythonRequest(s: Suite, keys: SkKeys): Record<string, unknown> {
  return {
    kind: s.encr.kind, cipher: s.encr.cipher, encKey: hex(keys.encKey), integKey: keys.integKey === null ? '' : hex(keys.integKey),
    integHash: s.integ?.hash ?? '', ivLength: s.encr.ivLength, icvLength: s.integ?.icvLength ?? s.encr.icvLength, blockSize: s.encr.blockSize,
  };
}

describe('SkSealer and SkOpener round trips', () => {
  for (const s of SUITES) {
    it(`seals and opens inner payloads of many sizes with ${label(s)}`, () => {
      const keys = keysFor(s);
      const sealer = new SkSealer(keys);
      const opener = new SkOpener(keys);
      for (const size of [0, 1, 14, 15, 16, 17, 31, 100, 1000]) {
        const inner = randomBytes(size);
        const raw = sealer.seal(HEADER, PAYLOAD.IDi, inner);
        expect(raw.readUInt32BE(24)).toBe(raw.length);
        expect(raw[16]).toBe(PAYLOAD.SK);
        expect(raw.readUInt16BE(30)).toBe(raw.length - 28);
        expect((raw.length - 32 - s.encr.ivLength - (s.integ?.icvLength ?? s.encr.icvLength)) % s.encr.blockSize).toBe(0);
        const opened = opener.open(raw, skOf(raw));
        expect(opened).toEqual({ ok: true, inner, firstInnerType: PAYLOAD.IDi });
      }
    });
  }

  it('opens a message held in a view at a non-zero offset of a larger buffer', () => {
    for (const s of [CBC, GCM16, CHACHA]) {
      const keys = keysFor(s);
      const raw = new SkSealer(keys).seal(HEADER, PAYLOAD.NOTIFY, Buffer.from('inner payloads'));
      const big = Buffer.alloc(raw.length + 20, 0xee);
      raw.copy(big, 7);
      const view = big.subarray(7, 7 + raw.length);
      expect(new SkOpener(keys).open(view, skOf(view))).toEqual({ ok: true, inner: Buffer.from('inner payloads'), firstInnerType: PAYLOAD.NOTIFY });
    }
  });

  it('rejects keys of the wrong length and mismatched integrity transforms when built', () => {
    const keys = keysFor(CBC);
    expect(() => new SkSealer({ ...keys, encKey: randomBytes(15) })).toThrow(RangeError);
    expect(() => new SkOpener({ ...keys, integKey: randomBytes(5) })).toThrow(RangeError);
    expect(() => new SkSealer({ ...keys, integ: null, integKey: null })).toThrow(RangeError);
    expect(() => new SkSealer({ ...keysFor(GCM16), integ: integSpec(INTEG.HMAC_SHA2_256_128), integKey: randomBytes(32) })).toThrow(RangeError);
  });
});

describe.skipIf(!hasPythonReference())('against the python reference', () => {
  it('the reference opens what we seal, for every transform', () => {
    const cases = SUITES.map((s) => ({ s, keys: keysFor(s), inner: randomBytes(1 + Math.floor(Math.random() * 60)) }));
    const sealed = cases.map((c) => new SkSealer(c.keys).seal(HEADER, PAYLOAD.AUTH, c.inner));
    const answers = reference(cases.map((c, n) => ({ op: 'open', ...pythonRequest(c.s, c.keys), message: hex(sealed[n]!) })));
    cases.forEach((c, n) => expect({ suite: label(c.s), inner: answers[n]!.inner }).toEqual({ suite: label(c.s), inner: hex(c.inner) }));
  });

  it('we open what the reference seals, including any padding the RFC lets a sender choose', () => {
    const cases = SUITES.flatMap((s) => {
      const pads = s.encr.kind === 'cbc' ? [0, 16, 255 - 15] : [0, 3, 255];
      return pads.map((extra) => {
        const inner = randomBytes(s.encr.kind === 'cbc' ? 15 : 10);
        return { s, keys: keysFor(s), inner, padLength: extra };
      });
    });
    const answers = reference(cases.map((c) => ({
      op: 'seal', ...pythonRequest(c.s, c.keys), header: hex(headerBytes()), inner: hex(c.inner), padLength: c.padLength, firstInnerType: PAYLOAD.TSi,
    })));
    cases.forEach((c, n) => {
      const raw = unhex(answers[n]!.message);
      expect(new SkOpener(c.keys).open(raw, skOf(raw))).toEqual({ ok: true, inner: c.inner, firstInnerType: PAYLOAD.TSi });
    });
  });

  it('answers bad-padding for an authentic message whose Pad Length exceeds its plaintext', () => {
    const cases = [CBC, GCM16, CHACHA].map((s) => ({ s, keys: keysFor(s) }));
    const answers = reference(cases.map((c) => ({
      op: 'seal', ...pythonRequest(c.s, c.keys), header: hex(headerBytes()), inner: hex(Buffer.alloc(15, 1)), padLength: 0, padByte: 200, firstInnerType: PAYLOAD.TSi,
    })));
    cases.forEach((c, n) => {
      const raw = unhex(answers[n]!.message);
      expect(new SkOpener(c.keys).open(raw, skOf(raw))).toEqual({ ok: false, reason: 'bad-padding' });
    });
  });

  it('answers bad-padding for authentic CBC ciphertext that is not whole blocks', () => {
    const keys = keysFor(CBC);
    const [answer] = reference([{ op: 'seal', ...pythonRequest(CBC, keys), header: hex(headerBytes()), inner: hex(Buffer.alloc(20, 2)), padLength: 0, firstInnerType: PAYLOAD.TSi, misaligned: true }]);
    const raw = unhex(answer!.message);
    expect(new SkOpener(keys).open(raw, skOf(raw))).toEqual({ ok: false, reason: 'bad-padding' });
  });
});

function headerBytes(): Buffer {
  // The reference rewrites the Length field; the rest is HEADER with Next Payload = SK.
  const b = Buffer.alloc(28);
  HEADER.initiatorSpi.copy(b, 0);
  HEADER.responderSpi.copy(b, 8);
  b[16] = PAYLOAD.SK;
  b[17] = 0x20;
  b[18] = HEADER.exchangeType;
  b[19] = 0x08;
  b.writeUInt32BE(HEADER.messageId, 20);
  return b;
}

describe('RFC 7634 Appendix B: ChaCha20-Poly1305 in IKEv2', () => {
  // The example message as strongSwan's src/libcharon/tests/suites/test_message_chapoly.c carries
  // it: an INFORMATIONAL request with one SET_WINDOW_SIZE notify (window 10), IV 10..17.
  const key = Buffer.from('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f' + 'a0a1a2a3', 'hex'); // key || salt
  const expected = Buffer.from(
    'c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e202500000000090000004529000029' +
    '1011121314151617' + '610394701f8d017f7c12924889' + '6b71bfe25236efd7cdc67066906315b2', 'hex'); // IV, notify || Pad Length 0, ICV
  const notify = Buffer.from('0000000c000040010000000a', 'hex');
  const keys: SkKeys = { encr: encrSpec(ENCR.CHACHA20_POLY1305, null)!, encKey: key, integ: null, integKey: null };
  const header: IkeHeaderFields = {
    initiatorSpi: Buffer.from('c0c1c2c3c4c5c6c7', 'hex'), responderSpi: Buffer.from('d0d1d2d3d4d5d6d7', 'hex'),
    nextPayload: PAYLOAD.SK, exchangeType: EXCHANGE.INFORMATIONAL, initiator: false, response: false, messageId: 9,
  };

  it('seals the example notify into exactly the published message', () => {
    const sealer = new SkSealer(keys, { firstCounter: 0x1011121314151617n });
    expect(sealer.seal(header, PAYLOAD.NOTIFY, notify).toString('hex')).toBe(expected.toString('hex'));
  });

  it('opens the published message to the example notify', () => {
    expect(new SkOpener(keys).open(expected, skOf(expected))).toEqual({ ok: true, inner: notify, firstInnerType: PAYLOAD.NOTIFY });
  });
});

describe('AEAD output read by a plain node:crypto decipher', () => {
  for (const s of [GCM16, GCM8, SUITES.find((x) => x.encr.name === 'aes192gcm12')!, CHACHA]) {
    it(`decrypts ${label(s)} with nonce = salt || IV and AAD = header .. SK payload header (RFC 5282 5.1)`, () => {
      const keys = keysFor(s);
      const inner = Buffer.from('IDi AUTH SA TSi TSr');
      const raw = new SkSealer(keys).seal(HEADER, PAYLOAD.IDi, inner);
      const key = Buffer.from(keys.encKey.subarray(0, s.encr.keyLength));
      const salt = Buffer.from(keys.encKey.subarray(s.encr.keyLength));
      const iv = raw.subarray(32, 40);
      const icvLength = s.encr.icvLength;
      const options = { authTagLength: icvLength };
      const d = s.encr.cipher === 'chacha20-poly1305'
        ? createDecipheriv('chacha20-poly1305', key, Buffer.concat([salt, iv]), options)
        : createDecipheriv(s.encr.cipher as CipherGCMTypes, key, Buffer.concat([salt, iv]), options);
      d.setAAD(raw.subarray(0, 32), { plaintextLength: raw.length - 40 - icvLength });
      d.setAuthTag(raw.subarray(raw.length - icvLength));
      const plain = Buffer.concat([d.update(raw.subarray(40, raw.length - icvLength)), d.final()]);
      // AEADs need no padding: inner || Pad Length = 0 (RFC 7634 4; block size 1).
      expect(plain.equals(Buffer.concat([inner, Buffer.from([0])]))).toBe(true);
    });
  }

  it('checks the CBC ICV as the truncated HMAC over header .. encrypted Pad Length, and decrypts with node', () => {
    const keys = keysFor(CBC);
    const inner = Buffer.from('0123456789');
    const raw = new SkSealer(keys).seal(HEADER, PAYLOAD.IDi, inner);
    const icv = raw.subarray(raw.length - 16);
    expect(createHmac('sha256', keys.integKey!).update(raw.subarray(0, raw.length - 16)).digest().subarray(0, 16).equals(icv)).toBe(true);
    const d = createDecipheriv('aes-128-cbc', keys.encKey, raw.subarray(32, 48)).setAutoPadding(false);
    const plain = Buffer.concat([d.update(raw.subarray(48, raw.length - 16)), d.final()]);
    expect(plain.length).toBe(16);
    expect(plain.subarray(0, 10).equals(inner)).toBe(true);
    expect(plain[15]).toBe(5); // 10 + 5 + 1 = one block: the fewest padding octets
  });
});

describe('tampering', () => {
  for (const s of [CBC, GCM16, GCM8, CHACHA]) {
    it(`answers icv-mismatch when any single octet of header, SK header, IV, ciphertext or ICV changes (${label(s)})`, () => {
      const keys = keysFor(s);
      const raw = new SkSealer(keys).seal(HEADER, PAYLOAD.IDi, randomBytes(40));
      const opener = new SkOpener(keys);
      for (let i = 0; i < raw.length; i++) {
        const bad = Buffer.from(raw);
        bad[i]! ^= 0x01 << (i % 8);
        const r = opener.open(bad, skOf(bad));
        expect({ i, r }).toEqual({ i, r: { ok: false, reason: 'icv-mismatch' } });
      }
    });
  }

  it('answers icv-mismatch when the keys are the other direction\'s', () => {
    const raw = new SkSealer(keysFor(GCM16)).seal(HEADER, PAYLOAD.IDi, Buffer.from('x'));
    expect(new SkOpener(keysFor(GCM16)).open(raw, skOf(raw))).toEqual({ ok: false, reason: 'icv-mismatch' });
  });
});

describe('malformed bodies', () => {
  for (const s of [CBC, GCM16, CHACHA]) {
    it(`answers too-short for every body shorter than IV + one block + ICV (${label(s)})`, () => {
      const keys = keysFor(s);
      const opener = new SkOpener(keys);
      const icv = s.integ?.icvLength ?? s.encr.icvLength;
      const min = s.encr.ivLength + s.encr.blockSize + icv;
      const raw = new SkSealer(keys).seal(HEADER, PAYLOAD.IDi, Buffer.alloc(0));
      expect(raw.length - 32).toBe(min);
      for (let n = 0; n < min; n++) {
        expect(opener.open(raw, { offset: 28, body: raw.subarray(32, 32 + n), firstInnerType: PAYLOAD.IDi })).toEqual({ ok: false, reason: 'too-short' });
      }
    });
  }

  it('answers too-short when the SK payload header would lie beyond the message', () => {
    const keys = keysFor(GCM16);
    const raw = new SkSealer(keys).seal(HEADER, PAYLOAD.IDi, Buffer.alloc(10));
    const opener = new SkOpener(keys);
    expect(opener.open(raw.subarray(0, 30), skOf(raw))).toEqual({ ok: false, reason: 'too-short' });
    expect(opener.open(raw, { ...skOf(raw), offset: -1 })).toEqual({ ok: false, reason: 'too-short' });
  });

  it('never throws on random bodies and offsets', () => {
    const openers = [CBC, GCM16, CHACHA].map((s) => new SkOpener(keysFor(s)));
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 }), fc.uint8Array({ maxLength: 200 }), fc.integer({ min: -5, max: 250 }), (i, bytes, offset) => {
      const raw = Buffer.from(bytes);
      const r = openers[i]!.open(raw, { offset, body: raw.subarray(Math.max(0, offset + 4)), firstInnerType: 0 });
      expect(r.ok).toBe(false);
    }), { numRuns: 300 });
  });
});

describe('IVs', () => {
  it('counts AEAD IVs up from 1, one per message', () => {
    const sealer = new SkSealer(keysFor(GCM16));
    const ivs = [0, 1, 2].map(() => sealer.seal(HEADER, PAYLOAD.IDi, Buffer.alloc(4)).subarray(32, 40).toString('hex'));
    expect(ivs).toEqual(['0000000000000001', '0000000000000002', '0000000000000003']);
  });

  it('throws instead of reusing an AEAD IV once the 64-bit counter is spent', () => {
    const sealer = new SkSealer(keysFor(CHACHA), { firstCounter: (1n << 64n) - 1n });
    expect(sealer.seal(HEADER, PAYLOAD.IDi, Buffer.alloc(4)).subarray(32, 40).toString('hex')).toBe('ffffffffffffffff');
    expect(() => sealer.seal(HEADER, PAYLOAD.IDi, Buffer.alloc(4))).toThrow(RangeError);
  });

  it('draws a fresh random CBC IV for every message', () => {
    const sealer = new SkSealer(keysFor(CBC));
    const ivs = new Set([0, 1, 2, 3].map(() => sealer.seal(HEADER, PAYLOAD.IDi, Buffer.alloc(4)).subarray(32, 48).toString('hex')));
    expect(ivs.size).toBe(4);
  });
});

describe('Encrypted Fragment payloads (RFC 7383 2.5)', () => {
  for (const s of [CBC, GCM16, CHACHA]) {
    it(`seals and opens fragments whose header carries the fragment numbers (${label(s)})`, () => {
      const keys = keysFor(s);
      const sealer = new SkSealer(keys);
      const opener = new SkOpener(keys);
      const raw = sealer.sealFragment(HEADER, PAYLOAD.IDi, { fragmentNumber: 2, totalFragments: 3 }, Buffer.from('second fragment'));
      expect(raw[16]).toBe(PAYLOAD.SKF);
      expect(raw.readUInt16BE(32)).toBe(2);
      expect(raw.readUInt16BE(34)).toBe(3);
      expect(raw.readUInt16BE(30)).toBe(raw.length - 28);
      expect(opener.openFragment(raw, skOf(raw, 8))).toEqual({ ok: true, inner: Buffer.from('second fragment'), firstInnerType: PAYLOAD.IDi });
      for (const i of [32, 33, 34, 35]) {
        const bad = Buffer.from(raw);
        bad[i]! ^= 1;
        expect(opener.openFragment(bad, skOf(bad, 8))).toEqual({ ok: false, reason: 'icv-mismatch' });
      }
    });
  }

  it('puts Fragment Number and Total Fragments in the AEAD AAD', () => {
    const keys = keysFor(GCM16);
    const raw = new SkSealer(keys).sealFragment(HEADER, PAYLOAD.NONE, { fragmentNumber: 1, totalFragments: 1 }, Buffer.from('only'));
    const d = createDecipheriv('aes-256-gcm', keys.encKey.subarray(0, 32), Buffer.concat([keys.encKey.subarray(32), raw.subarray(36, 44)]));
    d.setAAD(raw.subarray(0, 36));
    d.setAuthTag(raw.subarray(raw.length - 16));
    expect(Buffer.concat([d.update(raw.subarray(44, raw.length - 16)), d.final()]).toString()).toBe('only\0');
  });

  it('refuses fragment numbers outside 1..Total Fragments', () => {
    const sealer = new SkSealer(keysFor(GCM16));
    expect(() => sealer.sealFragment(HEADER, 0, { fragmentNumber: 0, totalFragments: 1 }, Buffer.alloc(1))).toThrow(RangeError);
    expect(() => sealer.sealFragment(HEADER, 0, { fragmentNumber: 3, totalFragments: 2 }, Buffer.alloc(1))).toThrow(RangeError);
  });
});
