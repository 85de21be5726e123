// The DESIGN.md cause identifiers (CAUSE_IDS) in words: what each means, what evidence an ipsec-ts
// diagnosis shows for it, and what to do next. Diagnoses take `nextStep` from here; `ipsec-ts
// explain <cause>` prints the whole entry.
import type { CauseEntry, XfrmCounterName } from './catalog-types.js';
import { capture, ipsecTs, linux, strongswan, windows } from './catalog-types.js';
import { IKE_LOG, SA_HISTORY, SA_LIST, dropsByCause } from './cli-hints.js';
import type { CauseId } from './verdict.js';
import { CAUSE_IDS } from './verdict.js';

type CauseSpec = Omit<CauseEntry, 'type'>;

const BAD_SPI: readonly number[] = [13910];
const NO_STATE: readonly XfrmCounterName[] = ['XfrmInNoStates'];

const PEER_SAS_LINUX = strongswan('on a strongSwan peer: swanctl --list-sas lists each CHILD_SA with its SPIs (in and out)');
const PEER_SAS_WINDOWS = windows('on a Windows peer: Get-NetIPsecQuickModeSA lists the installed SAs with their inbound and outbound SPIs');
const SPI_CAPTURE = capture('tshark -r <capture> -Y "esp.spi == <spi>" -T fields -e frame.time -e ip.src -e ip.dst -e esp.sequence');

const SPECS: readonly CauseSpec[] = [
  {
    id: 'never-established',
    title: 'SPI never established here',
    meaning:
      'This host never allocated or installed an SA with this SPI, as far back as its SPI history ' +
      'reaches. For this host the SA never existed: the peer believes in an SA this host does not know.',
    evidence: [
      'the SPI and the outer addresses and ports of the packet',
      'how far back the SPI history reaches (oldest remembered event, number of SPIs remembered), which bounds the word "never"',
      'how many packets carried this SPI, first and last time seen',
      'the IKE SAs that exist with the sending address, if any',
    ],
    nextStep:
      'Ask the peer which SA it thinks this SPI belongs to (its SA list) and re-establish the CHILD_SA ' +
      'from either side; if no IKE SA exists with that peer, its state is stale and it must renegotiate.',
    checks: [
      ipsecTs(`${dropsByCause('never-established')}: the sources and SPIs, with counts`),
      ipsecTs(`${SA_HISTORY}: confirms the SPI is absent from the history and shows how far the history reaches`),
      PEER_SAS_LINUX,
      PEER_SAS_WINDOWS,
      SPI_CAPTURE,
    ],
    windowsCodes: BAD_SPI,
    linuxCounters: NO_STATE,
  },
  {
    id: 'expired',
    title: 'SA expired',
    meaning:
      'The SA this SPI belonged to reached its hard lifetime (time, bytes or packets) and may no longer ' +
      'be used, but the peer kept sending on it. IKEv2 does not negotiate lifetimes: each side enforces ' +
      'its own and must rekey before its own limit (RFC 7296 2.8), so a rekey that did not happen in time ' +
      'is the usual story.',
    evidence: [
      'when the SA hit its hard lifetime',
      'which limit ran out (time, bytes or packets), the configured limit and the value reached',
      'whether the soft lifetime started a rekey, and what became of it (successor SPI, or the failure)',
      'the SA id and label, and the packets that arrived on the SPI since it expired',
    ],
    nextStep:
      'Find out why no rekey replaced the SA before its hard limit (IKE SA down, CREATE_CHILD_SA refused ' +
      'or unanswered), and leave enough margin between soft and hard lifetimes on both sides.',
    checks: [
      ipsecTs(`${dropsByCause('expired')}: the expired SAs with limit, value and time`),
      ipsecTs(`${IKE_LOG}: the CREATE_CHILD_SA exchanges around the soft expiry`),
      strongswan('swanctl --list-sas: "rekeying in" and "expires in" per CHILD_SA; rekey_time, life_time and rand_time in swanctl.conf'),
      linux('ip -s xfrm state: "lifetime config" (soft and hard limits) and "lifetime current" of each SA'),
      windows('Get-NetIPsecQuickModeSA shows the lifetimes of the installed SAs; Get-NetIPsecQuickModeCryptoSet the configured ones'),
    ],
    windowsCodes: [13910, 13911],
    linuxCounters: ['XfrmInNoStates', 'XfrmInStateExpired'],
  },
  {
    id: 'deleted',
    title: 'SA deleted',
    meaning:
      'The SA was removed at a known time for a recorded reason: replaced by a rekey (it has a successor), ' +
      'deleted by the peer with a DELETE payload, or deleted locally (operator, IKE SA closed, peer ' +
      'declared dead). A few packets right after a rekey are stragglers; a steady flow means the peer ' +
      'still uses an SA that is gone.',
    evidence: [
      'when the SA was deleted and why (rekeyed, deleted by peer, deleted locally and by what)',
      'the successor SPI when a rekey replaced it',
      'how long the replaced SA was kept for late packets (grace period)',
      'how many packets arrived on the SPI since, and when the last one came',
    ],
    nextStep:
      'If the packets stop within seconds of a rekey, nothing is wrong; if they continue, the peer missed ' +
      'the DELETE or the rekey: look for this SPI in the peer\'s SA list and for the exchange in its IKE log.',
    checks: [
      ipsecTs(`${dropsByCause('deleted')}: each drop with deletion time, reason, successor SPI and packets since`),
      ipsecTs(`${SA_HISTORY}: the life of the SPI, from allocation to deletion`),
      ipsecTs(`${IKE_LOG}: the INFORMATIONAL exchange carrying the DELETE, or the rekey`),
      PEER_SAS_LINUX,
      PEER_SAS_WINDOWS,
    ],
    windowsCodes: BAD_SPI,
    linuxCounters: ['XfrmInNoStates', 'XfrmInStateInvalid'],
  },
  {
    id: 'not-yet-installed',
    title: 'SA not installed yet',
    meaning:
      'The SPI was allocated for a negotiation (IKE_AUTH or CREATE_CHILD_SA) that has not completed, and ' +
      'the packet raced ahead of it. Typical when this host started the exchange: the responder installs ' +
      'its SAs when it answers and may send ESP before its answer has been processed here.',
    evidence: [
      'the negotiation the SPI belongs to (IKE SA, exchange, message ID) and when the SPI was allocated',
      'how long the negotiation has been pending and whether it is retransmitting',
      'how many packets arrived for the SPI meanwhile',
    ],
    nextStep:
      'A few packets during an exchange are harmless; if it lasts, the exchange is stuck: follow it in the ' +
      'IKE log (lost response, retransmissions, a failure notify).',
    checks: [
      ipsecTs(`${dropsByCause('not-yet-installed')}: the pending negotiations and the packets that raced them`),
      ipsecTs(`${IKE_LOG}: is the exchange waiting for a response or retransmitting?`),
      linux('ip xfrm state: an SPI allocated but not installed shows as a state in acquire (no keys); XfrmAcquireError counts packets on it'),
      strongswan('the charon log (swanctl --log): the CREATE_CHILD_SA or IKE_AUTH exchange and its retransmissions'),
    ],
    windowsCodes: BAD_SPI,
    linuxCounters: ['XfrmAcquireError', 'XfrmInNoStates'],
  },
  {
    id: 'wrong-destination',
    title: 'SA exists for another destination',
    meaning:
      'An SA with this SPI exists, but for another destination address or another peer than this packet ' +
      'has. ipsec-ts matches the SPI together with the SA\'s addresses, so the packet reached this host by ' +
      'another address, or came from a peer the SA does not belong to.',
    evidence: [
      'the SA that has this SPI (id, label, its local and remote addresses and UDP ports)',
      'the addresses and ports of the packet, and which of them differ',
    ],
    nextStep:
      'Compare the addresses: if the peer moved (new address, NAT mapping changed), IKE must follow it ' +
      '(RFC 7296 2.23 updates the address from authenticated IKE messages, MOBIKE from RFC 4555) or the ' +
      'SA must be renegotiated; if the packet came in on another local address, fix routing or NAT.',
    checks: [
      ipsecTs(`${dropsByCause('wrong-destination')}: expected and actual addresses side by side`),
      ipsecTs(`${SA_LIST}: the local and remote addresses and ports of each SA`),
      linux('ip xfrm state: the src/dst and encap ports the kernel installed; conntrack -L -p udp --dport 4500 on a NAT box shows the mapping'),
      capture('tshark -r <capture> -Y "esp.spi == <spi>" -T fields -e ip.src -e udp.srcport -e ip.dst -e udp.dstport'),
    ],
    windowsCodes: BAD_SPI,
    linuxCounters: NO_STATE,
  },
  {
    id: 'our-outbound-spi',
    title: 'The peer uses our outbound SPI',
    meaning:
      'The SPI is one of this host\'s outbound SAs: the peer sends with the SPI this host sends with, so ' +
      'the two directions are swapped. The classic manual-keying mistake: both hosts configured with the ' +
      'same SPI and key pair in the same order.',
    evidence: [
      'the outbound SA that has this SPI (id, label, peer)',
      'the inbound SA the peer should be using instead, if one exists',
    ],
    nextStep: 'On the peer, swap the inbound and outbound SPIs and keys of this SA pair so that it sends on the SPI this host receives on.',
    checks: [
      ipsecTs(`${dropsByCause('our-outbound-spi')}: the outbound SA whose SPI came back`),
      ipsecTs(`${SA_LIST}: the inbound and outbound SPIs of the pair`),
      linux('on a Linux peer: ip xfrm state shows each SA as src -> dst; the SA the peer sends with must have dst = this host and this host\'s inbound SPI'),
    ],
    windowsCodes: BAD_SPI,
    linuxCounters: NO_STATE,
  },
  {
    id: 'reserved',
    title: 'Reserved SPI',
    meaning:
      'The SPI is between 0 and 255. SPI 0 is for local use and must never be sent; 1 to 255 are reserved ' +
      'by IANA (RFC 4303 2.1). No SA can have such an SPI, so the packet is broken or not ESP at all.',
    evidence: ['the SPI and the sender', 'the first bytes of the payload, to recognise traffic that is not ESP'],
    nextStep:
      'Capture a few of these packets and look at what the sender really sends: for example IKE on UDP ' +
      '4500 without the four zero bytes of the non-ESP marker (RFC 3948 2.2), or a tool sending garbage.',
    checks: [
      ipsecTs(`${dropsByCause('reserved')}: senders and the SPIs they used`),
      capture('tshark -r <capture> -Y "udp.port == 4500" -x: an IKE message must start with four zero bytes on port 4500'),
      linux('XfrmInNoStates counts these on Linux (no SA ever has such an SPI)'),
    ],
    windowsCodes: BAD_SPI,
    linuxCounters: NO_STATE,
  },
  {
    id: 'esn-mismatch',
    title: 'Extended sequence number mismatch',
    meaning:
      'The ICV did not verify with this SA\'s ESN setting but does with the other one: one side includes ' +
      'the high 32 bits of the 64-bit sequence number in the ICV and the other does not (RFC 4303 2.2.1 ' +
      'and Appendix A). The keys are right; only the ESN flag differs.',
    evidence: ['the SA (id, label) and its ESN setting', 'the setting with which the ICV verified', 'the sequence number of the packet'],
    nextStep:
      'Use the same ESN setting on both sides. IKEv2 negotiates ESN as a transform (RFC 7296 3.3.2), so a ' +
      'mismatch points to manual keying or to a key manager installing the SA with the wrong flag.',
    checks: [
      ipsecTs(`${dropsByCause('esn-mismatch')}: the SAs affected and the ESN setting that would verify`),
      linux('ip xfrm state: SAs with extended sequence numbers show flags esn and an anti-replay esn context with seq-hi'),
      strongswan('the -esn / -noesn suffix in esp_proposals decides what is proposed and accepted'),
    ],
    windowsCodes: [13915],
    linuxCounters: ['XfrmInStateProtoError'],
  },
  {
    id: 'duplicate',
    title: 'Duplicate sequence number',
    meaning:
      'A packet with this sequence number was already accepted on this SA (it is inside the replay window ' +
      'and already marked), so the copy is refused (RFC 4303 3.4.3).',
    evidence: ['the sequence number', 'the highest sequence number accepted so far and the window size', 'how many duplicates arrived recently on the SA'],
    nextStep:
      'Find where packets are duplicated: rare duplicates are harmless; every packet twice means a loop, ' +
      'a mirrored port or redundant links; a sender reusing numbers after a failover must be fixed.',
    checks: [
      ipsecTs(`${dropsByCause('duplicate')}: per SA, the duplicates and the window position`),
      linux('ip -s xfrm state: the "replay" stat of the SA counts duplicates'),
      windows('Security log event 4961 (replay check failed) with IPsec Driver auditing on'),
      capture('tshark -r <capture> -Y "esp.spi == <spi>" -T fields -e esp.sequence | sort -n | uniq -d: sequence numbers seen twice'),
    ],
    windowsCodes: [13913],
    linuxCounters: ['XfrmInStateSeqError'],
  },
  {
    id: 'too-old',
    title: 'Sequence number left of the window',
    meaning:
      'The sequence number is older than the left edge of the replay window (highest accepted minus the ' +
      'window size), so the receiver can no longer tell whether it is a replay and refuses it (RFC 4303 3.4.3).',
    evidence: ['the sequence number', 'the highest sequence number accepted and the window size', 'how far behind the window the packet was'],
    nextStep:
      'If packets are only a little behind the window, they were reordered: enlarge the replay window on ' +
      'this side or avoid reordering (one SA per QoS class); if they are far behind, the sender restarted ' +
      'its numbering or the packets were held for a long time.',
    checks: [
      ipsecTs(`${dropsByCause('too-old')}: how far behind each packet was, and the window size`),
      linux('ip -s xfrm state: the "replay-window" stat of the SA counts packets outside the window'),
      windows('Security log event 4962 (sequence number too low) with IPsec Driver auditing on'),
      capture('tshark -r <capture> -Y "esp.spi == <spi>" -T fields -e frame.time_relative -e esp.sequence: plot the order'),
    ],
    windowsCodes: [13913],
    linuxCounters: ['XfrmInStateSeqError'],
  },
];

function buildCatalog(): ReadonlyMap<CauseId, CauseEntry> {
  const byId = new Map(SPECS.map((spec) => [spec.id, Object.freeze({ type: 'cause' as const, ...spec })]));
  return new Map(CAUSE_IDS.map((id) => {
    const entry = byId.get(id);
    // Every DESIGN cause must have its words: an impossible state for shipped code.
    if (entry === undefined) throw new Error(`cause-catalog: no entry for cause ${id}`);
    return [id, entry];
  }));
}

/** Every DESIGN.md cause in CAUSE_IDS order. */
export const CAUSE_CATALOG: ReadonlyMap<CauseId, CauseEntry> = buildCatalog();

export function isCauseId(value: string): value is CauseId {
  return CAUSE_CATALOG.has(value as CauseId);
}

/** Case-insensitive lookup of a cause identifier. */
export function causeById(id: string): CauseEntry | undefined {
  if (typeof id !== 'string') throw new TypeError('causeById: id must be a string');
  return CAUSE_CATALOG.get(id.trim().toLowerCase() as CauseId);
}

/** The next step a diagnosis with this cause should carry. */
export function nextStepFor(cause: CauseId): string {
  const entry = CAUSE_CATALOG.get(cause);
  if (entry === undefined) throw new RangeError(`nextStepFor: cause must be one of ${CAUSE_IDS.join(', ')}`);
  return entry.nextStep;
}
