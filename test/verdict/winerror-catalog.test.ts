// The Windows error catalog against test/fixtures/winerror-ipsec.tsv (the independent table of
// names, hex forms and layers), and the drop table of src/verdict/drop-kinds.ts.
import { describe, expect, it } from 'vitest';
import { DROP_KINDS } from '../../src/verdict/drop-kinds.js';
import { lookupExplanation } from '../../src/verdict/explain-lookup.js';
import { LINUX_COUNTER_CATALOG } from '../../src/verdict/linux-counters.js';
import {
  WINERROR_CATALOG, WINERROR_FIRST, WINERROR_LAST, nameForms, winErrorByCode, winErrorByName,
} from '../../src/verdict/winerror-catalog.js';
import { fixtureLines, fixtureRows } from './fixture.js';

const rows = fixtureRows();
const byCode = new Map(rows.map((r) => [r.code, r]));
const allCodes = Array.from({ length: WINERROR_LAST - WINERROR_FIRST + 1 }, (_, i) => WINERROR_FIRST + i);

function resolvedCode(input: string): number | null {
  const result = lookupExplanation(input);
  if (!result.ok || result.entry.type !== 'winerror') return null;
  return result.entry.code;
}

describe('the fixture itself', () => {
  it('has 128 lines: the header and 127 codes, all inside 13800..13932', () => {
    expect(fixtureLines()).toHaveLength(128);
    expect(rows).toHaveLength(127);
    for (const r of rows) {
      expect(r.code).toBeGreaterThanOrEqual(13800);
      expect(r.code).toBeLessThanOrEqual(13932);
      expect(parseInt(r.hex, 16)).toBe(r.code);
    }
  });

  it('leaves exactly 13919..13924 unassigned', () => {
    expect(allCodes.filter((c) => !byCode.has(c))).toEqual([13919, 13920, 13921, 13922, 13923, 13924]);
  });
});

describe('every code 13800..13932 has an answer', () => {
  it('the catalog holds the 133 numbers of the range, in order', () => {
    expect([...WINERROR_CATALOG.keys()]).toEqual(allCodes);
  });

  it.each(allCodes)('%i resolves by decimal and by hex in any letter case', (code) => {
    const hex = code.toString(16);
    expect(resolvedCode(String(code))).toBe(code);
    expect(resolvedCode(`0x${hex.toUpperCase()}`)).toBe(code);
    expect(resolvedCode(`0x${hex.toLowerCase()}`)).toBe(code);
    expect(resolvedCode(`0X${hex.toUpperCase()}`)).toBe(code);
    expect(resolvedCode(`${hex}h`)).toBe(code);
  });

  it.each(rows)('$code has the name, hex and layer of the fixture ($name)', (row) => {
    const entry = winErrorByCode(row.code)!;
    expect(entry.name).toBe(row.name);
    expect(entry.hex).toBe(row.hex);
    expect(entry.layer).toBe(row.layer);
  });

  it.each(rows)('$name resolves by its full name, without ERROR_, without ERROR_IPSEC_, in any case', (row) => {
    const short = row.name.replace(/^ERROR_IPSEC_/, '');
    const inputs = [row.name, row.name.replace(/^ERROR_/, ''), short, row.name.toLowerCase(), short.toLowerCase()];
    for (const input of inputs) expect(resolvedCode(input), input).toBe(row.code);
  });

  it('gives the unassigned numbers an explicit entry with no name', () => {
    for (const code of allCodes.filter((c) => !byCode.has(c))) {
      const entry = winErrorByCode(code)!;
      expect(entry).toMatchObject({ code, name: null, layer: 'none', kind: 'unassigned' });
      expect(entry.hex).toBe(`0x${code.toString(16).toUpperCase()}`);
      expect(entry.meaning).toContain('13918');
      expect(entry.meaning).toContain('13925');
    }
  });

  it('marks exactly the _BEGIN / _END names of the fixture as range markers', () => {
    for (const row of rows) {
      const isMarker = /_(BEGIN|END)$/.test(row.name);
      expect(winErrorByCode(row.code)!.kind === 'range-marker', row.name).toBe(isMarker);
    }
  });
});

describe('name lookup', () => {
  it('no spelling of a name belongs to two entries', () => {
    const seen = new Map<string, number>();
    for (const e of WINERROR_CATALOG.values()) {
      for (const form of e.name === null ? [] : nameForms(e.name)) {
        expect(seen.get(form), form).toBeUndefined();
        seen.set(form, e.code);
      }
    }
  });

  it('accepts dashes and spaces for underscores', () => {
    expect(winErrorByName('bad spi')?.code).toBe(13910);
    expect(winErrorByName('ipsec-bad-spi')?.code).toBe(13910);
    expect(winErrorByName('  ERROR_IPSEC_IKE_AUTH_FAIL ')?.code).toBe(13801);
  });

  it('finds nothing for partial or unknown names', () => {
    expect(winErrorByName('ERROR_IPSEC_')).toBeUndefined();
    expect(winErrorByName('SPI')).toBeUndefined();
    expect(winErrorByName('')).toBeUndefined();
  });

  it('rejects API misuse with errors naming the parameter', () => {
    expect(() => winErrorByName(13910 as unknown as string)).toThrow(/name/);
    expect(() => winErrorByCode('13910' as unknown as number)).toThrow(TypeError);
    expect(() => winErrorByCode(13910.5)).toThrow(RangeError);
    expect(winErrorByCode(13799)).toBeUndefined();
  });
});

describe('the drop table (drop-kinds.ts) and the catalog agree', () => {
  it.each(Object.values(DROP_KINDS))('$id: code $code has an entry with the same name and hex', (kind) => {
    const entry = winErrorByCode(kind.code)!;
    expect(entry.name).toBe(kind.name);
    expect(entry.hex).toBe(kind.hex);
    expect(entry.layer).toBe('packet');
    expect(entry.dropKinds).toContain(kind.id);
  });

  it.each(Object.values(DROP_KINDS).filter((k) => k.linuxCounter !== 'none'))(
    '$id: the Windows entry lists $linuxCounter and the counter lists $code',
    (kind) => {
      const counter = LINUX_COUNTER_CATALOG.get(kind.linuxCounter as never)!;
      expect(counter, kind.linuxCounter).toBeDefined();
      expect(winErrorByCode(kind.code)!.linuxCounters).toContain(kind.linuxCounter);
      expect(counter.windowsCodes).toContain(kind.code);
      expect(counter.dropKinds).toContain(kind.id);
    },
  );

  it('every code ipsec-ts reports is a failure of the packet layer, never a marker or gap', () => {
    const reported = new Set(Object.values(DROP_KINDS).map((k) => k.code));
    for (const code of reported) expect(winErrorByCode(code)!.kind).toBe('failure');
  });
});

describe('cross references', () => {
  it('a Windows entry lists a counter exactly when that counter lists the code', () => {
    for (const w of WINERROR_CATALOG.values()) {
      for (const c of LINUX_COUNTER_CATALOG.values()) {
        expect(w.linuxCounters.includes(c.name), `${w.code} / ${c.name}`).toBe(c.windowsCodes.includes(w.code));
      }
    }
  });

  it('IKEv2 notify names are RFC 7296 3.10.1 notify message types', () => {
    // RFC 7296 section 3.10.1: the error types, plus the COOKIE status type (section 2.6).
    const rfc7296 = new Set([
      'UNSUPPORTED_CRITICAL_PAYLOAD', 'INVALID_IKE_SPI', 'INVALID_MAJOR_VERSION', 'INVALID_SYNTAX',
      'INVALID_MESSAGE_ID', 'INVALID_SPI', 'NO_PROPOSAL_CHOSEN', 'INVALID_KE_PAYLOAD',
      'AUTHENTICATION_FAILED', 'SINGLE_PAIR_REQUIRED', 'NO_ADDITIONAL_SAS', 'INTERNAL_ADDRESS_FAILURE',
      'FAILED_CP_REQUIRED', 'TS_UNACCEPTABLE', 'INVALID_SELECTORS', 'TEMPORARY_FAILURE',
      'CHILD_SA_NOT_FOUND', 'COOKIE',
    ]);
    for (const e of WINERROR_CATALOG.values()) {
      for (const n of e.ikev2Notify) expect(rfc7296.has(n), `${e.code}: ${n}`).toBe(true);
    }
  });

  it('entries are plain data: JSON gives them back unchanged', () => {
    for (const e of WINERROR_CATALOG.values()) expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });
});
