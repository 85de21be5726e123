// Oracle tests: Debian 12's tshark 4.0 loads the esp_sa files we write and, with them,
// decrypts and verifies ESP packets that scapy (not our code) encrypted; and tshark's own
// reading of Wireshark-spelled wildcard patterns agrees with matchesAddress/matchesSpi.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransformSpec } from '../../../src/esp/transform-spec.js';
import { parseEspSaFile } from '../../../src/io/keys/esp-sa-file.js';
import { matchesAddress, matchesSpi } from '../../../src/io/keys/esp-patterns.js';
import type { EspSaRecord } from '../../../src/io/keys/esp-sa-write.js';
import { formatEspSaLine, writeEspSaFile } from '../../../src/io/keys/esp-sa-write.js';
import { hasOracle } from '../../support/oracle.js';

const here = dirname(fileURLToPath(import.meta.url));
const oracles = hasOracle('tshark') && hasOracle('scapy');

interface Sa {
  readonly record: EspSaRecord & { readonly src: string; readonly dst: string; readonly spi: number };
  readonly dport: number;
}

const SCAPY_INTEGRITY: Record<TransformSpec['integrity'], string> = {
  none: 'NULL', 'hmac-sha1-96': 'HMAC-SHA1-96', 'hmac-sha256-128': 'SHA2-256-128',
  'hmac-sha384-192': 'SHA2-384-192', 'hmac-sha512-256': 'SHA2-512-256',
};
const SCAPY_ENCRYPTION: Partial<Record<TransformSpec['encryption'], string>> = {
  'aes-gcm': 'AES-GCM', 'aes-cbc': 'AES-CBC', 'aes-ctr': 'AES-CTR', null: 'NULL',
};

function scapyJson(sas: readonly Sa[]): string {
  return JSON.stringify(sas.map(({ record: r, dport }) => ({
    family: r.family, src: r.src, dst: r.dst, spi: r.spi, dport,
    crypt: SCAPY_ENCRYPTION[r.transform.encryption], ckey: Buffer.from(r.keys.encryptionKey).toString('hex'),
    icv: r.transform.encryption === 'aes-gcm' ? r.transform.icvLength ?? 16 : null,
    auth: SCAPY_INTEGRITY[r.transform.integrity], akey: Buffer.from(r.keys.integrityKey).toString('hex'),
  })));
}

function buildPcap(dir: string, name: string, sas: readonly Sa[]): string {
  const pcap = join(dir, name);
  const r = spawnSync('/usr/bin/python3', [join(here, 'fixtures', 'make_esp_pcap.py'), pcap], { input: scapyJson(sas), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scapy failed: ${r.stderr}`);
  return pcap;
}

interface TsharkRun {
  readonly rows: Map<string, { dport: string; icvGood: string }>;
  readonly stderr: string;
}

let runs = 0;

/** Runs tshark on the capture with espSa as the esp_sa file of a fresh profile. */
function tshark(dir: string, pcap: string, espSa: string): TsharkRun {
  const home = join(dir, `home-${runs++}`);
  mkdirSync(join(home, '.config', 'wireshark'), { recursive: true });
  writeFileSync(join(home, '.config', 'wireshark', 'esp_sa'), espSa);
  const r = spawnSync('tshark', [
    '-r', pcap, '-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE',
    '-T', 'fields', '-E', 'separator=,', '-e', 'esp.spi', '-e', 'udp.dstport', '-e', 'esp.icv_good',
  ], { encoding: 'utf8', env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') } });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  const rows = new Map<string, { dport: string; icvGood: string }>();
  for (const line of r.stdout.trim().split('\n')) {
    const [spi, dport, icvGood] = line.split(',');
    rows.set(spi!, { dport: dport ?? '', icvGood: icvGood ?? '' });
  }
  return { rows, stderr: r.stderr };
}

const key = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (seed * 37 + i * 11 + 5) & 0xff);

function sa(spi: number, family: 4 | 6, transform: TransformSpec, encLen: number, intLen: number): Sa {
  const v4 = family === 4;
  return {
    record: {
      family, spi, transform,
      src: v4 ? '192.0.2.1' : '2001:db8::1', dst: v4 ? '192.0.2.2' : '2001:db8::2',
      keys: { encryptionKey: key(encLen, spi), integrityKey: key(intLen, spi + 1) },
    },
    dport: 41000 + (spi & 0xff),
  };
}

describe.skipIf(!oracles)('tshark 4.0 and the esp_sa files we write (scapy builds the packets)', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'ipsec-ts-esp-sa-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sas: Sa[] = [
    sa(0x0a000001, 4, { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' }, 20, 0),
    sa(0x0a000002, 4, { encryption: 'aes-gcm', keyBits: 256, icvLength: 8, integrity: 'none' }, 36, 0),
    sa(0x0a000003, 4, { encryption: 'aes-gcm', keyBits: 192, icvLength: 12, integrity: 'none' }, 28, 0),
    sa(0x0a000004, 4, { encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-sha256-128' }, 16, 32),
    sa(0x0a000005, 4, { encryption: 'aes-cbc', keyBits: 256, integrity: 'hmac-sha384-192' }, 32, 48),
    sa(0x0a000006, 4, { encryption: 'aes-ctr', keyBits: 256, integrity: 'hmac-sha1-96' }, 36, 20),
    sa(0x0a000007, 4, { encryption: 'null', integrity: 'hmac-sha512-256' }, 0, 64),
    sa(0x0a000008, 6, { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' }, 20, 0),
    sa(0x0a000009, 6, { encryption: 'aes-cbc', keyBits: 192, integrity: 'hmac-sha1-96' }, 24, 20),
  ];

  it('decrypts every packet and verifies every ICV with the file writeEspSaFile produced', () => {
    const pcap = buildPcap(dir, 'all.pcap', sas);
    const file = writeEspSaFile(sas.map((s) => s.record));
    expect(parseEspSaFile(file).errors).toEqual([]);
    const run = tshark(dir, pcap, file);
    expect(run.stderr).not.toMatch(/Error loading table|invalid value|Dissector bug/);
    for (const s of sas) {
      expect(run.rows.get(`0x${s.record.spi.toString(16).padStart(8, '0')}`)).toEqual({ dport: String(s.dport), icvGood: '1' });
    }
  });

  it('does not decrypt with a wrong key, so the test above is not vacuous', () => {
    const pcap = buildPcap(dir, 'one.pcap', [sas[3]!]);
    const wrong = { ...sas[3]!.record, keys: { ...sas[3]!.record.keys, encryptionKey: key(16, 99) } };
    const run = tshark(dir, pcap, writeEspSaFile([wrong]));
    expect(run.rows.get('0x0a000004')?.dport).toBe('');
  });

  it("refuses the ChaCha20 spelling, which is why the 4.0 target will not write it", () => {
    const pcap = buildPcap(dir, 'one-gcm.pcap', [sas[0]!]);
    const chacha = formatEspSaLine({ ...sas[0]!.record, transform: { encryption: 'chacha20-poly1305', integrity: 'none' }, keys: { encryptionKey: key(36, 1), integrityKey: new Uint8Array(0) } }, { target: 'wireshark-latest' });
    const run = tshark(dir, pcap, `${chacha}\n`);
    expect(run.stderr).toMatch(/invalid value: ChaCha20 with Poly1305 \[RFC7634\]/);
  });
});

describe.skipIf(!oracles)('wildcard patterns: tshark and matchesAddress/matchesSpi agree', () => {
  let dir = '';
  let pcap = '';
  const gcm: TransformSpec = { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' };
  const shared = key(20, 7);
  const packet = (spi: number, family: 4 | 6, src: string, dst: string): Sa => ({
    record: { family, spi, src, dst, transform: gcm, keys: { encryptionKey: shared, integrityKey: new Uint8Array(0) } },
    dport: 42000 + (spi & 0xff),
  });
  const packets: Sa[] = [
    packet(0x00001001, 4, '10.0.0.1', '10.0.0.2'),
    packet(0x00001002, 4, '10.0.1.1', '10.0.0.2'),
    packet(0x00002001, 4, '10.1.0.1', '10.0.0.9'),
    packet(0x00001003, 4, '192.168.5.5', '10.0.0.2'),
    packet(0x00001006, 4, '10.0.0.17', '10.0.0.2'),
    packet(0x00001004, 6, '2001:db8::1', '2001:db8::2'),
    packet(0x00001005, 6, '2001:db8::1f', '2001:db8::2'),
    packet(0xabcd1007, 6, '2001:db8:1::1', '2001:db8::2'),
  ];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ipsec-ts-esp-wild-'));
    pcap = buildPcap(dir, 'wild.pcap', packets);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const line = (family: string, src: string, dst: string, spi: string): string =>
    `"${family}","${src}","${dst}","${spi}","AES-GCM with 16 octet ICV [RFC4106]","0x${Buffer.from(shared).toString('hex')}","NULL",""\n`;
  const spiKey = (spi: number): string => `0x${spi.toString(16).padStart(8, '0')}`;

  it.each([
    ['IPv4', '10.0.*.*', '*', '*'],
    ['IPv4', '*', '10.0.0.2', '0x0000100*'],
    ['IPv4', '*', '*', '4097'],
    ['IPv4', '10.*.0.1', '10.0.0.*', '0x0000****'],
    ['IPv4', '192.168.5.5', '10.0.0.2', '0x00001003'],
    ['IPv6', '2001:db8::*', '*', '*'],
    ['IPv6', '2001:db8::**', '2001:db8::2', '0x00001005'],
    ['IPv6', '2001:db8:*::1', '*', '0xabcd****'],
  ])('%s %s -> %s SPI %s', (family, src, dst, spi) => {
    const text = line(family, src, dst, spi);
    const [entry] = parseEspSaFile(text).entries;
    const run = tshark(dir, pcap, text);
    expect(run.stderr).not.toMatch(/Error loading table/);
    let decrypted = 0;
    for (const p of packets) {
      const r = p.record;
      const ours = (entry!.family === 'any' || entry!.family === r.family)
        && matchesAddress(entry!.src, r.src) && matchesAddress(entry!.dst, r.dst) && matchesSpi(entry!.spi, r.spi);
      const theirs = run.rows.get(spiKey(r.spi))?.dport === String(p.dport);
      if (theirs) decrypted++;
      expect({ spi: r.spi, decrypted: theirs }).toEqual({ spi: r.spi, decrypted: ours });
    }
    expect(decrypted).toBeGreaterThan(0);
  });

  // Differences we document (esp-patterns.ts AddressPattern.prefixLength), shown on tshark.
  it("applies '/n' only to the first packet checked against the line, unlike matchesAddress", () => {
    const few = buildPcap(dir, 'prefix.pcap', [packets[1]!, packets[0]!]); // 10.0.1.1, then 10.0.0.1
    const text = line('IPv4', '10.0.0.0/16', '*', '*');
    const parsed = parseEspSaFile(text).entries[0]!;
    expect(parsed.notes.join()).toMatch(/only to the first packet/);
    expect([matchesAddress(parsed.src, '10.0.1.1'), matchesAddress(parsed.src, '10.0.0.1')]).toEqual([true, true]);
    const run = tshark(dir, few, text);
    expect(run.rows.get(spiKey(0x1002))?.dport).toBe('42002');
    expect(run.rows.get(spiKey(0x1001))?.dport).toBe('');
  });

  it('applies a prefix that is not a multiple of 4 per hex digit: /25 misses 10.0.0.17', () => {
    const one = buildPcap(dir, 'nibble.pcap', [packets[4]!]); // 10.0.0.17 is the first packet checked
    const text = line('IPv4', '10.0.0.0/25', '*', '*');
    const parsed = parseEspSaFile(text).entries[0]!;
    expect(parsed.notes.join()).toMatch(/not a multiple of 4 bits/);
    expect(matchesAddress(parsed.src, '10.0.0.17')).toBe(true);
    expect(tshark(dir, one, text).rows.get(spiKey(0x1006))?.dport).toBe('');
  });
});
