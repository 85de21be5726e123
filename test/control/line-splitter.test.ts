// The request-line splitter: the same lines however the stream is cut, and a hard ceiling on
// what a peer without newlines can make us hold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/endpoint/control/line-splitter.js';
import type { SplitEvent } from '../../src/endpoint/control/line-splitter.js';
import { parseRequestLine } from '../../src/endpoint/control/protocol.js';

function feed(max: number, chunks: readonly Buffer[]): SplitEvent[] {
  const s = new LineSplitter(max);
  return chunks.flatMap((c) => s.push(c));
}

describe('LineSplitter', () => {
  it('yields the same lines whatever byte boundaries the stream is cut at', () => {
    const line = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((l) => !l.includes('\n') && !l.includes('\r') && l.trim() !== '');
    fc.assert(fc.property(fc.array(line, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (lines, cuts) => {
      const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
      const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
      const chunks = [0, ...points, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1]!, end));
      expect(feed(1000, chunks)).toEqual(lines.map((text) => ({ kind: 'line', text })));
    }));
  });

  it('accepts CRLF and skips blank lines', () => {
    expect(feed(100, [Buffer.from('a\r\n\n  \nb\n')])).toEqual([{ kind: 'line', text: 'a' }, { kind: 'line', text: 'b' }]);
  });

  it('reports a line over the limit once, even before its newline arrives, then yields nothing', () => {
    const s = new LineSplitter(10);
    expect(s.push(Buffer.from('ok\n0123456'))).toEqual([{ kind: 'line', text: 'ok' }]);
    expect(s.push(Buffer.from('7890'))).toEqual([{ kind: 'too-long', bytes: 11 }]);
    expect(s.push(Buffer.from('more\nlines\n'))).toEqual([]);
  });

  it('accepts a line of exactly the limit', () => {
    expect(feed(5, [Buffer.from('ab'), Buffer.from('cde\n')])).toEqual([{ kind: 'line', text: 'abcde' }]);
  });
});

describe('parseRequestLine never throws', () => {
  it('returns a request or a bad-request message for any text', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      const r = parseRequestLine(text);
      if (r.ok) expect(typeof r.request.id).toBe('number');
      else expect(r.message.length).toBeGreaterThan(0);
    }));
  });
});
