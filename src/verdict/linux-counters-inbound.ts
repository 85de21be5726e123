// Inbound (and forward) counters of Linux /proc/net/xfrm_stat, in our own words.
// Sources read: Documentation/networking/xfrm_proc.rst, net/xfrm/xfrm_input.c and
// net/xfrm/xfrm_policy.c (where each counter is incremented), Cilium's XFRM reference guide.
import type { CounterSpec } from './catalog-types.js';
import { capture, ipsecTs, linux, strongswan } from './catalog-types.js';
import { SA_HISTORY, SA_LIST } from './cli-hints.js';
import { XFRM_MONITOR, XFRM_POLICY, XFRM_STATE_STATS, dropsByCounterCheck, statCheck } from './linux-counter-checks.js';

const KERNEL_ONLY =
  'ipsec-ts has no counterpart: this event belongs to the kernel transform machinery. ' +
  'ipsec-ts counters (ipsec-ts stats) are separate from /proc/net/xfrm_stat even on the same host';

export const INBOUND_COUNTERS: readonly CounterSpec[] = [
  {
    name: 'XfrmInError',
    direction: 'inbound',
    meaning:
      'Inbound IPsec packets the kernel dropped for a reason none of the more specific counters ' +
      'covers. In current kernels this is mostly a failure to allocate the security path or other ' +
      'memory while receiving, or an error reported by a hardware offload path.',
    causes: [
      'Memory pressure: the kernel could not allocate the per-packet security path',
      'Errors handed back by a NIC that does IPsec offload (crypto or packet offload)',
      'A GRO/offload code path rejecting the packet before normal XFRM processing',
    ],
    checks: [
      statCheck('XfrmInError'),
      linux('dmesg -T | grep -i -e alloc -e xfrm: allocation failures are logged there'),
      linux('ip xfrm state shows "crypto offload parameters" on SAs that use hardware offload; retry with offload disabled'),
      ipsecTs(KERNEL_ONLY),
    ],
    windowsCodes: [],
    note: null,
  },
  {
    name: 'XfrmInBufferError',
    direction: 'inbound',
    meaning:
      'A received packet needed more nested transforms than the kernel allows (XFRM_MAX_DEPTH, 6): ' +
      'its security path is full, or the matching policies carry too many templates.',
    causes: [
      'Tunnels nested inside tunnels (ESP in ESP) more than six levels deep, usually by a routing loop',
      'Policies with many templates (tmpl lines) chained for the same traffic',
    ],
    checks: [
      statCheck('XfrmInBufferError'),
      XFRM_POLICY,
      capture('tshark -r <capture> -Y esp -V: look for ESP carried inside decrypted ESP, a sign of a loop'),
      ipsecTs(KERNEL_ONLY),
    ],
    windowsCodes: [],
    note: null,
  },
  {
    name: 'XfrmInHdrError',
    direction: 'inbound',
    meaning:
      'The kernel could not read the IPsec header of a received packet: the SPI and sequence number ' +
      'could not be parsed (packet too short) or the outer header is malformed.',
    causes: [
      'ESP packets truncated on the way (fragments lost, a middlebox cutting packets, MTU trouble)',
      'UDP port 4500 traffic that is neither valid ESP nor IKE (no non-ESP marker, RFC 3948 2.2)',
      'Corrupted packets from a faulty link or NIC',
    ],
    checks: [
      statCheck('XfrmInHdrError'),
      dropsByCounterCheck('XfrmInHdrError', 'lists malformed ESP with the reason (for example truncated-esp) and the byte counts'),
      capture('tshark -r <capture> -Y "esp || udp.port == 4500" -T fields -e frame.len -e ip.len -e esp.spi: compare lengths'),
      linux('ip link show: compare interface MTUs along the path; ping -M do -s <size> <peer> finds the path MTU'),
    ],
    windowsCodes: [13914],
    note: null,
  },
  {
    name: 'XfrmInNoStates',
    direction: 'inbound',
    meaning:
      'No SA matched an inbound ESP or AH packet: the kernel looks SAs up by destination address, ' +
      'SPI and protocol, and none has this combination. This is the Linux name for a bad SPI.',
    causes: [
      'The peer still sends on an SA this side already deleted or replaced by a rekey (different lifetimes, a missed DELETE)',
      'The peer sends on a new SA before this side installed it (rekey race)',
      'One side restarted and lost its SAs while the other kept sending',
      'The SA exists but for another destination address (this host changed address, or packets reach it through NAT or DNAT under another address)',
      'Manual keying with the inbound and outbound SPIs swapped between the two hosts',
    ],
    checks: [
      statCheck('XfrmInNoStates'),
      dropsByCounterCheck('XfrmInNoStates', 'gives the cause of each miss (never-established, expired, deleted, not-yet-installed, wrong-destination, our-outbound-spi, reserved)'),
      linux('ip xfrm state get src <peer> dst <local> proto esp spi <spi>: does this exact SA exist?'),
      XFRM_MONITOR,
      strongswan('swanctl --list-sas: compare the CHILD_SA SPIs (in/out) with the SPI in the dropped packets'),
    ],
    windowsCodes: [13910],
    note: null,
  },
  {
    name: 'XfrmInStateProtoError',
    direction: 'inbound',
    meaning:
      'The ESP or AH transform rejected the packet: the integrity check (ICV) failed, decryption ' +
      'failed, or the trailer was malformed after decryption; also counted when the packet protocol ' +
      'does not match the state.',
    causes: [
      'Different keys or algorithms on the two sides (manual keying typo, keys of the two directions swapped)',
      'Different ICV truncation: Linux "auth hmac(sha256)" truncates to 96 bits, RFC 4868 needs 128 (use auth-trunc ... 128)',
      'ESN enabled on one side only: the ICV covers the high sequence bits (RFC 4303 2.2.1)',
      'Packets modified in transit (faulty NIC offload, middlebox)',
      'Bad padding or next-header value after decryption',
    ],
    checks: [
      statCheck('XfrmInStateProtoError'),
      dropsByCounterCheck('XfrmInStateProtoError', 'separates ICV failures (integrity) from trailer errors (invalid-trailer) and flags esn-mismatch'),
      linux('ip -s xfrm state: the "failed" stat of the SA counts its integrity failures; compare auth/aead algorithm, key length and ICV length with the peer'),
      strongswan('swanctl --list-sas shows the negotiated algorithms and whether ESN is in use'),
    ],
    windowsCodes: [13915, 13914],
    note: null,
  },
  {
    name: 'XfrmInStateModeError',
    direction: 'inbound',
    meaning:
      'The mode-specific step of input processing failed: for example a tunnel-mode packet arrived on ' +
      'an SA installed in transport mode, or the inner header does not fit the mode.',
    causes: [
      'Manual keying with mode tunnel on one side and mode transport on the other',
      'An IKE peer that negotiated transport mode (USE_TRANSPORT_MODE) while the other side installed tunnel mode',
    ],
    checks: [
      statCheck('XfrmInStateModeError'),
      linux('ip xfrm state: compare the "mode" of the SA with the peer\'s'),
      strongswan('swanctl --list-sas shows TUNNEL or TRANSPORT per CHILD_SA; mode= in swanctl.conf children'),
      ipsecTs(`${SA_LIST} shows the mode of each SA; ipsec-ts reports a mode mismatch as WRONG_SA (13912)`),
    ],
    windowsCodes: [13912],
    note: null,
  },
  {
    name: 'XfrmInStateSeqError',
    direction: 'inbound',
    meaning:
      'The anti-replay check refused the packet: its sequence number was already received, or it is ' +
      'older than the left edge of the replay window (RFC 4303 3.4.3).',
    causes: [
      'Reordering deeper than the window: multipath, link aggregation, QoS queues reordering different DSCP classes on one SA',
      'Duplicated packets on the path (loops, mirrored ports, redundant links)',
      'A replay window that is small for the link speed',
      'The sender restarted its sequence numbers on the same SA (HA failover without replay state, or a bug)',
    ],
    checks: [
      statCheck('XfrmInStateSeqError'),
      dropsByCounterCheck('XfrmInStateSeqError', 'says duplicate or too-old, with the sequence number and where the window stands'),
      XFRM_STATE_STATS,
      strongswan('replay_window in the children section of swanctl.conf sets the window size (0 disables the check)'),
    ],
    windowsCodes: [13913],
    note: 'The per-SA stats of ip -s xfrm state split it: replay-window counts too-old packets, replay counts duplicates.',
  },
  {
    name: 'XfrmInStateExpired',
    direction: 'inbound',
    meaning:
      'A packet arrived on an SA whose hard lifetime (bytes, packets or time) has run out but which ' +
      'is not deleted yet; the kernel refuses to use it.',
    causes: [
      'The rekey did not complete before the hard limit (IKE SA down, CREATE_CHILD_SA failed)',
      'The soft limit (rekey trigger) is too close to the hard limit for the time a rekey takes',
      'The peer uses longer lifetimes and keeps sending on the old SA (IKEv2 does not negotiate lifetimes, RFC 7296 2.8)',
    ],
    checks: [
      statCheck('XfrmInStateExpired'),
      dropsByCounterCheck('XfrmInStateExpired', 'shows which limit expired (time, bytes, packets), the limit and the value'),
      XFRM_STATE_STATS,
      strongswan('swanctl --list-sas shows "rekeying in" and "expires in" per CHILD_SA; rekey_time, life_time and rand_time set them'),
    ],
    windowsCodes: [13911],
    note: null,
  },
  {
    name: 'XfrmInStateMismatch',
    direction: 'inbound',
    meaning:
      'The packet found its SA but does not fit it: the encapsulation differs (ESP in UDP versus plain ' +
      'ESP), or the decrypted inner packet is outside the SA\'s own selector.',
    causes: [
      'NAT appeared or disappeared: the SA expects UDP encapsulation (port 4500) and the peer sends plain ESP, or the reverse',
      'A peer forcing UDP encapsulation (strongSwan encap=yes) while this side installed the SA without it',
      'Inner addresses outside the selector installed on the SA (sel line of ip xfrm state)',
    ],
    checks: [
      statCheck('XfrmInStateMismatch'),
      dropsByCounterCheck('XfrmInStateMismatch', 'says whether the encapsulation or the inner addresses did not match, and what the SA expects'),
      linux('ip xfrm state: the "encap type espinudp sport dport" line and the "sel" line of the SA'),
      capture('tshark -r <capture> -Y "esp" -T fields -e udp.srcport -e udp.dstport -e esp.spi: ESP inside UDP shows the ports'),
    ],
    windowsCodes: [13912],
    note: null,
  },
  {
    name: 'XfrmInStateInvalid',
    direction: 'inbound',
    meaning:
      'The packet matched an SA that is no longer valid: it is being deleted or has expired, and is ' +
      'waiting to be removed.',
    causes: [
      'Packets in flight while the SA is deleted after a rekey or a DELETE from the peer',
      'An SA that expired (hard limit) while the peer still uses it',
    ],
    checks: [
      statCheck('XfrmInStateInvalid'),
      XFRM_MONITOR,
      ipsecTs(`${SA_HISTORY}: ipsec-ts reports such packets as BAD_SPI with cause deleted or expired and says when and why the SA ended`),
    ],
    windowsCodes: [13910, 13911],
    note: null,
  },
  {
    name: 'XfrmInTmplMismatch',
    direction: 'inbound',
    meaning:
      'After decryption, the inbound policy check failed: a policy matches the packet but the SAs it ' +
      'was decrypted with do not satisfy that policy\'s templates (wrong SA, wrong mode or reqid), or a ' +
      'tunnel-mode SA was used that no policy template accepts.',
    causes: [
      'The peer routes traffic into the wrong tunnel (overlapping subnets, two tunnels to the same peer)',
      'Traffic selectors narrowed differently on the two sides',
      'Policies installed with a reqid or mode that does not match the SA (manual setups, stale policies)',
    ],
    checks: [
      statCheck('XfrmInTmplMismatch'),
      dropsByCounterCheck('XfrmInTmplMismatch', 'shows the inner addresses and ports and the selectors of the SA that decrypted them'),
      XFRM_POLICY,
      strongswan('swanctl --list-sas shows the negotiated local and remote traffic selectors per CHILD_SA'),
    ],
    windowsCodes: [13912],
    note: null,
  },
  {
    name: 'XfrmInNoPols',
    direction: 'inbound',
    meaning:
      'No inbound policy matched the packet and the packet may not pass without one: either the ' +
      'default inbound policy is block, or the packet was decrypted from a tunnel-mode SA and no ' +
      'policy accepts its inner addresses.',
    causes: [
      'The default policy for the in direction is block (ip xfrm policy setdefault) and the traffic has no policy',
      'Decrypted tunnel traffic whose inner addresses no "dir in" policy covers (policies removed, selectors narrower than the SA)',
      'A peer sending clear text where this host only accepts protected traffic',
    ],
    checks: [
      statCheck('XfrmInNoPols'),
      dropsByCounterCheck('XfrmInNoPols', 'lists clear-text drops (clear-text-no-policy) with the addresses and ports'),
      linux('ip xfrm policy getdefault: shows whether in, fwd and out default to accept or block'),
      XFRM_POLICY,
    ],
    windowsCodes: [13916, 13912],
    note: null,
  },
  {
    name: 'XfrmInPolBlock',
    direction: 'inbound',
    meaning: 'The packet matched an inbound policy whose action is block, so it was discarded.',
    causes: [
      'A block policy installed on purpose (for example by a VPN client as a kill switch)',
      'A policy for the protected subnets left in place after the SA went away, with action block',
    ],
    checks: [
      statCheck('XfrmInPolBlock'),
      dropsByCounterCheck('XfrmInPolBlock', 'lists the refused packets (clear-text-blocked) and the policy that matched'),
      linux('ip xfrm policy | grep -B2 -A4 "action block": the block policies and their selectors'),
    ],
    windowsCodes: [13916],
    note: null,
  },
  {
    name: 'XfrmInPolError',
    direction: 'inbound',
    meaning:
      'The inbound policy lookup itself returned an error, so the packet could not be checked against ' +
      'policy and was dropped.',
    causes: [
      'A security module (for example SELinux labelled IPsec) refusing the policy match',
      'An internal error in the policy lookup (reported with a kernel log message where there is one)',
    ],
    checks: [
      statCheck('XfrmInPolError'),
      linux('dmesg -T and the audit log (ausearch -m AVC) for denials that involve xfrm or labelled IPsec'),
      XFRM_POLICY,
      ipsecTs(KERNEL_ONLY),
    ],
    windowsCodes: [],
    note: null,
  },
  {
    name: 'XfrmAcquireError',
    direction: 'inbound',
    meaning:
      'A packet matched an SA that is still a placeholder in the acquire state: the SPI was allocated ' +
      'for a negotiation that has not installed the SA yet.',
    causes: [
      'The peer finished its half of the exchange and started sending before this side installed the inbound SA',
      'The negotiation stalled or failed and the placeholder was never completed (it disappears after net.core.xfrm_acq_expires seconds)',
    ],
    checks: [
      statCheck('XfrmAcquireError'),
      dropsByCounterCheck('XfrmAcquireError', 'reports the same packets as BAD_SPI with cause not-yet-installed and the negotiation they wait for'),
      linux('ip xfrm state: placeholder states show state acquire (no keys); sysctl net.core.xfrm_acq_expires'),
      strongswan('the charon log (swanctl --log) around the time: a CREATE_CHILD_SA or IKE_AUTH still in progress or retransmitting'),
    ],
    windowsCodes: [13910],
    note: null,
  },
  {
    name: 'XfrmFwdHdrError',
    direction: 'forward',
    meaning:
      'A packet being forwarded through this host could not be decoded for the forward policy check, ' +
      'so routing it was not allowed.',
    causes: [
      'Malformed or truncated packets routed through an IPsec gateway',
      'Packets whose headers the policy decoder cannot parse (unusual extension headers, broken fragments)',
    ],
    checks: [
      statCheck('XfrmFwdHdrError'),
      linux('ip xfrm policy list dir fwd: the forward policies the packet was checked against'),
      capture('tcpdump -ni <interface> -vv on the inbound interface to see the packets being forwarded'),
      ipsecTs(KERNEL_ONLY),
    ],
    windowsCodes: [],
    note: null,
  },
  {
    name: 'XfrmInStateDirError',
    direction: 'inbound',
    meaning:
      'The inbound SA lookup found an SA marked for the output direction: SAs installed with a ' +
      'direction may only be used that way.',
    causes: [
      'A key manager that installs SAs with a direction attribute installed this SA as outbound',
      'The same SPI and addresses used for both directions in a manual setup',
    ],
    checks: [
      statCheck('XfrmInStateDirError'),
      linux('ip xfrm state: SAs installed with a direction show "dir in" or "dir out"'),
      ipsecTs(`${SA_LIST} shows the direction of each SA; ipsec-ts reports an SA used in the wrong direction as WRONG_SA (13912)`),
    ],
    windowsCodes: [13912],
    note: 'Present in kernels 6.10 and later (SA direction attribute).',
  },
  {
    name: 'XfrmInIptfsError',
    direction: 'inbound',
    meaning:
      'Receive-side error of IP-TFS (RFC 9347, IP traffic flow security): the inner packets carried ' +
      'in an IP-TFS SA could not be rebuilt, for example a fragment was missed or a block was malformed.',
    causes: [
      'Lost or reordered outer packets beyond the IP-TFS reorder window, so inner fragments cannot be joined',
      'Malformed IP-TFS payload from the sender (incompatible implementation or configuration)',
    ],
    checks: [
      statCheck('XfrmInIptfsError'),
      linux('ip xfrm state: IP-TFS SAs show mode iptfs with their reorder window and drop time'),
      ipsecTs('ipsec-ts does not implement IP-TFS, so it never counts this name'),
    ],
    windowsCodes: [],
    note: 'Counts nothing unless an SA uses mode iptfs (kernels with RFC 9347 support).',
  },
];
