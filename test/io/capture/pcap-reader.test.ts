// The pcap reader on files laid out by hand from draft-ietf-opsawg-pcap: both byte orders, both
// timestamp resolutions, FCS bits, truncation at every length, and every input error.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../../src/io/capture/reader.js';
import { hex } from '../../packet/helpers.js';
import { captureError, pcapBytes, readAll, tempDir, writeTemp } from './files.js';

const dir = tempDir();
const A = hex('45000014 00000000 4011 0000 0a000001 0a000002');
const B = Buffer.alloc(301, 0x5a);

describe('pcap reader', () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      it(`reads a ${le ? 'little' : 'big'}-endian file with ${nano ? 'nano' : 'micro'}second timestamps`, () => {
        const frac = nano ? 123_456_789 : 123_456;
        const file = writeTemp(dir, `t-${le}-${nano}.pcap`, pcapBytes(le, nano, 101, [
          { sec: 1_700_000_000, frac, data: A }, { sec: 1_700_000_001, frac: 0, data: B.subarray(0, 100), orig: 301 },
        ], 100));
        const r = openCapture(file);
        expect(r.format).toBe('pcap');
        expect(r.interfaces).toEqual([expect.objectContaining({ linkType: 101, snaplen: 100, tsExponent: nano ? 9 : 6, fcsLength: 0 })]);
        const [f1, f2, ...rest] = readAll(r);
        expect(rest).toEqual([]);
        expect(f1).toMatchObject({ number: 1, seconds: 1_700_000_000, nanoseconds: nano ? 123_456_789 : 123_456_000, hasTimestamp: true, capturedLength: 20, originalLength: 20, linkType: 101 });
        expect(f1!.timestampMs - 1_700_000_000_000).toBeCloseTo(nano ? 123.456789 : 123.456, 3);
        expect(f1!.data.equals(A)).toBe(true);
        expect(f2).toMatchObject({ number: 2, capturedLength: 100, originalLength: 301 });
        expect(r.end).toEqual({ kind: 'eof' });
      });
    }
  }

  it('reads the FCS length from the link-type field when the P bit is set', () => {
    const field = (2 << 28) | 0x04000000 | 1; // FCS len 2 words = 4 bytes, P set, Ethernet
    const r = openCapture(writeTemp(dir, 'fcs.pcap', pcapBytes(true, false, field, [])));
    expect(r.interfaces[0]).toMatchObject({ linkType: 1, fcsLength: 4 });
    r.close();
  });

  it('refuses reserved bits in the link-type field', () => {
    expect(captureError(() => openCapture(writeTemp(dir, 'res.pcap', pcapBytes(true, false, 0x00010001, []))))).toMatchObject({ code: 'corrupt' });
  });

  it('stops at a truncated last record at every cut point, keeping the whole records before it', () => {
    const bytes = pcapBytes(true, false, 101, [{ sec: 1, frac: 2, data: A }, { sec: 3, frac: 4, data: B }]);
    const firstEnd = 24 + 16 + A.length;
    for (let n = 24; n < bytes.length; n++) {
      const r = openCapture(writeTemp(dir, 'cut.pcap', bytes.subarray(0, n)));
      const frames = readAll(r);
      const expectedFrames = n >= firstEnd ? 1 : 0;
      expect(frames.length, `cut at ${n}`).toBe(expectedFrames);
      const clean = n === 24 || n === firstEnd;
      expect(r.end, `cut at ${n}`).toEqual(clean ? { kind: 'eof' } : expect.objectContaining({ kind: 'truncated', offset: n < firstEnd ? 24 : firstEnd }));
    }
  });

  it('streams records larger than the read chunk and counts bytes read up to the file size', () => {
    const big = Buffer.alloc(5000, 7);
    const file = writeTemp(dir, 'chunks.pcap', pcapBytes(false, true, 1, [{ sec: 1, frac: 1, data: big }, { sec: 2, frac: 2, data: A }, { sec: 3, frac: 3, data: big }]));
    const r = openCapture(file, { chunkSize: 64 });
    const seen: number[] = [];
    for (const f of r) { seen.push(r.bytesRead); expect(f.data.length).toBe(f.capturedLength); }
    expect(seen).toEqual([24 + 16 + 5000, 24 + 32 + 5020, r.totalBytes]);
    r.close();
  });

  it('rejects a cut file header, a wrong version and an unknown link type at open', () => {
    const whole = pcapBytes(true, false, 1, []);
    for (let n = 4; n < 24; n++) {
      expect(captureError(() => openCapture(writeTemp(dir, 'h.pcap', whole.subarray(0, n)))).code, `length ${n}`).toBe('truncated-header');
    }
    const v3 = Buffer.from(whole); v3.writeUInt16LE(3, 4);
    expect(captureError(() => openCapture(writeTemp(dir, 'v3.pcap', v3)))).toMatchObject({ code: 'unsupported-version' });
    const wifi = writeTemp(dir, 'wifi.pcap', pcapBytes(true, false, 105, [{ sec: 1, frac: 1, data: A }]));
    const err = captureError(() => openCapture(wifi));
    expect(err.code).toBe('unsupported-link-type');
    expect(err.message).toMatch(/105.*editcap/);
    const r = openCapture(wifi, { allowAnyLinkType: true });
    expect(readAll(r)).toHaveLength(1);
  });

  it('reports a record length no capture has as corruption, with its offset', () => {
    const bytes = pcapBytes(true, false, 1, [{ sec: 1, frac: 1, data: A }]);
    bytes.writeUInt32LE(0x7fffffff, 24 + 8);
    const r = openCapture(writeTemp(dir, 'huge.pcap', bytes));
    expect(captureError(() => r.next())).toMatchObject({ code: 'corrupt', offset: 24 });
    r.close();
  });

  it('names missing, unreadable, empty and foreign files with stable codes', () => {
    expect(captureError(() => openCapture(join(dir, 'nope.pcap')))).toMatchObject({ code: 'file-not-found' });
    mkdirSync(join(dir, 'a-directory'), { recursive: true });
    expect(captureError(() => openCapture(join(dir, 'a-directory')))).toMatchObject({ code: 'file-unreadable' });
    expect(captureError(() => openCapture(writeTemp(dir, 'empty.pcap', Buffer.alloc(0))))).toMatchObject({ code: 'not-a-capture' });
    expect(captureError(() => openCapture(writeTemp(dir, 'tiny.pcap', hex('a1b2'))))).toMatchObject({ code: 'not-a-capture' });
    const text = captureError(() => openCapture(writeTemp(dir, 'text.pcap', Buffer.from('GET / HTTP/1.1\r\n'))));
    expect(text.code).toBe('not-a-capture');
    expect(text.message).toContain('text.pcap');
  });
});
