// Clear-text packets against the SPD (RFC 4301 5.2): accepted only where a BYPASS policy (or a
// bypass default) says so; DISCARD is ERROR_IPSEC_CLEAR_TEXT_DROP / XfrmInPolBlock; PROTECT, or
// no policy with the RFC's default discard, is ERROR_IPSEC_CLEAR_TEXT_DROP / XfrmInNoPols.
import { describe, expect, it } from 'vitest';
import { createInboundContext, processClearText } from '../../src/datapath/inbound.js';
import { SaDatabase } from '../../src/sad/sad.js';
import { SecurityPolicyDatabase } from '../../src/spd/spd.js';
import { OUR_HOST, OUR_NET, PEER, PEER_HOST, PEER_NET, expectDrop, udp4 } from './support.js';

function spd(defaultInbound: 'discard' | 'bypass' = 'discard'): SecurityPolicyDatabase {
  const db = new SecurityPolicyDatabase({ defaultInbound });
  db.add({ id: 'dns-bypass', action: 'bypass', selectors: { local: `${OUR_NET} udp 53`, remote: PEER_NET } });
  db.add({ id: 'block-10.3', action: 'discard', selectors: { local: OUR_NET, remote: '10.3.0.0/16' } });
  db.add({ id: 'site-b', action: 'protect', selectors: { local: OUR_NET, remote: PEER_NET }, template: { mode: 'tunnel', peer: PEER, reqid: 7, label: 'site-b' } });
  return db;
}

describe('processClearText', () => {
  it('a packet a BYPASS policy covers is accepted: no verdict, nothing counted', () => {
    const ctx = createInboundContext(new SaDatabase(), spd());
    expect(processClearText(ctx, udp4(PEER_HOST, OUR_HOST))).toBeNull();
    expect(ctx.counters.snapshot().dropped).toBe(0);
  });

  it('without an SPD there is nothing to enforce', () => {
    expect(processClearText(createInboundContext(new SaDatabase()), udp4())).toBeNull();
  });

  it('a DISCARD policy: CLEAR_TEXT_DROP / XfrmInPolBlock, naming the policy', () => {
    const ctx = createInboundContext(new SaDatabase(), spd());
    expectDrop(processClearText(ctx, udp4('10.3.0.1', OUR_HOST))!, {
      kind: 'clear-text-blocked', spi: null, sa: null, cause: null, reason: 'discard-policy',
      evidence: { innerSrc: '10.3.0.1', innerDst: OUR_HOST, protocol: 17, srcPort: 5000, dstPort: 53, policy: 'block-10.3', policyAction: 'discard' },
      summaryHas: ['DISCARD policy block-10.3'],
    });
    expect(ctx.counters.snapshot().byLinuxCounter).toEqual({ XfrmInPolBlock: 1 });
  });

  it('a flow a PROTECT policy covers, arriving in clear text: CLEAR_TEXT_DROP / XfrmInNoPols', () => {
    const ctx = createInboundContext(new SaDatabase(), spd());
    expectDrop(processClearText(ctx, udp4(PEER_HOST, OUR_HOST, Buffer.from('x'), { srcPort: 5000, dstPort: 80 }))!, {
      kind: 'clear-text-no-policy', spi: null, sa: null, cause: null, reason: 'clear-text-where-protected',
      evidence: { innerSrc: PEER_HOST, innerDst: OUR_HOST, protocol: 17, srcPort: 5000, dstPort: 80, policy: 'site-b', policyAction: 'protect' },
      summaryHas: ['policy site-b that requires IPsec', 'SA site-b'],
    });
  });

  it('no policy and the default discard (RFC 4301 5: "if no match, discard"): no-matching-policy', () => {
    const ctx = createInboundContext(new SaDatabase(), spd());
    expectDrop(processClearText(ctx, udp4('10.9.0.1', OUR_HOST))!, {
      kind: 'clear-text-no-policy', spi: null, sa: null, cause: null, reason: 'no-matching-policy',
      evidence: { innerSrc: '10.9.0.1', innerDst: OUR_HOST, protocol: 17, srcPort: 5000, dstPort: 53, policy: null, policyAction: null },
      summaryHas: ['matches no inbound policy'],
    });
  });

  it('no policy and a bypass default: accepted', () => {
    expect(processClearText(createInboundContext(new SaDatabase(), spd('bypass')), udp4('10.9.0.1', OUR_HOST))).toBeNull();
  });

  it('a packet the SPD cannot read is refused as malformed, not waved through', () => {
    const ctx = createInboundContext(new SaDatabase(), spd('bypass'));
    const truncated = udp4().subarray(0, 24);
    expectDrop(processClearText(ctx, truncated)!, {
      kind: 'invalid-packet', spi: null, sa: null, cause: null, reason: 'malformed-clear-text',
      evidence: { length: 24, parseFailure: 'truncated' },
    });
    expect(ctx.counters.snapshot().byLinuxCounter).toEqual({ XfrmInHdrError: 1 });
  });
});
