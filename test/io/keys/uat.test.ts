// UAT record syntax, checked against the rules of Wireshark's epan/uat_load.l (lexer),
// epan/uat.c uat_unesc() (reading) and putfld() (writing).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUatCommentOrBlank, quoteUat, splitUatRecord, unescapeUat } from '../../../src/io/keys/uat.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

function fieldsOf(line: string): string[] {
  const r = splitUatRecord(line);
  if (!r.ok) throw new Error(`unexpected failure: ${r.reason}`);
  return r.fields.map(text);
}

describe('splitUatRecord', () => {
  it('splits quoted fields separated by commas', () => {
    expect(fieldsOf('"IPv4","10.0.0.1","*"')).toEqual(['IPv4', '10.0.0.1', '*']);
  });

  it('skips blanks around fields and before separators, as the lexer does ([ \\t]*,)', () => {
    expect(fieldsOf(' \t"a" ,\t"b"  ')).toEqual(['a', 'b']);
  });

  it('reads an empty field between two commas and at the end of the line', () => {
    expect(fieldsOf('"a",,"c",')).toEqual(['a', '', 'c', '']);
  });

  it('reads a bare even-length hex field as bytes (uat_unbinstring)', () => {
    expect(splitUatRecord('"k",0a0B')).toEqual({ ok: true, fields: [Uint8Array.from([0x6b]), Uint8Array.from([0x0a, 0x0b])] });
  });

  it('keeps a comma inside quotes as part of the field', () => {
    expect(fieldsOf('"a,b","c"')).toEqual(['a,b', 'c']);
  });

  it.each([
    ['"a","b', /no closing quote/],
    ['"a" "b"', /expected ',' or end of line/],
    ['"a",abc', /even number of hex digits/],
    ['"a",zz', /even number of hex digits/],
    ['"a",-', /expected a "quoted" field/],
  ])('reports %j as a failure with a column, never throwing', (line, reason) => {
    const r = splitUatRecord(line);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(reason);
      expect(r.column).toBeGreaterThan(0);
    }
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => {
      expect(() => splitUatRecord(s)).not.toThrow();
    }));
  });
});

describe('unescapeUat decodes as uat_unesc does', () => {
  it.each<[string, number[]]>([
    ['\\x22', [0x22]], // how putfld writes a double quote
    ['\\x5c', [0x5c]], // and a backslash
    ['\\x41\\x4A', [0x41, 0x4a]],
    ['\\xZ1', [0x78, 0x5a, 0x31]], // not two hex digits: a literal 'x'
    ['\\n\\r\\t\\a\\b\\e\\f\\v', [10, 13, 9, 7, 8, 27, 12, 11]],
    ['\\101\\7\\0', [0x41, 7, 0]],
    ['\\777', [255]], // octal above 255 is capped
    ['\\1234', [0x53, 0x34]], // at most three octal digits
    ['\\"', [0x22]],
    ['\\\\', [0x5c]],
    ['\\q', [0x71]], // any other escaped character is itself
    ['é', [0xc3, 0xa9]], // other text is UTF-8
  ])('%j', (input, bytes) => {
    expect([...unescapeUat(input)]).toEqual(bytes);
  });
});

describe('quoteUat writes as putfld does', () => {
  it('escapes double quote, backslash and bytes outside printable ASCII as \\xHH', () => {
    expect(quoteUat('a"b\\c')).toBe('"a\\x22b\\x5cc"');
    expect(quoteUat(Uint8Array.from([0x00, 0x7f, 0x20, 0x7e, 0xff]))).toBe('"\\x00\\x7f ~\\xff"');
  });

  it('leaves printable ASCII alone', () => {
    expect(quoteUat('AES-GCM with 16 octet ICV [RFC4106]')).toBe('"AES-GCM with 16 octet ICV [RFC4106]"');
  });

  it('is read back to the same bytes by splitUatRecord', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
      const r = splitUatRecord(`${quoteUat(a)},${quoteUat(b)}`);
      expect(r).toEqual({ ok: true, fields: [a, b] });
    }));
  });
});

describe('isUatCommentOrBlank', () => {
  it.each([['', true], ['   ', true], ['# header', true], ['  \t# indented', true], ['"IPv4"', false], [' x', false]])(
    '%j -> %s', (line, expected) => expect(isUatCommentOrBlank(line)).toBe(expected));
});
