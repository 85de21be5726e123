// `ipsec-ts diagnose` on input other tools wrote, and on input that is wrong: captures from
// scapy reshaped by Wireshark's own tools (mergecap, editcap, tshark), key lines with
// wildcards checked against tshark, and files that are not captures or not readable. Each case
// pins the exit status (0 all delivered, 1 drops, 2 input errors) and the key words of the message.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOracle } from '../support/oracle.js';
import { tsharkFields } from '../support/tshark.js';
import type { JsonLine } from './support.js';
import { parseJsonLines, runCli, scratchDir } from './support.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'cli_inputs.py');

const A4 = '198.51.100.10';
const B4 = '203.0.113.20';
const A6 = '2001:db8:a::10';
const B6 = '2001:db8:b::20';
const HMAC_KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

/** The three SAs of cli_inputs.py, as scapy needs them. */
const SAS = {
  'gcm-udp4': { family: 4, src: A4, dst: B4, spi: 0xc0a80101, crypt: 'AES-GCM', ckey: '00112233445566778899aabbccddeeff0a0b0c0d', auth: 'NULL', akey: '', icv: 16, mode: 'tunnel', encap: 'udp' },
  'cbc-esp4': { family: 4, src: B4, dst: A4, spi: 0xc0a80102, crypt: 'AES-CBC', ckey: 'ffeeddccbbaa99887766554433221100', auth: 'SHA2-256-128', akey: HMAC_KEY, icv: null, mode: 'tunnel', encap: 'esp' },
  'ctr-udp6': { family: 6, src: A6, dst: B6, spi: 0xc0a80103, crypt: 'AES-CTR', ckey: '776beff2851db06f4c8a0542c8696f6cdeadbeef', auth: 'SHA2-256-128', akey: HMAC_KEY, icv: null, mode: 'tunnel', encap: 'udp' },
} as const;

const GCM = `"AES-GCM with 16 octet ICV [RFC4106]","0x${SAS['gcm-udp4'].ckey}","NULL",""`;
const CBC = `"AES-CBC [RFC3602]","0x${SAS['cbc-esp4'].ckey}","HMAC-SHA-256-128 [RFC4868]","0x${HMAC_KEY}"`;
const CTR = `"AES-CTR [RFC3686]","0x${SAS['ctr-udp6'].ckey}","HMAC-SHA-256-128 [RFC4868]","0x${HMAC_KEY}"`;

const EXACT_KEYS = [
  `"IPv4","${A4}","${B4}","0xc0a80101",${GCM}`,
  `"IPv4","${B4}","${A4}","0xc0a80102",${CBC}`,
  `"IPv6","${A6}","${B6}","0xc0a80103",${CTR}`,
].join('\n') + '\n';

interface Listed { sa: string; spi: string; seq: number; size: number; time: number; role?: 'fragment' | 'last' }

const dir = scratchDir('cli-input');
const at = (name: string): string => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(at('esp_sa'), EXACT_KEYS);
// draft-ietf-opsawg-pcap 4: magic 0xA1B2C3D4 little-endian, version 2.4, two reserved words,
// snaplen 262144, link type 1 (Ethernet): a capture of no packets.
const BARE_PCAP = Buffer.from('d4c3b2a1' + '02000400' + '00000000' + '00000000' + '00000400' + '01000000', 'hex');
writeFileSync(at('bare.pcap'), BARE_PCAP);

function tool(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}

/** The built CLI as uid/gid 65534 (nobody): what a user without read access sees. */
function asNobody(args: string[]): { code: number; stderr: string } {
  const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'ipsec-ts.js');
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', uid: 65534, gid: 65534 });
  return { code: r.status ?? -1, stderr: r.stderr };
}

async function diagnose(capture: string, ...extra: string[]): ReturnType<typeof runCli> {
  return runCli(['diagnose', capture, '--keys', at('esp_sa'), ...extra]);
}

function seqsBySpi(lines: readonly JsonLine[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const l of lines) (out[l.spi ?? '-'] ??= []).push(l.seq ?? -1);
  return out;
}

describe.skipIf(!hasOracle('scapy') || !hasOracle('tshark'))('diagnose on captures reshaped by Wireshark tools', () => {
  let files: Record<string, Listed[]> = {};

  beforeAll(() => {
    const run = spawnSync('/usr/bin/python3', [SCRIPT], { input: JSON.stringify({ out: dir, sas: SAS }), encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`cli_inputs.py failed: ${run.stderr}`);
    files = (JSON.parse(run.stdout) as { files: Record<string, Listed[]> }).files;
    tool('mergecap', ['-F', 'pcapng', '-w', at('multi.pcapng'), at('iface-ether.pcap'), at('iface-sll2.pcap'), at('iface-raw.pcap')]);
  });

  it('judges every frame of a pcapng with three interfaces of three link types by its own interface', async () => {
    const info = spawnSync('capinfos', [at('multi.pcapng')], { encoding: 'utf8' }).stdout;
    expect(info).toContain('Number of interfaces in file: 3');
    expect(info).toMatch(/Ethernet[\s\S]*Linux cooked-mode capture v2[\s\S]*Raw IP/);
    const r = await diagnose(at('multi.pcapng'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = parseJsonLines(r.stdout);
    // mergecap orders by time; the listings say when each packet was sent.
    const sent = [...files['iface-ether.pcap']!, ...files['iface-sll2.pcap']!, ...files['iface-raw.pcap']!].sort((a, b) => a.time - b.time);
    expect(lines.map((l) => [l.frame, l.verdict, l.spi, l.seq])).toEqual(sent.map((p, i) => [i + 1, 'delivered', p.spi, p.seq]));
  });

  it('skips the frames of an interface it cannot decode, says which, and judges the rest', async () => {
    tool('mergecap', ['-F', 'pcapng', '-w', at('mixed.pcapng'), at('iface-ether.pcap'), at('ieee80211.pcap')]);
    const r = await diagnose(at('mixed.pcapng'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/delivered\s+5\n/);
    expect(r.stdout).toMatch(/1 non-IP frame; first: frame \d+, link type 105 is not decoded/);
  });

  it('reads a pcapng of several sections (pcapng files concatenated) as one capture', async () => {
    tool('editcap', ['-F', 'pcapng', at('iface-ether.pcap'), at('ether.pcapng')]);
    tool('editcap', ['-F', 'pcapng', at('iface-sll2.pcap'), at('sll2.pcapng')]);
    writeFileSync(at('sections.pcapng'), Buffer.concat([readFileSync(at('ether.pcapng')), readFileSync(at('sll2.pcapng'))]));
    const r = await diagnose(at('sections.pcapng'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(seqsBySpi(parseJsonLines(r.stdout))).toEqual({ '0xc0a80101': [1, 2, 3, 4, 5], '0xc0a80102': [1, 2, 3, 4, 5] });
  });

  it('looks through 802.1Q tags and 802.1ad + 802.1Q (Q-in-Q) on Ethernet', async () => {
    // tshark's reading of the frames: outer EtherType, 802.1Q VLAN, 802.1ad service VLAN.
    const tags = tsharkFields(at('vlan.pcap'), '', ['eth.type', 'vlan.id', 'ieee8021ad.id']);
    expect(tags).toEqual([0, 1, 2].flatMap(() => [['0x8100', '100', ''], ['0x88a8', '100', '200']]));
    const r = await diagnose(at('vlan.pcap'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(seqsBySpi(parseJsonLines(r.stdout))).toEqual({ '0xc0a80101': [1, 2, 3, 4, 5, 6] });
  });

  it('gives no verdict to frames the snaplen cut (editcap -s), judges the whole ones, and says so in the summary', async () => {
    tool('editcap', ['-s', '300', at('sizes.pcap'), at('snapped.pcap')]);
    const listed = files['sizes.pcap']!;
    const cut = listed.map((p, i) => ({ ...p, frame: i + 1 })).filter((p) => p.size > 300);
    expect(cut.length).toBe(4);
    const json = await diagnose(at('snapped.pcap'), '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(parseJsonLines(json.stdout).map((l) => l.frame)).toEqual([1, 3, 5, 7]);
    expect(json.stderr).toContain("no verdict: 4 frames cut short by the capture's snaplen");
    const text = await diagnose(at('snapped.pcap'));
    expect(text.stdout).toContain(`4 frames cut short by the capture's snaplen (no verdict possible; capture with -s 0); first: frame ${cut[0]!.frame}, frame cut to 300 of ${cut[0]!.size} bytes`);
  });

  it('judges frames whose snaplen cut only the link-layer trailer after a whole IP packet', async () => {
    const size = files['trailer.pcap']![0]!.size;
    tool('editcap', ['-s', String(size - 4), at('trailer.pcap'), at('trailer-cut.pcap')]);
    const r = await diagnose(at('trailer-cut.pcap'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonLines(r.stdout).map((l) => l.verdict)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(r.stderr).not.toContain('snaplen');
  });

  it('reports a fragmented packet at its last fragment, and counts fragments that never completed and duplicates', async () => {
    const listed = files['fragments.pcap']!.map((p, i) => ({ ...p, frame: i + 1 }));
    const r = await diagnose(at('fragments.pcap'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = parseJsonLines(r.stdout);
    const framesOf = (seq: number): number[] => listed.filter((p) => p.seq === seq).map((p) => p.frame);
    // Packet 3's first fragment came twice: the copy (frame 7) is ignored.
    expect(lines.map((l) => ({ frame: l.frame, frames: l.frames, seq: l.seq, verdict: l.verdict }))).toEqual([
      { frame: 3, frames: framesOf(1), seq: 1, verdict: 'delivered' },
      { frame: 9, frames: [6, 8, 9], seq: 3, verdict: 'delivered' },
    ]);
    expect(r.stderr).toContain('no verdict: 4 IP fragments reassembled');
    expect(r.stderr).toContain('no verdict: 2 IP fragments of packets that never completed');
    expect(r.stderr).toContain('no verdict: 1 duplicate IP fragment (ignored)');
  });

  it('finds no ESP in UDP on another port until told the port with --udp-port, and says so', async () => {
    const blind = await diagnose(at('port4501.pcap'));
    expect(blind.code, blind.stderr).toBe(0);
    expect(blind.stdout).toContain('Summary: 0 ESP packets in 5 frames');
    expect(blind.stdout).toContain('No ESP packet found. If ESP travels in UDP on a port other than 4500, name it with --udp-port');
    const told = await diagnose(at('port4501.pcap'), '--udp-port', '4501', '--json');
    expect(told.code, told.stderr).toBe(0);
    expect(parseJsonLines(told.stdout).map((l) => [l.verdict, l.seq])).toEqual([1, 2, 3, 4, 5].map((n) => ['delivered', n]));
    expect(told.stderr).not.toContain('No ESP packet found');
  });

  it.each(['pcap', 'pcapng'])('exits 0 with a summary on an empty %s (tshark wrote a header and no packets)', async (format) => {
    const empty = at(`empty.${format}`);
    tool('tshark', ['-r', at('iface-ether.pcap'), '-Y', 'frame.number == 0', '-F', format, '-w', empty]);
    const text = await diagnose(empty);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Summary: 0 ESP packets in 0 frames');
    const json = await diagnose(empty, '--json');
    expect(json.code).toBe(0);
    expect(json.stdout).toBe('');
    expect(json.stderr).toContain('0 delivered, 0 dropped of 0 ESP packets in 0 frames');
  });

  it.each([['pcap', 'ieee80211.pcap'], ['pcapng', 'ieee80211.pcapng']])('exits 2 on a %s whose only link type it does not decode, naming the link type', async (_format, name) => {
    if (name.endsWith('.pcapng')) tool('editcap', ['-F', 'pcapng', at('ieee80211.pcap'), at(name)]);
    const r = await diagnose(at(name));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/link type 105 is not one diagnose decodes \(Ethernet 1, raw IP/);
  });

  it('exits 2 on a capture damaged in the middle, after the verdicts of the frames before the damage', async () => {
    const pcap = Buffer.from(readFileSync(at('iface-ether.pcap')));
    const size = files['iface-ether.pcap']![0]!.size;
    // draft-ietf-opsawg-pcap 5: the third record's captured length, 8 bytes into its header.
    const third = 24 + 2 * (16 + size);
    pcap.writeUInt32LE(0x7fffffff, third + 8);
    writeFileSync(at('damaged.pcap'), pcap);
    const r = await diagnose(at('damaged.pcap'), '--json');
    expect(r.code).toBe(2);
    expect(parseJsonLines(r.stdout).map((l) => l.seq)).toEqual([1, 2]);
    expect(r.stderr).toMatch(/claims 2147483647 captured bytes; the file is damaged.*reading stopped there, the 2 frames before it were diagnosed/);
  });

  it('warns about a last record cut short (a capture killed while writing) and diagnoses the rest', async () => {
    const pcap = readFileSync(at('iface-ether.pcap'));
    writeFileSync(at('killed.pcap'), pcap.subarray(0, pcap.length - 50));
    const r = await diagnose(at('killed.pcap'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonLines(r.stdout).map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(r.stderr).toMatch(/warning: .*killed\.pcap: the last record is cut short/);
  });

  it('exits 2 on a gzip-compressed capture (as Wireshark sample captures come) and says to decompress it', async () => {
    writeFileSync(at('sample.pcap.gz'), gzipSync(readFileSync(at('iface-ether.pcap'))));
    const r = await diagnose(at('sample.pcap.gz'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/neither a pcap magic nor a pcapng section header.*the file is gzip-compressed: decompress it first \(gunzip -k/);
  });

  describe('key lines with wildcards', () => {
    const wildcards = (ipv6Src: string): string => [
      '# any source, one SPI',
      `"IPv4","*","${B4}","0xc0a80101",${GCM}`,
      '# per-octet wildcards, any SPI',
      `"IPv4","203.0.113.*","198.51.100.*","*",${CBC}`,
      '# per-digit IPv6 wildcards, SPI with free digits',
      `"IPv6","${ipv6Src}","*","0xc0a801**",${CTR}`,
    ].join('\n') + '\n';

    /** Frames tshark decrypted with the key file: their inner (tunnelled) source address shows. */
    function tsharkDecrypted(capture: string, keys: string): number[] {
      return tsharkFields(capture, keys, ['frame.number', 'ip.src', 'ipv6.src'])
        .filter(([, v4, v6]) => (v4 ?? '').includes('10.1.0.1') || (v6 ?? '').includes('2001:db8:1::1'))
        .map(([frame]) => Number(frame));
    }

    it('delivers through lines with * addresses, per-octet and per-digit wildcards and SPI patterns, as tshark decrypts', async () => {
      const keys = wildcards('2001:db8:a::**');
      writeFileSync(at('esp_sa.wild'), keys);
      const r = await runCli(['diagnose', at('multi.pcapng'), '--keys', at('esp_sa.wild'), '--json']);
      expect(r.code, r.stderr).toBe(0);
      const lines = parseJsonLines(r.stdout);
      expect(lines).toHaveLength(15);
      expect(lines.every((l) => l.verdict === 'delivered')).toBe(true);
      expect(lines.map((l) => l.frame)).toEqual(tsharkDecrypted(at('multi.pcapng'), keys));
    });

    it('matches an IPv6 wildcard digit by digit as Wireshark does: "::*" frees only the last digit', async () => {
      const keys = wildcards('2001:db8:a::*');
      writeFileSync(at('esp_sa.wild6'), keys);
      const r = await runCli(['diagnose', at('multi.pcapng'), '--keys', at('esp_sa.wild6'), '--json']);
      expect(r.code).toBe(1);
      const lines = parseJsonLines(r.stdout);
      const v6 = lines.filter((l) => l.src === A6);
      expect(v6).toHaveLength(5);
      expect(v6.every((l) => l.verdict === 'dropped' && l.code === 13910 && l.cause === 'never-established')).toBe(true);
      expect(lines.filter((l) => l.verdict === 'delivered').map((l) => l.frame)).toEqual(tsharkDecrypted(at('multi.pcapng'), keys));
    });

    it('applies an address prefix as a prefix, and notes that Wireshark treats it differently', async () => {
      writeFileSync(at('esp_sa.prefix'), `"IPv4","198.51.100.0/24","203.0.113.0/24","0xc0a80101",${GCM}\n`);
      const r = await runCli(['diagnose', at('iface-ether.pcap'), '--keys', at('esp_sa.prefix'), '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(parseJsonLines(r.stdout).map((l) => l.verdict)).toEqual(Array(5).fill('delivered'));
      expect(r.stderr).toMatch(/note: .*esp_sa\.prefix:1: src '\/24': Wireshark applies a prefix only to the first packet/);
    });
  });
});

describe('diagnose refuses input it cannot use, with exit status 2 and a message that says what to fix', () => {
  it('refuses a missing capture file', async () => {
    const r = await diagnose(at('no-such.pcap'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-such\.pcap: no such file; check the path/);
  });

  it('refuses a directory given as the capture', async () => {
    mkdirSync(at('a-folder'), { recursive: true });
    const r = await diagnose(at('a-folder'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a-folder: is not a regular file/);
  });

  it('refuses a capture it has no permission to read', async () => {
    writeFileSync(at('secret.pcap'), Buffer.alloc(24));
    chmodSync(at('secret.pcap'), 0);
    chmodSync(dir, 0o755);
    // Root reads any file, so as root the CLI runs as nobody (uid 65534) in a child process.
    const r = process.getuid?.() === 0
      ? asNobody(['diagnose', at('secret.pcap'), '--keys', at('esp_sa')])
      : await diagnose(at('secret.pcap'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/secret\.pcap: permission denied/);
  });

  it('refuses a file that is not a capture (a key file given as the capture)', async () => {
    const r = await diagnose(at('esp_sa'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/esp_sa: starts with 0x22495076, which is neither a pcap magic nor a pcapng section header/);
  });

  it('refuses an empty file', async () => {
    writeFileSync(at('zero.pcap'), Buffer.alloc(0));
    const r = await diagnose(at('zero.pcap'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/zero\.pcap: is empty/);
  });

  it('refuses a pcap whose file header is cut short', async () => {
    // draft-ietf-opsawg-pcap 4: magic 0xA1B2C3D4 (little-endian here), then version 2.4 ...; only 10 of 24 bytes.
    writeFileSync(at('short.pcap'), Buffer.from('d4c3b2a1020004000000', 'hex'));
    const r = await diagnose(at('short.pcap'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/short\.pcap: pcap file header has 10 of 24 bytes/);
  });

  it('exits 0 on a pcap of a bare file header (24 bytes, no records)', async () => {
    expect(BARE_PCAP.length).toBe(24);
    const r = await diagnose(at('bare.pcap'), '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Summary: 0 ESP packets in 0 frames');
  });

  it('refuses a missing key file', async () => {
    const r = await runCli(['diagnose', at('bare.pcap'), '--keys', at('no-such-esp_sa')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read the key file .*no-such-esp_sa: ENOENT/);
  });

  it('refuses a key file with malformed lines, naming each line number and field', async () => {
    const bad = [
      `"IPv4","${A4}","${B4}","0xc0a80101",${GCM}`,
      `"IPv4","${A4}","${B4}","0xc0a8010x",${GCM}`,
      `"IPv4","${A4}"`,
      `"IPv4","${A4}","${B4}","0xc0a80104","AES-CBC [RFC3602]","0x1234","HMAC-SHA-256-128 [RFC4868]","0x${HMAC_KEY}"`,
      `"IPv4","${A4}","300.1.1.1","0xc0a80105",${GCM}`,
      `"IPv4","${A4}","${B4}","0xc0a80106","Rot13","0x00","NULL",""`,
    ].join('\n');
    writeFileSync(at('esp_sa.bad'), bad);
    const r = await runCli(['diagnose', at('bare.pcap'), '--keys', at('esp_sa.bad')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const path = at('esp_sa.bad');
    expect(r.stderr).toContain('the key file has 5 malformed lines');
    expect(r.stderr).toContain(`${path}:2: spi: expected`);
    expect(r.stderr).toContain(`${path}:3: record: expected 8 fields (10 in Wireshark newer than 4.0), found 2 fields`);
    expect(r.stderr).toContain(`${path}:4: encryptionKey: expected 16, 24 or 32 bytes, found 2 bytes`);
    expect(r.stderr).toContain(`${path}:5: dst: expected an IPv4 address`);
    expect(r.stderr).toContain(`${path}:6: encryption: expected one of Wireshark's spellings`);
    expect(r.stderr).not.toMatch(/:1: /);
  });

  it('refuses a key file without a single SA line', async () => {
    writeFileSync(at('esp_sa.comments'), '# This file is automatically generated, DO NOT MODIFY.\n\n');
    const r = await runCli(['diagnose', at('bare.pcap'), '--keys', at('esp_sa.comments')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds no SA lines/);
  });
});
