// SPD lookup cost: the compiled matcher against the naive BigInt model on the same policy
// list and packets. Run: npx vitest bench --run test/spd
import { bench, describe } from 'vitest';
import type { SpdPacketFields } from '../../src/spd/selector.js';
import { SecurityPolicyDatabase } from '../../src/spd/spd.js';
import { naiveFirstMatch } from './naive-model.js';
import type { NaivePolicy } from './naive-model.js';

const spd = new SecurityPolicyDatabase();
const naive: NaivePolicy[] = [];
for (let i = 0; i < 20; i++) {
  const p = spd.add({
    id: `site-${i}`,
    action: 'protect',
    selectors: { local: `10.${i}.0.0/16`, remote: `10.${100 + i}.0.0/16 tcp 443` },
    template: { mode: 'tunnel', peer: `192.0.2.${i + 1}`, reqid: i + 1 },
  });
  naive.push(p);
}
const v6 = spd.add({ id: 'v6', action: 'bypass', selectors: { local: '2001:db8:1::/48', remote: '2001:db8:ffff::/48 udp 500' } });
naive.push(v6);

function packet(src: string, dst: string, protocol: number, dstPort: number): SpdPacketFields {
  return { src, dst, protocol, srcPort: 40000, dstPort, icmpType: null, icmpCode: null, isNonFirstFragment: false };
}

// A hit on the last IPv4 policy, a full miss, and an IPv6 hit behind 20 IPv4 policies.
const packets = [
  packet('10.19.3.4', '10.119.9.9', 6, 443),
  packet('172.16.0.1', '172.16.0.2', 17, 53),
  packet('2001:db8:1::5', '2001:db8:ffff::9', 17, 500),
];

describe('SPD lookup, 21 policies, 3 packets per iteration', () => {
  bench('compiled (SecurityPolicyDatabase.lookupOutbound)', () => {
    for (const f of packets) spd.lookupOutbound(f);
  });
  bench('naive model (BigInt, linear scan)', () => {
    for (const f of packets) naiveFirstMatch(naive, f, 'out');
  });
});
