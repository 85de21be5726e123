// Captures we did not write, of ESP we did not encrypt: scapy 2.5 (Debian python3-scapy, an
// independent ESP implementation: scapy.layers.ipsec.SecurityAssociation) builds the traffic and
// its own writers write the files, as pcap (Ethernet, big-endian nanosecond, Linux cooked v1
// and v2, raw IP as DLT 12 and 101, BSD loopback) and pcapng; editcap (Wireshark) converts
// some to pcapng too. The key file is written here by hand in the two spellings users have:
// tshark 4.0's and strongSwan save-keys'. `ipsec-ts diagnose --json` must give every frame
// the verdict, code and cause the python script says its action calls for
// (test/external/scapy_captures.py documents the actions).
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOracle } from '../support/oracle.js';
import { Prng } from '../support/prng.js';
import type { FrameIntent } from './support.js';
import { compareWithIntent, parseJsonLines, runCli, scratchDir } from './support.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'scapy_captures.py');

const A4 = '198.51.100.10';
const B4 = '203.0.113.20';
const A6 = '2001:db8:a::10';
const B6 = '2001:db8:b::20';

type Crypt = 'AES-GCM' | 'AES-CBC' | 'AES-CTR' | 'NULL' | 'CHACHA20-POLY1305';
type Auth = 'NULL' | 'HMAC-SHA1-96' | 'SHA2-256-128' | 'SHA2-384-192' | 'SHA2-512-256';

/** One SA: what scapy needs to send on it, and what the key file says about it. */
interface ScapySa {
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  readonly spi: number;
  readonly crypt: Crypt;
  /** Encryption key as scapy and the esp_sa file take it: AES key || 4-byte salt/nonce for GCM, CTR, ChaCha20. */
  readonly ckey: string;
  readonly auth: Auth;
  readonly akey: string;
  readonly icv: 8 | 12 | 16 | null;
  readonly mode: 'tunnel' | 'transport';
  readonly encap: 'udp' | 'esp';
  /** Whether the key file declares extended sequence numbers for it. */
  readonly keyEsn: boolean;
  /** NAT-T ports (4500 when absent). */
  readonly sport?: number;
  readonly dport?: number;
}

const prng = new Prng(0x5ca9e);
const hex = (n: number): string => prng.bytes(n).toString('hex');
let nextSpi = 0xc0a80100;

function sa(family: 4 | 6, forward: boolean, crypt: Crypt, keyBytes: number, auth: Auth, icv: 8 | 12 | 16 | null,
  mode: 'tunnel' | 'transport', encap: 'udp' | 'esp', keyEsn = false): ScapySa {
  const [a, b] = family === 4 ? [A4, B4] : [A6, B6];
  const akeyBytes = { NULL: 0, 'HMAC-SHA1-96': 20, 'SHA2-256-128': 32, 'SHA2-384-192': 48, 'SHA2-512-256': 64 }[auth];
  return {
    family, src: forward ? a : b, dst: forward ? b : a, spi: ++nextSpi, crypt, ckey: hex(keyBytes), auth, akey: hex(akeyBytes),
    icv, mode, encap, keyEsn,
  };
}

/** Names are the contract with scapy_captures.py, which picks SAs for its failure cases by name. */
const SAS: Record<string, ScapySa> = {
  'gcm128-udp4': sa(4, true, 'AES-GCM', 20, 'NULL', 16, 'tunnel', 'udp'),
  'gcm256-esp4-transport': sa(4, true, 'AES-GCM', 36, 'NULL', 16, 'transport', 'esp'),
  'gcm192-icv8-esp6': sa(6, true, 'AES-GCM', 28, 'NULL', 8, 'tunnel', 'esp'),
  'gcm128-icv12-udp6-transport': sa(6, true, 'AES-GCM', 20, 'NULL', 12, 'transport', 'udp'),
  // B answers a peer behind a NAT, on the port the NAT chose.
  'cbc128-sha256-udp4': { ...sa(4, false, 'AES-CBC', 16, 'SHA2-256-128', null, 'tunnel', 'udp'), dport: 61234 },
  'cbc256-sha384-esp6': sa(6, true, 'AES-CBC', 32, 'SHA2-384-192', null, 'tunnel', 'esp'),
  'cbc192-sha512-esp4-transport': sa(4, true, 'AES-CBC', 24, 'SHA2-512-256', null, 'transport', 'esp'),
  'ctr128-sha256-udp4': sa(4, true, 'AES-CTR', 20, 'SHA2-256-128', null, 'tunnel', 'udp'),
  'ctr256-sha512-udp6': sa(6, false, 'AES-CTR', 36, 'SHA2-512-256', null, 'tunnel', 'udp'),
  'null-sha256-esp4-transport': sa(4, true, 'NULL', 0, 'SHA2-256-128', null, 'transport', 'esp'),
  'null-sha1-udp6': sa(6, true, 'NULL', 0, 'HMAC-SHA1-96', null, 'tunnel', 'udp'),
  'chacha-udp4': sa(4, false, 'CHACHA20-POLY1305', 36, 'NULL', 16, 'tunnel', 'udp'),
  // scapy 2.5 does ESN only for AEAD transforms (AuthAlgo.sign adds seq-hi for AH, not ESP).
  'esn-gcm-udp4': sa(4, true, 'AES-GCM', 20, 'NULL', 16, 'tunnel', 'udp', true),
  'esn-sender-only-udp4': sa(4, true, 'AES-GCM', 20, 'NULL', 16, 'tunnel', 'udp', false),
};

const ESP_SA_AUTH: Record<Auth, string> = {
  NULL: 'NULL',
  'HMAC-SHA1-96': 'HMAC-SHA-1-96 [RFC2404]',
  'SHA2-256-128': 'HMAC-SHA-256-128 [RFC4868]',
  'SHA2-384-192': 'HMAC-SHA-384-192 [RFC4868]',
  'SHA2-512-256': 'HMAC-SHA-512-256 [RFC4868]',
};

type Spelling = 'tshark-4.0' | 'strongswan-save-keys';

/**
 * One esp_sa line as each tool writes it. tshark 4.0 (Wireshark's UAT dialog): AEAD as
 * 'AES-GCM with N octet ICV [RFC4106]' + 'NULL', empty keys as "". strongSwan's save-keys
 * (save_keys_listener.c): 'AES-GCM [RFC4106]' + 'ANY n bit authentication [no checking]', and
 * every key as "0x" + hex, so an absent key is "0x". ESN: the 10-column line of Wireshark
 * newer than 4.0 for the tshark file; save-keys writes no ESN column (--esn tells diagnose).
 */
function keyLine(s: ScapySa, spelling: Spelling): string {
  const fields = [s.family === 4 ? 'IPv4' : 'IPv6', s.src, s.dst, `0x${s.spi.toString(16).padStart(8, '0')}`];
  const key = (k: string): string => (spelling === 'strongswan-save-keys' ? `0x${k}` : k === '' ? '' : `0x${k}`);
  const [enc, auth] = algorithmNames(s, spelling);
  fields.push(enc, key(s.ckey), auth, key(s.akey));
  if (spelling === 'tshark-4.0' && s.keyEsn) fields.push('64-bit', '0');
  return fields.map((f) => `"${f}"`).join(',');
}

function algorithmNames(s: ScapySa, spelling: Spelling): [string, string] {
  switch (s.crypt) {
    case 'AES-GCM':
      // save-keys writes 'ANY 64 bit' for 12-octet ICVs too, which cannot be told from 8
      // (see the report); the 12-octet SA keeps the unambiguous spelling in both files.
      if (spelling === 'strongswan-save-keys' && s.icv !== 12) return ['AES-GCM [RFC4106]', `ANY ${s.icv! * 8} bit authentication [no checking]`];
      return [`AES-GCM with ${s.icv} octet ICV [RFC4106]`, 'NULL'];
    case 'CHACHA20-POLY1305': return ['ChaCha20 with Poly1305 [RFC7634]', 'NULL'];
    case 'AES-CBC': return ['AES-CBC [RFC3602]', ESP_SA_AUTH[s.auth]];
    case 'AES-CTR': return ['AES-CTR [RFC3686]', ESP_SA_AUTH[s.auth]];
    case 'NULL': return ['NULL', ESP_SA_AUTH[s.auth]];
  }
}

function keyFile(spelling: Spelling): string {
  const header = spelling === 'strongswan-save-keys' ? '' : '# This file is automatically generated, DO NOT MODIFY.\n';
  return header + Object.values(SAS).map((s) => keyLine(s, spelling)).join('\n') + '\n';
}

/** The --esn argument save-keys files need: their lines cannot say ESN. */
function esnArgs(spelling: Spelling): string[] {
  if (spelling === 'tshark-4.0') return [];
  return Object.values(SAS).filter((s) => s.keyEsn).flatMap((s) => ['--esn', `0x${s.spi.toString(16)}`]);
}

/** The files scapy_captures.py writes, with what each exercises. */
const SCAPY_CAPTURES = [
  'ether.pcap', 'ether-be-nano.pcap', 'sll.pcap', 'sll2.pcap', 'raw.pcap', 'raw101.pcap', 'null.pcap', 'ether.pcapng',
] as const;
/** Converted to pcapng by Wireshark's editcap: pcapng with link types scapy's pcapng writer cannot declare. */
const EDITCAP_CONVERSIONS = ['sll2.pcap', 'raw.pcap', 'null.pcap'] as const;

interface Generated {
  readonly dir: string;
  readonly intent: FrameIntent[];
  readonly frames: number;
  readonly captures: { file: string; format: string; note: string }[];
}

const scratch: string[] = [];
afterAll(() => { for (const d of scratch) rmSync(d, { recursive: true, force: true }); });

function generate(): Generated {
  const dir = scratchDir('scapy');
  scratch.push(dir);
  const run = spawnSync('/usr/bin/python3', [SCRIPT], { input: JSON.stringify({ out: dir, sas: SAS }), maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`scapy_captures.py failed (${run.status}): ${run.stderr.toString()}`);
  const out = JSON.parse(run.stdout.toString()) as Omit<Generated, 'dir'>;
  for (const spelling of ['tshark-4.0', 'strongswan-save-keys'] as const) writeFileSync(join(dir, `esp_sa.${spelling}`), keyFile(spelling));
  return { dir, ...out };
}

describe.skipIf(!hasOracle('scapy'))('diagnose on captures scapy wrote', () => {
  let g: Generated;
  beforeAll(() => { g = generate(); });

  it('has scapy write the files this test expects, and an intent for every frame', () => {
    expect(g.captures.map((c) => c.file.slice(g.dir.length + 1))).toEqual([...SCAPY_CAPTURES]);
    expect(g.intent.map((i) => i.frame)).toEqual(Array.from({ length: g.frames }, (_, i) => i + 1));
    // The scenario covers every kind of outcome the brief lists.
    const causes = new Set(g.intent.map((i) => i.cause ?? i.reason ?? i.verdict));
    for (const c of ['delivered', 'none', 'duplicate', 'too-old', 'icv-mismatch', 'never-established', 'reserved',
      'our-outbound-spi', 'wrong-destination', 'esn-mismatch', 'truncated-esp', 'truncated-esp-header']) {
      expect(causes, c).toContain(c);
    }
  });

  for (const spelling of ['tshark-4.0', 'strongswan-save-keys'] as const) {
    for (const file of SCAPY_CAPTURES) {
      it(`${file}, keys as ${spelling} writes them: every frame gets the verdict the scenario intended`, async () => {
        const r = await runCli(['diagnose', join(g.dir, file), '--keys', join(g.dir, `esp_sa.${spelling}`), '--json', ...esnArgs(spelling)]);
        expect(r.code, r.stderr).toBe(1);
        expect(compareWithIntent(g.intent, parseJsonLines(r.stdout))).toEqual([]);
        const judged = g.intent.filter((i) => i.verdict !== 'none');
        const delivered = judged.filter((i) => i.verdict === 'delivered').length;
        expect(r.stderr).toContain(`${delivered} delivered, ${judged.length - delivered} dropped of ${judged.length} ESP packets in ${g.frames} frames`);
        // Nothing about the key file is worth a note except what the spelling implies.
        const notes = r.stderr.split('\n').filter((l) => l.includes('note:'));
        expect(notes.filter((l) => !/deprecated|ChaCha20|ANY 64 bit for both 8- and 12-octet/.test(l))).toEqual([]);
      });
    }
  }

  it('gives the summary of the text report: drops by error and the frames without a verdict', async () => {
    const r = await runCli(['diagnose', join(g.dir, 'sll2.pcap'), '--keys', join(g.dir, 'esp_sa.tshark-4.0')]);
    expect(r.code).toBe(1);
    const dropped = g.intent.filter((i) => i.verdict === 'dropped');
    const count = (code: number): number => dropped.filter((i) => i.code === code).length;
    expect(r.stdout).toMatch(new RegExp(`ERROR_IPSEC_BAD_SPI \\(13910, 0x3656\\)\\s+${count(13910)} packets`));
    expect(r.stdout).toMatch(new RegExp(`ERROR_IPSEC_REPLAY_CHECK_FAILED \\(13913, 0x3659\\)\\s+${count(13913)} packets`));
    expect(r.stdout).toMatch(new RegExp(`ERROR_IPSEC_INTEGRITY_CHECK_FAILED \\(13915, 0x365B\\)\\s+${count(13915)} packets`));
    expect(r.stdout).toContain('2 IKE messages (UDP 500, or 4500 with the non-ESP marker)');
    expect(r.stdout).toContain('1 NAT-keepalive (RFC 3948)');
    const nonLast = g.intent.filter((i) => i.verdict === 'none' && i.did.includes('fragments')).length;
    expect(r.stdout).toContain(`${nonLast} IP fragments reassembled`);
    expect(r.stdout).toContain('2 other IP packets (not ESP, not on an ESP-in-UDP port)');
  });

  it('is a real check: a key file with one wrong key byte turns that SA\'s deliveries into integrity drops', async () => {
    const s = SAS['cbc256-sha384-esp6']!;
    const wrong = keyFile('tshark-4.0').replace(s.akey, (s.akey[0] === '0' ? '1' : '0') + s.akey.slice(1));
    const path = join(g.dir, 'esp_sa.wrong');
    writeFileSync(path, wrong);
    const r = await runCli(['diagnose', join(g.dir, 'ether.pcap'), '--keys', path, '--json']);
    const lines = parseJsonLines(r.stdout).filter((l) => l.spi === `0x${s.spi.toString(16)}`);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.every((l) => l.verdict === 'dropped' && l.code === 13915 && l.reason === 'icv-mismatch')).toBe(true);
  });
});

describe.skipIf(!hasOracle('scapy') || !hasOracle('tshark'))('diagnose on scapy captures converted to pcapng by editcap', () => {
  let g: Generated;
  beforeAll(() => { g = generate(); });

  for (const file of EDITCAP_CONVERSIONS) {
    it(`${file} as pcapng: the same verdicts as the pcap`, async () => {
      const out = join(g.dir, file.replace('.pcap', '.editcap.pcapng'));
      const conv = spawnSync('editcap', ['-F', 'pcapng', join(g.dir, file), out], { encoding: 'utf8' });
      expect(conv.status, conv.stderr).toBe(0);
      const r = await runCli(['diagnose', out, '--keys', join(g.dir, 'esp_sa.tshark-4.0'), '--json']);
      expect(r.code, r.stderr).toBe(1);
      expect(compareWithIntent(g.intent, parseJsonLines(r.stdout))).toEqual([]);
    });
  }
});
