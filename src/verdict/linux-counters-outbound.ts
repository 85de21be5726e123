// Outbound counters of Linux /proc/net/xfrm_stat, in our own words.
// Sources read: Documentation/networking/xfrm_proc.rst, net/xfrm/xfrm_output.c,
// net/xfrm/xfrm_policy.c (xfrm_lookup, xfrm_resolve_and_create_bundle), net/xfrm/xfrm_iptfs.c,
// Cilium's XFRM reference guide (which counters current kernels no longer increment).
import type { CounterSpec } from './catalog-types.js';
import { capture, ipsecTs, linux, strongswan } from './catalog-types.js';
import { SA_LIST } from './cli-hints.js';
import { XFRM_MONITOR, XFRM_POLICY, XFRM_STATE_STATS, dropsByCounterCheck, statCheck } from './linux-counter-checks.js';

const KERNEL_ONLY =
  'ipsec-ts has no counterpart: this event belongs to the kernel transform machinery. ' +
  'ipsec-ts counters (ipsec-ts stats) are separate from /proc/net/xfrm_stat even on the same host';

export const OUTBOUND_COUNTERS: readonly CounterSpec[] = [
  {
    name: 'XfrmOutError',
    direction: 'outbound',
    meaning:
      'Outbound packets dropped by the transform path for a reason none of the specific counters ' +
      'covers: memory allocation failures, segmentation (GSO) failures, some malformed packets.',
    causes: [
      'Memory pressure while building the encrypted packet',
      'A large (GSO) packet that could not be segmented before encryption',
      'A locally generated packet the output path cannot handle',
    ],
    checks: [statCheck('XfrmOutError'), linux('dmesg -T | grep -i -e alloc -e xfrm'), ipsecTs(KERNEL_ONLY)],
    windowsCodes: [],
    note: null,
  },
  {
    name: 'XfrmOutBundleGenError',
    direction: 'outbound',
    meaning:
      'The kernel found the policy and the SAs for an outbound packet but could not build the chain ' +
      'of transforms and routes (the bundle) to send it through.',
    causes: [
      'No route to the tunnel\'s outer destination (the peer\'s address) from the SA\'s source address',
      'An SA whose mode or address family does not fit the route (for example IPv6 inside IPv4 without a usable route)',
    ],
    checks: [
      statCheck('XfrmOutBundleGenError'),
      linux('ip route get <peer-address> from <local-tunnel-address>: the outer route must exist'),
      linux('ip xfrm state: compare src/dst of the SA with the addresses the host really has (ip addr)'),
      ipsecTs(KERNEL_ONLY),
    ],
    windowsCodes: [],
    note: null,
  },
  {
    name: 'XfrmOutBundleCheckError',
    direction: 'outbound',
    meaning:
      'Validation of a freshly built transform bundle failed. Older kernels counted it when attaching ' +
      'the bundle to the flow failed; current kernels do not increment it any more.',
    causes: ['On older kernels only: an internal failure validating the bundle against the flow or the parent policy'],
    checks: [statCheck('XfrmOutBundleCheckError'), linux('uname -r: a non-zero value on a current kernel is unexpected; report it with the kernel version'), ipsecTs(KERNEL_ONLY)],
    windowsCodes: [],
    note: 'Not incremented by current kernels (Cilium XFRM reference guide).',
  },
  {
    name: 'XfrmOutNoStates',
    direction: 'outbound',
    meaning:
      'An outbound packet matched a policy that requires IPsec, but the SA it needs is not installed ' +
      'yet: the kernel asks the key manager to negotiate one (ACQUIRE) and drops the packet meanwhile.',
    causes: [
      'The first packets of a flow while IKE negotiates the CHILD_SA (normal, short-lived)',
      'IKE cannot bring the SA up (peer unreachable, authentication or proposal failure): the count keeps rising',
      'No key manager listening for acquires (no charon running, or trap policies left after it stopped)',
      'An SA deleted while its policy stays and no rekey replaced it',
    ],
    checks: [
      statCheck('XfrmOutNoStates'),
      dropsByCounterCheck('XfrmOutNoStates', 'lists packets refused for lack of an outbound SA (outbound-no-sa) and the negotiation they wait for'),
      linux('sysctl net.core.xfrm_larval_drop (1: drop while waiting, the default) and net.core.xfrm_acq_expires (how long an acquire waits)'),
      strongswan('swanctl --list-sas shows whether the CHILD_SA exists; the charon log (swanctl --log) shows acquires and why negotiation fails'),
      XFRM_MONITOR,
    ],
    windowsCodes: [13910, 13810],
    note: null,
  },
  {
    name: 'XfrmOutStateProtoError',
    direction: 'outbound',
    meaning: 'The ESP or AH transform failed while protecting an outbound packet (encryption or ICV computation error).',
    causes: [
      'A crypto driver or hardware offload returning an error',
      'An algorithm the SA names but the running kernel cannot provide (module missing after an upgrade)',
    ],
    checks: [
      statCheck('XfrmOutStateProtoError'),
      linux('dmesg -T for crypto errors; grep -A4 <algorithm> /proc/crypto to see which implementation is used'),
      XFRM_STATE_STATS,
      ipsecTs(KERNEL_ONLY),
    ],
    windowsCodes: [],
    note: null,
  },
  {
    name: 'XfrmOutStateModeError',
    direction: 'outbound',
    meaning:
      'The mode-specific output step failed, most often because the packet is too big once ' +
      'encapsulated and may not be fragmented.',
    causes: [
      'Packets with Don\'t Fragment set (or IPv6) that exceed the path MTU after the ESP overhead',
      'A mode or address family combination the output path cannot build',
    ],
    checks: [
      statCheck('XfrmOutStateModeError'),
      linux('ip route get <destination>: shows the MTU; lower the inner MTU or clamp TCP MSS (iptables/nft ... TCPMSS --clamp-mss-to-pmtu)'),
      capture('tcpdump -ni <interface> icmp or icmp6: "fragmentation needed" / "packet too big" messages'),
    ],
    windowsCodes: [],
    note: null,
  },
  {
    name: 'XfrmOutStateSeqError',
    direction: 'outbound',
    meaning:
      'The outbound sequence number of an SA is exhausted (2^32 - 1 without ESN); sending more would ' +
      'reuse numbers, which RFC 4303 3.3.3 forbids, so the SA must be replaced by a rekey.',
    causes: [
      'A busy SA without ESN whose rekey did not happen before 2^32 packets',
      'Byte or packet lifetimes set so high that the sequence space runs out first',
    ],
    checks: [
      statCheck('XfrmOutStateSeqError'),
      dropsByCounterCheck('XfrmOutStateSeqError', 'lists packets refused because the SA ran out of sequence numbers (outbound-seq-exhausted)'),
      linux('ip xfrm state: "oseq" in the anti-replay context of the SA is the last sequence number sent'),
      strongswan('enable ESN (esn in the children esp_proposals) or a packet-based rekey (rekey_packets)'),
    ],
    windowsCodes: [13911],
    note: null,
  },
  {
    name: 'XfrmOutStateExpired',
    direction: 'outbound',
    meaning:
      'An outbound packet selected an SA whose hard lifetime has run out but which is not deleted yet; ' +
      'the kernel refuses to send on it.',
    causes: [
      'The rekey did not complete before the hard limit',
      'The soft limit is too close to the hard limit',
    ],
    checks: [
      statCheck('XfrmOutStateExpired'),
      XFRM_STATE_STATS,
      strongswan('swanctl --list-sas: "rekeying in" and "expires in" per CHILD_SA; rekey_time, life_time, rand_time'),
    ],
    windowsCodes: [13911],
    note: null,
  },
  {
    name: 'XfrmOutPolBlock',
    direction: 'outbound',
    meaning: 'An outbound packet matched a policy whose action is block, so it was discarded.',
    causes: [
      'A block policy installed on purpose (VPN kill switch, "drop unless protected")',
      'Trap or block policies left behind after the tunnel was removed',
    ],
    checks: [
      statCheck('XfrmOutPolBlock'),
      dropsByCounterCheck('XfrmOutPolBlock', 'lists packets refused by a DISCARD policy (outbound-blocked) and the policy'),
      linux('ip xfrm policy list dir out | grep -B2 -A4 "action block"'),
    ],
    windowsCodes: [13916],
    note: null,
  },
  {
    name: 'XfrmOutPolDead',
    direction: 'outbound',
    meaning:
      'An outbound packet hit a policy that was being deleted. Current kernels do not increment it; ' +
      'they count such packets as XfrmOutStateInvalid.',
    causes: ['On older kernels: packets sent while their policy was being removed (policy flush, daemon restart)'],
    checks: [statCheck('XfrmOutPolDead'), XFRM_MONITOR, ipsecTs(KERNEL_ONLY)],
    windowsCodes: [],
    note: 'Not incremented by current kernels (Cilium XFRM reference guide).',
  },
  {
    name: 'XfrmOutPolError',
    direction: 'outbound',
    meaning:
      'Resolving the templates of an outbound policy into SAs failed with an error (not simply ' +
      '"negotiation pending"), or the packet needs more templates than the kernel allows.',
    causes: [
      'A policy template that requires an SA which cannot be found or created (for example wrong reqid or addresses)',
      'More than six templates (XFRM_MAX_DEPTH) applying to one packet',
    ],
    checks: [statCheck('XfrmOutPolError'), XFRM_POLICY, linux('ip xfrm state: look for an SA matching each tmpl line of the policy (same proto, mode, reqid, addresses)')],
    windowsCodes: [],
    note: null,
  },
  {
    name: 'XfrmOutStateInvalid',
    direction: 'outbound',
    meaning:
      'An outbound packet selected an SA that is no longer valid: being deleted, or expired and ' +
      'waiting to be removed.',
    causes: [
      'Packets sent during the short window in which a replaced or deleted SA is torn down',
      'An SA deleted by the key manager while its policy still points to it',
    ],
    checks: [statCheck('XfrmOutStateInvalid'), XFRM_MONITOR, ipsecTs(`${SA_LIST}: ipsec-ts moves outbound traffic to a new SA only once its exchange completes (make before break), which avoids this window`)],
    windowsCodes: [],
    note: null,
  },
  {
    name: 'XfrmOutStateDirError',
    direction: 'outbound',
    meaning: 'The outbound SA lookup found an SA marked for the input direction, which may not be used to send.',
    causes: ['A key manager that installs SAs with a direction attribute installed this SA as inbound', 'Policies or reqids that point outbound traffic at an inbound SA'],
    checks: [statCheck('XfrmOutStateDirError'), linux('ip xfrm state: SAs installed with a direction show "dir in" or "dir out"'), ipsecTs(KERNEL_ONLY)],
    windowsCodes: [],
    note: 'Present in kernels 6.10 and later (SA direction attribute).',
  },
  {
    name: 'XfrmOutNoQueueSpace',
    direction: 'outbound',
    meaning:
      'IP-TFS (RFC 9347) could not queue an outbound packet for aggregation because the SA\'s send ' +
      'queue is full, so the packet was dropped.',
    causes: ['More traffic than the IP-TFS SA\'s configured rate and queue size can carry', 'A queue size set too small for bursts'],
    checks: [statCheck('XfrmOutNoQueueSpace'), linux('ip xfrm state: IP-TFS SAs show mode iptfs with their packet size and queue size'), ipsecTs('ipsec-ts does not implement IP-TFS, so it never counts this name')],
    windowsCodes: [],
    note: 'Counts nothing unless an SA uses mode iptfs (kernels with RFC 9347 support).',
  },
];
