// The writers against byte layouts written out by hand from the format drafts (files.ts), and
// their misuse errors. (That tshark reads what they write is in oracle.test.ts.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/io/capture/link.js';
import { openCapture } from '../../../src/io/capture/reader.js';
import { PcapWriter, PcapngEncoder, PcapngWriter, encodePcapHeader, frameForLink, timeFromMs } from '../../../src/io/capture/writer.js';
import { hex } from '../../packet/helpers.js';
import { epb, idb, pcapBytes, shb, spb, tempDir } from './files.js';

const dir = tempDir();
const A = hex('45000014 00000000 4011 0000 0a000001 0a000002');
const B = Buffer.alloc(45, 0x42);

describe('PcapWriter', () => {
  for (const littleEndian of [true, false]) {
    for (const nanosecond of [false, true]) {
      it(`writes the draft's layout (${littleEndian ? 'LE' : 'BE'}, ${nanosecond ? 'ns' : 'µs'})`, () => {
        const path = join(dir, `w-${littleEndian}-${nanosecond}.pcap`);
        const w = PcapWriter.create(path, { linkType: LINKTYPE.RAW, littleEndian, nanosecond, snaplen: 40 });
        w.writeFrame(A, { seconds: 1_700_000_000, nanoseconds: 987_654_321 });
        w.writeFrame(B, { seconds: 1_700_000_001, nanoseconds: 5_000 });
        w.close();
        const frac = (ns: number): number => (nanosecond ? ns : Math.floor(ns / 1000));
        const expected = pcapBytes(littleEndian, nanosecond, LINKTYPE.RAW, [
          { sec: 1_700_000_000, frac: frac(987_654_321), data: A },
          { sec: 1_700_000_001, frac: frac(5_000), data: B.subarray(0, 40), orig: 45 },
        ], 40);
        expect(readFileSync(path).equals(expected)).toBe(true);
        expect(w.bytesWritten).toBe(expected.length);
      });
    }
  }

  it('wraps IP packets for its link type with writePacket', () => {
    const path = join(dir, 'sll.pcap');
    const w = PcapWriter.create(path, { linkType: LINKTYPE.LINUX_SLL });
    w.writePacket(A, timeFromMs(1500.25));
    w.close();
    const r = openCapture(path);
    const f = r.next();
    r.close();
    expect(f).toMatchObject({ seconds: 1, nanoseconds: 500_250_000, linkType: 113, capturedLength: 16 + A.length });
  });

  it('streams many records through its buffer in order', () => {
    const path = join(dir, 'many.pcap');
    const w = PcapWriter.create(path, { linkType: LINKTYPE.RAW });
    const big = Buffer.alloc(70_000, 1); // larger than a record should be, to cross the 1 MiB buffer often
    for (let i = 0; i < 40; i++) w.writeFrame(i % 2 ? big : A, { seconds: i, nanoseconds: 0 });
    w.close();
    const r = openCapture(path);
    expect([...r].map((f) => [f.number, f.seconds, f.capturedLength])).toEqual(Array.from({ length: 40 }, (_, i) => [i + 1, i, i % 2 ? 70_000 : 20]));
    r.close();
  });

  it('throws on misuse, naming the parameter', () => {
    expect(() => encodePcapHeader({ linkType: 70_000 })).toThrow(/linkType/);
    expect(() => PcapWriter.create(join(dir, 'no-such-dir', 'x.pcap'), { linkType: 1 })).toThrow(expect.objectContaining({ code: 'file-unwritable' }));
    const w = PcapWriter.create(join(dir, 'misuse.pcap'), { linkType: LINKTYPE.RAW });
    expect(() => w.writeFrame(A, { seconds: -1, nanoseconds: 0 })).toThrow(/seconds/);
    expect(() => w.writeFrame(A, { seconds: 1, nanoseconds: 1e9 })).toThrow(/nanoseconds/);
    w.close();
    expect(() => w.writeFrame(A, { seconds: 1, nanoseconds: 0 })).toThrow(expect.objectContaining({ code: 'closed' }));
    expect(() => timeFromMs(-5)).toThrow(/ms/);
    expect(() => frameForLink(105, A)).toThrow(/linkType/);
    expect(() => frameForLink(LINKTYPE.RAW, hex('55'))).toThrow(/version/);
  });
});

describe('PcapngWriter', () => {
  for (const littleEndian of [true, false]) {
    it(`writes the draft's layout: SHB, IDBs with options, EPBs, SPB (${littleEndian ? 'LE' : 'BE'})`, () => {
      const path = join(dir, `w-${littleEndian}.pcapng`);
      const w = PcapngWriter.create(path, {
        littleEndian,
        interfaces: [{ linkType: LINKTYPE.RAW, name: 'tun0', tsresol: 9 }, { linkType: LINKTYPE.ETHERNET, tsoffset: 100 }],
      });
      w.writeEnhanced(0, A, { seconds: 2, nanoseconds: 7 });
      w.writeEnhanced(1, B, { seconds: 150, nanoseconds: 999_999 });
      w.writeSimple(A);
      w.close();
      const expected = Buffer.concat([
        shb(littleEndian),
        idb(littleEndian, LINKTYPE.RAW, 0, { name: 'tun0', tsresol: 9 }),
        idb(littleEndian, LINKTYPE.ETHERNET, 0, { tsoffset: 100n }),
        epb(littleEndian, 0, 2_000_000_007n, A),
        epb(littleEndian, 1, 50_000_999n, B), // microseconds after the 100 s offset
        spb(littleEndian, A),
      ]);
      expect(readFileSync(path).toString('hex')).toBe(expected.toString('hex'));
    });
  }

  it('rounds timestamps down to the interface resolution, binary ones included', () => {
    const e = new PcapngEncoder(true);
    const block = e.enhancedPacket(0, { linkType: 101, tsresol: 0x80 | 1 }, A, { seconds: 3, nanoseconds: 999_999_999 });
    expect(block.readUInt32LE(16)).toBe(7); // 3.999... s in half seconds
  });

  it('throws on misuse, naming the parameter', () => {
    expect(() => PcapngWriter.create(join(dir, 'x.pcapng'), { interfaces: [] })).toThrow(/interfaces/);
    const w = PcapngWriter.create(join(dir, 'y.pcapng'), { interfaces: [{ linkType: 101, tsoffset: 10 }] });
    expect(() => w.writeEnhanced(1, A, { seconds: 20, nanoseconds: 0 })).toThrow(/interfaceId/);
    expect(() => w.writeEnhanced(0, A, { seconds: 5, nanoseconds: 0 })).toThrow(/tsoffset/);
    w.close();
  });
});
