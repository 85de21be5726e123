// Deterministic fuzz of the IKE decoder (seeded; the same run every time): 20,000 mutated valid
// messages and inner chains. Each must decode to a value or a typed failure, never an exception.
// bench/ike-fuzz.ts runs the same engine for a million iterations.
import { describe, expect, it } from 'vitest';
import { fuzzIkeDecoder, fuzzSeeds } from '../../../bench/ike-fuzz.js';
import { decodeMessage, decodePayloadChain } from '../../../src/ike/message/message.js';
import type { IkeDecodeReason } from '../../../src/ike/message/types.js';

describe('IKE decoder fuzz', () => {
  it('starts from seeds that all decode', () => {
    for (const s of fuzzSeeds()) {
      const r = s.firstType === null ? decodeMessage(s.bytes) : decodePayloadChain(s.bytes, s.firstType, 28);
      expect(r.ok).toBe(true);
    }
  });

  it('never throws on 20,000 mutated inputs and reaches many refusal reasons', () => {
    const report = fuzzIkeDecoder(20_000, 0x1ce);
    expect(report.exceptions).toEqual([]);
    const reasons: IkeDecodeReason[] = ['bad-length', 'truncated-payload', 'bad-payload-length', 'malformed-payload', 'unsupported-critical-payload', 'trailing-bytes', 'sk-not-last'];
    for (const reason of reasons) expect(report.outcomes[reason] ?? 0, reason).toBeGreaterThan(0);
    expect(report.outcomes.ok ?? 0).toBeGreaterThan(0);
    expect(Object.values(report.outcomes).reduce((a, b) => a + b, 0)).toBe(20_000);
  });
});
