// Traffic selector narrowing (RFC 7296 2.9), checked by examples and against a brute-force
// model: over a small packet space (16 IPv4 and 16 IPv6 addresses, TCP/UDP/GRE, "no port",
// ports 0..5 and 80) a selector is the set of packets it matches, by RFC 4301 4.4.1 rules
// written out below; narrowing must be exactly the intersection of those sets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrafficSelector } from '../../../src/spd/selector.js';
import { acceptNarrowed, MAX_SELECTORS, narrowTrafficSelectors } from '../../../src/ike/ts/narrow.js';
import { parseIp } from '../../../src/wire/address.js';

function sel(start: string, end = start, protocol = 0, startPort = 0, endPort = 65535): TrafficSelector {
  return { protocol, startPort, endPort, startAddress: start, endAddress: end };
}

describe('narrowTrafficSelectors (responder)', () => {
  it('narrows a wide proposal to our configured subnets', () => {
    const r = narrowTrafficSelectors(
      { local: [sel('10.1.0.0', '10.1.0.255')], remote: [sel('10.2.0.0', '10.2.0.255')] },
      { tsi: [sel('10.0.0.0', '10.255.255.255')], tsr: [sel('0.0.0.0', '255.255.255.255')] },
      'responder',
    );
    expect(r).toEqual({ ok: true, tsi: [sel('10.2.0.0', '10.2.0.255')], tsr: [sel('10.1.0.0', '10.1.0.255')] });
  });

  it('intersects protocol and ports: any protocol meets TCP 443, port ranges overlap', () => {
    const r = narrowTrafficSelectors(
      { local: [sel('10.1.0.0', '10.1.0.255', 6, 400, 500)], remote: [sel('10.2.0.1')] },
      { tsi: [sel('10.2.0.0', '10.2.0.255')], tsr: [sel('10.1.0.5', '10.1.0.5', 0), sel('10.1.0.7', '10.1.0.7', 6, 443, 8443)] },
      'responder',
    );
    expect(r.ok && r.tsr).toEqual([sel('10.1.0.5', '10.1.0.5', 6, 400, 500), sel('10.1.0.7', '10.1.0.7', 6, 443, 500)]);
    expect(r.ok && r.tsi).toEqual([sel('10.2.0.1')]);
  });

  it('never mixes IPv4 and IPv6: an IPv6 proposal against an IPv4 policy is TS_UNACCEPTABLE (38)', () => {
    const r = narrowTrafficSelectors(
      { local: [sel('10.1.0.0', '10.1.0.255')], remote: [sel('0.0.0.0', '255.255.255.255')] },
      { tsi: [sel('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')], tsr: [sel('2001:db8::', '2001:db8::ffff')] },
      'responder',
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.notify).toBe(38);
      expect(r.detail).toMatch(/TSi .* does not meet our remote selectors/);
    }
  });

  it('keeps the triggering packet covered and puts the selector that covers it first (RFC 7296 2.9)', () => {
    const trigger = sel('10.1.2.3', '10.1.2.3', 6, 443, 443);
    const r = narrowTrafficSelectors(
      { local: [sel('10.1.0.0', '10.1.0.255'), sel('10.1.2.0', '10.1.2.255')], remote: [sel('0.0.0.0', '255.255.255.255')] },
      { tsi: [sel('10.9.9.9', '10.9.9.9', 6, 50000, 50000), sel('10.9.0.0', '10.9.255.255')], tsr: [trigger, sel('10.1.0.0', '10.1.255.255')] },
      'responder',
    );
    expect(r.ok && r.tsr).toEqual([sel('10.1.2.0', '10.1.2.255'), sel('10.1.0.0', '10.1.0.255')]);
    expect(r.ok && r.tsi).toEqual([sel('10.9.0.0', '10.9.255.255')]);
  });

  it('matches OPAQUE only with OPAQUE or ANY ports', () => {
    const opaque = sel('10.0.0.1', '10.0.0.1', 17, 65535, 0);
    const withAny = narrowTrafficSelectors({ local: [sel('10.0.0.0', '10.0.0.255')], remote: [sel('10.0.0.2')] },
      { tsi: [sel('10.0.0.2')], tsr: [opaque] }, 'responder');
    expect(withAny.ok && withAny.tsr).toEqual([opaque]);
    const withRange = narrowTrafficSelectors({ local: [sel('10.0.0.0', '10.0.0.255', 17, 0, 1000)], remote: [sel('10.0.0.2')] },
      { tsi: [sel('10.0.0.2')], tsr: [opaque] }, 'responder');
    expect(withRange.ok).toBe(false);
  });

  it('refuses more selectors than it will consider, and empty proposals', () => {
    const many = Array.from({ length: MAX_SELECTORS + 1 }, () => sel('10.0.0.1'));
    const cfg = { local: [sel('10.0.0.0', '10.0.0.255')], remote: [sel('10.0.0.0', '10.0.0.255')] };
    expect(narrowTrafficSelectors(cfg, { tsi: many, tsr: [sel('10.0.0.1')] }, 'responder').ok).toBe(false);
    expect(narrowTrafficSelectors(cfg, { tsi: [], tsr: [sel('10.0.0.1')] }, 'responder').ok).toBe(false);
  });
});

describe('acceptNarrowed (initiator)', () => {
  const proposed = { tsi: [sel('10.2.0.0', '10.2.0.255')], tsr: [sel('10.1.0.0', '10.1.0.127'), sel('10.1.0.128', '10.1.0.255')] };

  it('accepts a narrower answer, even one that spans two of our selectors', () => {
    expect(acceptNarrowed(proposed, { tsi: [sel('10.2.0.7')], tsr: [sel('10.1.0.100', '10.1.0.200', 6, 80, 80)] })).toEqual({ ok: true });
  });

  it('refuses a wider answer with TS_UNACCEPTABLE', () => {
    const r = acceptNarrowed(proposed, { tsi: [sel('10.2.0.0', '10.2.1.0')], tsr: [sel('10.1.0.1')] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.notify, r.detail]).toEqual([38, expect.stringMatching(/TSi selector 10\.2\.0\.0-10\.2\.1\.0 is not inside/)]);
  });

  it('refuses an answer of the other IP version or with no selectors', () => {
    expect(acceptNarrowed(proposed, { tsi: [sel('::1')], tsr: [sel('10.1.0.1')] }).ok).toBe(false);
    expect(acceptNarrowed(proposed, { tsi: [sel('10.2.0.1')], tsr: [] }).ok).toBe(false);
  });

  it('refuses ports or protocols we did not ask for', () => {
    const asked = { tsi: [sel('10.2.0.1', '10.2.0.1', 6, 80, 80)], tsr: [sel('10.1.0.1')] };
    expect(acceptNarrowed(asked, { tsi: [sel('10.2.0.1', '10.2.0.1', 6, 80, 81)], tsr: [sel('10.1.0.1')] }).ok).toBe(false);
    expect(acceptNarrowed(asked, { tsi: [sel('10.2.0.1', '10.2.0.1', 17, 80, 80)], tsr: [sel('10.1.0.1')] }).ok).toBe(false);
    expect(acceptNarrowed(asked, { tsi: [sel('10.2.0.1', '10.2.0.1', 6, 65535, 0)], tsr: [sel('10.1.0.1')] }).ok).toBe(false);
  });
});

// ---- brute-force model ----

interface Packet { readonly address: string; readonly protocol: number; readonly port: number | null }

const ADDRESSES = [
  ...Array.from({ length: 16 }, (_, i) => `10.0.0.${i}`),
  ...Array.from({ length: 16 }, (_, i) => `2001:db8::${i.toString(16)}`),
];
const PACKETS: Packet[] = ADDRESSES.flatMap((address) => [6, 17, 47].flatMap((protocol) =>
  [null, 0, 1, 2, 3, 4, 5, 80].map((port) => ({ address, protocol, port }))));

const parsedAddresses = new Map<string, Buffer>();
function bytesOf(text: string): Buffer {
  let b = parsedAddresses.get(text);
  if (!b) {
    b = parseIp(text)!;
    parsedAddresses.set(text, b);
  }
  return b;
}

/** RFC 4301 4.4.1, 4.4.1.2: ANY ports match everything (also no port), OPAQUE only "no port". */
function matches(ts: TrafficSelector, p: Packet): boolean {
  const a = bytesOf(p.address);
  const s = bytesOf(ts.startAddress);
  const e = bytesOf(ts.endAddress);
  if (a.length !== s.length || Buffer.compare(s, a) > 0 || Buffer.compare(a, e) > 0) return false;
  if (ts.protocol !== 0 && ts.protocol !== p.protocol) return false;
  if (ts.startPort === 0 && ts.endPort === 65535) return true;
  if (ts.startPort === 65535 && ts.endPort === 0) return p.port === null;
  return p.port !== null && ts.startPort <= p.port && p.port <= ts.endPort;
}

const matchesAny = (list: readonly TrafficSelector[], p: Packet): boolean => list.some((t) => matches(t, p));

const arbSelector: fc.Arbitrary<TrafficSelector> = fc.tuple(
  fc.boolean(), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }), fc.constantFrom(0, 0, 6, 17),
  fc.oneof(fc.constant([0, 65535]), fc.constant([65535, 0]), fc.constant([80, 80]),
    fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })).map(([x, y]) => [Math.min(x, y), Math.max(x, y)])),
).map(([v6, x, y, protocol, [sp, ep]]) => {
  const [lo, hi] = [Math.min(x, y), Math.max(x, y)];
  const addr = (n: number): string => (v6 ? `2001:db8::${n.toString(16)}` : `10.0.0.${n}`);
  return sel(addr(lo), addr(hi), protocol, sp!, ep!);
});
const arbList = fc.array(arbSelector, { minLength: 1, maxLength: 4 });

describe('narrowing against the brute-force model', () => {
  it('gives exactly the packets both sides match, per side, or TS_UNACCEPTABLE when a side has none', () => {
    fc.assert(fc.property(arbList, arbList, arbList, arbList, (local, remote, tsi, tsr) => {
      const r = narrowTrafficSelectors({ local, remote }, { tsi, tsr }, 'responder');
      const both = (proposed: TrafficSelector[], config: TrafficSelector[]): Packet[] => PACKETS.filter((p) => matchesAny(proposed, p) && matchesAny(config, p));
      const wantI = both(tsi, remote);
      const wantR = both(tsr, local);
      if (wantI.length === 0 || wantR.length === 0) {
        expect(r.ok).toBe(false);
        return;
      }
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(PACKETS.filter((p) => matchesAny(r.tsi, p))).toEqual(wantI);
      expect(PACKETS.filter((p) => matchesAny(r.tsr, p))).toEqual(wantR);
      // The first narrowed selector covers the first proposed one when one of our selectors allows all of it.
      const first = PACKETS.filter((p) => matches(tsr[0]!, p));
      if (local.some((c) => first.every((p) => matches(c, p)))) {
        expect(first.every((p) => matches(r.tsr[0]!, p))).toBe(true);
      }
      // What the responder answers, the initiator accepts.
      expect(acceptNarrowed({ tsi, tsr }, { tsi: r.tsi, tsr: r.tsr })).toEqual({ ok: true });
    }), { numRuns: 300 });
  });

  it('accepts a response exactly when every packet it matches was proposed', () => {
    // Responses are mostly the proposed selectors with one field changed (near misses both ways).
    const tweak = (t: TrafficSelector, field: number, value: TrafficSelector): TrafficSelector => {
      if (field === 0) return { ...t, protocol: value.protocol };
      if (field === 1) return { ...t, startPort: value.startPort, endPort: value.endPort };
      if (field === 2 && parseIp(t.startAddress)!.length === parseIp(value.startAddress)!.length) {
        const [a, b] = [t.startAddress, value.endAddress].sort((x, y) => Buffer.compare(parseIp(x)!, parseIp(y)!));
        return { ...t, startAddress: a!, endAddress: b! };
      }
      return t;
    };
    const near = (asked: TrafficSelector[]): fc.Arbitrary<TrafficSelector[]> => fc.array(fc.oneof(
      { weight: 1, arbitrary: arbSelector },
      { weight: 3, arbitrary: fc.constantFrom(...asked) },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...asked), fc.integer({ min: 0, max: 2 }), arbSelector).map(([t, f, v]) => tweak(t, f, v)) },
    ), { minLength: 1, maxLength: 3 });
    const arbCase = fc.tuple(arbList, arbList).chain(([tsi, tsr]) => fc.tuple(fc.constant(tsi), fc.constant(tsr), near(tsi), near(tsr)));
    let accepted = 0;
    fc.assert(fc.property(arbCase, ([tsi, tsr, ri, rr]) => {
      const subset = (answer: TrafficSelector[], asked: TrafficSelector[]): boolean => PACKETS.every((p) => !matchesAny(answer, p) || matchesAny(asked, p));
      const r = acceptNarrowed({ tsi, tsr }, { tsi: ri, tsr: rr });
      expect(r.ok).toBe(subset(ri, tsi) && subset(rr, tsr));
      if (r.ok) accepted++;
    }), { numRuns: 500 });
    // Both outcomes must be common for the comparison to mean something.
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(450);
  });
});
