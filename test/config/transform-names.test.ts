// strongSwan proposal names map to TransformSpecs, and back; the key lengths the config checks
// are the ones the ESP engine's createEspCipher accepts.
import { describe, expect, it } from 'vitest';
import { encryptionKeyLength, integrityKeyLength } from '../../src/config/key-material.js';
import { TRANSFORM, TRANSFORM_NAMES, transformByName, transformName } from '../../src/config/transform-names.js';
import { createEspCipher } from '../../src/esp/cipher.js';

describe('transform names', () => {
  it('covers AES-GCM (3 ICVs), GMAC, ChaCha20-Poly1305 and AES-CBC/AES-CTR/NULL with 4 HMACs', () => {
    expect(TRANSFORM_NAMES).toHaveLength(9 + 3 + 1 + 3 * 4 + 3 * 4 + 4);
    expect(TRANSFORM_NAMES).toEqual(expect.arrayContaining(['aes128gcm16', 'aes192gcm8', 'aes256gcm12', 'chacha20poly1305', 'aes256gmac', 'aes128-sha1', 'aes256ctr-sha384', 'null-sha512']));
  });

  it.each(TRANSFORM_NAMES)('%s names itself back, and its key lengths key a cipher', (name) => {
    const spec = transformByName(name)!;
    expect(transformName(spec)).toBe(name);
    const keys = { encryptionKey: Buffer.alloc(encryptionKeyLength(spec), 1), integrityKey: Buffer.alloc(integrityKeyLength(spec), 2) };
    expect(() => createEspCipher(spec, keys)).not.toThrow();
    // One byte more is refused by the engine too: the lengths are exact, not just enough.
    const longer = { ...keys, encryptionKey: Buffer.alloc(encryptionKeyLength(spec) + 1, 1) };
    expect(() => createEspCipher(spec, longer)).toThrow(RangeError);
  });

  it.each([
    ['aes128gcm128', { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' }],
    ['aes256gcm64', { encryption: 'aes-gcm', keyBits: 256, icvLength: 8, integrity: 'none' }],
    ['aes192gcm96', { encryption: 'aes-gcm', keyBits: 192, icvLength: 12, integrity: 'none' }],
    ['AES128-SHA2_256', { encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-sha256-128' }],
    ['null-sha', { encryption: 'null', integrity: 'hmac-sha1-96' }],
    ['aes128ctr-sha2_512', { encryption: 'aes-ctr', keyBits: 128, integrity: 'hmac-sha512-256' }],
  ])('reads the alias %s', (name, spec) => {
    expect(transformByName(name)).toEqual(spec);
  });

  it('names a spec without keyBits as AES-128', () => {
    expect(transformName({ encryption: 'aes-gcm', integrity: 'none' })).toBe('aes128gcm16');
  });

  it('suggests the nearest name and lists examples for an unknown one', () => {
    const r = TRANSFORM.parse('aes256-sha265');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain("got 'aes256-sha265' (did you mean 'aes256-sha256'?)");
      expect(r.message).toContain('like aes128gcm16, aes256gcm16, chacha20poly1305');
    }
  });
});
