// Fragment reassembly (RFC 791 3.2, RFC 8200 4.5) against a naive byte-coverage model over
// random fragmentations, orders, duplicates and overlaps, and against scapy's fragment() and
// fragment6().
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildIpv4, parseIpv4 } from '../../src/packet/ipv4.js';
import { buildIpv6, parseIpv6 } from '../../src/packet/ipv6.js';
import type { ReassemblyResult } from '../../src/packet/reassembly.js';
import { FragmentReassembler } from '../../src/packet/reassembly.js';
import { hasOracle } from '../support/oracle.js';
import { scapy } from './scapy.js';

interface Frag {
  readonly offset: number;
  readonly data: Buffer;
  readonly more: boolean;
}

const V4 = { src: '192.0.2.1', dst: '198.51.100.1', protocol: 17, identification: 0x4242 };
const V6 = { src: '2001:db8::1', dst: '2001:db8::2', protocol: 17 };

function ipv4Fragment(f: Frag): Buffer {
  return buildIpv4({ ...V4, moreFragments: f.more, fragmentOffset: f.offset }, f.data);
}

function ipv6Fragment(f: Frag): Buffer {
  // Hop-by-Hop in the unfragmentable part, so the Next Header patch is exercised.
  return buildIpv6({ ...V6, extensions: [{ type: 0 }, { type: 44, offset: f.offset, moreFragments: f.more, identification: 0x4242 }] }, f.data);
}

/** Splits `payload` into pieces at multiples of 8 at the given cut points. */
function cut(payload: Buffer, cuts: readonly number[]): Frag[] {
  const points = [...new Set(cuts.map((c) => Math.min(payload.length, c * 8)).filter((c) => c > 0 && c < payload.length))].sort((a, b) => a - b);
  const bounds = [0, ...points, payload.length];
  const out: Frag[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) out.push({ offset: bounds[i]!, data: payload.subarray(bounds[i]!, bounds[i + 1]!), more: i + 2 < bounds.length });
  return out;
}

type Outcome = { status: 'complete'; payload: string } | { status: 'pending'; duplicate: boolean } | { status: 'failed'; reason: string };

/**
 * The model: one byte-coverage array per datagram, checked byte by byte, no limits, no timers.
 * It returns per fragment what should happen, independent of how the reassembler stores pieces.
 */
function naiveModel(frags: readonly Frag[], headerLength: number, limit: number): Outcome[] {
  let owner = new Int32Array(70_000).fill(-1);
  let pieces: Frag[] = [];
  let end: number | null = null;
  const reset = (): void => { owner = new Int32Array(70_000).fill(-1); pieces = []; end = null; };
  return frags.map((f): Outcome => {
    const fEnd = f.offset + f.data.length;
    if (f.more && (f.data.length === 0 || f.data.length % 8 !== 0)) return { status: 'failed', reason: 'bad-fragment-length' };
    if (headerLength + fEnd > limit) return { status: 'failed', reason: 'too-big' };
    let maxCovered = -1;
    for (let i = 0; i < owner.length; i++) if (owner[i]! >= 0) maxCovered = i;
    const badEnd = f.more ? end !== null && fEnd > end : (end !== null && end !== fEnd) || maxCovered >= fEnd;
    if (badEnd) { reset(); return { status: 'failed', reason: 'bad-offsets' }; }
    const owners = new Set<number>();
    for (let i = f.offset; i < fEnd; i++) if (owner[i]! >= 0) owners.add(owner[i]!);
    if (owners.size > 0) {
      const only = owners.size === 1 ? pieces[[...owners][0]!]! : null;
      if (only && only.offset === f.offset && only.data.equals(f.data)) {
        let whole = true;
        for (let i = f.offset; i < fEnd; i++) if (owner[i] !== [...owners][0]) whole = false;
        if (whole) return { status: 'pending', duplicate: true };
      }
      reset();
      return { status: 'failed', reason: 'overlap' };
    }
    pieces.push(f);
    for (let i = f.offset; i < fEnd; i++) owner[i] = pieces.length - 1;
    if (!f.more) end = fEnd;
    if (end === null || owner[0]! < 0) return { status: 'pending', duplicate: false };
    for (let i = 0; i < end; i++) if (owner[i]! < 0) return { status: 'pending', duplicate: false };
    const out = Buffer.alloc(end);
    for (let i = 0; i < end; i++) { const p = pieces[owner[i]!]!; out[i] = p.data[i - p.offset]!; }
    reset();
    return { status: 'complete', payload: out.toString('hex') };
  });
}

function observed(r: ReassemblyResult, version: 4 | 6): Outcome {
  if (r.status === 'pending') return { status: 'pending', duplicate: r.duplicate };
  if (r.status === 'failed') return { status: 'failed', reason: r.reason };
  if (version === 4) {
    const h = parseIpv4(r.packet);
    if (!h.ok || !h.checksumValid || h.moreFragments || h.fragmentOffset !== 0) throw new Error('bad reassembled IPv4 header');
    return { status: 'complete', payload: r.packet.subarray(h.payloadOffset).toString('hex') };
  }
  const h = parseIpv6(r.packet);
  if (!h.ok || h.fragment !== null || h.protocol !== 17) throw new Error('bad reassembled IPv6 header');
  return { status: 'complete', payload: r.packet.subarray(h.protocolOffset).toString('hex') };
}

function run(frags: readonly Frag[], version: 4 | 6): Outcome[] {
  const r = new FragmentReassembler({ maxFragmentsPerDatagram: 100_000 });
  return frags.map((f, i) => observed(r.push(version === 4 ? ipv4Fragment(f) : ipv6Fragment(f), i + 1, i), version));
}

const payloadArb = fc.uint8Array({ minLength: 1, maxLength: 1500 }).map((b) => Buffer.from(b));

describe('FragmentReassembler against the naive model', () => {
  it('reassembles any fragmentation in any order, with duplicates, exactly when the model completes', () => {
    fc.assert(fc.property(payloadArb, fc.array(fc.nat(200), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), fc.constantFrom(4, 6) as fc.Arbitrary<4 | 6>,
      (payload, cuts, picks, version) => {
        const pieces = cut(payload, cuts);
        // Shuffle with the picks, then repeat some pieces as exact duplicates.
        const order = [...pieces];
        picks.forEach((p, i) => { const a = i % order.length; const b = p % order.length; [order[a], order[b]] = [order[b]!, order[a]!]; });
        const withDups = [...order, ...picks.slice(0, 3).map((p) => order[p % order.length]!)];
        const expected = naiveModel(withDups, version === 4 ? 20 : 48, version === 4 ? 0xffff : 0xffff + 40);
        expect(run(withDups, version)).toEqual(expected);
        expect(expected.filter((o) => o.status === 'complete').map((o) => (o as { payload: string }).payload)).toContain(payload.toString('hex'));
      }), { numRuns: 300 });
  });

  it('agrees with the model on hostile fragments: overlaps, bad lengths, conflicting ends', () => {
    const hostile = fc.array(fc.record({
      offset: fc.nat(40).map((k) => k * 8),
      len: fc.oneof(fc.nat(12).map((k) => k * 8), fc.nat(100)),
      more: fc.boolean(),
      fill: fc.nat(3),
    }), { minLength: 1, maxLength: 14 }).map((list) => list
      // Offset 0 without more fragments is no fragment in IPv4 (and an atomic one in IPv6): tested apart.
      .filter((x) => x.offset !== 0 || x.more)
      .map((x) => ({ offset: x.offset, data: Buffer.alloc(x.len, x.fill), more: x.more })));
    fc.assert(fc.property(hostile, fc.constantFrom(4, 6) as fc.Arbitrary<4 | 6>, (frags, version) => {
      expect(run(frags, version)).toEqual(naiveModel(frags, version === 4 ? 20 : 48, version === 4 ? 0xffff : 0xffff + 40));
    }), { numRuns: 500 });
  });
});

describe('FragmentReassembler', () => {
  const payload = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
  const [a, b, c] = cut(payload, [3, 6]) as [Frag, Frag, Frag];

  it('passes a packet that is no fragment through as a view, with its frame', () => {
    const ip = buildIpv4({ ...V4 }, payload);
    const r = new FragmentReassembler().push(ip, 7, 0);
    expect(r).toMatchObject({ status: 'complete', frames: [7], fragmented: false });
    if (r.status === 'complete') expect(r.packet.buffer).toBe(ip.buffer);
  });

  it('returns the frames used, ascending, and the rebuilt IPv4 header (DF kept, MF and offset cleared)', () => {
    const r = new FragmentReassembler();
    const ip = (f: Frag): Buffer => buildIpv4({ ...V4, dontFragment: false, ttl: 9, moreFragments: f.more, fragmentOffset: f.offset }, f.data);
    expect(r.push(ip(c), 30, 0).status).toBe('pending');
    expect(r.push(ip(a), 10, 1).status).toBe('pending');
    const done = r.push(ip(b), 20, 2);
    expect(done).toMatchObject({ status: 'complete', frames: [10, 20, 30], fragmented: true });
    if (done.status === 'complete') expect(done.packet.equals(buildIpv4({ ...V4, ttl: 9 }, payload))).toBe(true);
    expect(r.pendingCount).toBe(0);
    expect(r.pendingBytes).toBe(0);
  });

  it('restores the IPv6 unfragmentable part and patches the Next Header that named the Fragment header', () => {
    const r = new FragmentReassembler();
    for (const [i, f] of [b, c].entries()) expect(r.push(ipv6Fragment(f), i + 1, i).status).toBe('pending');
    const done = r.push(ipv6Fragment(a), 3, 3);
    const whole = buildIpv6({ ...V6, extensions: [{ type: 0 }] }, payload);
    expect(done.status === 'complete' && done.packet.equals(whole)).toBe(true);
  });

  it('completes an IPv6 atomic fragment (offset 0, M = 0) at once (RFC 6946)', () => {
    const r = new FragmentReassembler().push(ipv6Fragment({ offset: 0, data: payload, more: false }), 1, 0);
    expect(r).toMatchObject({ status: 'complete', fragmented: true, frames: [1] });
  });

  it('keeps datagrams apart by source, destination, protocol and identification', () => {
    const r = new FragmentReassembler();
    expect(r.push(buildIpv4({ ...V4, moreFragments: true }, a.data), 1, 0).status).toBe('pending');
    expect(r.push(buildIpv4({ ...V4, identification: 1, fragmentOffset: a.data.length }, Buffer.concat([b.data, c.data])), 2, 0).status).toBe('pending');
    expect(r.push(buildIpv4({ ...V4, protocol: 6, fragmentOffset: a.data.length }, Buffer.concat([b.data, c.data])), 3, 0).status).toBe('pending');
    expect(r.pendingCount).toBe(3);
  });

  it('abandons a datagram after the timeout: 15 s for IPv4, 60 s for IPv6 by default', () => {
    const r = new FragmentReassembler();
    r.push(ipv4Fragment(a), 1, 1000);
    r.push(ipv6Fragment(a), 2, 1000);
    expect(r.push(ipv4Fragment(b), 3, 16_000).expired).toEqual([]);
    const later = r.push(ipv4Fragment(c), 4, 16_001);
    expect(later.expired).toEqual([expect.objectContaining({ reason: 'timeout', frames: [1, 3] })]);
    expect(later.status).toBe('pending'); // c starts a new datagram
    // By 61.001 s both the new IPv4 datagram (frame 4) and the IPv6 one (frame 2) have timed out.
    expect(r.expireUntil(61_001).map((d) => [d.reason, d.frames])).toEqual([['timeout', [4]], ['timeout', [2]]]);
  });

  it('keeps expiry in order when capture timestamps step backwards', () => {
    const r = new FragmentReassembler({ ipv4TimeoutMs: 100 });
    r.push(ipv4Fragment(a), 1, 500);
    r.push(buildIpv4({ ...V4, identification: 2, moreFragments: true }, a.data), 2, 400);
    expect(r.expireUntil(601).map((d) => d.frames)).toEqual([[1], [2]]);
  });

  it('evicts the oldest datagram when the datagram limit is reached', () => {
    const r = new FragmentReassembler({ maxDatagrams: 2 });
    for (let id = 1; id <= 2; id++) r.push(buildIpv4({ ...V4, identification: id, moreFragments: true }, a.data), id, id);
    const third = r.push(buildIpv4({ ...V4, identification: 3, moreFragments: true }, a.data), 3, 3);
    expect(third.expired).toEqual([expect.objectContaining({ reason: 'evicted', frames: [1] })]);
    expect(r.pendingCount).toBe(2);
  });

  it('evicts old datagrams to stay under the byte limit, and refuses one that cannot fit alone', () => {
    const r = new FragmentReassembler({ maxBytes: 200 });
    r.push(buildIpv4({ ...V4, identification: 1, moreFragments: true }, Buffer.alloc(96)), 1, 0);
    const second = r.push(buildIpv4({ ...V4, identification: 2, moreFragments: true }, Buffer.alloc(96)), 2, 0);
    expect(second.expired).toEqual([expect.objectContaining({ reason: 'evicted', frames: [1] })]);
    expect(r.pendingBytes).toBeLessThanOrEqual(200);
    const big = r.push(buildIpv4({ ...V4, identification: 3, fragmentOffset: 96 }, Buffer.alloc(256)), 3, 0);
    expect(big).toMatchObject({ status: 'failed', reason: 'memory-limit', frames: [3] });
  });

  it('drops a datagram with too many fragments, naming all its frames', () => {
    const r = new FragmentReassembler({ maxFragmentsPerDatagram: 2 });
    r.push(ipv4Fragment(a), 1, 0);
    r.push(ipv4Fragment(c), 2, 0);
    expect(r.push(ipv4Fragment(b), 3, 0)).toMatchObject({ status: 'failed', reason: 'too-many-fragments', frames: [1, 2, 3] });
  });

  it('refuses unparsable packets and fragments past 65535 bytes without throwing', () => {
    const r = new FragmentReassembler();
    expect(r.push(Buffer.from('4500', 'hex'), 1, 0)).toMatchObject({ status: 'failed', reason: 'invalid-packet', frames: [1] });
    expect(r.push(new Uint8Array(0), 2, 0)).toMatchObject({ status: 'failed', reason: 'invalid-packet' });
    expect(r.push(buildIpv4({ ...V4, fragmentOffset: 65528 }, Buffer.alloc(16)), 3, 0)).toMatchObject({ status: 'failed', reason: 'too-big' });
  });

  it('never throws on random bytes', () => {
    const r = new FragmentReassembler({ maxDatagrams: 4 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer(), (bytes, t) => {
      expect(['complete', 'pending', 'failed']).toContain(r.push(bytes, 1, t).status);
    }), { numRuns: 3000 });
  });

  it('throws on misuse: bad limits or a non-number time', () => {
    expect(() => new FragmentReassembler({ maxDatagrams: 0 })).toThrow(/maxDatagrams/);
    expect(() => new FragmentReassembler().push(new Uint8Array(1), 1, Number.NaN)).toThrow(TypeError);
  });
});

describe.skipIf(!hasOracle('scapy'))('FragmentReassembler against scapy', () => {
  it('rebuilds what scapy fragment() and fragment6() cut, in shuffled order', () => {
    const sizes = [8, 16, 64, 200, 1280];
    const made = scapy<{ whole: string; frags: string[] }[]>(`
import random
random.seed(7)
out = []
for i, size in enumerate(data):
    body = bytes(random.getrandbits(8) for _ in range(700 + 37 * i))
    v4 = IP(src='203.0.113.1', dst='203.0.113.2', id=1000 + i) / UDP(sport=4500, dport=4500) / Raw(body)
    frags = [bytes(f) for f in fragment(v4, fragsize=size)]
    random.shuffle(frags)
    out.append({'whole': bytes(IP(bytes(v4))).hex(), 'frags': [f.hex() for f in frags]})
    base = IPv6(src='2001:db8::1', dst='2001:db8::2') / IPv6ExtHdrHopByHop()
    v6 = base / IPv6ExtHdrFragment(id=2000 + i) / UDP(sport=500, dport=500) / Raw(body)
    frags6 = [bytes(f) for f in fragment6(v6, max(size, 80) + 56)]
    random.shuffle(frags6)
    whole6 = base / UDP(sport=500, dport=500) / Raw(body)
    out.append({'whole': bytes(whole6).hex(), 'frags': [f.hex() for f in frags6]})
print(json.dumps(out))`, sizes);
    for (const m of made) {
      const r = new FragmentReassembler();
      const results = m.frags.map((h, i) => r.push(Buffer.from(h, 'hex'), i + 1, i));
      const done = results.filter((x) => x.status === 'complete');
      expect(done).toHaveLength(1);
      expect(results.at(-1)!.status).toBe('complete');
      if (done[0]!.status === 'complete') expect(done[0]!.packet.toString('hex')).toBe(m.whole);
    }
  });
});
