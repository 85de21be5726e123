import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { definePolicy } from '../../src/spd/policy.js';
import type { PolicyInit } from '../../src/spd/policy.js';
import { parseSelector } from '../../src/spd/parse.js';
import type { SpdPacketFields } from '../../src/spd/selector.js';
import { SecurityPolicyDatabase } from '../../src/spd/spd.js';
import { DROP_KINDS } from '../../src/verdict/drop-kinds.js';
import { packetWithNearPair, selectorPair } from './arbitraries.js';
import { naiveFirstMatch } from './naive-model.js';

function packet(over: Partial<SpdPacketFields> = {}): SpdPacketFields {
  return {
    src: '10.1.0.5', dst: '10.2.0.7', protocol: 6, srcPort: 40000, dstPort: 443,
    icmpType: null, icmpCode: null, isNonFirstFragment: false, ...over,
  };
}

const tunnel = { mode: 'tunnel' as const, peer: '192.0.2.2', reqid: 1, label: 'site-b' };

function protectSites(id = 'protect'): PolicyInit {
  return { id, action: 'protect', selectors: { local: '10.1.0.0/16', remote: '10.2.0.0/16' }, template: tunnel };
}

describe('first match wins (RFC 4301 4.4.1)', () => {
  it('returns the earlier of two overlapping policies', () => {
    const spd = new SecurityPolicyDatabase();
    spd.add({ id: 'web-bypass', action: 'bypass', selectors: { local: '10.1.0.0/16', remote: '10.2.0.0/16 tcp 443' } });
    spd.add(protectSites());
    expect(spd.lookupOutbound(packet())?.id).toBe('web-bypass');
    expect(spd.lookupOutbound(packet({ dstPort: 80 }))?.id).toBe('protect');
  });

  it('inserts at a position, so a later add can take precedence', () => {
    const spd = new SecurityPolicyDatabase();
    spd.add(protectSites());
    spd.add({ id: 'block-one-host', action: 'discard', selectors: { local: 'any', remote: '10.2.0.7' } }, 0);
    expect(spd.list().map((p) => p.id)).toEqual(['block-one-host', 'protect']);
    expect(spd.lookupOutbound(packet())?.action).toBe('discard');
    expect(spd.remove('block-one-host')).toBe(true);
    expect(spd.remove('block-one-host')).toBe(false);
    expect(spd.lookupOutbound(packet())?.id).toBe('protect');
  });

  it('agrees with a linear-scan model over random policy lists and packets', () => {
    const directions = fc.constantFrom<'out' | 'in' | 'both'>('out', 'in', 'both');
    const policies = fc.array(fc.record({ direction: directions, selectors: selectorPair() }), { maxLength: 6 });
    fc.assert(fc.property(policies, packetWithNearPair(), directions, (list, { fields, pair }, nearDir) => {
      // Put the near pair somewhere in the list so that hits are common.
      const all = [...list, { direction: nearDir, selectors: pair }];
      const spd = new SecurityPolicyDatabase();
      all.forEach((p, i) => spd.add({ id: `p${i}`, action: 'bypass', direction: p.direction, selectors: p.selectors }));
      for (const dir of ['out', 'in'] as const) {
        const expected = naiveFirstMatch(all, fields, dir);
        const found = dir === 'out' ? spd.lookupOutbound(fields) : spd.lookupInbound(fields);
        expect(found?.id ?? null).toBe(expected < 0 ? null : `p${expected}`);
      }
    }), { numRuns: 3000 });
  });

  it('applies a policy only in its direction', () => {
    const spd = new SecurityPolicyDatabase();
    spd.add({ id: 'in-only', direction: 'in', action: 'bypass', selectors: { local: 'any', remote: 'any' } });
    expect(spd.lookupOutbound(packet())).toBeNull();
    expect(spd.lookupInbound(packet())?.id).toBe('in-only');
  });
});

describe('defaults when nothing matches', () => {
  it('discards by default in both directions (RFC 4301 4.4.1, 5.1, 5.2)', () => {
    const spd = new SecurityPolicyDatabase();
    expect(spd.decideOutbound(packet())).toEqual({ action: 'discard', policy: null });
    expect(spd.checkInbound(packet(), null)).toMatchObject({ verdict: 'drop', reason: 'no-matching-policy', kind: 'clear-text-no-policy' });
  });

  it('can bypass by default, like Linux XFRM default policy allow', () => {
    const spd = new SecurityPolicyDatabase({ defaultInbound: 'bypass', defaultOutbound: 'bypass' });
    expect(spd.decideOutbound(packet()).action).toBe('bypass');
    expect(spd.checkInbound(packet(), null)).toMatchObject({ verdict: 'accept', reason: 'default-bypass' });
  });

  it('refuses an unknown default action', () => {
    expect(() => new SecurityPolicyDatabase({ defaultInbound: 'allow' as 'bypass' })).toThrow(/options\.defaultInbound: expected 'discard' or 'bypass'/);
  });

  it('reports the matching policy in the outbound decision', () => {
    const spd = new SecurityPolicyDatabase();
    const p = spd.add(protectSites());
    expect(spd.decideOutbound(packet())).toEqual({ action: 'protect', policy: p });
  });
});

describe('checkInbound (RFC 4301 5.2) and the drop kinds it reports', () => {
  const spd = new SecurityPolicyDatabase();
  spd.add({ id: 'ike', action: 'bypass', selectors: { local: 'any udp 500', remote: 'any udp 500' } });
  spd.add({ id: 'blocked', action: 'discard', selectors: { local: 'any', remote: '10.2.0.66' } });
  spd.add(protectSites());
  // Inbound, the local side is the destination.
  const inbound = (over: Partial<SpdPacketFields> = {}): SpdPacketFields => packet({ src: '10.2.0.7', dst: '10.1.0.5', srcPort: 443, dstPort: 40000, ...over });

  it('accepts clear text that a BYPASS policy matches', () => {
    expect(spd.checkInbound(inbound({ protocol: 17, srcPort: 500, dstPort: 500 }), null))
      .toMatchObject({ verdict: 'accept', reason: 'bypass-policy', policy: { id: 'ike' } });
  });

  it('drops clear text that a DISCARD policy matches as clear-text-blocked (XfrmInPolBlock)', () => {
    const r = spd.checkInbound(inbound({ src: '10.2.0.66' }), null);
    expect(r).toMatchObject({ verdict: 'drop', reason: 'discard-policy', kind: 'clear-text-blocked', policy: { id: 'blocked' } });
    expect(r.verdict === 'drop' && DROP_KINDS[r.kind]).toMatchObject({ name: 'ERROR_IPSEC_CLEAR_TEXT_DROP', linuxCounter: 'XfrmInPolBlock' });
  });

  it('drops clear text that a PROTECT policy matches: it should have arrived in an SA', () => {
    const r = spd.checkInbound(inbound(), null);
    expect(r).toMatchObject({ verdict: 'drop', reason: 'protect-needs-ipsec', kind: 'clear-text-no-policy', policy: { id: 'protect' } });
    expect(r.verdict === 'drop' && DROP_KINDS[r.kind].code).toBe(13916);
  });

  it('drops clear text that no policy matches as clear-text-no-policy (XfrmInNoPols)', () => {
    const r = spd.checkInbound(inbound({ src: '198.51.100.1' }), null);
    expect(r).toMatchObject({ verdict: 'drop', reason: 'no-matching-policy', kind: 'clear-text-no-policy', policy: null });
    expect(r.verdict === 'drop' && DROP_KINDS[r.kind].linuxCounter).toBe('XfrmInNoPols');
  });

  it('accepts a decrypted packet inside the SA selectors and drops one outside as WRONG_SA', () => {
    const saSelectors = { local: parseSelector('10.1.0.0/16'), remote: parseSelector('10.2.0.0/24') };
    expect(spd.checkInbound(inbound(), saSelectors)).toMatchObject({ verdict: 'accept', reason: 'within-sa-selectors' });
    const outside = spd.checkInbound(inbound({ src: '10.2.1.7' }), saSelectors);
    expect(outside).toMatchObject({ verdict: 'drop', reason: 'outside-sa-selectors', kind: 'wrong-sa-selectors' });
    expect(outside.verdict === 'drop' && DROP_KINDS[outside.kind]).toMatchObject({ name: 'ERROR_IPSEC_WRONG_SA', linuxCounter: 'XfrmInTmplMismatch' });
  });

  it('checks the SA selectors in the inbound sense: source in remote, destination in local', () => {
    const saSelectors = { local: parseSelector('10.1.0.0/16'), remote: parseSelector('10.2.0.0/16') };
    expect(spd.checkInbound(packet({ src: '10.1.0.5', dst: '10.2.0.7' }), saSelectors)).toMatchObject({ verdict: 'drop' });
  });

  it('returns the same prebuilt result object for repeated packets (no per-packet allocation)', () => {
    expect(spd.checkInbound(inbound(), null)).toBe(spd.checkInbound(inbound(), null));
  });
});

describe('policy validation names the field', () => {
  const base: PolicyInit = { id: 'p', action: 'bypass', selectors: { local: 'any', remote: 'any' } };
  it.each<[string, PolicyInit, RegExp]>([
    ['an empty id', { ...base, id: ' ' }, /policy\.id: expected a non-empty string/],
    ['an unknown action', { ...base, action: 'allow' as 'bypass' }, /policy\.action: expected 'bypass', 'discard' or 'protect'/],
    ['an unknown direction', { ...base, direction: 'fwd' as 'in' }, /policy\.direction/],
    ['bad selector text', { ...base, selectors: { local: '10.0.0.0/33', remote: 'any' } }, /policy\.selectors\.local: selector address prefix length/],
    ['an empty selector list', { ...base, selectors: { local: [], remote: 'any' } }, /policy\.selectors\.local: expected at least one selector/],
    ['a template on a bypass policy', { ...base, template: tunnel }, /policy\.template: only a 'protect' policy/],
    ['protect without a template', { ...base, action: 'protect' }, /policy\.template: a 'protect' policy needs/],
    ['a tunnel without a peer', { ...protectSites(), template: { mode: 'tunnel', reqid: 1 } }, /policy\.template\.peer: tunnel mode needs/],
    ['a bad peer address', { ...protectSites(), template: { ...tunnel, peer: 'gateway' } }, /policy\.template\.peer: expected an IP address/],
    ['reqid 0', { ...protectSites(), template: { ...tunnel, reqid: 0 } }, /policy\.template\.reqid: expected an integer 1\.\.4294967295/],
    ['an unknown mode', { ...protectSites(), template: { ...tunnel, mode: 'beet' as 'tunnel' } }, /policy\.template\.mode/],
  ])('refuses %s', (_name, init, message) => {
    expect(() => definePolicy(init)).toThrow(message);
  });

  it('refuses a duplicate id and a position outside the list', () => {
    const spd = new SecurityPolicyDatabase();
    spd.add(base);
    expect(() => spd.add(base)).toThrow(/policy\.id: 'p' is already in the SPD/);
    expect(() => spd.add({ ...base, id: 'q' }, 5)).toThrow(/position: expected an integer 0\.\.1/);
  });

  it('freezes the policy and canonicalises the peer', () => {
    const p = definePolicy({ ...protectSites(), template: { ...tunnel, peer: '2001:DB8::0:1' } });
    expect(p.template?.peer).toBe('2001:db8::1');
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.selectors.local)).toBe(true);
  });
});
