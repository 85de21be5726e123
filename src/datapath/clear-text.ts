// Clear-text packets (RFC 4301 5.2): an unprotected packet is accepted only where the SPD
// says BYPASS; one that matches DISCARD, or PROTECT (it should have come through an SA),
// is dropped with ERROR_IPSEC_CLEAR_TEXT_DROP.
import { packetFields } from '../packet/fields.js';
import type { SecurityPolicyDatabase } from '../spd/spd.js';
import type { Verdict } from '../verdict/verdict.js';
import { diagnosis, drop } from '../verdict/verdict.js';

/** Null when there is no SPD to ask or the packet is accepted. */
export function clearTextVerdict(spd: SecurityPolicyDatabase | null, packet: Buffer): Verdict | null {
  if (spd === null) return null;
  const f = packetFields(packet);
  if (!f.ok) return null;
  const result = spd.checkInbound({
    src: f.src, dst: f.dst, protocol: f.protocol, srcPort: f.srcPort, dstPort: f.dstPort,
    icmpType: f.icmpType, icmpCode: f.icmpCode, isNonFirstFragment: f.opaque,
  }, null);
  if (result.verdict === 'accept') return null;
  const policy = result.policy;
  const flow = `${f.src} -> ${f.dst} (protocol ${f.protocol}${f.dstPort === null ? '' : `, port ${f.dstPort}`})`;
  const evidence = { innerSrc: f.src, innerDst: f.dst, protocol: f.protocol, srcPort: f.srcPort, dstPort: f.dstPort, policy: policy?.id ?? null, policyAction: policy?.action ?? null };
  if (result.kind === 'clear-text-no-policy') {
    const sa = policy?.template?.label ? ` (SA ${policy.template.label})` : '';
    return drop('clear-text-no-policy', null, null, diagnosis(null, 'clear-text-where-protected',
      `clear-text packet ${flow} matches policy ${policy?.id ?? '(default)'} that requires IPsec${sa}`,
      evidence,
      'The sender is not encrypting this flow: check that its policy covers the same traffic selectors and that its SA is up (on the peer: ip xfrm policy / swanctl --list-pols).'));
  }
  return drop('clear-text-blocked', null, null, diagnosis(null, result.reason,
    `clear-text packet ${flow} is blocked by ${policy ? `DISCARD policy ${policy.id}` : 'the default inbound action (discard)'}`,
    evidence,
    'Add a BYPASS policy for this flow if it should pass in clear text, or protect it on the sender.'));
}

