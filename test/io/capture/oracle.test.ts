// Oracle tests with tshark: (1) captures we write, in every link type and format, are read by
// tshark with the frames, times, lengths, addresses, ports and SPIs we put in; (2) captures made
// by tools we did not write (text2pcap, editcap, scapy, and big-endian pcapng laid out by hand)
// are read by our readers with the same fields tshark reports.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaptureFrame } from '../../../src/io/capture/frame.js';
import { LINKTYPE, decodeLink } from '../../../src/io/capture/link.js';
import { openCapture } from '../../../src/io/capture/reader.js';
import type { CaptureTime, FrameOptions } from '../../../src/io/capture/writer.js';
import { PcapWriter, PcapngWriter, frameForLink } from '../../../src/io/capture/writer.js';
import { parseEspHeader } from '../../../src/packet/esp-header.js';
import { buildIpv4, parseIpv4 } from '../../../src/packet/ipv4.js';
import { buildIpv6, parseIpv6 } from '../../../src/packet/ipv6.js';
import { classifyUdpEncap } from '../../../src/packet/udp-encap.js';
import { buildUdp, parseUdp } from '../../../src/packet/udp.js';
import { spiHex } from '../../../src/wire/bytes.js';
import { hasOracle } from '../../support/oracle.js';
import { scapy } from '../../packet/scapy.js';
import { epb, idb, shb, spb, tempDir, writeTemp } from './files.js';

const FIELDS = ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'ip.src', 'ipv6.src', 'udp.srcport', 'esp.spi'];

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const tsharkCache = new Map<string, string[][]>();

/** tshark's view of a file (once per file: each run costs about a second). */
function tshark(path: string): string[][] {
  let rows = tsharkCache.get(path);
  if (!rows) { rows = runTshark(path); tsharkCache.set(path, rows); }
  return rows;
}

function runTshark(path: string): string[][] {
  const args = ['-r', path, '-T', 'fields', '-E', 'separator=/t', ...FIELDS.flatMap((f) => ['-e', f])];
  return run('tshark', args).split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** The same fields from our reader and decoders. */
function ours(path: string): string[][] {
  const reader = openCapture(path);
  const rows = [...reader].map(row);
  expect(reader.end).toEqual({ kind: 'eof' });
  reader.close();
  return rows;
}

function row(f: CaptureFrame): string[] {
  // tshark leaves the time empty for pcapng Simple Packet Blocks, which carry none.
  const time = f.hasTimestamp ? `${f.seconds}.${String(f.nanoseconds).padStart(9, '0')}` : '';
  const base = [String(f.number), time, String(f.originalLength), String(f.capturedLength)];
  const link = decodeLink(f.linkType, f.data, f.interface.fcsLength);
  if (!link.ok) return [...base, '', '', '', ''];
  return [...base, ...ipFields(link.ip)];
}

/** ip.src, ipv6.src, udp.srcport, esp.spi. */
function ipFields(ip: Buffer): string[] {
  if (ip[0]! >> 4 === 4) {
    const h = parseIpv4(ip, 0);
    if (!h.ok) return ['', '', '', ''];
    return [h.src, '', ...transportFields(ip, h.protocol, h.payloadOffset, h.payloadOffset + h.payloadLength)];
  }
  const h = parseIpv6(ip, 0);
  if (!h.ok) return ['', '', '', ''];
  return ['', h.src, ...transportFields(ip, h.protocol, h.protocolOffset, h.payloadEnd)];
}

function transportFields(ip: Buffer, protocol: number, off: number, end: number): string[] {
  if (protocol === 50) {
    const esp = parseEspHeader(ip, off, end);
    return ['', esp.ok ? spiHex(esp.spi) : ''];
  }
  if (protocol !== 17) return ['', ''];
  const udp = parseUdp(ip, off, end);
  if (!udp.ok) return ['', ''];
  const payload = ip.subarray(udp.payloadOffset, udp.payloadOffset + udp.payloadLength);
  const natT = udp.srcPort === 4500 || udp.dstPort === 4500;
  const spi = natT && classifyUdpEncap(payload) === 'esp' ? spiHex(payload.readUInt32BE(0)) : '';
  return [String(udp.srcPort), spi];
}

interface Sample {
  readonly ip: Buffer;
  /** The fields tshark must show for it: ip.src, ipv6.src, udp.srcport, esp.spi. */
  readonly fields: readonly string[];
}

const esp = (spi: number, seq: number): Buffer => {
  const b = Buffer.alloc(40, 0x77);
  b.writeUInt32BE(spi, 0);
  b.writeUInt32BE(seq, 4);
  return b;
};

const udp4 = (src: string, dst: string, sport: number, dport: number, payload: Buffer): Buffer =>
  buildIpv4({ src, dst, protocol: 17, identification: sport }, buildUdp({ srcPort: sport, dstPort: dport, src, dst }, payload));

const SAMPLES: readonly Sample[] = [
  { ip: udp4('192.0.2.1', '198.51.100.1', 4500, 4500, esp(0xa001, 1)), fields: ['192.0.2.1', '', '4500', '0x0000a001'] },
  { ip: buildIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 50 }, esp(0xb002, 2)), fields: ['', '2001:db8::1', '', '0x0000b002'] },
  { ip: buildIpv4({ src: '203.0.113.5', dst: '203.0.113.6', protocol: 50 }, esp(0xc003, 3)), fields: ['203.0.113.5', '', '', '0x0000c003'] },
  {
    ip: buildIpv6({ src: '2001:db8:1::a', dst: '2001:db8:2::b', protocol: 17, extensions: [{ type: 0 }, { type: 60 }] },
      buildUdp({ srcPort: 4500, dstPort: 4500, src: '2001:db8:1::a', dst: '2001:db8:2::b' }, esp(0xd004, 4))),
    fields: ['', '2001:db8:1::a', '4500', '0x0000d004'],
  },
  { ip: udp4('192.0.2.9', '198.51.100.9', 4500, 4500, Buffer.from([0xff])), fields: ['192.0.2.9', '', '4500', ''] }, // NAT-keepalive
  { ip: udp4('10.1.2.3', '10.3.2.1', 9999, 7, Buffer.from('hello')), fields: ['10.1.2.3', '', '9999', ''] },
];

function sampleTime(i: number, nano: boolean): CaptureTime {
  return { seconds: 1_700_000_000 + i, nanoseconds: nano ? 123_456_789 + i : (250_000 + i) * 1000 };
}

function expectedRows(samples: readonly Sample[], frames: readonly Buffer[], nano: boolean): string[][] {
  return samples.map((s, i) => {
    const t = sampleTime(i, nano);
    const len = String(frames[i]!.length);
    return [String(i + 1), `${t.seconds}.${String(t.nanoseconds).padStart(9, '0')}`, len, len, ...s.fields];
  });
}

/** Which samples a link type can carry, and per-frame builder options exercising its variants. */
function plan(linkType: number): { samples: Sample[]; options: (i: number) => FrameOptions } {
  const samples = SAMPLES.filter((s) => (linkType === LINKTYPE.IPV4 ? s.ip[0]! >> 4 === 4 : linkType === LINKTYPE.IPV6 ? s.ip[0]! >> 4 === 6 : true));
  const options = (i: number): FrameOptions => {
    if (linkType === LINKTYPE.ETHERNET) {
      const vlans = [[], [{ tpid: 0x8100, id: 100 }], [{ tpid: 0x88a8, id: 200 }, { tpid: 0x8100, id: 300 }]][i % 3]!;
      return { vlans };
    }
    return { af6: ([24, 28, 30] as const)[i % 3] };
  };
  return { samples, options };
}

const dir = tempDir();
const ALL_LINK_TYPES = Object.values(LINKTYPE);

describe.skipIf(!hasOracle('tshark'))('captures we write, read by tshark', () => {
  for (const linkType of ALL_LINK_TYPES) {
    it(`pcap (microseconds, little-endian) with link type ${linkType}`, () => {
      const { samples, options } = plan(linkType);
      const path = join(dir, `ours-${linkType}.pcap`);
      const w = PcapWriter.create(path, { linkType });
      const frames = samples.map((s, i) => frameForLink(linkType, s.ip, options(i)));
      frames.forEach((f, i) => w.writeFrame(f, sampleTime(i, false)));
      w.close();
      expect(tshark(path)).toEqual(expectedRows(samples, frames, false));
      expect(ours(path)).toEqual(tshark(path));
    });
  }

  it('pcap with BSD NULL headers in big-endian byte order', () => {
    const path = join(dir, 'ours-null-be.pcap');
    const w = PcapWriter.create(path, { linkType: LINKTYPE.NULL });
    const frames = SAMPLES.map((s, i) => frameForLink(LINKTYPE.NULL, s.ip, { nullLittleEndian: false, af6: ([24, 28, 30] as const)[i % 3] }));
    frames.forEach((f, i) => w.writeFrame(f, sampleTime(i, false)));
    w.close();
    expect(tshark(path)).toEqual(expectedRows(SAMPLES, frames, false));
    expect(ours(path)).toEqual(tshark(path));
  });

  it('pcap (nanoseconds, big-endian) with Ethernet padding after short packets', () => {
    const path = join(dir, 'ours-ns-be.pcap');
    const w = PcapWriter.create(path, { linkType: LINKTYPE.ETHERNET, nanosecond: true, littleEndian: false });
    // Ethernet pads frames to 60 bytes (IEEE 802.3 minimum without FCS): the IP length must win.
    const frames = SAMPLES.map((s) => { const f = frameForLink(LINKTYPE.ETHERNET, s.ip); return f.length < 60 ? Buffer.concat([f, Buffer.alloc(60 - f.length)]) : f; });
    frames.forEach((f, i) => w.writeFrame(f, sampleTime(i, true)));
    w.close();
    expect(tshark(path)).toEqual(expectedRows(SAMPLES, frames, true));
    expect(ours(path)).toEqual(tshark(path));
  });

  it('pcap whose link-type field says every Ethernet frame ends in a 4-byte FCS', () => {
    const path = join(dir, 'ours-fcs.pcap');
    const w = PcapWriter.create(path, { linkType: LINKTYPE.ETHERNET, littleEndian: false });
    const frames = SAMPLES.map((s) => Buffer.concat([frameForLink(LINKTYPE.ETHERNET, s.ip), Buffer.from('c0ffee00', 'hex')]));
    frames.forEach((f, i) => w.writeFrame(f, sampleTime(i, false)));
    w.close();
    // draft-ietf-opsawg-pcap 4: FCS len 2 (16-bit words) in the top bits, P bit set, LinkType 1.
    const bytes = readFileSync(path);
    bytes.writeUInt32BE(((2 << 28) | 0x04000000 | 1) >>> 0, 20);
    writeFileSync(path, bytes);
    expect(tshark(path)).toEqual(expectedRows(SAMPLES, frames, false));
    expect(ours(path)).toEqual(tshark(path));
  });

  it('pcap with a snaplen shorter than some frames: captured and original lengths differ', () => {
    const path = join(dir, 'ours-snap.pcap');
    const w = PcapWriter.create(path, { linkType: LINKTYPE.RAW, snaplen: 48 });
    SAMPLES.forEach((s, i) => w.writePacket(s.ip, sampleTime(i, false)));
    w.close();
    const theirs = tshark(path);
    expect(theirs.map((r) => [r[2], r[3]])).toEqual(SAMPLES.map((s) => [String(s.ip.length), String(Math.min(48, s.ip.length))]));
    // tshark dissects what it can of cut packets; we refuse cut IP packets, so compare frame columns.
    expect(ours(path).map((r) => r.slice(0, 4))).toEqual(theirs.map((r) => r.slice(0, 4)));
  });

  for (const littleEndian of [true, false]) {
    it(`pcapng (${littleEndian ? 'little' : 'big'}-endian): two interfaces, nanosecond and binary resolutions, an offset, an SPB`, () => {
      const path = join(dir, `ours-${littleEndian}.pcapng`);
      const w = PcapngWriter.create(path, {
        littleEndian,
        interfaces: [
          { linkType: LINKTYPE.ETHERNET, tsresol: 9, name: 'eth0' },
          { linkType: LINKTYPE.RAW, tsresol: 0x80 | 20, tsoffset: 1_000_000 },
        ],
      });
      SAMPLES.forEach((s, i) => w.writePacket(i % 2, s.ip, sampleTime(i, true)));
      w.writeSimple(frameForLink(LINKTYPE.ETHERNET, SAMPLES[0]!.ip));
      w.close();
      const theirs = tshark(path);
      expect(theirs).toHaveLength(SAMPLES.length + 1);
      // Interface 0 keeps nanoseconds exactly; interface 1 (2^-20 s units) is exact to within one unit.
      theirs.slice(0, SAMPLES.length).forEach((r, i) => {
        const t = sampleTime(i, true);
        expect(Number(r[1]!.split('.')[0])).toBe(t.seconds);
        expect(Math.abs(Number(r[1]!.split('.')[1]) - t.nanoseconds)).toBeLessThan(i % 2 ? 954 : 1);
        expect(r.slice(4)).toEqual(SAMPLES[i]!.fields);
      });
      expect(ours(path)).toEqual(theirs);
    });
  }
});

describe.skipIf(!hasOracle('tshark'))('captures made by tools we did not write, read by us as tshark reads them', () => {
  const hexDump = (payloads: Buffer[]): string => payloads.map((p) => `0000 ${p.toString('hex').replace(/(..)/g, '$1 ')}\n`).join('');
  const dump = writeTemp(dir, 'payloads.txt', Buffer.from(hexDump([esp(0xe005, 5), esp(0xe006, 6), Buffer.from([0xff]), Buffer.alloc(8)])));

  const made: [string, string[]][] = [
    ['text2pcap pcap, Ethernet + IPv4 + UDP 4500', ['-q', '-F', 'pcap', '-i', '17', '-4', '192.0.2.50,192.0.2.51', '-u', '4500,4500']],
    ['text2pcap pcap, raw IPv6 (101) + ESP', ['-q', '-F', 'pcap', '-l', '101', '-i', '50', '-6', '2001:db8::50,2001:db8::51']],
    ['text2pcap pcapng, raw IPv4 (228) + UDP', ['-q', '-E', 'rawip4', '-i', '17', '-4', '192.0.2.60,192.0.2.61', '-u', '4500,4500']],
    ['text2pcap pcapng, raw IPv6 (229) + ESP', ['-q', '-E', 'rawip6', '-i', '50', '-6', '2001:db8::60,2001:db8::61']],
    ['text2pcap pcapng, Ethernet (-e 0x86dd) + IPv6 + UDP', ['-q', '-e', '0x86dd', '-i', '17', '-6', '2001:db8::70,2001:db8::71', '-u', '4500,4500']],
  ];
  made.forEach(([name, args], i) => {
    it(name, () => {
      const path = join(dir, `t2p-${i}.cap`);
      run('text2pcap', [...args, dump, path]);
      const theirs = tshark(path);
      expect(theirs.length).toBe(4);
      expect(theirs.some((r) => r[7] !== '')).toBe(true); // at least one SPI decoded
      expect(ours(path)).toEqual(theirs);
    });
  });

  it('editcap conversions: to nanosecond pcap, to pcapng, and to other link types with -T', () => {
    const raw = join(dir, 'raw4.pcap');
    run('text2pcap', ['-q', '-F', 'pcap', '-l', '101', '-i', '17', '-4', '192.0.2.80,192.0.2.81', '-u', '4500,4500', dump, raw]);
    const conversions: [string, string[]][] = [
      ['nsec.pcap', ['-F', 'nsecpcap']], ['conv.pcapng', ['-F', 'pcapng']],
      ['t-rawip4.pcap', ['-F', 'pcap', '-T', 'rawip4']], ['t-rawip.pcapng', ['-F', 'pcapng', '-T', 'rawip']],
    ];
    for (const [out, args] of conversions) {
      const path = join(dir, out);
      run('editcap', [...args, raw, path]);
      const theirs = tshark(path);
      expect(theirs.length, out).toBe(4);
      expect(ours(path), out).toEqual(theirs);
    }
  });

  it.skipIf(!hasOracle('scapy'))('scapy pcaps: SLL, SLL2, NULL, LOOP, Q-in-Q, raw IP; little- and big-endian; micro- and nanoseconds', () => {
    const files = scapy<string[]>(`
import os
from scapy.utils import RawPcapWriter
d = data['dir']
def esp(spi): return struct.pack('>II', spi, 1) + b'\\x55' * 24
ip4 = IP(src='198.51.100.20', dst='198.51.100.21') / UDP(sport=4500, dport=4500) / Raw(esp(0xf007))
ip6 = IPv6(src='2001:db8::20', dst='2001:db8::21', nh=50) / Raw(esp(0xf008))
frames = {
  113: [CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=b'\\x02\\0\\0\\0\\0\\x01\\0\\0', proto=0x0800) / ip4, CookedLinux(proto=0x86dd) / ip6],
  276: [CookedLinuxV2(proto=0x0800, ifindex=2) / ip4, CookedLinuxV2(proto=0x86dd) / ip6],
  0: [Loopback(type=2) / ip4, Loopback(type=30) / ip6],
  108: [struct.pack('>I', 2) + bytes(ip4), struct.pack('>I', 24) + bytes(ip6)],
  1: [Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02', type=0x88a8) / Dot1AD(vlan=10, type=0x8100) / Dot1Q(vlan=20) / ip4, Ether() / Dot1Q(vlan=5) / ip6],
  101: [ip4, ip6],
}
out = []
for lt, fs in frames.items():
    for endian, nano in (('<', False), ('>', True)):
        path = os.path.join(d, f'scapy-{lt}-{"be" if endian == ">" else "le"}.pcap')
        w = RawPcapWriter(path, linktype=lt, endianness=endian, nano=nano, sync=True)
        for i, f in enumerate(fs):
            raw = bytes(f)
            w.write_header(None) if i == 0 else None
            w.write_packet(raw, sec=1700000100 + i, usec=(123456789 if nano else 123456) + i, caplen=len(raw), wirelen=len(raw))
        w.close()
        out.append(path)
print(json.dumps(out))`, { dir });
    expect(files).toHaveLength(12);
    for (const path of files) {
      const theirs = tshark(path);
      expect(theirs.length, path).toBe(2);
      expect(theirs.every((r) => r[7] !== ''), path).toBe(true);
      expect(ours(path), path).toEqual(theirs);
    }
  });

  it('pcapng laid out by hand: a big-endian section then a little-endian one (no tool here writes big-endian pcapng)', () => {
    const v4 = frameForLink(LINKTYPE.ETHERNET, SAMPLES[0]!.ip);
    const v6 = SAMPLES[1]!.ip;
    const path = writeTemp(dir, 'hand-be-le.pcapng', Buffer.concat([
      shb(false), idb(false, 1, 0, { tsresol: 9 }), idb(false, 101, 0, { tsresol: 3, tsoffset: 10n }),
      epb(false, 0, 1_700_000_000_000_000_001n, v4), epb(false, 1, 1_700_000_000_123n, v6), spb(false, v4),
      shb(true), idb(true, 229), epb(true, 0, 1_700_000_000_654_321n, v6),
    ]));
    const theirs = tshark(path);
    expect(theirs.map((r) => r.slice(0, 2))).toEqual([
      ['1', '1700000000.000000001'], ['2', '1700000010.123000000'], ['3', ''], ['4', '1700000000.654321000'],
    ]);
    expect(ours(path)).toEqual(theirs);
  });
});
