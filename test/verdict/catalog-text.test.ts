// The words of all three catalogs: nothing empty, no placeholders, no copy-paste filler, every
// ipsec-ts command a known subcommand, and the data-path codes explained as DESIGN.md asks.
import { describe, expect, it } from 'vitest';
import type { Check, ExplainEntry } from '../../src/verdict/catalog-types.js';
import { CAUSE_CATALOG } from '../../src/verdict/cause-catalog.js';
import { IPSEC_TS_SUBCOMMANDS } from '../../src/verdict/cli-hints.js';
import { LINUX_COUNTER_CATALOG } from '../../src/verdict/linux-counters.js';
import { CAUSE_IDS } from '../../src/verdict/verdict.js';
import { WINERROR_CATALOG } from '../../src/verdict/winerror-catalog.js';

const entries: ExplainEntry[] = [
  ...WINERROR_CATALOG.values(),
  ...LINUX_COUNTER_CATALOG.values(),
  ...CAUSE_CATALOG.values(),
];

function label(e: ExplainEntry): string {
  return e.type === 'winerror' ? String(e.code) : e.type === 'cause' ? e.id : e.name;
}

function texts(e: ExplainEntry): string[] {
  const base = [e.meaning, ...e.checks.map((c) => c.how)];
  if (e.type === 'cause') return [...base, e.title, e.nextStep, ...e.evidence];
  return [...base, ...e.causes, ...(e.type === 'linux-counter' && e.note !== null ? [e.note] : [])];
}

const PLACEHOLDER = /\b(todo|tbd|fixme|xxx|lorem|ipsum|fill me|to be written)\b|\?\?\?/i;

describe.each(entries.map((e) => [label(e), e] as const))('%s', (_name, entry) => {
  it('has a meaning, causes (or evidence) and checks, none empty', () => {
    expect(entry.meaning.length).toBeGreaterThan(40);
    expect(entry.checks.length).toBeGreaterThan(0);
    const reasons = entry.type === 'cause' ? entry.evidence : entry.causes;
    expect(reasons.length).toBeGreaterThan(0);
    for (const text of texts(entry)) {
      expect(text.trim()).toBe(text);
      expect(text.length).toBeGreaterThan(3);
    }
  });

  it('contains no placeholder words', () => {
    for (const text of texts(entry)) expect(text).not.toMatch(PLACEHOLDER);
  });

  it('lists no cause or check twice', () => {
    const reasons = entry.type === 'cause' ? entry.evidence : entry.causes;
    expect(new Set(reasons).size).toBe(reasons.length);
    expect(new Set(entry.checks.map((c: Check) => `${c.where}|${c.how}`)).size).toBe(entry.checks.length);
  });

  it('refers only to ipsec-ts subcommands that exist in cli-hints', () => {
    // Command-shaped: the word is followed by an option, an argument, a number, ':' or ')'.
    // Prose such as "ipsec-ts reports ..." is not a command and is not checked.
    const command = /\bipsec-ts ([a-z-]+)(?= --| <| \d| [a-z-]+ --|:|\)|$)/g;
    for (const text of texts(entry)) {
      for (const match of text.matchAll(command)) {
        expect(IPSEC_TS_SUBCOMMANDS as readonly string[], text).toContain(match[1]);
      }
    }
  });
});

describe('the catalogs as a whole', () => {
  it('no two entries share a meaning (no copy-paste filler)', () => {
    const meanings = entries.map((e) => e.meaning);
    expect(new Set(meanings).size).toBe(meanings.length);
  });

  it('every check says where it applies', () => {
    const places = new Set(['ipsec-ts', 'linux', 'strongswan', 'windows', 'capture']);
    for (const e of entries) for (const c of e.checks) expect(places.has(c.where)).toBe(true);
  });
});

describe('the data-path codes carry the most detail', () => {
  const datapath = [13910, 13911, 13912, 13913, 13914, 13915, 13916, 13918].map((c) => WINERROR_CATALOG.get(c)!);

  it.each(datapath.map((e) => [e.code, e] as const))('%i says how to check it in ipsec-ts, on Linux and on Windows', (_code, e) => {
    const places = new Set(e.checks.map((c) => c.where));
    expect(places.has('ipsec-ts')).toBe(true);
    expect(places.has('linux')).toBe(true);
    expect(places.has('windows')).toBe(true);
    expect(e.checks.some((c) => c.how.includes(`ipsec-ts drops --code ${e.code}`))).toBe(true);
  });

  it('BAD_SPI names every DESIGN.md cause of a miss and how ipsec-ts tells them apart', () => {
    const badSpi = WINERROR_CATALOG.get(13910)!;
    // DESIGN.md "Diagnosis of BAD_SPI": the seven causes of an SA lookup miss.
    const design = ['never-established', 'expired', 'deleted', 'not-yet-installed', 'wrong-destination', 'our-outbound-spi', 'reserved'];
    for (const cause of design) {
      expect(badSpi.causes.some((c) => c.startsWith(`${cause}:`)), cause).toBe(true);
      expect(badSpi.causeIds).toContain(cause);
    }
    expect(badSpi.linuxCounters).toContain('XfrmInNoStates');
  });

  it('the Windows audit events named are the IPsec driver ones (4960-4963, 4965)', () => {
    const events = (code: number): string[] => WINERROR_CATALOG.get(code)!.checks
      .filter((c) => c.where === 'windows')
      .flatMap((c) => [...c.how.matchAll(/\b(49\d\d)\b/g)].map((m) => m[1]!));
    expect(events(13910)).toEqual(['4965']);
    expect(events(13913)).toEqual(['4961', '4962']);
    expect(events(13915)).toEqual(['4960']);
    expect(events(13916)).toEqual(['4963']);
  });

  it('each cause of DESIGN.md has an entry, in CAUSE_IDS order', () => {
    expect([...CAUSE_CATALOG.keys()]).toEqual([...CAUSE_IDS]);
  });
});
