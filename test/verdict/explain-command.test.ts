// `ipsec-ts explain` as the CLI runs it (runExplain with captured streams), and the terminal
// text of every catalog entry.
import { describe, expect, it } from 'vitest';
import { runExplain } from '../../src/cli/explain-command.js';
import type { ExplainEntry } from '../../src/verdict/catalog-types.js';
import { CAUSE_CATALOG } from '../../src/verdict/cause-catalog.js';
import { formatExplanation, formatLookupFailure } from '../../src/verdict/explain-lookup.js';
import { LINUX_COUNTER_CATALOG } from '../../src/verdict/linux-counters.js';
import { WINERROR_CATALOG } from '../../src/verdict/winerror-catalog.js';

function run(what: string, json = false): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runExplain(what, { json }, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}

describe('runExplain', () => {
  it('prints the sections for a known code and exits 0', () => {
    const { code, stdout, stderr } = run('13910');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toBe('13910 (0x3656) ERROR_IPSEC_BAD_SPI');
    for (const heading of ['What it means', 'Typical causes', 'How to check', 'Equivalents']) {
      expect(stdout).toContain(`\n${heading}\n`);
    }
    expect(stdout).toContain('Linux xfrm_stat: XfrmInNoStates');
    expect(stdout).toContain('ipsec-ts drops --code 13910');
    expect(stdout.endsWith('\n')).toBe(true);
  });

  it('prints the catalog entry itself as JSON with --json', () => {
    const { code, stdout } = run('0x3656', true);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(WINERROR_CATALOG.get(13910));
  });

  it('exits 2 with the message and suggestions on stderr for unknown input', () => {
    const { code, stdout, stderr } = run('BAD_SIP');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^ipsec-ts explain: no Windows IPsec error, xfrm_stat counter or cause is called "BAD_SIP"\n/);
    expect(stderr).toMatch(/did you mean: .*ERROR_IPSEC_BAD_SPI/);
  });

  it('exits 2 naming the covered range for a code outside it', () => {
    const { code, stderr } = run('13799');
    expect(code).toBe(2);
    expect(stderr).toBe('ipsec-ts explain: 13799 is not a Windows IPsec error code: ipsec-ts explains 13800-13932 (0x35E8-0x366C)\n');
  });

  it('reports unknown input as JSON on stderr with --json', () => {
    const { code, stdout, stderr } = run('3656', true);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(JSON.parse(stderr)).toEqual({
      error: '3656 is not a Windows IPsec error code: ipsec-ts explains 13800-13932 (0x35E8-0x366C)',
      suggestions: ['0x3656'],
    });
  });

  it('rejects a non-string argument with a TypeError naming it', () => {
    expect(() => runExplain(undefined as unknown as string, { json: false }, { stdout: () => {}, stderr: () => {} })).toThrow(/what/);
  });
});

const everyEntry: ExplainEntry[] = [...WINERROR_CATALOG.values(), ...LINUX_COUNTER_CATALOG.values(), ...CAUSE_CATALOG.values()];

describe('formatExplanation', () => {
  it('formats every entry with its identity first and every cause and check in the text', () => {
    for (const entry of everyEntry) {
      const text = formatExplanation(entry);
      const first = text.split('\n')[0]!;
      if (entry.type === 'winerror') expect(first.startsWith(`${entry.code} (${entry.hex})`)).toBe(true);
      if (entry.type === 'linux-counter') expect(first).toBe(entry.name);
      if (entry.type === 'cause') expect(first.startsWith(`${entry.id}: `)).toBe(true);
      const flat = text.replace(/\s+/g, ' ');
      for (const check of entry.checks) expect(flat).toContain(check.how.replace(/\s+/g, ' '));
      const reasons = entry.type === 'cause' ? entry.evidence : entry.causes;
      for (const reason of reasons) expect(flat).toContain(reason.replace(/\s+/g, ' '));
    }
  });

  it('wraps prose at 100 columns (check lines stay whole so commands copy cleanly)', () => {
    for (const entry of everyEntry) {
      const lines = formatExplanation(entry).split('\n');
      for (const line of lines.filter((l) => !l.startsWith('    - ') && !/^\S/.test(l))) {
        expect(line.length, line).toBeLessThanOrEqual(100);
      }
    }
  });

  it('names the Windows codes of a counter and of a cause with their symbols', () => {
    expect(formatExplanation(LINUX_COUNTER_CATALOG.get('XfrmInNoStates')!)).toContain('Windows: 13910 ERROR_IPSEC_BAD_SPI');
    expect(formatExplanation(LINUX_COUNTER_CATALOG.get('XfrmInError')!)).toContain('Windows: none');
    expect(formatExplanation(CAUSE_CATALOG.get('too-old')!)).toContain('Windows: 13913 ERROR_IPSEC_REPLAY_CHECK_FAILED');
  });

  it('says plainly when a number has no error', () => {
    expect(formatExplanation(WINERROR_CATALOG.get(13921)!).split('\n')[0]).toBe('13921 (0x3661): not assigned');
  });

  it('rejects something that is not an entry', () => {
    expect(() => formatExplanation(null as unknown as ExplainEntry)).toThrow(TypeError);
    expect(() => formatExplanation({ type: 'other' } as unknown as ExplainEntry)).toThrow(TypeError);
  });

  it('formats a lookup failure with and without suggestions', () => {
    expect(formatLookupFailure({ message: 'm', suggestions: [] })).toBe('ipsec-ts explain: m\n');
    expect(formatLookupFailure({ message: 'm', suggestions: ['a', 'b'] })).toBe('ipsec-ts explain: m\ndid you mean: a, b\n');
  });
});
