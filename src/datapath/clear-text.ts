// Clear-text packets (RFC 4301 5.2): an unprotected packet is accepted only where the SPD
// says BYPASS; one that matches DISCARD, or PROTECT (it should have come through an SA),
// or nothing while the default is discard, is dropped with ERROR_IPSEC_CLEAR_TEXT_DROP.
// A packet whose selector fields cannot be read cannot be matched at all: INVALID_PACKET.
import { packetFields } from '../packet/fields.js';
import { spdFieldsOf } from './spd-fields.js';
import type { InboundPolicyResult, SecurityPolicyDatabase } from '../spd/spd.js';
import type { Verdict } from '../verdict/verdict.js';
import { diagnosis, drop } from '../verdict/verdict.js';

/** Null when there is no SPD to ask or the packet is accepted. */
export function clearTextVerdict(spd: SecurityPolicyDatabase | null, packet: Buffer): Verdict | null {
  if (spd === null) return null;
  const f = packetFields(packet);
  if (!f.ok) {
    return drop('invalid-packet', null, null, diagnosis(null, 'malformed-clear-text',
      `clear-text packet of ${packet.length} bytes cannot be matched against the SPD: ${f.detail}`,
      { length: packet.length, parseFailure: f.reason },
      'Something on the path cut or corrupted the packet, or the sender builds broken IP packets: capture on both ends and compare.'));
  }
  const result = spd.checkInbound(spdFieldsOf(f), null);
  if (result.verdict === 'accept') return null;
  const flow = `${f.src} -> ${f.dst} (protocol ${f.protocol}${f.dstPort === null ? '' : `, port ${f.dstPort}`})`;
  const policy = result.policy;
  const evidence = { innerSrc: f.src, innerDst: f.dst, protocol: f.protocol, srcPort: f.srcPort, dstPort: f.dstPort, policy: policy?.id ?? null, policyAction: policy?.action ?? null };
  return refusal(result, flow, evidence);
}

type ClearTextEvidence = Readonly<Record<string, string | number | null>>;

function refusal(result: InboundPolicyResult & { verdict: 'drop' }, flow: string, evidence: ClearTextEvidence): Verdict {
  const policy = result.policy;
  if (result.reason === 'protect-needs-ipsec') {
    const sa = policy?.template?.label ? ` (SA ${policy.template.label})` : '';
    return drop('clear-text-no-policy', null, null, diagnosis(null, 'clear-text-where-protected',
      `clear-text packet ${flow} matches policy ${policy?.id ?? '(default)'} that requires IPsec${sa}`,
      evidence,
      'The sender is not encrypting this flow: check that its policy covers the same traffic selectors and that its SA is up (on the peer: ip xfrm policy / swanctl --list-pols).'));
  }
  if (result.kind === 'clear-text-no-policy') {
    return drop('clear-text-no-policy', null, null, diagnosis(null, result.reason,
      `clear-text packet ${flow} matches no inbound policy and the default inbound action is discard (RFC 4301 5)`,
      evidence,
      'Add a BYPASS policy for this flow if it should pass in clear text, or a PROTECT policy (and SAs) if it should be encrypted.'));
  }
  return drop('clear-text-blocked', null, null, diagnosis(null, result.reason,
    `clear-text packet ${flow} is blocked by ${policy ? `DISCARD policy ${policy.id}` : 'the default inbound action (discard)'}`,
    evidence,
    'Add a BYPASS policy for this flow if it should pass in clear text, or protect it on the sender.'));
}
