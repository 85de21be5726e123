// Windows IKE/AuthIP codes 13829-13868, in our own words: the "error processing payload" series,
// Windows service internals, SA installation and policy errors. Several of these name IKEv1
// constructs (HASH and SIG payloads, DOI, situation): we say so, and give the IKEv2 equivalent.
import type { WinSpec } from './catalog-types.js';
import { capture, ipsecTs, linux, strongswan, windows } from './catalog-types.js';
import { SA_LIST } from './cli-hints.js';
import { CRYPTO_SETS, IKE_AUDIT, RASCLIENT, SWAN_LOG, WFP_NETEVENTS, WINDOWS_SAS, ikeLog, windowsOnly } from './winerror-checks.js';

const DECODE = capture(
  'tshark -r <capture> -Y isakmp -V decodes every payload of the exchange (IKEv2 encrypted payloads ' +
    'need the keys in Wireshark\'s ikev2_decryption_table)',
);
const SERVICES = windows('Get-Service IKEEXT, BFE, PolicyAgent: the IKE and AuthIP keying service, the Base Filtering Engine and the IPsec Policy Agent must be running');
const SYSTEM_FILES = windows('sfc /scannow and DISM /Online /Cleanup-Image /RestoreHealth repair damaged system files');

/** One member of the 13829-13842 series: the peer's message had a payload of this type we could not process. */
function processErr(code: number, name: string, payload: string, detail: string, causes: string[], notify: string[] = []): WinSpec {
  return {
    code,
    name,
    layer: 'ike',
    meaning:
      `IKE could not process the ${payload} payload of a message from the peer: it was malformed, ` +
      `inconsistent with the rest of the message, or carried values this side does not support. ${detail}`,
    causes,
    checks: [DECODE, IKE_AUDIT, SWAN_LOG, ikeLog(`the ${payload} payload as received and why it was refused`)],
    ikev2Notify: notify,
  };
}

const PROCESS_ERR_SERIES: readonly WinSpec[] = [
  processErr(13829, 'ERROR_IPSEC_IKE_PROCESS_ERR', 'error',
    'This is the first code of the series 13829-13842 (one per payload type); Windows\' own text only says "error payload" and names no payload type.',
    ['A notification the peer sent that this side could not parse', 'A peer implementation that formats error payloads differently'],
    ['INVALID_SYNTAX']),
  processErr(13830, 'ERROR_IPSEC_IKE_PROCESS_ERR_SA', 'SA',
    'The SA payload holds the proposals (RFC 7296 3.3).',
    ['An SA payload with no proposal, or with proposals numbered wrongly', 'A protocol in the proposals this side does not support (for example AH where only ESP is allowed)'],
    ['INVALID_SYNTAX', 'NO_PROPOSAL_CHOSEN']),
  processErr(13831, 'ERROR_IPSEC_IKE_PROCESS_ERR_PROP', 'proposal',
    'A proposal names a protocol, its SPI and its transforms (RFC 7296 3.3.1).',
    ['An SPI of the wrong size for the protocol (4 bytes for ESP and AH, 8 for an IKE SA rekey)', 'A transform count that does not match the transforms present'],
    ['INVALID_SYNTAX']),
  processErr(13832, 'ERROR_IPSEC_IKE_PROCESS_ERR_TRANS', 'transform',
    'Transforms name the algorithms and their attributes (RFC 7296 3.3.2, 3.3.5).',
    ['An unknown transform ID', 'A variable-length cipher such as AES without its key-length attribute (RFC 7296 3.3.5 requires it)', 'An attribute this side does not know'],
    ['INVALID_SYNTAX', 'NO_PROPOSAL_CHOSEN']),
  processErr(13833, 'ERROR_IPSEC_IKE_PROCESS_ERR_KE', 'key exchange (KE)',
    'The KE payload carries the Diffie-Hellman public value for one group (RFC 7296 3.4).',
    ['The KE payload is for a different group than the one chosen: IKEv2 answers with INVALID_KE_PAYLOAD naming the group it wants, and the initiator retries', 'A public value of the wrong length for its group'],
    ['INVALID_KE_PAYLOAD']),
  processErr(13834, 'ERROR_IPSEC_IKE_PROCESS_ERR_ID', 'identification (ID)',
    'ID payloads carry the identity each side authenticates as (RFC 7296 3.5).',
    ['An ID type the receiver does not support or cannot match against its policy (for example a distinguished name where an FQDN is expected)', 'An ID whose contents do not parse for its type'],
    ['AUTHENTICATION_FAILED']),
  processErr(13835, 'ERROR_IPSEC_IKE_PROCESS_ERR_CERT', 'certificate (CERT)',
    'CERT payloads carry the peer certificate and its chain (RFC 7296 3.6).',
    ['A certificate that does not decode', 'A certificate encoding this side does not support'],
    ['AUTHENTICATION_FAILED']),
  processErr(13836, 'ERROR_IPSEC_IKE_PROCESS_ERR_CERT_REQ', 'certificate request (CERTREQ)',
    'In IKEv2 a CERTREQ lists the CAs the sender trusts as SHA-1 hashes of their public keys (RFC 7296 3.7).',
    ['A CERTREQ whose length is not a multiple of the hash length', 'A certificate encoding requested that this side cannot supply']),
  processErr(13837, 'ERROR_IPSEC_IKE_PROCESS_ERR_HASH', 'hash',
    'The hash payload exists only in IKEv1, where it authenticates messages; IKEv2 has no hash payload (the AUTH payload and the encrypted payload\'s integrity replace it).',
    ['IKEv1: a hash payload of the wrong length for the negotiated hash', 'IKEv1: a hash payload missing or in the wrong place in the message']),
  processErr(13838, 'ERROR_IPSEC_IKE_PROCESS_ERR_SIG', 'signature',
    'The signature payload exists only in IKEv1; in IKEv2 a signature travels in the AUTH payload.',
    ['IKEv1: a signature payload that does not parse', 'IKEv1: a signature made with an algorithm this side does not accept']),
  processErr(13839, 'ERROR_IPSEC_IKE_PROCESS_ERR_NONCE', 'nonce',
    'IKEv2 nonces must be 16 to 256 bytes long and at least half the PRF key size (RFC 7296 2.10, 3.9).',
    ['A nonce shorter than 16 or longer than 256 bytes', 'A nonce too short for the negotiated PRF'],
    ['INVALID_SYNTAX']),
  processErr(13840, 'ERROR_IPSEC_IKE_PROCESS_ERR_NOTIFY', 'notify',
    'Notify payloads carry errors and status information (RFC 7296 3.10).',
    ['A notify with an SPI size or protocol that does not fit its type', 'Notification data of the wrong length for its type'],
    ['INVALID_SYNTAX']),
  processErr(13841, 'ERROR_IPSEC_IKE_PROCESS_ERR_DELETE', 'delete',
    'Delete payloads list the SAs the sender has removed (RFC 7296 3.11).',
    ['A delete payload whose SPI size does not fit the protocol', 'A delete listing SPIs this side does not have (often harmless after both sides deleted)']),
  processErr(13842, 'ERROR_IPSEC_IKE_PROCESS_ERR_VENDOR', 'vendor ID',
    'Vendor ID payloads announce implementation features and carry no obligations (RFC 7296 3.12).',
    ['A vendor ID payload of invalid length', 'A vendor extension announced by the peer that this side misreads']),
];

export const IKE_PAYLOAD_CODES: readonly WinSpec[] = [
  ...PROCESS_ERR_SERIES,
  {
    code: 13843,
    name: 'ERROR_IPSEC_IKE_INVALID_PAYLOAD',
    layer: 'ike',
    meaning:
      'A message contained a payload that is not valid where it appears: an unknown type, a payload not ' +
      'allowed in that exchange, or a length running past the end of the message.',
    causes: ['A malformed or truncated IKE message', 'A payload the sender may not put in that exchange (for example a second SA payload)', 'Corruption, or IKE fragments reassembled wrongly'],
    checks: [DECODE, SWAN_LOG, ikeLog('the payload chain of the refused message')],
    ikev2Notify: ['INVALID_SYNTAX'],
  },
  {
    code: 13844,
    name: 'ERROR_IPSEC_IKE_LOAD_SOFT_SA',
    layer: 'ike',
    kind: 'status',
    meaning:
      'Windows installed a "soft SA": after negotiation with a peer that does not speak IPsec failed, ' +
      'a policy that allows falling back to clear text lets the traffic flow unprotected.',
    causes: ['A peer without IPsec under a rule that only requests (does not require) protection'],
    checks: [
      windows('Get-NetIPsecRule: rules with InboundSecurity / OutboundSecurity Request allow the fallback; Require forbids it'),
      WINDOWS_SAS,
      windowsOnly('soft SAs (fallback to clear text)'),
    ],
  },
  {
    code: 13845,
    name: 'ERROR_IPSEC_IKE_SOFT_SA_TORN_DOWN',
    layer: 'ike',
    kind: 'status',
    meaning: 'A soft SA (clear-text fallback) was removed, so the next traffic to that peer will try to negotiate IPsec again.',
    causes: ['The soft SA timed out', 'The policy changed, or the peer started to answer IKE'],
    checks: [WINDOWS_SAS, WFP_NETEVENTS, windowsOnly('soft SAs (fallback to clear text)')],
  },
  {
    code: 13846,
    name: 'ERROR_IPSEC_IKE_INVALID_COOKIE',
    layer: 'ike',
    meaning:
      'A message carried an invalid cookie. In IKEv1 the cookies are the IKE SA\'s SPIs, so this usually ' +
      'means a message for an IKE SA this side does not have; anti-clogging cookies (RFC 7296 2.6) can ' +
      'also fail to match.',
    causes: [
      'The peer still uses an IKE SA this side deleted or lost in a restart',
      'A stale retransmission arriving after the IKE SA was replaced',
      'A cookie challenge answered with the wrong cookie, or a spoofed message',
    ],
    checks: [SWAN_LOG, ikeLog('the IKE SPIs of the refused message and the IKE SAs that exist with the peer'), WINDOWS_SAS],
    ikev2Notify: ['INVALID_IKE_SPI', 'COOKIE'],
  },
  {
    code: 13847,
    name: 'ERROR_IPSEC_IKE_NO_PEER_CERT',
    layer: 'ike',
    meaning: 'The peer did not send a valid machine certificate although certificate authentication was expected.',
    causes: [
      'The peer is configured not to send its certificate, or only when asked and the request named other CAs (strongSwan send_cert = never or ifasked)',
      'The peer\'s certificate comes from a CA this side does not trust or request',
      'The chain is incomplete: intermediate CA certificates not sent and not installed here',
    ],
    checks: [
      strongswan('send_cert and send_certreq in swanctl.conf; swanctl --list-certs on the peer'),
      IKE_AUDIT,
      ikeLog('the CERTREQ sent and the CERT payloads received'),
      DECODE,
    ],
    ikev2Notify: ['AUTHENTICATION_FAILED'],
  },
  {
    code: 13848,
    name: 'ERROR_IPSEC_IKE_PEER_CRL_FAILED',
    layer: 'ike',
    meaning: 'The revocation check of the peer\'s certificate failed: it is revoked, or its CRL could not be fetched or is out of date.',
    causes: ['The peer certificate was revoked', 'The CRL distribution point or OCSP responder named in the peer certificate is unreachable from here', 'An expired CRL'],
    checks: [
      windows('certutil -verify -urlfetch <peer-certificate.cer>: each CRL and OCSP location and its result'),
      windows('netsh advfirewall show global: strongcrlcheck decides whether an unreachable CRL fails the negotiation'),
      strongswan('revocation = strict | ifuri | relaxed in the remote auth section'),
    ],
    ikev2Notify: ['AUTHENTICATION_FAILED'],
  },
  {
    code: 13849,
    name: 'ERROR_IPSEC_IKE_POLICY_CHANGE',
    layer: 'ike',
    kind: 'status',
    meaning: 'The IPsec policy changed, and SAs established under the old policy were torn down so that new ones follow the new policy.',
    causes: ['An administrator or a Group Policy refresh changed connection security rules or crypto sets'],
    checks: [windows('gpresult /h report.html and the Windows Firewall with Advanced Security console: when the policy last changed'), WINDOWS_SAS, ipsecTs(`${SA_LIST}: ipsec-ts closes SAs that a configuration reload no longer allows, with cause deleted (locally)`)],
  },
  {
    code: 13850,
    name: 'ERROR_IPSEC_IKE_NO_MM_POLICY',
    layer: 'ike',
    meaning: 'No main mode (IKE SA) policy applies: Windows has no main mode rule, crypto set or authentication set it can use with this peer.',
    causes: ['Connection security rules that exist without a matching main mode rule or crypto set', 'An authentication set that lists no method both sides share'],
    checks: [windows('Get-NetIPsecMainModeRule, Get-NetIPsecMainModeCryptoSet and Get-NetIPsecPhase1AuthSet'), IKE_AUDIT, strongswan('on a strongSwan peer: the charon log "no IKE config found"')],
    ikev2Notify: ['NO_PROPOSAL_CHOSEN'],
  },
  {
    code: 13851,
    name: 'ERROR_IPSEC_IKE_NOTCBPRIV',
    layer: 'ike',
    meaning: 'The IKE service could not enable the "act as part of the operating system" (TCB) privilege it needs.',
    causes: ['User rights assignments (Group Policy) removed the privilege from the account the service runs as'],
    checks: [windows('gpresult /h report.html: User Rights Assignment, "Act as part of the operating system"'), SERVICES, windowsOnly('the IKE service\'s account privileges')],
  },
  {
    code: 13852,
    name: 'ERROR_IPSEC_IKE_SECLOADFAIL',
    layer: 'ike',
    meaning: 'The IKE service could not load the Windows security support library (SECURITY.DLL) it uses for authentication.',
    causes: ['Damaged or missing system files'],
    checks: [SYSTEM_FILES, SERVICES, windowsOnly('the Windows security support provider interface (SSPI)')],
  },
  {
    code: 13853,
    name: 'ERROR_IPSEC_IKE_FAILSSPINIT',
    layer: 'ike',
    meaning: 'The IKE service could not get the function table of the Windows security support provider interface (SSPI).',
    causes: ['Damaged system files or a broken security package registration'],
    checks: [SYSTEM_FILES, SERVICES, windowsOnly('the Windows security support provider interface (SSPI)')],
  },
  {
    code: 13854,
    name: 'ERROR_IPSEC_IKE_FAILQUERYSSP',
    layer: 'ike',
    meaning: 'The IKE service could not query the Kerberos security package (to learn its maximum token size).',
    causes: ['The Kerberos package is unavailable or damaged'],
    checks: [SYSTEM_FILES, windows('klist: whether Kerberos works at all on this computer'), windowsOnly('Kerberos authentication of IKEv1/AuthIP')],
  },
  {
    code: 13855,
    name: 'ERROR_IPSEC_IKE_SRVACQFAIL',
    layer: 'ike',
    meaning:
      'The IKE service could not obtain its Kerberos server credentials, so Kerberos authentication will ' +
      'not work. Normal on a computer that is not a domain member.',
    causes: ['The computer is in a workgroup, not a domain', 'The computer lost its domain trust (secure channel)'],
    checks: [windows('nltest /sc_verify:<domain>: the secure channel to the domain'), windows('Use certificate or pre-shared key authentication where Kerberos is not available'), windowsOnly('Kerberos authentication of IKEv1/AuthIP')],
  },
  {
    code: 13856,
    name: 'ERROR_IPSEC_IKE_SRVQUERYCRED',
    layer: 'ike',
    meaning: 'The IKE service could not determine its own Kerberos principal name.',
    causes: ['Domain membership or the computer account in a broken state'],
    checks: [windows('nltest /sc_verify:<domain>; setspn -L <computer-name> lists the computer\'s service principal names'), windowsOnly('Kerberos authentication of IKEv1/AuthIP')],
  },
  {
    code: 13857,
    name: 'ERROR_IPSEC_IKE_GETSPIFAIL',
    layer: 'ike',
    meaning:
      'IKE could not obtain a new inbound SPI from the IPsec driver for the SA it is negotiating. The ' +
      'usual reason is that the driver has no filter (policy) for the traffic.',
    causes: [
      'The policy changed between the start of the negotiation and the SPI request, so the driver has no matching filter',
      'The IPsec driver or Base Filtering Engine is not running properly',
    ],
    checks: [
      SERVICES,
      windows('netsh wfp show filters: the filters the driver has; compare with the traffic being negotiated'),
      strongswan('the Linux counterpart is a failed SPI allocation in the kernel: the charon log says "unable to allocate SPI from kernel"'),
      ipsecTs('ipsec-ts allocates SPIs itself and never reuses one it still remembers; an allocation failure would show in the daemon log as a refused exchange'),
    ],
  },
  {
    code: 13858,
    name: 'ERROR_IPSEC_IKE_INVALID_FILTER',
    layer: 'ike',
    meaning: 'A filter (the traffic description an SA or rule applies to) given to IKE or to the driver is invalid.',
    causes: ['A rule with contradictory address, port or protocol conditions', 'A dynamically added filter the driver rejected'],
    checks: [windows('netsh wfp show filters and Get-NetIPsecRule: the filters in force'), WFP_NETEVENTS],
  },
  {
    code: 13859,
    name: 'ERROR_IPSEC_IKE_OUT_OF_MEMORY',
    layer: 'ike',
    meaning: 'The IKE service failed to allocate memory.',
    causes: ['Memory exhaustion on the host', 'Very many simultaneous negotiations or SAs (possibly an attack)'],
    checks: [windows('Get-Counter "\\Memory\\Available MBytes" and the IKEEXT service\'s process memory in Task Manager'), windows('Get-Counter -ListSet "IPsec*": counts of active and pending SAs')],
  },
  {
    code: 13860,
    name: 'ERROR_IPSEC_IKE_ADD_UPDATE_KEY_FAILED',
    layer: 'ike',
    meaning:
      'IKE negotiated an SA but could not install it in the IPsec driver. Windows names a negotiation ' +
      'that took too long as the usual reason: the driver no longer waits for it.',
    causes: [
      'The negotiation finished after the driver gave up waiting for it (slow peer, heavy load)',
      'An algorithm the driver or kernel cannot use (on Linux: a missing crypto module)',
      'An SPI that collides with an existing SA',
    ],
    checks: [
      WFP_NETEVENTS,
      strongswan('the Linux counterpart: the charon log says "unable to install inbound and outbound IPsec SA (SAD) in kernel"; dmesg and /proc/crypto show whether the algorithm exists'),
      linux('ip xfrm state: is a state for this SPI present, maybe still in acquire?'),
      ipsecTs('ipsec-ts installs the inbound SA before it sends the response (make before break); an install failure aborts the exchange and shows in the daemon log'),
    ],
  },
  {
    code: 13861,
    name: 'ERROR_IPSEC_IKE_INVALID_POLICY',
    layer: 'ike',
    meaning: 'The IPsec policy IKE was given is invalid and cannot be used for negotiation.',
    causes: ['A rule referring to a crypto set or authentication set that is empty or missing', 'Settings that contradict each other in the rule'],
    checks: [windows('Get-NetIPsecRule with Get-NetIPsecMainModeCryptoSet, Get-NetIPsecQuickModeCryptoSet, Get-NetIPsecPhase1AuthSet and Get-NetIPsecPhase2AuthSet: every set a rule refers to must exist and be non-empty'), IKE_AUDIT],
  },
  {
    code: 13862,
    name: 'ERROR_IPSEC_IKE_UNKNOWN_DOI',
    layer: 'ike',
    meaning: 'IKEv1 only: the Domain of Interpretation in the message is not the IPsec DOI (value 1, RFC 2407), so the message cannot be interpreted.',
    causes: ['A peer using ISAKMP for something other than IPsec', 'A corrupted IKEv1 message'],
    checks: [DECODE, IKE_AUDIT, ipsecTs('ipsec-ts speaks IKEv2 only, which has no DOI field; it never reports this code')],
  },
  {
    code: 13863,
    name: 'ERROR_IPSEC_IKE_INVALID_SITUATION',
    layer: 'ike',
    meaning: 'IKEv1 only: the situation field of the SA payload asks for something this side does not support (only identity-only is common, RFC 2407 4.2).',
    causes: ['A peer requesting secrecy or integrity labelling situations', 'A corrupted IKEv1 SA payload'],
    checks: [DECODE, IKE_AUDIT, ipsecTs('ipsec-ts speaks IKEv2 only, which has no situation field; it never reports this code')],
  },
  {
    code: 13864,
    name: 'ERROR_IPSEC_IKE_DH_FAILURE',
    layer: 'ike',
    meaning:
      'A Diffie-Hellman failure: the key exchange could not produce the shared secret. Windows has a ' +
      'second code for this (13822); treat both as "the key exchange or its input failed".',
    causes: ['An invalid public value from the peer', 'A group the crypto provider cannot compute'],
    checks: [IKE_AUDIT, DECODE, SWAN_LOG],
  },
  {
    code: 13865,
    name: 'ERROR_IPSEC_IKE_INVALID_GROUP',
    layer: 'ike',
    meaning:
      'The Diffie-Hellman group offered or used is not acceptable. In IKEv2 the responder answers with ' +
      'INVALID_KE_PAYLOAD naming the group it wants and the initiator retries with it (RFC 7296 1.2); the ' +
      'failure remains when no group is acceptable to both.',
    causes: [
      'No common DH group, for example a client that still offers modp1024 (group 2) to a server that no longer accepts it',
      'A group configured for the CHILD_SA (PFS) that the peer does not accept',
    ],
    checks: [CRYPTO_SETS, strongswan('the DH group is the last part of each proposal in proposals= / esp_proposals= (for example modp2048, ecp256); the charon log shows the groups received'), RASCLIENT, ikeLog('the KE group sent and the INVALID_KE_PAYLOAD answer')],
    ikev2Notify: ['INVALID_KE_PAYLOAD', 'NO_PROPOSAL_CHOSEN'],
  },
  {
    code: 13866,
    name: 'ERROR_IPSEC_IKE_ENCRYPT',
    layer: 'ike',
    meaning: 'IKE failed to encrypt a payload it was about to send.',
    causes: ['An internal crypto provider error', 'A negotiated cipher the local provider cannot use'],
    checks: [WFP_NETEVENTS, SERVICES],
  },
  {
    code: 13867,
    name: 'ERROR_IPSEC_IKE_DECRYPT',
    layer: 'ike',
    meaning:
      'IKE could not decrypt a received payload (or its integrity check failed). In IKEv1 with a pre-shared ' +
      'key this is the classic sign of different keys: the key feeds the encryption keys, so the first ' +
      'encrypted message fails. In IKEv2 the keys come from the Diffie-Hellman exchange, so it points to ' +
      'corruption or a key derivation disagreement instead.',
    causes: ['IKEv1: different pre-shared keys on the two peers', 'A corrupted message or wrongly reassembled IKE fragments', 'An implementation disagreement in key derivation'],
    checks: [IKE_AUDIT, SWAN_LOG, DECODE, ikeLog('the message that failed to decrypt and its size')],
  },
  {
    code: 13868,
    name: 'ERROR_IPSEC_IKE_POLICY_MATCH',
    layer: 'ike',
    meaning:
      'The parameters of the negotiation match no local policy: no proposal or traffic description was ' +
      'acceptable. For a Windows IKEv2 VPN client it usually means the algorithms (encryption, integrity, ' +
      'DH group) of client and server have nothing in common.',
    causes: [
      'No common proposal between client and server (for example a server requiring AES-GCM or ECP groups the client does not offer)',
      'Traffic selectors requested that the peer\'s policy does not allow',
    ],
    checks: [
      RASCLIENT,
      windows('Set-VpnConnectionIPsecConfiguration sets custom IKEv2 proposals on a Windows VPN client; Get-VpnConnection shows whether a custom policy is in use'),
      CRYPTO_SETS,
      strongswan('the charon log prints "received proposals" and "configured proposals", or "traffic selectors ... unacceptable"'),
      ikeLog('the proposals and traffic selectors offered and refused'),
    ],
    ikev2Notify: ['NO_PROPOSAL_CHOSEN', 'TS_UNACCEPTABLE'],
  },
];
