// Misuse of the API throws (TypeError for wrong types, RangeError for wrong values), and the
// message names the parameter; valid combinations are accepted with the RFC key lengths.
import { describe, expect, it } from 'vitest';
import type { EspCipher } from '../../src/esp/cipher.js';
import { createEspCipher } from '../../src/esp/cipher.js';
import { decapsulate } from '../../src/esp/decapsulate.js';
import type { EspSealParams } from '../../src/esp/encapsulate.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import type { KeyMaterial, TransformSpec } from '../../src/esp/transform-spec.js';
import { allSpecs, randomKeys, specName } from './support.js';

const none = Buffer.alloc(0);
const keys = (encryption: number, integrity: number): KeyMaterial => ({ encryptionKey: Buffer.alloc(encryption, 1), integrityKey: Buffer.alloc(integrity, 2) });
const create = (spec: unknown, k: unknown) => () => createEspCipher(spec as TransformSpec, k as KeyMaterial);

describe('createEspCipher', () => {
  it.each(allSpecs().map((s) => [specName(s), s] as const))('accepts %s with the RFC key lengths and reports its wire shape', (_n, spec) => {
    const c = createEspCipher(spec, randomKeys(spec));
    const cbc = spec.encryption === 'aes-cbc';
    expect(c.ivLength).toBe(spec.encryption === 'null' ? 0 : cbc ? 16 : 8);
    expect(c.alignment).toBe(cbc ? 16 : 4);
    expect(c.aead).toBe(spec.integrity === 'none');
    expect(c.spec).toEqual(spec);
  });

  it('takes the AES key size from the key when keyBits is absent', () => {
    expect(createEspCipher({ encryption: 'aes-gcm', integrity: 'none' }, keys(36, 0)).icvLength).toBe(16);
    expect(() => createEspCipher({ encryption: 'aes-cbc', integrity: 'hmac-sha1-96' }, keys(20, 20))).toThrow(/spec\.keyBits/);
  });

  it.each([
    ['AES-GCM with an HMAC', { encryption: 'aes-gcm', keyBits: 128, integrity: 'hmac-sha256-128' }, keys(20, 32), /spec\.integrity/],
    ['ChaCha20-Poly1305 with an HMAC', { encryption: 'chacha20-poly1305', integrity: 'hmac-sha1-96' }, keys(36, 20), /spec\.integrity/],
    ['AES-GMAC with an HMAC', { encryption: 'aes-gmac', keyBits: 128, integrity: 'hmac-sha1-96' }, keys(20, 20), /spec\.integrity/],
    ['AES-CBC without integrity', { encryption: 'aes-cbc', keyBits: 128, integrity: 'none' }, keys(16, 0), /spec\.integrity/],
    ['NULL without integrity', { encryption: 'null', integrity: 'none' }, keys(0, 0), /spec\.integrity/],
    ['an unknown encryption', { encryption: 'des', integrity: 'hmac-sha1-96' }, keys(8, 20), /spec\.encryption/],
    ['an unknown integrity', { encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-md5-96' }, keys(16, 16), /spec\.integrity/],
    ['AES-GCM with a 10-byte ICV', { encryption: 'aes-gcm', keyBits: 128, icvLength: 10, integrity: 'none' }, keys(20, 0), /spec\.icvLength/],
    ['ChaCha20 with an 8-byte ICV', { encryption: 'chacha20-poly1305', icvLength: 8, integrity: 'none' }, keys(36, 0), /spec\.icvLength/],
    ['HMAC-SHA1 with an ICV other than 12', { encryption: 'null', icvLength: 16, integrity: 'hmac-sha1-96' }, keys(0, 20), /spec\.icvLength/],
    ['keyBits 512', { encryption: 'aes-cbc', keyBits: 512, integrity: 'hmac-sha1-96' }, keys(64, 20), /spec\.keyBits/],
    ['an AES-GCM-128 key without its salt', { encryption: 'aes-gcm', keyBits: 128, integrity: 'none' }, keys(16, 0), /keys\.encryptionKey must be 20 bytes/],
    ['an AES-CTR-256 key without its nonce', { encryption: 'aes-ctr', keyBits: 256, integrity: 'hmac-sha1-96' }, keys(32, 20), /keys\.encryptionKey must be 36 bytes/],
    ['an AES-CBC-192 key of 28 bytes', { encryption: 'aes-cbc', keyBits: 192, integrity: 'hmac-sha1-96' }, keys(28, 20), /keys\.encryptionKey must be 24 bytes/],
    ['a ChaCha20 key without salt', { encryption: 'chacha20-poly1305', integrity: 'none' }, keys(32, 0), /keys\.encryptionKey must be 36 bytes/],
    ['a key for NULL encryption', { encryption: 'null', integrity: 'hmac-sha1-96' }, keys(16, 20), /keys\.encryptionKey must be 0 bytes/],
    ['an HMAC-SHA-256 key of 20 bytes (RFC 4868: 32)', { encryption: 'null', integrity: 'hmac-sha256-128' }, keys(0, 20), /keys\.integrityKey must be 32 bytes/],
    ['an HMAC-SHA1 key of 16 bytes (RFC 2404: 20)', { encryption: 'null', integrity: 'hmac-sha1-96' }, keys(0, 16), /keys\.integrityKey must be 20 bytes/],
    ['an integrity key with AES-GCM', { encryption: 'aes-gcm', keyBits: 128, integrity: 'none' }, keys(20, 32), /keys\.integrityKey must be 0 bytes/],
  ])('throws RangeError for %s', (_what, spec, k, message) => {
    expect(create(spec, k)).toThrow(RangeError);
    expect(create(spec, k)).toThrow(message);
  });

  it('throws TypeError naming the parameter for values of the wrong type', () => {
    const spec = { encryption: 'null', integrity: 'hmac-sha1-96' };
    expect(create(null, keys(0, 20))).toThrow(TypeError);
    expect(create(spec, null)).toThrow(/keys must be/);
    expect(create(spec, { encryptionKey: 'abc', integrityKey: none })).toThrow(/keys\.encryptionKey must be a Uint8Array/);
    expect(create(spec, { encryptionKey: none, integrityKey: [1, 2] })).toThrow(/keys\.integrityKey must be a Uint8Array/);
  });

  it('copies the keys: changing the caller buffers afterwards changes nothing', () => {
    const spec: TransformSpec = { encryption: 'aes-gcm', keyBits: 128, integrity: 'none' };
    const k = randomKeys(spec);
    const original = Buffer.from(k.encryptionKey);
    const c = createEspCipher(spec, k);
    (k.encryptionKey as Buffer).fill(0);
    const twin = createEspCipher(spec, { encryptionKey: original, integrityKey: none });
    const packet = encapsulate(c, { spi: 1, seqHi: 0, seqLo: 1, esn: false, nextHeader: 4, payload: Buffer.from('x') });
    expect(decapsulate(twin, packet, 0, false).ok).toBe(true);
  });
});

describe('encapsulate and decapsulate argument checks', () => {
  const spec: TransformSpec = { encryption: 'aes-gcm', keyBits: 128, integrity: 'none' };
  const c: EspCipher = createEspCipher(spec, randomKeys(spec));
  const good: EspSealParams = { spi: 1, seqHi: 0, seqLo: 1, esn: false, nextHeader: 4, payload: Buffer.from('x') };
  const seal = (patch: Record<string, unknown>) => () => encapsulate(c, { ...good, ...patch } as EspSealParams);

  it.each([
    [{ spi: -1 }, RangeError, /p\.spi/], [{ spi: 2 ** 32 }, RangeError, /p\.spi/], [{ spi: 1.5 }, RangeError, /p\.spi/],
    [{ spi: '1' }, TypeError, /p\.spi/], [{ seqLo: 2 ** 32 }, RangeError, /p\.seqLo/], [{ seqHi: -3, esn: true }, RangeError, /p\.seqHi/],
    [{ seqHi: 1 }, RangeError, /p\.seqHi must be 0 when p\.esn is false/], [{ esn: 1 }, TypeError, /p\.esn/],
    [{ nextHeader: 256 }, RangeError, /p\.nextHeader/], [{ payload: 'text' }, TypeError, /p\.payload/],
    [{ payload: Buffer.alloc(65536) }, RangeError, /p\.payload/], [{ tfcPadTo: -1 }, RangeError, /p\.tfcPadTo/],
    [{ tfcPadTo: 70000 }, RangeError, /p\.tfcPadTo/], [{ iv: Buffer.alloc(16) }, RangeError, /p\.iv must be 8 bytes/],
    [{ iv: [1, 2, 3, 4, 5, 6, 7, 8] }, TypeError, /p\.iv/],
  ])('encapsulate refuses %o', (patch, type, message) => {
    expect(seal(patch)).toThrow(type);
    expect(seal(patch)).toThrow(message);
  });

  it('encapsulate and decapsulate refuse an object that merely has the EspCipher fields (not from createEspCipher)', () => {
    const lookalike: EspCipher = { spec, ivLength: 8, icvLength: 16, alignment: 4, aead: true };
    expect(() => encapsulate(lookalike, good)).toThrow(TypeError);
    expect(() => encapsulate(lookalike, good)).toThrow(/cipher must be an EspCipher from createEspCipher/);
    expect(() => decapsulate(lookalike, Buffer.alloc(40), 0, false)).toThrow(TypeError);
  });

  it('encapsulate refuses something that is not a cipher, and a missing params object', () => {
    expect(() => encapsulate({} as EspCipher, good)).toThrow(TypeError);
    expect(() => encapsulate(c, null as unknown as EspSealParams)).toThrow(/p must be/);
  });

  it('decapsulate refuses a non-byte packet, a bad seqHi and a non-boolean esn, naming each', () => {
    expect(() => decapsulate(c, 'abc' as unknown as Uint8Array, 0, false)).toThrow(/esp must be a Uint8Array/);
    expect(() => decapsulate(c, Buffer.alloc(40), -1, true)).toThrow(RangeError);
    expect(() => decapsulate(c, Buffer.alloc(40), 2 ** 32, true)).toThrow(/seqHi/);
    expect(() => decapsulate(c, Buffer.alloc(40), 0, 'yes' as unknown as boolean)).toThrow(/esn must be a boolean/);
    expect(() => decapsulate(null as unknown as EspCipher, Buffer.alloc(40), 0, false)).toThrow(/cipher must be/);
  });
});

describe('IV choice', () => {
  it('counter modes send the 64-bit sequence number as IV (unique per key: RFC 4106 3.1, RFC 7634 2, RFC 3686)', () => {
    for (const spec of allSpecs().filter((s) => s.encryption !== 'aes-cbc' && s.encryption !== 'null')) {
      const c = createEspCipher(spec, randomKeys(spec));
      const packet = encapsulate(c, { spi: 9, seqHi: 0x01020304, seqLo: 0x05060708, esn: true, nextHeader: 4, payload: Buffer.alloc(10) });
      expect(packet.subarray(8, 16).toString('hex')).toBe('0102030405060708');
    }
  });

  it('AES-CBC sends a fresh random IV each time (RFC 3602), so equal inputs give different packets', () => {
    const spec: TransformSpec = { encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-sha256-128' };
    const c = createEspCipher(spec, randomKeys(spec));
    const p: EspSealParams = { spi: 9, seqHi: 0, seqLo: 1, esn: false, nextHeader: 4, payload: Buffer.alloc(10) };
    const ivs = new Set(Array.from({ length: 50 }, () => encapsulate(c, p).subarray(8, 24).toString('hex')));
    expect(ivs.size).toBe(50);
  });
});
