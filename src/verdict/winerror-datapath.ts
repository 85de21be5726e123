// Windows IPsec driver (packet) codes 13910-13918, the unassigned 13919-13924, and the IPsec DoS
// Protection codes 13925-13932, in our own words. The data-path codes are the ones ipsec-ts
// itself reports (DESIGN.md, verdict contract), so they carry the most detail.
import type { WinSpec } from './catalog-types.js';
import { capture, ipsecTs, linux, strongswan, windows } from './catalog-types.js';
import { COUNTERS, DIAGNOSE, SA_HISTORY, SA_LIST, dropsByCode, explainCmd } from './cli-hints.js';
import { WFP_NETEVENTS, WINDOWS_SAS, helpmsg } from './winerror-checks.js';

/** Offline: the same verdicts from a capture and its keys. */
const OFFLINE = ipsecTs(`${DIAGNOSE}: replays a capture with its keys and gives every ESP packet its verdict and reason`);

const DRIVER_AUDIT = 'auditpol /set /subcategory:"IPsec Driver" /failure:enable turns these events on';

const BAD_SPI: WinSpec = {
  code: 13910,
  name: 'ERROR_IPSEC_BAD_SPI',
  layer: 'packet',
  meaning:
    'An ESP packet carried an SPI for which the receiver has no usable inbound SA, so it can be neither ' +
    'authenticated nor decrypted and is discarded (RFC 4301 5.2). ipsec-ts also uses this code for an ' +
    'outbound packet that a PROTECT policy covers while no outbound SA exists yet.',
  causes: [
    'never-established: the SPI was never allocated or installed here: the peer keeps an SA this host never had (it restarted, or the peer talks to another host behind the same address)',
    'expired: the SA hit its hard lifetime (time, bytes or packets) and was removed, while the peer, with other lifetimes or a failed rekey, still sends on it',
    'deleted: the SA was removed: replaced by a rekey (the peer is still on the old SPI), deleted by the peer, or deleted locally (operator, IKE SA closed, peer declared dead)',
    'not-yet-installed: the SPI belongs to a negotiation still in progress; the packet raced ahead of the exchange',
    'wrong-destination: an SA with this SPI exists, but for another destination address or peer (address change, NAT rebinding, multi-homing)',
    'our-outbound-spi: the SPI is one of this host\'s outbound SAs: the peer has the two directions swapped (the manual-keying classic)',
    'reserved: SPI 0 to 255 is never valid on the wire (RFC 4303 2.1): a broken sender, or traffic that is not ESP (IKE on UDP 4500 without the non-ESP marker)',
  ],
  checks: [
    ipsecTs(`${dropsByCode(13910)}: each drop with its cause (one of the seven above) and the evidence: SA id, when and why it ended, successor SPI, packets seen since`),
    OFFLINE,
    ipsecTs(
      'how ipsec-ts tells the causes apart: an SPI below 256 is reserved; an SPI of one of its own outbound SAs is ' +
        'our-outbound-spi; an SA with this SPI but other addresses is wrong-destination; otherwise the SPI history ' +
        'decides: allocated for a pending exchange (not-yet-installed), ended by its hard lifetime (expired), removed ' +
        'with a recorded reason (deleted), or absent from the remembered past (never-established)',
    ),
    ipsecTs(`${SA_HISTORY}: everything the SAD remembers about one SPI; ${explainCmd('deleted')} (or any cause) for the next step`),
    linux('grep XfrmInNoStates /proc/net/xfrm_stat rising; ip xfrm state get src <peer> dst <local> proto esp spi <spi> says whether that exact SA exists; ip xfrm monitor shows SAs coming and going'),
    strongswan('swanctl --list-sas: compare the CHILD_SA SPIs (in/out) on both peers with the SPI of the dropped packets; the charon log shows the rekeys and deletes around the time drops began'),
    windows(`Security log event 4965 (packet with an incorrect SPI); ${DRIVER_AUDIT}`),
    WINDOWS_SAS,
    WFP_NETEVENTS,
    capture('tshark -r <capture> -Y "esp.spi == <spi>" -T fields -e frame.time -e ip.src -e ip.dst -e esp.sequence: when the SPI started and stopped, and whether the sequence numbers restarted (a new SA the receiver does not know)'),
    ipsecTs('IKEv2 lets the receiver report an unknown SPI to the peer with an INVALID_SPI notify inside the IKE SA (RFC 7296 3.10.1); ipsec-ts rate-limits both its diagnoses and these notifies (THROTTLE_DROP, 13918)'),
  ],
  ikev2Notify: ['INVALID_SPI'],
};

const LIFETIME_EXPIRED: WinSpec = {
  code: 13911,
  name: 'ERROR_IPSEC_SA_LIFETIME_EXPIRED',
  layer: 'packet',
  meaning:
    'A packet arrived on an SA that still exists but whose hard lifetime (seconds, bytes or packets) has ' +
    'run out, so the SA may no longer protect traffic. ipsec-ts also uses it for an outbound SA whose ' +
    'sequence numbers are exhausted: they must never wrap (RFC 4303 3.3.3), only a rekey can continue.',
  causes: [
    'The rekey did not complete before the hard limit: the IKE SA is down, or the CREATE_CHILD_SA was refused or never answered',
    'The soft lifetime (rekey trigger) is too close to the hard lifetime for the time a rekey takes',
    'Different lifetimes on the two sides: IKEv2 does not negotiate them (RFC 7296 2.8), and the side with the longer lifetime keeps sending on an SA the other has expired',
    'A byte or packet limit reached early on a busy SA',
    'Outbound: 2^32 packets on an SA without ESN (or 2^64 with ESN) before a rekey',
  ],
  checks: [
    ipsecTs(`${dropsByCode(13911)}: which limit ran out (time, bytes, packets), the limit and the value, and whether the soft expiry started a rekey`),
    OFFLINE,
    ipsecTs(`${SA_LIST}: lifetimes and current use of each SA`),
    linux('XfrmInStateExpired, XfrmOutStateExpired and XfrmOutStateSeqError in /proc/net/xfrm_stat; ip -s xfrm state shows "lifetime config" and "lifetime current" per SA'),
    strongswan('swanctl --list-sas shows "rekeying in" and "expires in" per CHILD_SA; rekey_time, life_time, rand_time, rekey_bytes and rekey_packets in swanctl.conf'),
    windows('Get-NetIPsecQuickModeSA shows the lifetimes of installed SAs; Get-NetIPsecQuickModeCryptoSet the configured key lifetimes'),
    WFP_NETEVENTS,
  ],
};

const WRONG_SA: WinSpec = {
  code: 13912,
  name: 'ERROR_IPSEC_WRONG_SA',
  layer: 'packet',
  meaning:
    'A packet was received on an SA it does not fit: after decryption the inner packet is outside the ' +
    'SA\'s traffic selectors (RFC 4301 5.2 requires this check and discards such packets), or the SA was ' +
    'used with the wrong encapsulation (ESP in UDP versus plain ESP), direction or mode.',
  causes: [
    'The peer sends traffic from or to addresses or ports outside the traffic selectors that were agreed (narrowing differed, subnets changed on one side)',
    'The peer routes traffic into the wrong tunnel (overlapping subnets, two tunnels to the same peer)',
    'NAT appeared or disappeared: the SA was agreed with UDP encapsulation and the peer sends plain ESP, or the reverse',
    'Manual keying with different modes (tunnel versus transport) or an SA installed for the wrong direction',
  ],
  checks: [
    ipsecTs(`${dropsByCode(13912)}: the inner addresses, protocol and ports next to the SA's selectors, or the encapsulation and direction that did not match`),
    OFFLINE,
    linux('XfrmInTmplMismatch (policy templates), XfrmInStateMismatch (encapsulation or selector), XfrmInStateModeError and XfrmInStateDirError in /proc/net/xfrm_stat; ip xfrm policy and ip xfrm state show the selectors and encap lines'),
    strongswan('swanctl --list-sas shows the negotiated local and remote traffic selectors and whether UDP encapsulation is used'),
    WINDOWS_SAS,
    capture('decrypt a capture in Wireshark with the keys (esp_sa table) and compare the inner headers with the selectors'),
  ],
  ikev2Notify: ['INVALID_SELECTORS'],
};

const REPLAY: WinSpec = {
  code: 13913,
  name: 'ERROR_IPSEC_REPLAY_CHECK_FAILED',
  layer: 'packet',
  meaning:
    'The anti-replay check refused the packet: its sequence number was already received on this SA ' +
    '(duplicate) or lies left of the receive window (too old) (RFC 4303 3.4.3). The cheap check runs ' +
    'before the ICV; the window only moves once the ICV has verified.',
  causes: [
    'duplicate: the network duplicated the packet (loops, mirrored ports, redundant links), a device retransmitted it, or someone replayed it',
    'too-old: reordering deeper than the window: multipath or link aggregation, or QoS queues reordering the DSCP classes carried on one SA',
    'A replay window too small for the link speed and the reordering on it',
    'The sender restarted its sequence numbers on the same SA (failover of an HA pair without replay state, or a bug)',
    'With ESN, a very long loss can make the receiver guess the high 32 bits wrong (RFC 4303 Appendix A)',
  ],
  checks: [
    ipsecTs(`${dropsByCode(13913)}: duplicate or too-old, the sequence number, the highest accepted and the window size; ${explainCmd('too-old')} for what to do`),
    OFFLINE,
    linux('XfrmInStateSeqError in /proc/net/xfrm_stat; ip -s xfrm state splits it per SA into replay-window (too old) and replay (duplicate), and shows the window size'),
    strongswan('replay_window in the children section of swanctl.conf sets the window size'),
    windows(`Security log events 4961 (replay check failed) and 4962 (sequence number too low); ${DRIVER_AUDIT}`),
    capture('tshark -r <capture> -Y "esp.spi == <spi>" -T fields -e frame.time_relative -e esp.sequence: look for repeated or out-of-order numbers'),
  ],
};

const INVALID_PACKET: WinSpec = {
  code: 13914,
  name: 'ERROR_IPSEC_INVALID_PACKET',
  layer: 'packet',
  meaning:
    'The IPsec header or trailer of the packet is invalid. Before decryption: the ESP packet is shorter ' +
    'than its header, IV and ICV require, or its outer or UDP encapsulation is malformed. After ' +
    'decryption: the pad length, the padding bytes or the next-header value are inconsistent (RFC 4303 2.4-2.6).',
  causes: [
    'Packets truncated on the way (lost fragments, a middlebox cutting packets, MTU problems)',
    'Different algorithms configured on the two sides (IV or ICV length differs, for example CBC versus GCM in manual keying)',
    'Decryption with a wrong key under an algorithm without integrity, giving a garbage trailer',
    'A sender that pads wrongly, or traffic on UDP 4500 that is not ESP',
  ],
  checks: [
    ipsecTs(`${dropsByCode(13914)}: the reason (for example truncated-esp or bad-padding), the lengths seen and what the SA's transform requires`),
    OFFLINE,
    linux('XfrmInHdrError (header could not be parsed) or XfrmInStateProtoError (trailer or transform error) in /proc/net/xfrm_stat'),
    capture('tshark -r <capture> -Y esp -T fields -e frame.len -e ip.len -e esp.spi: compare captured lengths with the IP length'),
    WFP_NETEVENTS,
    helpmsg(13914),
  ],
  ikev2Notify: [],
};

const INTEGRITY: WinSpec = {
  code: 13915,
  name: 'ERROR_IPSEC_INTEGRITY_CHECK_FAILED',
  layer: 'packet',
  meaning:
    'The integrity check value (the AEAD tag or the HMAC) of the packet does not verify: either the ' +
    'packet changed on the way, or the two sides do not use the same keys or algorithms (RFC 4303 3.4.4).',
  causes: [
    'Different keys: a manual-keying typo, the keys of the two directions swapped, or a wrong AES-GCM salt (the last 4 bytes of the key material, RFC 4106)',
    'Different ICV length: HMAC-SHA-256 truncated to 96 bits (Linux "auth hmac(sha256)", strongSwan sha256_96) on one side and to 128 bits (RFC 4868) on the other, or GCM with ICV 8, 12 or 16',
    'esn-mismatch: ESN used on one side only, so the ICV covers different data (RFC 4303 2.2.1)',
    'Packets corrupted in transit (a faulty NIC or offload, a middlebox changing bytes)',
  ],
  checks: [
    ipsecTs(`${dropsByCode(13915)}: per SA, the failures and whether the packet verifies with the other ESN setting (esn-mismatch)`),
    OFFLINE,
    linux('XfrmInStateProtoError in /proc/net/xfrm_stat; ip -s xfrm state: the "failed" stat of the SA; compare algorithm, key length and ICV length (auth-trunc ... 128) with the peer'),
    strongswan('swanctl --list-sas shows the negotiated ESP algorithms; sha256_96 in a proposal selects the 96-bit truncation'),
    windows(`Security log event 4960 (integrity check failed); ${DRIVER_AUDIT}`),
    capture('export both sides\' keys and open the capture in Wireshark (esp_sa table with authentication checking): the side whose ICV Wireshark accepts has the right keys'),
  ],
  ikev2Notify: [],
};

const CLEAR_TEXT: WinSpec = {
  code: 13916,
  name: 'ERROR_IPSEC_CLEAR_TEXT_DROP',
  layer: 'packet',
  meaning:
    'A packet arrived unprotected although policy says traffic between these addresses must be ' +
    'protected, so it is discarded (RFC 4301 5.2). ipsec-ts also reports outbound packets that a ' +
    'DISCARD policy refuses under this code.',
  causes: [
    'The peer has no matching policy and sends in clear text (subnets or ports differ between the two policies)',
    'The peer\'s policy makes protection optional and it fell back to clear text because its SA is down',
    'Traffic that must bypass IPsec (IKE itself on UDP 500 and 4500, DHCP, ICMP for path MTU) is not exempted by a bypass policy',
    'A deliberate DISCARD (block) policy',
  ],
  checks: [
    ipsecTs(`${dropsByCode(13916)}: the addresses, protocol and ports, and the policy that required protection or discarded the packet`),
    OFFLINE,
    linux('XfrmInNoPols (no policy, default block), XfrmInPolBlock and XfrmOutPolBlock in /proc/net/xfrm_stat; ip xfrm policy and ip xfrm policy getdefault'),
    windows(`Security log event 4963 (clear text packet that should have been secured); ${DRIVER_AUDIT}`),
    windows('Get-NetIPsecRule shows connection security rules (InboundSecurity / OutboundSecurity Require); Get-NetFirewallSecurityFilter shows firewall rules that allow only authenticated (secure) connections'),
    capture('tcpdump -ni <interface> host <peer> and not esp and not udp port 4500 and not udp port 500: what the peer sends unprotected'),
  ],
};

const AUTH_FIREWALL: WinSpec = {
  code: 13917,
  name: 'ERROR_IPSEC_AUTH_FIREWALL_DROP',
  layer: 'packet',
  kind: 'status',
  meaning:
    'Windows dropped an inbound ESP packet while enforcing authenticated-firewall rules (rules that ' +
    'allow a connection only when IPsec authenticated it). Microsoft classes this drop as benign: by ' +
    'itself it does not indicate an attack or a broken tunnel.',
  causes: [
    'A Windows host enforcing firewall rules that require authenticated (IPsec-secured) connections discarded an ESP packet on that path',
    'Seen alongside normal authenticated-firewall operation; it matters only if the connection it belongs to also fails',
  ],
  checks: [
    WFP_NETEVENTS,
    windows('Get-NetFirewallSecurityFilter | Where-Object Authentication -ne NotRequired: the rules that require authentication'),
    helpmsg(13917),
    ipsecTs('ipsec-ts never reports this code: it has no authenticated-firewall mode'),
  ],
};

const THROTTLE: WinSpec = {
  code: 13918,
  name: 'ERROR_IPSEC_THROTTLE_DROP',
  layer: 'packet',
  meaning:
    'The packet was dropped by a denial-of-service limit rather than for anything wrong with it. ' +
    'ipsec-ts uses this code when its guards are exceeded: diagnosing packets with unknown SPIs, and ' +
    'sending INVALID_SPI notifies, are both rate-limited so that a flood cannot make it work without bound.',
  causes: [
    'A flood of packets with unknown SPIs: a scan, an attack, or a peer that lost its state and keeps sending at full rate',
    'Many peers rekeying or reconnecting at once after an outage',
    'Limits set too low for the number of peers',
  ],
  checks: [
    ipsecTs(`${dropsByCode(13918)}: which limiter refused the packet and its rate; the BAD_SPI drops just before (${dropsByCode(13910)}) say who floods`),
    ipsecTs(`${COUNTERS}: the rate of unknown-SPI packets per source`),
    linux('Linux has no throttling counter: unknown-SPI floods only raise XfrmInNoStates; nft or iptables rate limits (limit, hashlimit) are the usual guard'),
    WFP_NETEVENTS,
  ],
};

/** winerror.h jumps from 13918 to 13925; these six numbers have no error. */
function unassigned(code: number): WinSpec {
  return {
    code,
    name: null,
    layer: 'none',
    kind: 'unassigned',
    meaning:
      `No Windows error has the number ${code}: winerror.h goes from ERROR_IPSEC_THROTTLE_DROP (13918) ` +
      'straight to ERROR_IPSEC_DOSP_BLOCK (13925), and 13919 to 13924 are left free.',
    causes: [
      'A mistyped or misread code (compare it with the hex form, and with the neighbouring 13918 and 13925)',
      'A value of another kind read as a Win32 code, for example part of an HRESULT or NTSTATUS',
      'A code assigned by a Windows release newer than the table built into ipsec-ts',
    ],
    checks: [
      windows(`net helpmsg ${code}: prints a text only if the running Windows defines the code`),
      ipsecTs(`${explainCmd(13918)} and ${explainCmd(13925)}: the assigned neighbours`),
    ],
  };
}

const DOSP_SETTING =
  'Get-NetIPsecDospSetting shows the IPsec DoS Protection settings (public and internal interfaces, ' +
  'limits, allowed keying modules, filters)';
const DOSP_ONLY = 'ipsec-ts never reports this code: IPsec DoS Protection is a Windows Server feature; ipsec-ts reports its own guards as 13918';

function dosp(code: number, name: string, meaning: string, causes: string[], specific: string): WinSpec {
  return {
    code,
    name,
    layer: 'dosp',
    meaning,
    causes,
    checks: [windows(DOSP_SETTING), windows(specific), WFP_NETEVENTS, ipsecTs(DOSP_ONLY)],
  };
}

const DOSP: readonly WinSpec[] = [
  dosp(13925, 'ERROR_IPSEC_DOSP_BLOCK',
    'IPsec DoS Protection, a Windows Server feature that guards IPv6 IPsec traffic forwarded from a public to an internal interface, dropped the packet because it matched an explicit block filter.',
    ['A DoS Protection setting with FilteringFlags FilterBlock covering the source (PublicV6Address) or destination (PrivateV6Address)'],
    'Look for settings with FilteringFlags FilterBlock and compare their PublicV6Address / PrivateV6Address with the packet'),
  dosp(13926, 'ERROR_IPSEC_DOSP_RECEIVED_MULTICAST',
    'IPsec DoS Protection dropped an IPsec-related packet sent to a multicast address, which it does not let through.',
    ['IPsec or IKE traffic sent to a multicast group across the protected edge', 'A misconfigured sender using a multicast destination for IPsec'],
    'Capture on the public interface and check the destination address of the dropped IPsec packets'),
  dosp(13927, 'ERROR_IPSEC_DOSP_INVALID_PACKET',
    'IPsec DoS Protection dropped a packet it could not parse as well-formed IPsec or IKE traffic.',
    ['Malformed or truncated packets arriving at the public interface', 'Tunnelled IPv6 (Teredo, 6to4, IP-HTTPS) whose inner packet is damaged'],
    'Capture on the public interface and look at the dropped packets\' headers'),
  dosp(13928, 'ERROR_IPSEC_DOSP_STATE_LOOKUP_FAILED',
    'IPsec DoS Protection could not find tracking state for the packet\'s connection, so it could not treat it as part of an established IPsec flow.',
    ['ESP for a connection whose state entry timed out after StateIdleTimeoutSeconds of silence', 'ESP for a connection whose negotiation the DoS Protection host never saw'],
    'Compare StateIdleTimeoutSeconds with the idle periods of the affected connections'),
  dosp(13929, 'ERROR_IPSEC_DOSP_MAX_ENTRIES',
    'IPsec DoS Protection could not create tracking state for a new connection because its table is full (the MaxStateEntries limit of the policy).',
    ['More concurrent IPsec connections than MaxStateEntries allows', 'A flood of new negotiation attempts filling the table'],
    'Compare MaxStateEntries with the number of concurrent connections'),
  dosp(13930, 'ERROR_IPSEC_DOSP_KEYMOD_NOT_ALLOWED',
    'IPsec DoS Protection dropped a negotiation packet because its keying module (IKEv1, IKEv2 or AuthIP) is not allowed by policy; by default only AuthIP is allowed.',
    ['IKEv2 or IKEv1 negotiation through a DoS Protection host whose EnabledKeyingModules allows only AuthIP (the default)', 'A PrivateV6Address filter that allows the keying module only for some internal addresses'],
    'Check EnabledKeyingModules (None, IkeV1, IkeV2, AuthIP) of the settings that cover the destination'),
  dosp(13931, 'ERROR_IPSEC_DOSP_NOT_INSTALLED',
    'IPsec DoS Protection is not enabled, so the request to use it failed.',
    ['No DoS Protection setting exists, or none names at least one public and one internal interface (both are required for it to operate)'],
    'New-NetIPsecDospSetting with -PublicInterfaceAliases and -PrivateInterfaceAliases enables it'),
  dosp(13932, 'ERROR_IPSEC_DOSP_MAX_PER_IP_RATELIMIT_QUEUES',
    'IPsec DoS Protection could not create a rate-limit queue for another internal IP address because the MaxPerIPRateLimitQueues limit of the policy is reached.',
    ['More internal addresses receiving unauthenticated IPsec traffic than MaxPerIPRateLimitQueues allows', 'A scan across many internal addresses'],
    'Compare MaxPerIPRateLimitQueues with the number of internal addresses in use; PerIPRateLimitQueueIdleTimeoutSeconds frees idle queues'),
];

export const DATAPATH_CODES: readonly WinSpec[] = [
  BAD_SPI, LIFETIME_EXPIRED, WRONG_SA, REPLAY, INVALID_PACKET, INTEGRITY, CLEAR_TEXT, AUTH_FIREWALL, THROTTLE,
  ...[13919, 13920, 13921, 13922, 13923, 13924].map(unassigned),
  ...DOSP,
];
