import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TransformSpec } from '../../../src/esp/transform-spec.js';
import { parseEspSaFile } from '../../../src/io/keys/esp-sa-file.js';
import type { EspSaRecord } from '../../../src/io/keys/esp-sa-write.js';
import { formatEspSaLine, writeEspSaFile } from '../../../src/io/keys/esp-sa-write.js';

const key = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff);

const gcm16: EspSaRecord = {
  family: 4, src: '192.0.2.1', dst: '192.0.2.2', spi: 0xc0ffee01,
  transform: { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' },
  keys: { encryptionKey: key(20), integrityKey: new Uint8Array(0) },
};

describe('formatEspSaLine writes what tshark 4.0 reads', () => {
  it('spells AES-GCM with its ICV length and NULL authentication, keys as 0x hex', () => {
    expect(formatEspSaLine(gcm16)).toBe(
      `"IPv4","192.0.2.1","192.0.2.2","0xc0ffee01","AES-GCM with 16 octet ICV [RFC4106]","0x${Buffer.from(key(20)).toString('hex')}","NULL",""`);
  });

  it.each<[TransformSpec, number, number, string, string]>([
    [{ encryption: 'aes-gcm', icvLength: 8, integrity: 'none' }, 28, 0, 'AES-GCM with 8 octet ICV [RFC4106]', 'NULL'],
    [{ encryption: 'aes-gcm', icvLength: 12, integrity: 'none' }, 36, 0, 'AES-GCM with 12 octet ICV [RFC4106]', 'NULL'],
    [{ encryption: 'aes-cbc', integrity: 'hmac-sha256-128' }, 32, 32, 'AES-CBC [RFC3602]', 'HMAC-SHA-256-128 [RFC4868]'],
    [{ encryption: 'aes-ctr', integrity: 'hmac-sha1-96' }, 20, 20, 'AES-CTR [RFC3686]', 'HMAC-SHA-1-96 [RFC2404]'],
    [{ encryption: 'null', integrity: 'hmac-sha384-192' }, 0, 48, 'NULL', 'HMAC-SHA-384-192 [RFC4868]'],
    [{ encryption: 'aes-cbc', integrity: 'hmac-sha512-256' }, 16, 64, 'AES-CBC [RFC3602]', 'HMAC-SHA-512-256 [RFC4868]'],
  ])('%j', (transform, encLen, intLen, encName, authName) => {
    const fields = formatEspSaLine({ ...gcm16, transform, keys: { encryptionKey: key(encLen), integrityKey: key(intLen, 2) } }).split('","');
    expect(fields[4]).toBe(encName);
    expect(fields[6]).toBe(authName);
  });

  it('writes IPv6 addresses canonical and keeps parsed wildcard patterns as written', () => {
    const [entry] = parseEspSaFile('"IPv6","2001:db8::*","*","0x1234****","NULL","","HMAC-SHA-1-96 [RFC2404]","0x' + '11'.repeat(20) + '"').entries;
    const line = formatEspSaLine({ ...entry!, src: entry!.src, dst: '2001:DB8:0:0::1' });
    expect(line.startsWith('"IPv6","2001:db8::*","2001:db8::1","0x1234****",')).toBe(true);
  });

  it('writes the two newer columns for the latest Wireshark, with ESN as 64-bit', () => {
    expect(formatEspSaLine({ ...gcm16, esn: true }, { target: 'wireshark-latest' }).endsWith(',"64-bit","0"')).toBe(true);
    expect(formatEspSaLine(gcm16, { target: 'wireshark-latest' }).endsWith(',"32-bit","0"')).toBe(true);
  });

  it.each<[string, Partial<EspSaRecord>, RegExp]>([
    ['ChaCha20 for tshark 4.0', { transform: { encryption: 'chacha20-poly1305', integrity: 'none' }, keys: { encryptionKey: key(36), integrityKey: new Uint8Array(0) } }, /tshark 4\.0 has no ChaCha20/],
    ['AES-GMAC', { transform: { encryption: 'aes-gmac', integrity: 'none' } }, /no spelling for AES-GMAC/],
    ["family 'any' for tshark 4.0", { family: 'any' }, /record\.family: 'any' needs target 'wireshark-latest'/],
    ['an address of the other family', { dst: '2001:db8::1' }, /record\.dst: expected an IPv4 address/],
    ['an SPI above 32 bits', { spi: 2 ** 32 }, /record\.spi/],
    ['a GCM key without salt', { keys: { encryptionKey: key(16), integrityKey: new Uint8Array(0) } }, /record\.keys\.encryptionKey: expected 20 or 28 or 36 bytes/],
    ['keyBits that disagree with the key', { transform: { ...gcm16.transform, keyBits: 256 } }, /transform says 256-bit AES, the key holds 128 bits/],
    ['an HMAC with GCM', { transform: { ...gcm16.transform, integrity: 'hmac-sha1-96' } }, /record\.transform\.integrity: expected 'none'/],
    ['CBC without an HMAC', { transform: { encryption: 'aes-cbc', integrity: 'none' }, keys: { encryptionKey: key(16), integrityKey: new Uint8Array(0) } }, /needs an HMAC/],
    ['a short HMAC key', { transform: { encryption: 'aes-cbc', integrity: 'hmac-sha256-128' }, keys: { encryptionKey: key(16), integrityKey: key(20) } }, /record\.keys\.integrityKey: expected 32 bytes/],
  ])('throws RangeError for %s', (_name, change, message) => {
    expect(() => formatEspSaLine({ ...gcm16, ...change })).toThrow(RangeError);
    expect(() => formatEspSaLine({ ...gcm16, ...change })).toThrow(message);
  });

  it('writes ChaCha20 and Any for the latest Wireshark', () => {
    const line = formatEspSaLine({ ...gcm16, family: 'any', src: '*', dst: '*', transform: { encryption: 'chacha20-poly1305', integrity: 'none' }, keys: { encryptionKey: key(36), integrityKey: new Uint8Array(0) } }, { target: 'wireshark-latest' });
    expect(line).toMatch(/^"Any",.*"ChaCha20 with Poly1305 \[RFC7634\]"/);
  });
});

describe('writeEspSaFile', () => {
  it("starts with Wireshark's header line and ends with a newline", () => {
    const text = writeEspSaFile([gcm16]);
    expect(text.split('\n')[0]).toBe('# This file is automatically generated, DO NOT MODIFY.');
    expect(text.endsWith('"\n')).toBe(true);
  });

  it('adds a comment before an ESN SA for tshark 4.0, which cannot set ESN', () => {
    const text = writeEspSaFile([{ ...gcm16, esn: true }]);
    expect(text.split('\n')[1]).toMatch(/^# 0xc0ffee01 uses 64-bit ESN/);
  });

  it('is read back by parseEspSaFile to the same SAs (random transforms, keys, SPIs, addresses)', () => {
    const transforms: [TransformSpec, number[], number][] = [
      [{ encryption: 'aes-gcm', icvLength: 8, integrity: 'none' }, [20, 28, 36], 0],
      [{ encryption: 'aes-gcm', icvLength: 12, integrity: 'none' }, [20, 28, 36], 0],
      [{ encryption: 'aes-gcm', icvLength: 16, integrity: 'none' }, [20, 28, 36], 0],
      [{ encryption: 'aes-cbc', integrity: 'hmac-sha1-96' }, [16, 24, 32], 20],
      [{ encryption: 'aes-ctr', integrity: 'hmac-sha256-128' }, [20, 28, 36], 32],
      [{ encryption: 'null', integrity: 'hmac-sha512-256' }, [0], 64],
    ];
    const record = fc.record({
      t: fc.constantFrom(...transforms),
      pick: fc.nat(),
      v6: fc.boolean(),
      a: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      b: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      spi: fc.nat({ max: 0xffffffff }),
      seed: fc.nat(255),
    }).map(({ t: [transform, lengths, intLen], pick, v6, a, b, spi, seed }): EspSaRecord => {
      const encLen = lengths[pick % lengths.length]!;
      const addr = (x: Uint8Array): string => (v6 ? Buffer.from(x).toString('hex').match(/.{4}/g)!.join(':') : [...x.subarray(0, 4)].join('.'));
      return { family: v6 ? 6 : 4, src: addr(a), dst: addr(b), spi, transform, keys: { encryptionKey: key(encLen, seed), integrityKey: key(intLen, seed + 1) } };
    });
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (records) => {
      const parsed = parseEspSaFile(writeEspSaFile(records));
      expect(parsed.errors).toEqual([]);
      parsed.entries.forEach((e, i) => {
        const r = records[i]!;
        expect(e.spi.value).toBe(r.spi);
        expect(e.family).toBe(r.family);
        expect(e.keys.encryptionKey).toEqual(r.keys.encryptionKey);
        expect(e.keys.integrityKey).toEqual(r.keys.integrityKey);
        expect(e.transform).toMatchObject(r.transform);
      });
    }), { numRuns: 300 });
  });
});
