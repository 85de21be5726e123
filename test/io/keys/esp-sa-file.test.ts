// esp_sa parsing. Expected key lengths come from the RFCs (RFC 3602, 3686 5.1, 4106 8.1,
// 7634 2, 2404 3, 4868 2.1.1); spellings from Wireshark's packet-ipsec.c tables and
// strongSwan's save_keys_listener.c (which writes the deprecated 'AES-GCM [RFC4106]' with
// 'ANY n bit authentication [no checking]' and keys as "0x" + hex).
import { describe, expect, it } from 'vitest';
import type { EspSaEntry, KeyFileError } from '../../../src/io/keys/esp-sa-file.js';
import { parseEspSaFile } from '../../../src/io/keys/esp-sa-file.js';
import { matchesAddress, matchesSpi } from '../../../src/io/keys/esp-patterns.js';

const hex = (n: number, from = 0): string => '0x' + Buffer.from(Array.from({ length: n }, (_, i) => (from + i) & 0xff)).toString('hex');
const bytes = (n: number, from = 0): Uint8Array => Uint8Array.from(Array.from({ length: n }, (_, i) => (from + i) & 0xff));

function line(enc: string, encKey: string, auth: string, authKey: string, extra = ''): string {
  return `"IPv4","192.0.2.1","192.0.2.2","0x12345678","${enc}","${encKey}","${auth}","${authKey}"${extra}`;
}

function only(text: string): EspSaEntry {
  const f = parseEspSaFile(text);
  expect(f.errors).toEqual([]);
  expect(f.entries).toHaveLength(1);
  return f.entries[0]!;
}

function errorsOf(text: string): KeyFileError[] {
  const f = parseEspSaFile(text);
  expect(f.entries).toEqual([]);
  return [...f.errors];
}

describe('every usable algorithm in Wireshark spelling', () => {
  it.each<[string, string, string, string, object, number, number]>([
    ['NULL', '', 'HMAC-SHA-1-96 [RFC2404]', hex(20), { encryption: 'null', integrity: 'hmac-sha1-96' }, 0, 20],
    ['AES-CBC [RFC3602]', hex(16), 'HMAC-SHA-256-128 [RFC4868]', hex(32), { encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-sha256-128' }, 16, 32],
    ['AES-CBC [RFC3602]', hex(24), 'HMAC-SHA-384-192 [RFC4868]', hex(48), { encryption: 'aes-cbc', keyBits: 192, integrity: 'hmac-sha384-192' }, 24, 48],
    ['AES-CBC [RFC3602]', hex(32), 'HMAC-SHA-512-256 [RFC4868]', hex(64), { encryption: 'aes-cbc', keyBits: 256, integrity: 'hmac-sha512-256' }, 32, 64],
    ['AES-CTR [RFC3686]', hex(20), 'HMAC-SHA-1-96 [RFC2404]', hex(20), { encryption: 'aes-ctr', keyBits: 128, integrity: 'hmac-sha1-96' }, 20, 20],
    ['AES-CTR [RFC3686]', hex(36), 'HMAC-SHA-256-128 [RFC4868]', hex(32), { encryption: 'aes-ctr', keyBits: 256, integrity: 'hmac-sha256-128' }, 36, 32],
    ['AES-GCM with 8 octet ICV [RFC4106]', hex(20), 'NULL', '', { encryption: 'aes-gcm', keyBits: 128, icvLength: 8, integrity: 'none' }, 20, 0],
    ['AES-GCM with 12 octet ICV [RFC4106]', hex(28), 'NULL', '', { encryption: 'aes-gcm', keyBits: 192, icvLength: 12, integrity: 'none' }, 28, 0],
    ['AES-GCM with 16 octet ICV [RFC4106]', hex(36), 'NULL', '', { encryption: 'aes-gcm', keyBits: 256, icvLength: 16, integrity: 'none' }, 36, 0],
    ['ChaCha20 with Poly1305 [RFC7634]', hex(36), 'NULL', '', { encryption: 'chacha20-poly1305', integrity: 'none' }, 36, 0],
  ])('%s with %s-byte key, %s', (enc, encKey, auth, authKey, transform, encLen, authLen) => {
    const e = only(line(enc, encKey, auth, authKey));
    expect(e.transform).toEqual(transform);
    expect(e.keys.encryptionKey).toEqual(bytes(encLen));
    expect(e.keys.integrityKey).toEqual(bytes(authLen));
    expect(e).toMatchObject({ line: 1, family: 4, esn: false });
  });

  it('notes that tshark 4.0 does not know the ChaCha20 spelling', () => {
    expect(only(line('ChaCha20 with Poly1305 [RFC7634]', hex(36), 'NULL', '')).notes.join()).toMatch(/not known to tshark 4\.0/);
  });
});

describe("strongSwan's save-keys spelling: 'AES-GCM [RFC4106]' with 'ANY n bit'", () => {
  it.each([[64, 8], [96, 12], [128, 16]])('ANY %i bit gives a %i-octet ICV', (bits, icv) => {
    const e = only(line('AES-GCM [RFC4106]', hex(20), `ANY ${bits} bit authentication [no checking]`, '0x'));
    expect(e.transform).toEqual({ encryption: 'aes-gcm', keyBits: 128, icvLength: icv, integrity: 'none' });
    expect(e.keys.integrityKey).toEqual(new Uint8Array(0));
  });

  it('warns that strongSwan writes ANY 64 bit for 12-octet ICVs too', () => {
    const e = only(line('AES-GCM [RFC4106]', hex(20), 'ANY 64 bit authentication [no checking]', '0x'));
    expect(e.notes.join('\n')).toMatch(/both 8- and 12-octet ICVs/);
  });

  it('reads a file exactly as save_keys_listener.c writes it (two lines per CHILD_SA)', () => {
    const f = parseEspSaFile(
      `"IPv4","192.0.2.1","192.0.2.2","0xc1a2b3c4","AES-CBC [RFC3602]","${hex(16)}","HMAC-SHA-256-128 [RFC4868]","${hex(32, 100)}"\n`
      + `"IPv4","192.0.2.2","192.0.2.1","0xc5d6e7f8","AES-CBC [RFC3602]","${hex(16, 50)}","HMAC-SHA-256-128 [RFC4868]","${hex(32, 150)}"\n`);
    expect(f.errors).toEqual([]);
    expect(f.entries.map((e) => [e.line, e.spi.value, e.src.text, e.dst.text])).toEqual([
      [1, 0xc1a2b3c4, '192.0.2.1', '192.0.2.2'], [2, 0xc5d6e7f8, '192.0.2.2', '192.0.2.1'],
    ]);
    expect(f.entries[1]!.keys.integrityKey).toEqual(bytes(32, 150));
  });

  it("refuses the deprecated GCM spelling with NULL authentication: the ICV length is unknown", () => {
    const [err] = errorsOf(line('AES-GCM [RFC4106]', hex(20), 'NULL', ''));
    expect(err).toMatchObject({ line: 1, field: 'authentication', found: "'NULL'" });
    expect(err!.expected).toMatch(/ANY 64\|96\|128 bit/);
  });
});

describe('keys as compute_ascii_key() reads them', () => {
  it('implies a leading 0 for an odd number of hex digits', () => {
    const e = only(line('AES-CBC [RFC3602]', '0x' + '1'.repeat(31), 'HMAC-SHA-1-96 [RFC2404]', hex(20)));
    expect(e.keys.encryptionKey[0]).toBe(0x01);
    expect(e.keys.encryptionKey).toHaveLength(16);
  });

  it("reads '0x' alone as an empty key and 0X in capitals as hex", () => {
    const e = only(line('AES-GCM with 16 octet ICV [RFC4106]', '0X' + '00'.repeat(20), 'NULL', '0x'));
    expect(e.keys.encryptionKey).toEqual(new Uint8Array(20));
  });

  it('takes text without 0x as the key bytes, and says so', () => {
    const e = only(line('AES-CBC [RFC3602]', 'sixteen byte key', 'HMAC-SHA-1-96 [RFC2404]', hex(20)));
    expect(Buffer.from(e.keys.encryptionKey).toString()).toBe('sixteen byte key');
    expect(e.notes.join()).toMatch(/encryptionKey has no 0x prefix/);
  });

  it('decodes UAT escapes inside a text key', () => {
    const e = only(line('AES-CBC [RFC3602]', 'quote\\x22slash\\x5ckeys', 'HMAC-SHA-1-96 [RFC2404]', hex(20)));
    expect(Buffer.from(e.keys.encryptionKey).toString()).toBe('quote"slash\\keys');
  });

  it('ignores, with a note, a key given for NULL authentication', () => {
    const e = only(line('AES-GCM with 16 octet ICV [RFC4106]', hex(20), 'NULL', '0x0102'));
    expect(e.keys.integrityKey).toEqual(new Uint8Array(0));
    expect(e.notes.join()).toMatch(/authentication key is ignored/);
  });
});

describe('address and SPI wildcards (filter_address_match / filter_spi_match)', () => {
  function entry(src: string, dst: string, spi: string, family = 'IPv4'): EspSaEntry {
    return only(`"${family}","${src}","${dst}","${spi}","NULL","","HMAC-SHA-1-96 [RFC2404]","${hex(20)}"`);
  }

  it("'*' matches any address of the line's family and any SPI", () => {
    const e = entry('*', '*', '*');
    expect(matchesAddress(e.src, '203.0.113.9')).toBe(true);
    expect(matchesAddress(e.src, '2001:db8::1')).toBe(false);
    expect(matchesSpi(e.spi, 0xdeadbeef)).toBe(true);
  });

  it('per-octet IPv4 wildcards free whole octets', () => {
    const e = entry('192.168.*.*', '10.*.0.1', '1');
    expect(matchesAddress(e.src, '192.168.77.3')).toBe(true);
    expect(matchesAddress(e.src, '192.169.0.1')).toBe(false);
    expect(matchesAddress(e.dst, '10.99.0.1')).toBe(true);
    expect(matchesAddress(e.dst, '10.99.0.2')).toBe(false);
  });

  it('an IPv4 /prefix compares the network bits only', () => {
    const e = entry('10.0.0.77/24', '10.0.0.0/8', '1');
    expect(matchesAddress(e.src, '10.0.0.1')).toBe(true);
    expect(matchesAddress(e.src, '10.0.1.1')).toBe(false);
    expect(matchesAddress(e.dst, '10.255.1.1')).toBe(true);
  });

  it('notes a prefix that is not a multiple of 4 bits (Wireshark compares hex digits)', () => {
    expect(entry('10.0.0.0/25', '*', '1').notes.join()).toMatch(/src prefix is not a multiple of 4 bits/);
  });

  it("IPv6 '*' is one hex digit, as get_full_ipv6_addr pads a group '*' to '000*'", () => {
    const e = entry('2001:db8::*', '2001:db8::****', '1', 'IPv6');
    expect(matchesAddress(e.src, '2001:db8::f')).toBe(true);
    expect(matchesAddress(e.src, '2001:db8::1f')).toBe(false);
    expect(matchesAddress(e.dst, '2001:db8::ffff')).toBe(true);
    expect(matchesAddress(e.dst, '2001:db8::1:0')).toBe(false);
  });

  it('an IPv6 /prefix compares the network bits only', () => {
    const e = entry('2001:db8::/32', '::/0', '1', 'IPv6');
    expect(matchesAddress(e.src, '2001:db8:ffff::1')).toBe(true);
    expect(matchesAddress(e.src, '2001:db9::1')).toBe(false);
    expect(matchesAddress(e.dst, '::1')).toBe(true);
  });

  it('reads SPIs in hex, decimal, with per-digit wildcards, and octal with a leading zero like strtoul', () => {
    expect(entry('*', '*', '0x0000100A').spi).toMatchObject({ value: 0x100a, mask: 0xffffffff });
    expect(entry('*', '*', '4096').spi).toMatchObject({ value: 4096, mask: 0xffffffff });
    const wild = entry('*', '*', '0x1234****').spi;
    expect(matchesSpi(wild, 0x1234abcd)).toBe(true);
    expect(matchesSpi(wild, 0x1235abcd)).toBe(false);
    const octal = entry('*', '*', '010');
    expect(octal.spi.value).toBe(8);
    expect(octal.notes.join()).toMatch(/read as octal/);
  });
});

describe('file-level syntax', () => {
  const good = line('NULL', '', 'HMAC-SHA-1-96 [RFC2404]', hex(20));

  it('skips comments and blank lines and numbers lines as the file does', () => {
    const f = parseEspSaFile(`# This file is automatically generated, DO NOT MODIFY.\n\n   \n${good}\n# another\n${good}\n`);
    expect(f.errors).toEqual([]);
    expect(f.entries.map((e) => e.line)).toEqual([4, 6]);
  });

  it('accepts CRLF line endings and a UTF-8 byte order mark', () => {
    const f = parseEspSaFile(`\uFEFF# header\r\n${good}\r\n${good}\r\n`);
    expect(f.errors).toEqual([]);
    expect(f.entries.map((e) => e.line)).toEqual([2, 3]);
    expect(f.entries[0]!.keys.integrityKey).toEqual(bytes(20));
  });

  it('accepts the file as bytes, BOM included', () => {
    const f = parseEspSaFile(Buffer.from(`\uFEFF${good}\n`, 'utf8'));
    expect(f.entries).toHaveLength(1);
  });

  it("reads the newer 10-column form: 'Any' protocol, SN '64-bit', ESN high bits", () => {
    const e = only(`"Any","*","*","*","AES-GCM with 16 octet ICV [RFC4106]","${hex(20)}","NULL","","64-bit","1a"`);
    expect(e).toMatchObject({ family: 'any', esn: true, esnHighBits: 0x1a });
    expect(matchesAddress(e.src, '2001:db8::1')).toBe(true);
    expect(matchesAddress(e.src, '192.0.2.1')).toBe(true);
  });

  it('reads a 9-column line (ESN high bits left to its default)', () => {
    expect(only(`${good},"32-bit"`).esn).toBe(false);
  });
});

describe('malformed lines: every class, with its line number, all errors collected', () => {
  const good = line('NULL', '', 'HMAC-SHA-1-96 [RFC2404]', hex(20));
  const cases: [string, string, Partial<KeyFileError>][] = [
    ['too few fields', '"IPv4","1.2.3.4","1.2.3.5","1"', { field: 'record', found: '4 fields' }],
    ['too many fields', `${good},"32-bit","0","x"`, { field: 'record', found: '11 fields' }],
    ['an unterminated quote', '"IPv4","1.2.3.4', { field: 'record' }],
    ['an unknown protocol', good.replace('"IPv4"', '"IPX"'), { field: 'protocol', found: "'IPX'" }],
    ['a bad source address', good.replace('192.0.2.1', '192.0.2.300'), { field: 'src', found: "'192.0.2.300'" }],
    ['an IPv6 address on an IPv4 line', good.replace('192.0.2.2', '2001:db8::1'), { field: 'dst' }],
    ['a too long prefix', good.replace('192.0.2.1', '192.0.2.1/33'), { field: 'src' }],
    ['a bad SPI', good.replace('0x12345678', '0x12345678ab'), { field: 'spi' }],
    ['an SPI wildcard of the wrong length', good.replace('0x12345678', '0x1234**'), { field: 'spi' }],
    ['an unknown encryption spelling', line('AES-CBC', hex(16), 'HMAC-SHA-1-96 [RFC2404]', hex(20)), { field: 'encryption', found: "'AES-CBC'" }],
    ['3DES', line('TripleDES-CBC [RFC2451]', hex(24), 'HMAC-SHA-1-96 [RFC2404]', hex(20)), { field: 'encryption' }],
    ["strongSwan's 3DES spelling", line('TripleDes-CBC [RFC2451]', hex(24), 'HMAC-SHA-1-96 [RFC2404]', hex(20)), { field: 'encryption' }],
    ['DES', line('DES-CBC [RFC2405]', hex(8), 'HMAC-SHA-1-96 [RFC2404]', hex(20)), { field: 'encryption' }],
    ['CAST5', line('CAST5-CBC [RFC2144]', hex(16), 'HMAC-SHA-1-96 [RFC2404]', hex(20)), { field: 'encryption' }],
    ['Blowfish', line('BLOWFISH-CBC [RFC2451]', hex(16), 'HMAC-SHA-1-96 [RFC2404]', hex(20)), { field: 'encryption' }],
    ['Twofish', line('TWOFISH-CBC', hex(16), 'HMAC-SHA-1-96 [RFC2404]', hex(20)), { field: 'encryption' }],
    ['GCM with implicit IV', line('AES-GCM with IIV and 16 octet ICV [RFC4106 & RFC8750]', hex(20), 'NULL', ''), { field: 'encryption' }],
    ['HMAC-MD5-96', line('AES-CBC [RFC3602]', hex(16), 'HMAC-MD5-96 [RFC2403]', hex(16)), { field: 'authentication' }],
    ['RIPEMD', line('AES-CBC [RFC3602]', hex(16), 'MAC-RIPEMD-160-96 [RFC2857]', hex(20)), { field: 'authentication' }],
    ['SHA-256-96', line('AES-CBC [RFC3602]', hex(16), 'HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]', hex(32)), { field: 'authentication' }],
    ['an unknown authentication spelling', line('AES-CBC [RFC3602]', hex(16), 'HMAC-SHA256', hex(32)), { field: 'authentication' }],
    ['CBC with an unchecked ICV', line('AES-CBC [RFC3602]', hex(16), 'ANY 96 bit authentication [no checking]', ''), { field: 'authentication' }],
    ['CBC without integrity', line('AES-CBC [RFC3602]', hex(16), 'NULL', ''), { field: 'authentication' }],
    ['NULL with NULL', line('NULL', '', 'NULL', ''), { field: 'authentication' }],
    ['GCM with an HMAC', line('AES-GCM with 16 octet ICV [RFC4106]', hex(20), 'HMAC-SHA-1-96 [RFC2404]', hex(20)), { field: 'authentication' }],
    ['bad hex in a key', line('AES-CBC [RFC3602]', '0x00112g33445566778899aabbccddeeff', 'HMAC-SHA-1-96 [RFC2404]', hex(20)),
      { field: 'encryptionKey', found: "the non-hex character 'g' at position 8" }],
    ['a short AES-CBC key', line('AES-CBC [RFC3602]', hex(15), 'HMAC-SHA-1-96 [RFC2404]', hex(20)), { field: 'encryptionKey', found: '15 bytes' }],
    ['a GCM key without its salt', line('AES-GCM with 16 octet ICV [RFC4106]', hex(16), 'NULL', ''), { field: 'encryptionKey', found: '16 bytes' }],
    ['a ChaCha20 key without its salt', line('ChaCha20 with Poly1305 [RFC7634]', hex(32), 'NULL', ''), { field: 'encryptionKey', found: '32 bytes' }],
    ['a short HMAC-SHA-256 key', line('AES-CBC [RFC3602]', hex(16), 'HMAC-SHA-256-128 [RFC4868]', hex(20)), { field: 'authenticationKey', found: '20 bytes' }],
    ['a bad SN column', `${good},"48-bit"`, { field: 'snLength' }],
    ['bad ESN high bits', `${good},"64-bit","xyz"`, { field: 'snUpper' }],
  ];

  it.each(cases)('reports %s', (_name, text, expected) => {
    const errors = errorsOf(`# header\n${text}\n`);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatchObject({ line: 2, ...expected });
    expect(errors[0]!.message).toMatch(new RegExp(`^line 2: ${expected.field}: expected .+, found .+`));
  });

  it('collects the errors of every bad line of a file, keeping the good lines', () => {
    const text = cases.map(([, t]) => t).join('\n') + `\n${good}\n`;
    const f = parseEspSaFile(text);
    expect(f.entries.map((e) => e.line)).toEqual([cases.length + 1]);
    expect(new Set(f.errors.map((e) => e.line)).size).toBe(cases.length);
  });

  it('reports several bad fields of one line, left to right', () => {
    const errors = errorsOf('"IPv5","1.2.3","*","zz","NULL","","HMAC-SHA-1-96 [RFC2404]","0x01"');
    expect(errors.map((e) => e.field)).toEqual(['protocol', 'spi', 'authenticationKey']);
    const more = errorsOf('"IPv4","1.2.3","*","zz","AES-CBC [RFC3602]","0x01","HMAC-SHA-1-96 [RFC2404]","0x01"');
    expect(more.map((e) => e.field)).toEqual(['src', 'spi', 'encryptionKey', 'authenticationKey']);
  });

  it('never puts key material into an error', () => {
    const secret = 'c0ffee'.repeat(6);
    const errors = errorsOf(line('AES-CBC [RFC3602]', `0x${secret}`, 'HMAC-SHA-1-96 [RFC2404]', `0x${secret}`));
    for (const e of errors) expect(`${e.found} ${e.message}`).not.toContain('c0ffee');
  });
});

describe('key material in error messages', () => {
  it('is described, not printed, when a key lands in an algorithm column', () => {
    const key = '00112233445566778899aabbccddeeff01020304';
    const r = parseEspSaFile(`"IPv4","192.0.2.1","192.0.2.2","0x1000","0x${key}","AES-GCM with 16 octet ICV [RFC4106]","NULL",""\n`);
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) {
      expect(e.message).not.toContain(key.slice(0, 16));
      expect(e.found).not.toContain(key.slice(0, 16));
    }
    expect(r.errors[0]!.found).toMatch(/key material \(40 hex digits, not shown\)/);
  });
});
