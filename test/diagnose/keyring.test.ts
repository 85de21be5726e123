// Which key line applies to a packet: the first one in file order that matches it, as in
// Wireshark, whether exact or wildcard, and repeated or ambiguous lines never break the run.
import { describe, expect, it } from 'vitest';
import { createEspCipher } from '../../src/esp/cipher.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import { parseEspSaFile } from '../../src/io/keys/esp-sa-file.js';
import { Keyring } from '../../src/diagnose/keyring.js';

const A = '192.0.2.1';
const B = '192.0.2.2';
const KEY = '000102030405060708090a0b0c0d0e0f10111213';
const OTHER = '0102030405060708090a0b0c0d0e0f1011121314';
const gcm16 = (key: string, src = A, dst = B, spi = '0x00004001'): string =>
  `"IPv4","${src}","${dst}","${spi}","AES-GCM with 16 octet ICV [RFC4106]","0x${key}","NULL",""`;
const saveKeysGcm = (key: string): string =>
  `"IPv4","${A}","${B}","0x00004001","AES-GCM [RFC4106]","0x${key}","ANY 64 bit authentication [no checking]","0x"`;

function keyring(lines: string[]): Keyring {
  const parsed = parseEspSaFile(lines.join('\n'));
  expect(parsed.errors).toEqual([]);
  return new Keyring(parsed.entries, { replayWindow: 64, esn: new Set() });
}

function packet(icvLength: 8 | 12 | 16): Buffer {
  const cipher = createEspCipher({ encryption: 'aes-gcm', keyBits: 128, icvLength, integrity: 'none' },
    { encryptionKey: Buffer.from(KEY, 'hex'), integrityKey: Buffer.alloc(0) });
  return encapsulate(cipher, { spi: 0x4001, seqHi: 0, seqLo: 1, esn: false, nextHeader: 59, payload: Buffer.alloc(4) });
}

function applied(k: Keyring, esp: Buffer): string | null | undefined {
  k.prepare(0x4001, A, B, 0, esp);
  return k.sad.lookupInbound(0x4001, B)?.config.label;
}

describe('the key line that applies to a packet', () => {
  it('is an earlier wildcard line over a later exact one', () => {
    const k = keyring([`"IPv4","*","*","*","AES-GCM with 16 octet ICV [RFC4106]","0x${KEY}","NULL",""`, gcm16(OTHER)]);
    expect(applied(k, packet(16))).toBe('esp_sa line 1');
    expect(k.notes.map((n) => n.line)).toEqual([2]);
  });

  it('is an earlier exact line over a later wildcard one', () => {
    const k = keyring([gcm16(KEY), `"IPv4","*","*","*","AES-GCM with 16 octet ICV [RFC4106]","0x${OTHER}","NULL",""`]);
    expect(applied(k, packet(16))).toBe('esp_sa line 1');
  });

  it('is the first of two identical save-keys lines (both peers\' files merged), without failing', () => {
    const k = keyring([saveKeysGcm(KEY), saveKeysGcm(KEY)]);
    expect(applied(k, packet(12))).toBe('esp_sa line 1');
    expect(k.sad.lookupInbound(0x4001, B)?.config.transform.icvLength).toBe(12);
  });

  it('is an ambiguous save-keys line over a later exact line for the same SPI, without failing', () => {
    const k = keyring([saveKeysGcm(KEY), gcm16(KEY)]);
    expect(applied(k, packet(8))).toBe('esp_sa line 1');
    expect(k.sad.lookupInbound(0x4001, B)?.config.transform.icvLength).toBe(8);
  });

  it('is not a line for another destination', () => {
    const k = keyring([gcm16(KEY, A, '192.0.2.9')]);
    k.prepare(0x4001, A, B, 0, packet(16));
    expect(k.sad.lookupInbound(0x4001, B)).toBeUndefined();
  });
});

describe("the key file's ESN high bits", () => {
  it('let a capture that starts in the middle of an ESN SA verify (seq-hi 5 from the start)', async () => {
    const { createInboundContext, processEsp } = await import('../../src/datapath/inbound.js');
    const cipher = createEspCipher({ encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' },
      { encryptionKey: Buffer.from(KEY, 'hex'), integrityKey: Buffer.alloc(0) });
    const esp = encapsulate(cipher, { spi: 0x4001, seqHi: 5, seqLo: 77, esn: true, nextHeader: 59, payload: Buffer.alloc(4) });
    const line = (highBits: string): string => `"IPv4","${A}","${B}","0x00004001","AES-GCM with 16 octet ICV [RFC4106]","0x${KEY}","NULL","","64-bit","${highBits}"`;
    const verdictWith = (highBits: string): string => {
      const k = keyring([line(highBits)]);
      const v = processEsp(createInboundContext(k.sad, null, { inferSaShape: true }), esp, { src: A, dst: B, srcPort: null, dstPort: null, encapsulated: false }, 0);
      return v.verdict;
    };
    expect(verdictWith('5')).toBe('dummy');
    expect(verdictWith('0')).toBe('dropped');
  });
});
