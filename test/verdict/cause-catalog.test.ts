// The DESIGN.md causes: each resolves, carries evidence and a next step, and maps to the Windows
// code and Linux counter DESIGN.md gives for its drop.
import { describe, expect, it } from 'vitest';
import { CAUSE_CATALOG, causeById, isCauseId, nextStepFor } from '../../src/verdict/cause-catalog.js';
import { lookupExplanation } from '../../src/verdict/explain-lookup.js';
import { LINUX_COUNTER_CATALOG } from '../../src/verdict/linux-counters.js';
import type { CauseId } from '../../src/verdict/verdict.js';
import { CAUSE_IDS } from '../../src/verdict/verdict.js';

// DESIGN.md: the seven causes explain a BAD_SPI (13910, XfrmInNoStates); esn-mismatch an integrity
// failure (13915); duplicate and too-old a replay drop (13913, XfrmInStateSeqError).
const DESIGN_CODE: Readonly<Record<CauseId, number>> = {
  'never-established': 13910, expired: 13910, deleted: 13910, 'not-yet-installed': 13910,
  'wrong-destination': 13910, 'our-outbound-spi': 13910, reserved: 13910,
  'esn-mismatch': 13915, duplicate: 13913, 'too-old': 13913,
};

describe.each([...CAUSE_IDS])('%s', (id) => {
  const entry = CAUSE_CATALOG.get(id)!;

  it('resolves through explain, in any letter case', () => {
    for (const input of [id, id.toUpperCase(), ` ${id} `]) {
      const result = lookupExplanation(input);
      expect(result.ok && result.entry.type === 'cause' && result.entry.id === id, input).toBe(true);
      if (result.ok) expect(result.matchedBy).toBe('cause');
    }
  });

  it('has evidence, a one-sentence next step and checks', () => {
    expect(entry.evidence.length).toBeGreaterThan(0);
    expect(nextStepFor(id)).toBe(entry.nextStep);
    expect(entry.nextStep.length).toBeGreaterThan(30);
    expect(entry.checks.some((c) => c.where === 'ipsec-ts' && c.how.includes(`ipsec-ts drops --cause ${id}`))).toBe(true);
  });

  it('maps to the Windows code DESIGN.md gives for its drop', () => {
    expect(entry.windowsCodes).toContain(DESIGN_CODE[id]);
  });

  it('names only real counters, each of which lists one of the cause\'s Windows codes', () => {
    for (const name of entry.linuxCounters) {
      const counter = LINUX_COUNTER_CATALOG.get(name);
      expect(counter, name).toBeDefined();
      expect(counter!.windowsCodes.some((c) => entry.windowsCodes.includes(c)), name).toBe(true);
    }
  });
});

describe('cause lookups', () => {
  it('know exactly the DESIGN.md identifiers', () => {
    expect(isCauseId('deleted')).toBe(true);
    expect(isCauseId('Deleted')).toBe(false);
    expect(causeById('Deleted')?.id).toBe('deleted');
    expect(causeById('removed')).toBeUndefined();
  });

  it('nextStepFor rejects an unknown cause with a RangeError naming the parameter', () => {
    expect(() => nextStepFor('gone' as CauseId)).toThrow(RangeError);
    expect(() => nextStepFor('gone' as CauseId)).toThrow(/cause/);
  });

  it('causeById rejects a non-string', () => {
    expect(() => causeById(7 as unknown as string)).toThrow(TypeError);
  });
});
