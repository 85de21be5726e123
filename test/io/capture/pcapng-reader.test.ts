// The pcapng reader on files laid out by hand from draft-ietf-opsawg-pcapng: big- and
// little-endian sections, several sections, if_tsresol (decimal and binary), if_tsoffset,
// EPB / SPB / obsolete PB, skipped blocks, truncation at every length and corruption.
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../../src/io/capture/reader.js';
import { hex } from '../../packet/helpers.js';
import { Bytes, block, captureError, epb, idb, pb, readAll, shb, spb, tempDir, writeTemp } from './files.js';

const dir = tempDir();
const A = hex('45000014 00000000 4011 0000 0a000001 0a000002');
const B = Buffer.alloc(37, 0x66);

function file(name: string, ...parts: Buffer[]): string {
  return writeTemp(dir, name, Buffer.concat(parts));
}

describe('pcapng reader', () => {
  for (const le of [true, false]) {
    it(`reads a ${le ? 'little' : 'big'}-endian section: EPB, SPB and the obsolete PB, skipping other blocks`, () => {
      const path = file(`s-${le}.pcapng`,
        shb(le), idb(le, 101, 0, { name: 'eth0' }),
        block(le, 4, new Bytes(le).u16(0).u16(0).done()), // a Name Resolution Block: skipped
        epb(le, 0, 1_700_000_000_250_000n, A),
        block(le, 0x80000001, Buffer.alloc(10)), // a local-use block: skipped
        spb(le, B),
        pb(le, 0, 1_700_000_001_000_000n, A));
      const r = openCapture(path);
      expect(r.format).toBe('pcapng');
      const frames = readAll(r);
      expect(frames.map((f) => f.number)).toEqual([1, 2, 3]);
      expect(frames[0]).toMatchObject({ seconds: 1_700_000_000, nanoseconds: 250_000_000, hasTimestamp: true, capturedLength: 20, originalLength: 20, linkType: 101 });
      expect(frames[0]!.data.equals(A)).toBe(true);
      expect(frames[0]!.interface).toMatchObject({ name: 'eth0', section: 0, id: 0 });
      expect(frames[1]).toMatchObject({ hasTimestamp: false, seconds: 0, capturedLength: 37, originalLength: 37 }); // padding excluded
      expect(frames[2]).toMatchObject({ seconds: 1_700_000_001, nanoseconds: 0, capturedLength: 20 });
      expect(r.end).toEqual({ kind: 'eof' });
    });
  }

  it('switches byte order and interface numbering at each new section', () => {
    const path = file('two.pcapng',
      shb(true), idb(true, 1), idb(true, 101), epb(true, 1, 5_000_000n, A),
      shb(false), idb(false, 229, 0, { tsresol: 9 }), epb(false, 0, 7_000_000_123n, B));
    const r = openCapture(path);
    const frames = readAll(r);
    expect(frames.map((f) => [f.number, f.linkType, f.interface.section, f.interface.id])).toEqual([[1, 101, 0, 1], [2, 229, 1, 0]]);
    expect(frames[1]).toMatchObject({ seconds: 7, nanoseconds: 123 });
    expect(r.interfaces).toHaveLength(3);
  });

  it('applies decimal and binary if_tsresol and a signed if_tsoffset', () => {
    const path = file('res.pcapng',
      shb(true),
      idb(true, 101, 0, { tsresol: 3 }), // milliseconds
      idb(true, 101, 0, { tsresol: 0x80 | 10 }), // 1/1024 s
      idb(true, 101, 0, { tsresol: 12, tsoffset: -100n }), // picoseconds, 100 s earlier
      epb(true, 0, 1_234_567n, A),
      epb(true, 1, 1024n * 5n + 512n, A),
      epb(true, 2, 1_000_000_000_000_000_001n, A));
    const frames = readAll(openCapture(path));
    expect(frames.map((f) => [f.seconds, f.nanoseconds])).toEqual([[1234, 567_000_000], [5, 500_000_000], [1_000_000 - 100, 0]]);
  });

  it('takes the SPB captured length from min(original length, snaplen)', () => {
    const frames = readAll(openCapture(file('snap.pcapng', shb(true), idb(true, 101, 16), spb(true, A.subarray(0, 16), 20))));
    expect(frames[0]).toMatchObject({ capturedLength: 16, originalLength: 20 });
  });

  it('stops at a truncated last block at every cut point, keeping the whole blocks before it', () => {
    const head = Buffer.concat([shb(true), idb(true, 101)]);
    const first = epb(true, 0, 1n, A);
    const bytes = Buffer.concat([head, first, epb(true, 0, 2n, B)]);
    for (let n = head.length; n < bytes.length; n++) {
      const r = openCapture(writeTemp(dir, 'cut.pcapng', bytes.subarray(0, n)));
      const frames = readAll(r);
      expect(frames.length, `cut at ${n}`).toBe(n >= head.length + first.length ? 1 : 0);
      const clean = n === head.length || n === head.length + first.length;
      expect(r.end?.kind, `cut at ${n}`).toBe(clean ? 'eof' : 'truncated');
    }
  });

  it('reports a bad block length, a length mismatch and a missing interface as corruption', () => {
    const badLen = Buffer.concat([shb(true), idb(true, 101), new Bytes(true).u32(6).u32(14).u32(0).done()]);
    expect(captureError(() => readAll(openCapture(writeTemp(dir, 'bl.pcapng', badLen))))).toMatchObject({ code: 'corrupt' });
    const mismatch = Buffer.concat([shb(true), idb(true, 101), epb(true, 0, 1n, A)]);
    mismatch.writeUInt32LE(999, mismatch.length - 4);
    expect(captureError(() => readAll(openCapture(writeTemp(dir, 'mm.pcapng', mismatch))))).toMatchObject({ code: 'corrupt' });
    const noIface = file('ni.pcapng', shb(true), idb(true, 101), epb(true, 3, 1n, A));
    expect(captureError(() => openCapture(noIface)).message).toMatch(/interface 3/);
    expect(captureError(() => openCapture(file('nospb.pcapng', shb(true), spb(true, A))))).toMatchObject({ code: 'corrupt' });
    const noMagic = shb(true); noMagic.writeUInt32LE(0x12345678, 8);
    expect(captureError(() => openCapture(file('nomagic.pcapng', noMagic)))).toMatchObject({ code: 'corrupt' });
  });

  it('rejects a major version other than 1 and accepts minor version 2', () => {
    expect(captureError(() => openCapture(file('v2.pcapng', shb(true, 2, 0))))).toMatchObject({ code: 'unsupported-version' });
    expect(readAll(openCapture(file('v12.pcapng', shb(true, 1, 2), idb(true, 101), epb(true, 0, 0n, A))))).toHaveLength(1);
  });

  it('rejects an unknown link type at open, or at the interface that brings it later', () => {
    expect(captureError(() => openCapture(file('lt.pcapng', shb(true), idb(true, 105), epb(true, 0, 0n, A))))).toMatchObject({ code: 'unsupported-link-type' });
    const later = openCapture(file('lt2.pcapng', shb(true), idb(true, 1), epb(true, 0, 0n, A), idb(true, 105), epb(true, 1, 0n, A)));
    expect(later.next()).not.toBeNull();
    expect(captureError(() => later.next())).toMatchObject({ code: 'unsupported-link-type' });
    later.close();
  });
});
