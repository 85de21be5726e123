// Hostile input against the whole IKE pipeline, not only the decoder: every message of a real
// exchange, mutated (bit flips, truncation, splices, length fields), fed to live managers. Nothing
// may throw, and the real IKE SA must survive (an attacker without the keys cannot hurt it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IkePair } from '../support/ike-pair.js';

function mutate(bytes: Buffer, choice: number, at: number, value: number, other: Buffer): Buffer {
  const b = Buffer.from(bytes);
  const i = at % Math.max(1, b.length);
  switch (choice % 6) {
    case 0: b[i] = (b[i] ?? 0) ^ (1 << (value % 8)); return b;
    case 1: return b.subarray(0, i);
    case 2: return Buffer.concat([b.subarray(0, i), other.subarray(i % Math.max(1, other.length))]);
    case 3: if (b.length >= 28) b.writeUInt32BE(value, 24); return b;
    case 4: b[i] = value & 0xff; return b;
    default: return Buffer.concat([b, Buffer.alloc(value % 64, value & 0xff)]);
  }
}

describe('IKE manager under hostile input', () => {
  it('never throws on 20,000 mutated messages and keeps the real IKE SA working', () => {
    const pair = new IkePair();
    pair.a.manager.initiate('a-b');
    pair.deliver();
    pair.a.manager.rekey('a-b');
    pair.deliver();
    pair.advance(5000);
    pair.deliver();
    const recorded = pair.log.map((m) => m.bytes);
    expect(recorded.length).toBeGreaterThan(6);
    fc.assert(fc.property(
      fc.nat(recorded.length - 1), fc.nat(recorded.length - 1), fc.nat(), fc.nat(), fc.nat(), fc.boolean(),
      (pick, otherPick, choice, at, value, toA) => {
        const bytes = mutate(recorded[pick]!, choice, at, value, recorded[otherPick]!);
        const side = toA ? pair.a : pair.b;
        side.manager.receive(bytes, { address: side === pair.a ? '198.51.100.1' : '198.51.100.2', port: 4500 }, { address: side === pair.a ? '198.51.100.2' : '198.51.100.1', port: 4500 });
        // Answers to the attacker (cookies, errors to IKE_SA_INIT copies) go nowhere.
        pair.take(pair.a);
        pair.take(pair.b);
      }), { numRuns: 20_000, seed: 7296 });
    // The real IKE SA still answers: a rekey goes through.
    pair.a.manager.rekey('a-b');
    pair.deliver();
    expect(pair.a.host.eventsOf('child-installed').length).toBeGreaterThanOrEqual(3);
    expect(pair.a.host.eventsOf('ike-failed')).toEqual([]);
  });
});
