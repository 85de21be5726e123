// Replay and integrity through the whole pipeline: RFC 4303 3.4.3 (check before the ICV, move
// the window only after it), Appendix A (ESN: seq-hi inferred from the window, A2.2 Case A and
// Case B), and the ESN-mismatch diagnosis of DESIGN.md. Expected numbers are worked out here
// from the RFC rules, not read back from the code.
import { describe, expect, it } from 'vitest';
import {
  TRANSFORMS, expectDelivered, expectDrop, makeLink, receive, saEvidence, seal, sealAt, udp4,
} from './support.js';

const TWO_32 = 2 ** 32;

/** ReplayEvidence as RFC 4303 3.4.3 defines the window: top T, size W, behind = T - seq. */
function windowEvidence(w: number, esn: boolean, top: [number, number], seq: [number, number], result: string, behindInTopSubspace: number | null = null) {
  const t = top[0] * TWO_32 + top[1];
  const s = seq[0] * TWO_32 + seq[1];
  return {
    windowSize: w, esn, top: String(t), topHi: top[0], topLo: top[1], seq: String(s), seqHi: seq[0], seqLo: seq[1],
    behind: t - s, result, behindInTopSubspace,
  };
}

describe('anti-replay (RFC 4303 3.4.3)', () => {
  it('a copy of a received packet is a duplicate, with the window in the evidence', () => {
    const link = makeLink();
    const packets = [1, 2, 3].map(() => seal(link, udp4()));
    packets.forEach((p, i) => expectDelivered(receive(link, p), link.inbound, 0, i + 1, 4));
    expectDrop(receive(link, packets[1]!), {
      kind: 'replay', spi: link.inbound.spi, sa: link.inbound, cause: 'duplicate', reason: 'duplicate',
      evidence: { ...saEvidence(link.inbound), ...windowEvidence(64, false, [0, 3], [0, 2], 'duplicate') },
      summaryHas: ['sequence number 2', 'window top 3', 'size 64'],
    });
  });

  it('the window holds T-W+1..T: 63 behind is delivered, 64 behind is too old', () => {
    const link = makeLink();
    expectDelivered(receive(link, sealAt(link, 0, 100, udp4())), link.inbound, 0, 100, 4);
    expectDelivered(receive(link, sealAt(link, 0, 37, udp4())), link.inbound, 0, 37, 4);
    expectDrop(receive(link, sealAt(link, 0, 36, udp4())), {
      kind: 'replay', spi: link.inbound.spi, sa: link.inbound, cause: 'too-old', reason: 'too-old',
      evidence: { ...saEvidence(link.inbound), ...windowEvidence(64, false, [0, 100], [0, 36], 'too-old') },
      summaryHas: ['64 behind the window top 100'],
    });
  });

  it('sequence number 0 is never sent (RFC 4303 3.3.3): a replay drop without a DESIGN cause', () => {
    const link = makeLink();
    expectDrop(receive(link, sealAt(link, 0, 0, udp4())), {
      kind: 'replay', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'zero-sequence',
      evidence: { ...saEvidence(link.inbound), ...windowEvidence(64, false, [0, 0], [0, 0], 'zero') },
    });
  });

  it('the duplicate check runs before the ICV: a copy with a broken ICV is still called a duplicate', () => {
    const link = makeLink();
    const p = seal(link, udp4());
    expectDelivered(receive(link, p), link.inbound, 0, 1, 4);
    const broken = Buffer.from(p);
    broken[broken.length - 1]! ^= 1;
    expectDrop(receive(link, broken), {
      kind: 'replay', spi: link.inbound.spi, sa: link.inbound, cause: 'duplicate', reason: 'duplicate',
      evidence: { ...saEvidence(link.inbound), ...windowEvidence(64, false, [0, 1], [0, 1], 'duplicate') },
    });
  });

  it('with anti-replay off (window 0) a copy is delivered again: "no inbound checks" (3.4.3)', () => {
    const link = makeLink({ replayWindow: 0 });
    const p = seal(link, udp4());
    expectDelivered(receive(link, p), link.inbound, 0, 1, 4);
    expectDelivered(receive(link, p), link.inbound, 0, 1, 4);
  });

  describe.each(TRANSFORMS.map((t) => [t.name, t] as const))('window committed only after the ICV verified: %s', (_name, t) => {
    for (const esn of [false, true]) {
      it(`forged packets with a high sequence number do not move the window (${esn ? 'ESN' : 'no ESN'})`, () => {
        const link = makeLink({ transform: t, esn });
        for (let seq = 1; seq <= 5; seq++) expectDelivered(receive(link, sealAt(link, 0, seq, udp4())), link.inbound, 0, seq, 4);
        const genuine = sealAt(link, 0, 100_000, udp4());
        const forgeries: Buffer[] = [];
        const icvFlipped = Buffer.from(genuine);
        icvFlipped[icvFlipped.length - 1]! ^= 0x80;
        const bodyFlipped = Buffer.from(genuine);
        bodyFlipped[8 + t.ivLength]! ^= 0x01;
        const seqRewritten = sealAt(link, 0, 6, udp4());
        seqRewritten.writeUInt32BE(100_000, 4); // the ICV covers the sequence number (RFC 4303 3.3.2)
        forgeries.push(icvFlipped, bodyFlipped, seqRewritten);
        for (const forged of forgeries) {
          expectDrop(receive(link, forged), {
            kind: 'integrity', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'icv-mismatch',
            evidence: { ...saEvidence(link.inbound), seqHi: 0, seqLo: 100_000, esn, transform: t.transformName, icvLength: t.icvLength },
            summaryHas: [`${t.icvLength}-byte ICV does not verify`],
          });
          expect([link.inbound.replay!.topHi, link.inbound.replay!.topLo]).toEqual([0, 5]);
        }
        // Had a forgery moved the top to 100000, 6 would now be far left of the window.
        expectDelivered(receive(link, sealAt(link, 0, 6, udp4())), link.inbound, 0, 6, 4);
        expectDelivered(receive(link, genuine), link.inbound, 0, 100_000, 4);
      });
    }
  });
});

describe('extended sequence numbers (RFC 4303 2.2.1, Appendix A)', () => {
  it('packets across the 2^32 boundary are delivered with the right seq-hi', () => {
    const link = makeLink({ esn: true });
    link.outbound.restoreOutboundSequence(0, 0xfffffffd);
    const expected: Array<[number, number]> = [[0, 0xfffffffe], [0, 0xffffffff], [1, 0], [1, 1]];
    for (const [hi, lo] of expected) expectDelivered(receive(link, seal(link, udp4())), link.inbound, hi, lo, 4);
    expect([link.inbound.replay!.topHi, link.inbound.replay!.topLo]).toEqual([1, 1]);
  });

  it('a copy of the last packet before the boundary is a duplicate (A2.2 Case B: the window spans two subspaces)', () => {
    const link = makeLink({ esn: true });
    link.outbound.restoreOutboundSequence(0, 0xfffffffe);
    const last = seal(link, udp4()); // (0, 0xffffffff)
    expectDelivered(receive(link, last), link.inbound, 0, 0xffffffff, 4);
    expectDelivered(receive(link, seal(link, udp4())), link.inbound, 1, 0, 4);
    expectDelivered(receive(link, seal(link, udp4())), link.inbound, 1, 1, 4);
    // T = 2^32 + 1, W = 64: Bl = 1 - 64 + 1 mod 2^32 = 0xffffffc2 <= 0xffffffff, so seq-hi = Th - 1 = 0.
    expectDrop(receive(link, last), {
      kind: 'replay', spi: link.inbound.spi, sa: link.inbound, cause: 'duplicate', reason: 'duplicate',
      evidence: { ...saEvidence(link.inbound), ...windowEvidence(64, true, [1, 1], [0, 0xffffffff], 'duplicate') },
    });
  });

  /** A receiver whose window top is `top` in subspace 1, reached the way A2.2 allows: across the boundary. */
  const climbTo = (top: [number, number]): ReturnType<typeof makeLink> => {
    const link = makeLink({ esn: true });
    for (const [hi, lo] of [[0, 0xfffffff0], [1, 5], top] as const) {
      expectDelivered(receive(link, sealAt(link, hi, lo, udp4())), link.inbound, hi, lo, 4);
    }
    return link;
  };

  const late = (top: [number, number], seq: [number, number], inferredSeqHi: number, behindInTopSubspace: number | null): void => {
    const link = climbTo(top);
    expectDrop(receive(link, sealAt(link, seq[0], seq[1], udp4())), {
      kind: 'replay', spi: link.inbound.spi, sa: link.inbound, cause: 'too-old', reason: 'too-old',
      evidence: {
        ...saEvidence(link.inbound), ...windowEvidence(64, true, top, seq, 'too-old', behindInTopSubspace),
        inferredSeqHi, verifiedSeqHi: seq[0],
      },
      summaryHas: [`${top[0] * TWO_32 + top[1] - (seq[0] * TWO_32 + seq[1])} behind`],
    });
    expect([link.inbound.replay!.topHi, link.inbound.replay!.topLo]).toEqual(top);
  };

  it('a late packet left of the window in the top subspace is too-old (A2.2 Case A infers Th + 1; the ICV verifies with Th)', () => {
    // T = 2^32 + 1000, W = 64: Bl = 937 and 900 < Bl, so A2.2 says seq-hi 2.
    late([1, 1000], [1, 900], 2, 100);
  });

  it('a late packet from the previous subspace is too-old (Case A infers Th; the ICV verifies with Th - 1)', () => {
    // Bl = 937 <= 0xffffff00, so A2.2 says seq-hi 1; the packet is 1000 + 256 behind.
    late([1, 1000], [0, 0xffffff00], 1, null);
  });

  it('a late packet from the previous subspace while the window spans the boundary is too-old (Case B)', () => {
    // T = 2^32 + 10: Bl = 10 - 63 mod 2^32 = 0xffffffcb > 0xffffff00, so A2.2 says Th = 1; it is 266 behind.
    late([1, 10], [0, 0xffffff00], 1, null);
  });

  it('a late-looking packet that verifies in no subspace stays an integrity failure', () => {
    const link = climbTo([1, 1000]);
    const forged = sealAt(link, 1, 900, udp4());
    forged[forged.length - 1]! ^= 1;
    expectDrop(receive(link, forged), {
      kind: 'integrity', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'icv-mismatch',
      evidence: { ...saEvidence(link.inbound), seqHi: 2, seqLo: 900, esn: true, transform: 'aes128-gcm16', icvLength: 16 },
    });
  });

  it('a corrupted packet just ahead of the top in a later subspace is an ICV failure, not a late packet', () => {
    const link = climbTo([1, 1000]);
    const corrupted = sealAt(link, 1, 1500, udp4());
    corrupted[20]! ^= 1;
    expectDrop(receive(link, corrupted), {
      kind: 'integrity', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'icv-mismatch',
      evidence: { ...saEvidence(link.inbound), seqHi: 1, seqLo: 1500, esn: true, transform: 'aes128-gcm16', icvLength: 16 },
    });
  });

  it('once a packet verified, the ends provably agree on ESN: a later ICV failure is not called esn-mismatch', () => {
    const link = makeLink({ esn: false });
    expectDelivered(receive(link, sealAt(link, 0, 1, udp4())), link.inbound, 0, 1, 4);
    expectDrop(receive(link, sealAt(link, 0, 2, udp4(), 4, true)), {
      kind: 'integrity', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'icv-mismatch',
      evidence: { ...saEvidence(link.inbound), seqHi: 0, seqLo: 2, esn: false, transform: 'aes128-gcm16', icvLength: 16 },
    });
  });

  describe.each(TRANSFORMS.map((t) => [t.name, t] as const))('ESN mismatch: %s', (_name, t) => {
    it('an SA without ESN receiving ESN traffic: integrity, cause esn-mismatch', () => {
      const link = makeLink({ transform: t, esn: false });
      expectDrop(receive(link, sealAt(link, 0, 1, udp4(), 4, true)), {
        kind: 'integrity', spi: link.inbound.spi, sa: link.inbound, cause: 'esn-mismatch', reason: 'esn-mismatch',
        evidence: { ...saEvidence(link.inbound), oursEsn: false, verifiesWithEsn: true, seqHi: 0, seqLo: 1 },
      });
      expect(link.inbound.replay!.topLo).toBe(0);
    });

    it('an SA with ESN receiving traffic without it: integrity, cause esn-mismatch', () => {
      const link = makeLink({ transform: t, esn: true });
      expectDrop(receive(link, sealAt(link, 0, 1, udp4(), 4, false)), {
        kind: 'integrity', spi: link.inbound.spi, sa: link.inbound, cause: 'esn-mismatch', reason: 'esn-mismatch',
        evidence: { ...saEvidence(link.inbound), oursEsn: true, verifiesWithEsn: false, seqHi: 0, seqLo: 1 },
      });
    });

    it('a packet sealed with another key: integrity, no cause, icv-mismatch', () => {
      const link = makeLink({ transform: t });
      const stranger = makeLink({ transform: t, seed: 99 });
      expectDrop(receive(link, sealAt(stranger, 0, 1, udp4())), {
        kind: 'integrity', spi: link.inbound.spi, sa: link.inbound, cause: null, reason: 'icv-mismatch',
        evidence: { ...saEvidence(link.inbound), seqHi: 0, seqLo: 1, esn: false, transform: t.transformName, icvLength: t.icvLength },
        summaryHas: ['different keys'],
      });
    });
  });
});
