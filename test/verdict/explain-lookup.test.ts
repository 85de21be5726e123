// lookupExplanation: every accepted input form, the specified failures, and properties over
// arbitrary input (never throws, suggestions always resolve, the code range is exactly 13800-13932).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExplainLookup } from '../../src/verdict/explain-lookup.js';
import { lookupExplanation, suggestionsFor } from '../../src/verdict/explain-lookup.js';
import { WINERROR_CATALOG } from '../../src/verdict/winerror-catalog.js';

function codeOf(result: ExplainLookup): number | null {
  return result.ok && result.entry.type === 'winerror' ? result.entry.code : null;
}

function failureOf(input: string): { message: string; suggestions: readonly string[] } {
  const result = lookupExplanation(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} not to resolve`);
  return result;
}

describe('accepted input forms', () => {
  it.each([
    ['13910', 'code'], [' 13910 ', 'code'], ['\t13910\n', 'code'], ['13910L', 'code'],
    ['0x3656', 'hex'], ['0X3656', 'hex'], ['3656h', 'hex'], ['3656H', 'hex'],
    ['0x80073656', 'hresult'],
    ['ERROR_IPSEC_BAD_SPI', 'name'], ['error_ipsec_bad_spi', 'name'], ['IPSEC_BAD_SPI', 'name'], ['BAD_SPI', 'name'], ['bad spi', 'name'],
    ['bad-spi', 'drop-kind'],
  ])('%j resolves to 13910 as %s', (input, matchedBy) => {
    const result = lookupExplanation(input);
    expect(codeOf(result)).toBe(13910);
    expect(result.ok && result.matchedBy).toBe(matchedBy);
  });

  it('reads a HRESULT_FROM_WIN32 value (0x8007xxxx) as the Win32 code in its low 16 bits', () => {
    for (const code of [13800, 13801, 13918, 13932]) {
      expect(codeOf(lookupExplanation(`0x${(0x80070000 + code).toString(16)}`))).toBe(code);
    }
    // Another facility (0x8009....) is not a Win32 error.
    expect(lookupExplanation('0x80093656').ok).toBe(false);
  });

  it('resolves drop kind ids to the Windows code their verdicts carry', () => {
    expect(codeOf(lookupExplanation('replay'))).toBe(13913);
    expect(codeOf(lookupExplanation('invalid-trailer'))).toBe(13914);
    expect(codeOf(lookupExplanation('outbound-seq-exhausted'))).toBe(13911);
  });

  it('resolves counters and causes', () => {
    const counter = lookupExplanation('xfrmInNoStates');
    expect(counter.ok && counter.entry.type === 'linux-counter' && counter.entry.name).toBe('XfrmInNoStates');
    const cause = lookupExplanation('NEVER-ESTABLISHED');
    expect(cause.ok && cause.entry.type === 'cause' && cause.entry.id).toBe('never-established');
  });
});

describe('inputs that do not resolve', () => {
  it.each(['13799', '13933', '0', '0x0', '0x35E7', '0x366D', '99999999999999999999', '0xffffffffffffffff'])(
    '%s is outside the range: the message names the range ipsec-ts covers',
    (input) => {
      const { message } = failureOf(input);
      expect(message).toContain(input);
      expect(message).toContain('13800-13932');
      expect(message).toContain('0x35E8-0x366C');
    },
  );

  it('the empty string and blanks ask for something to explain', () => {
    for (const input of ['', '   ', '\n']) {
      const { message, suggestions } = failureOf(input);
      expect(message).toMatch(/^nothing to explain/);
      expect(suggestions).toEqual([]);
    }
  });

  it('an unknown word says so and quotes it', () => {
    const { message, suggestions } = failureOf('foo');
    expect(message).toBe('no Windows IPsec error, xfrm_stat counter or cause is called "foo"');
    expect(suggestions).toEqual([]);
  });

  it.each(['-13910', '+13910', '13910abc', '0x', '0x36 56', '1e4', '13910.0', 'ERROR_IPSEC_', 'ERROR_IPSEC_BAD_SPI_'])(
    '%j is not accepted',
    (input) => {
      expect(lookupExplanation(input).ok).toBe(false);
    },
  );
});

describe('suggestions', () => {
  it.each([
    ['BAD_SIP', 'ERROR_IPSEC_BAD_SPI'],
    ['ERROR_IPSEC_BAD_SIP', 'ERROR_IPSEC_BAD_SPI'],
    ['IKE_AUTH_FIAL', 'ERROR_IPSEC_IKE_AUTH_FAIL'],
    ['XfrmInNoState', 'XfrmInNoStates'],
    ['xfrminnostate', 'XfrmInNoStates'],
    ['never-establised', 'never-established'],
    ['too old', 'too-old'],
    ['REPLAY_CHECK', 'ERROR_IPSEC_REPLAY_CHECK_FAILED'],
  ])('%j suggests %s', (input, expected) => {
    expect(failureOf(input).suggestions).toContain(expected);
  });

  it('a decimal that is an IPsec code read as hex suggests the hex form', () => {
    expect(failureOf('3656').suggestions).toEqual(['0x3656']);
    expect(failureOf('13799').suggestions).toEqual([]);
  });

  it('puts the closest spelling first and gives at most eight', () => {
    expect(suggestionsFor('XfrmOutNoState')[0]).toBe('XfrmOutNoStates');
    expect(suggestionsFor('ERROR').length).toBeLessThanOrEqual(8);
  });

  it('rejects a non-string', () => {
    expect(() => suggestionsFor(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('properties over arbitrary input', () => {
  it('never throws; a failure has a message and suggestions that themselves resolve', () => {
    const input = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(...'ERROR_IPSEC_BADSPIxfrmIn0123456789-x '.split('')), maxLength: 30 }),
      fc.constantFrom(...[...WINERROR_CATALOG.values()].flatMap((e) => (e.name === null ? [] : [e.name]))).map((n) => n.slice(0, -1) + 'Q'),
    );
    fc.assert(
      fc.property(input, (text) => {
        const result = lookupExplanation(text);
        if (result.ok) return;
        expect(result.message.length).toBeGreaterThan(0);
        for (const s of result.suggestions) expect(lookupExplanation(s).ok, s).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('a decimal integer resolves exactly when it lies in 13800..13932', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 13700, max: 14050 }), fc.nat()), (n) => {
        expect(lookupExplanation(String(n)).ok).toBe(n >= 13800 && n <= 13932);
      }),
      { numRuns: 1000 },
    );
  });

  it('decimal, hex in mixed letter case and the name of a code give the same entry', () => {
    const named = [...WINERROR_CATALOG.values()].filter((e) => e.name !== null);
    fc.assert(
      fc.property(fc.constantFrom(...named), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), (entry, upper) => {
        const hex = [...entry.code.toString(16)].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join('');
        const forms = [String(entry.code), `0x${hex}`, entry.name!, entry.name!.toLowerCase()];
        for (const form of forms) expect(codeOf(lookupExplanation(form)), form).toBe(entry.code);
      }),
    );
  });

  it('rejects API misuse with a TypeError naming the parameter', () => {
    expect(() => lookupExplanation(13910 as unknown as string)).toThrow(/what must be a string/);
  });
});
