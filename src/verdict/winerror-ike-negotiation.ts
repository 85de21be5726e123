// Windows IKE/AuthIP negotiation codes 13800-13828, in our own words. Windows reports them from its
// IKE and AuthIP keying service (IKEEXT); for each we say what the same failure looks like with
// IKEv2 (RFC 7296) on strongSwan and in ipsec-ts.
import type { WinSpec } from './catalog-types.js';
import { capture, ipsecTs, linux, strongswan, windows } from './catalog-types.js';
import { IKE_LIST, explainCmd } from './cli-hints.js';
import { CRYPTO_SETS, IKE_AUDIT, RASCLIENT, SWAN_LOG, WFP_NETEVENTS, WINDOWS_SAS, helpmsg, ikeLog, windowsOnly } from './winerror-checks.js';

const IKE_PORTS_CAPTURE = capture(
  'tcpdump -ni any "udp port 500 or udp port 4500 or (ip[6:2] & 0x1fff != 0)": requests without ' +
    'answers, answers that never arrive, and IP fragments of large IKE messages',
);
const CERTLM = windows('certlm.msc (Local Computer store): Personal holds the machine certificate, Trusted Root Certification Authorities the roots IKE accepts');
const SWAN_CERTS = strongswan('swanctl --list-certs and swanctl --list-authorities: the certificates, keys and CAs charon has loaded');

export const IKE_NEGOTIATION_CODES: readonly WinSpec[] = [
  {
    code: 13800,
    name: 'ERROR_IPSEC_IKE_NEG_STATUS_BEGIN',
    layer: 'ike',
    kind: 'range-marker',
    meaning:
      'Not an error: the lower bound of the block winerror.h reserves for IKE and AuthIP negotiation ' +
      'results. Code that receives a status compares it with this bound and the END bounds (13897, ' +
      '13909) to know it is an IKE negotiation status.',
    causes: ['A tool printing the range bound instead of a real status, or a corrupted value'],
    checks: [
      windows('net helpmsg 13800 prints only the symbol name: the code has no message of its own'),
      ipsecTs(`${explainCmd(13801)} onwards: the real IKE negotiation results start at 13801`),
    ],
  },
  {
    code: 13801,
    name: 'ERROR_IPSEC_IKE_AUTH_FAIL',
    layer: 'ike',
    meaning:
      'The peers could not authenticate each other: the credentials one side presented (pre-shared key, ' +
      'certificate, EAP or Kerberos) were not accepted by the other. On a Windows IKEv2 VPN client it is ' +
      'one of the most common connection errors, and there it usually concerns the server certificate.',
    causes: [
      'Different pre-shared keys, or identities that make the responder pick another key',
      'Server certificate refused by the Windows client: its name (SAN or CN) differs from the address the client dials, it lacks the Server Authentication EKU, or its root CA is not in the Local Computer trusted roots',
      'The identity the peer presents (IDi / IDr) is not the one the other side is configured to expect',
      'EAP user authentication refused by the RADIUS or EAP server',
      'A certificate expired, not yet valid (clock skew) or revoked',
    ],
    checks: [
      RASCLIENT,
      IKE_AUDIT,
      SWAN_LOG,
      strongswan('on the responder the charon log names the failure, for example "no trusted ... public key found", "constraint check failed", or the EAP result; the initiator logs "received AUTHENTICATION_FAILED notify error"'),
      SWAN_CERTS,
      CERTLM,
      ikeLog('the IKE_AUTH exchange: identities, authentication method, and which side sent AUTHENTICATION_FAILED'),
    ],
    ikev2Notify: ['AUTHENTICATION_FAILED'],
  },
  {
    code: 13802,
    name: 'ERROR_IPSEC_IKE_ATTRIB_FAIL',
    layer: 'ike',
    meaning:
      'The security attributes proposed for the SA were not acceptable: the two sides found no common ' +
      'set of algorithms, groups, authentication method or (in IKEv1) lifetimes.',
    causes: [
      'No common encryption, integrity, PRF or Diffie-Hellman group between the proposals',
      'IKEv1: the authentication method attribute (pre-shared key versus certificate) differs between the peers',
      'IKEv1: a lifetime attribute the responder does not accept',
    ],
    checks: [
      IKE_AUDIT,
      CRYPTO_SETS,
      strongswan('the charon log prints "received proposals: ..." and "configured proposals: ..." when nothing matches; proposals= and esp_proposals= in swanctl.conf'),
      ikeLog('the proposals offered and received, transform by transform'),
    ],
    ikev2Notify: ['NO_PROPOSAL_CHOSEN'],
  },
  {
    code: 13803,
    name: 'ERROR_IPSEC_IKE_NEGOTIATION_PENDING',
    layer: 'ike',
    kind: 'status',
    meaning:
      'A negotiation for the same peer or traffic is already running; the new request waits for it ' +
      'instead of starting a second one. Not a failure by itself.',
    causes: [
      'Traffic that needs an SA while an earlier negotiation for it is still in progress',
      'A slow peer or a slow authentication step (certificate revocation fetches, EAP) keeping negotiations open',
    ],
    checks: [
      WINDOWS_SAS,
      strongswan('swanctl --list-sas shows IKE SAs still CONNECTING'),
      ipsecTs(`${IKE_LIST}: IKE SAs and their state; long-pending ones point to a stuck exchange`),
    ],
  },
  {
    code: 13804,
    name: 'ERROR_IPSEC_IKE_GENERAL_PROCESSING_ERROR',
    layer: 'ike',
    meaning:
      'The IKE service failed while processing a negotiation for a reason it has no more specific code ' +
      'for. The detailed trace, not the code, says what went wrong.',
    causes: [
      'A message from the peer with contents the service could not handle (interoperability with a non-Windows peer)',
      'An internal failure of the IKE service (resources, a component not loaded)',
    ],
    checks: [WFP_NETEVENTS, IKE_AUDIT, SWAN_LOG, ikeLog('the last messages exchanged before the failure')],
  },
  {
    code: 13805,
    name: 'ERROR_IPSEC_IKE_TIMED_OUT',
    layer: 'ike',
    meaning:
      'The negotiation did not finish in time: the peer never answered, or stopped answering part way, ' +
      'and the retransmissions ran out.',
    causes: [
      'UDP 500 or 4500 blocked by a firewall on the way, or the peer not listening on them',
      'Large IKE_AUTH messages (certificate chains) fragmented at the IP layer and the fragments dropped; IKEv2 fragmentation (RFC 7383) avoids this',
      'A NAT device dropping or remapping the flow; asymmetric routing',
      'A wrong peer address, or the peer has no configuration for this host and stays silent',
    ],
    checks: [
      IKE_PORTS_CAPTURE,
      strongswan('the charon log shows "retransmit N of request" and "giving up after N retransmits"; fragmentation = yes in swanctl.conf enables RFC 7383 fragmentation'),
      ikeLog('requests retransmitted without an answer, and the sizes of the messages'),
      RASCLIENT,
      IKE_AUDIT,
    ],
  },
  {
    code: 13806,
    name: 'ERROR_IPSEC_IKE_NO_CERT',
    layer: 'ike',
    meaning:
      'IKE found no valid machine certificate to authenticate with, or none issued by a CA the peer ' +
      'asked for in its certificate request.',
    causes: [
      'No machine certificate in the Local Computer Personal store (a user certificate does not count)',
      'A certificate from a CA other than those the peer lists in its CERTREQ',
      'A certificate that is expired, lacks its private key or has an unsuitable key usage',
      'Windows VPN client: the root CA of the server certificate is missing from the Local Computer trusted roots',
    ],
    checks: [
      CERTLM,
      windows('certutil -store My: the machine certificates with their validity and whether a private key is present'),
      SWAN_CERTS,
      ikeLog('the CERTREQ received (which CAs the peer asks for) and the certificate sent'),
    ],
  },
  {
    code: 13807,
    name: 'ERROR_IPSEC_IKE_SA_DELETED',
    layer: 'ike',
    meaning: 'The peer deleted the IKE SA before the negotiation had completed.',
    causes: [
      'The peer refused something part way (authentication, authorization, proposals) and tore the SA down',
      'The peer restarted or reloaded its configuration during the exchange',
      'The peer hit a limit (half-open SAs, SAs per peer) and cleaned up',
    ],
    checks: [SWAN_LOG, IKE_AUDIT, ikeLog('the last request and the DELETE or notify that ended it'), WFP_NETEVENTS],
  },
  {
    code: 13808,
    name: 'ERROR_IPSEC_IKE_SA_REAPED',
    layer: 'ike',
    meaning:
      'This side deleted an IKE SA that had not completed its negotiation: Windows cleans up half-open ' +
      'negotiations that stop making progress.',
    causes: [
      'The peer went silent in the middle of the exchange',
      'A policy change or service restart during the negotiation',
    ],
    checks: [IKE_PORTS_CAPTURE, IKE_AUDIT, WFP_NETEVENTS, ikeLog('how far the exchange got before it was abandoned')],
  },
  {
    code: 13809,
    name: 'ERROR_IPSEC_IKE_MM_ACQUIRE_DROP',
    layer: 'ike',
    meaning:
      'A request to start a main mode (IKE SA) negotiation waited in the IKE service\'s queue for too ' +
      'long and was dropped without being negotiated.',
    causes: [
      'Many negotiations at once (many peers or flows starting together) overloading the IKE service',
      'Slow steps holding the queue (certificate revocation fetches, Kerberos, EAP)',
      'A flood of traffic that needs new SAs (scan or attack)',
    ],
    checks: [
      windows('Get-Counter -ListSet "IPsec*" lists the IKE/IPsec performance counters (pending and failed negotiations)'),
      WFP_NETEVENTS,
      linux('the Linux counterpart: a kernel acquire that the key manager does not complete within net.core.xfrm_acq_expires seconds'),
      ipsecTs(`${IKE_LIST}: how many negotiations are pending`),
    ],
  },
  {
    code: 13810,
    name: 'ERROR_IPSEC_IKE_QM_ACQUIRE_DROP',
    layer: 'ike',
    meaning:
      'A request to negotiate a quick mode SA (the IPsec SA, a CHILD_SA in IKEv2), triggered by traffic ' +
      'that needs protection, waited in the queue for too long and was dropped.',
    causes: [
      'The IKE SA the request depends on is slow to come up, or never does',
      'The IKE service is overloaded with requests',
    ],
    checks: [
      WFP_NETEVENTS,
      linux('XfrmOutNoStates counts packets dropped while the kernel waits for the key manager to install the SA'),
      strongswan('the charon log (knl=2) shows each acquire the kernel sends and the CHILD_SA negotiation it starts'),
      ipsecTs(`${explainCmd(13910)}: ipsec-ts reports packets that wait for an outbound SA as outbound-no-sa`),
    ],
  },
  {
    code: 13811,
    name: 'ERROR_IPSEC_IKE_QUEUE_DROP_MM',
    layer: 'ike',
    meaning:
      'A negotiation request queued behind an existing main mode (IKE) SA waited for too long and was ' +
      'dropped.',
    causes: [
      'The main mode SA it was queued on stopped making progress (peer unresponsive)',
      'Too many quick mode requests queued on one main mode at once',
    ],
    checks: [WFP_NETEVENTS, WINDOWS_SAS, ikeLog('requests queued on one IKE SA and how long they waited')],
  },
  {
    code: 13812,
    name: 'ERROR_IPSEC_IKE_QUEUE_DROP_NO_MM',
    layer: 'ike',
    meaning:
      'A negotiation request waited for a main mode (IKE) SA that did not exist yet, and dropped out of ' +
      'the queue before one came up.',
    causes: [
      'The main mode negotiation with the peer fails or times out (see 13805, 13801)',
      'The peer is unreachable on UDP 500/4500',
    ],
    checks: [IKE_PORTS_CAPTURE, WFP_NETEVENTS, IKE_AUDIT, ikeLog('whether the IKE SA negotiation ever got an answer')],
  },
  {
    code: 13813,
    name: 'ERROR_IPSEC_IKE_DROP_NO_RESPONSE',
    layer: 'ike',
    meaning: 'The negotiation was dropped because the peer never responded.',
    causes: [
      'The peer is down or not running an IKE service',
      'UDP 500 or 4500 filtered in one direction',
      'The peer has no configuration for this host and ignores its requests',
    ],
    checks: [IKE_PORTS_CAPTURE, SWAN_LOG, ikeLog('requests sent and retransmitted with no answer'), IKE_AUDIT],
  },
  {
    code: 13814,
    name: 'ERROR_IPSEC_IKE_MM_DELAY_DROP',
    layer: 'ike',
    meaning: 'A main mode (IKE SA) negotiation started but took longer than allowed and was abandoned.',
    causes: [
      'Packet loss forcing many retransmissions',
      'Slow authentication on either side (revocation checks, Kerberos, EAP round trips)',
      'Fragmented certificate messages partly lost',
    ],
    checks: [IKE_PORTS_CAPTURE, IKE_AUDIT, SWAN_LOG, ikeLog('the time between requests and responses')],
  },
  {
    code: 13815,
    name: 'ERROR_IPSEC_IKE_QM_DELAY_DROP',
    layer: 'ike',
    meaning: 'A quick mode (IPsec SA) negotiation started but took longer than allowed and was abandoned.',
    causes: ['Packet loss during the exchange', 'A peer slow to answer CREATE_CHILD_SA or quick mode requests (busy, or waiting for its own policy)'],
    checks: [IKE_PORTS_CAPTURE, IKE_AUDIT, SWAN_LOG, ikeLog('the CREATE_CHILD_SA exchange timing')],
  },
  {
    code: 13816,
    name: 'ERROR_IPSEC_IKE_ERROR',
    layer: 'ike',
    meaning: 'The IKE service reports an error it could not classify. Only the detailed trace tells more.',
    causes: ['An unexpected condition inside the IKE service', 'A peer behaviour the service does not recognise'],
    checks: [WFP_NETEVENTS, IKE_AUDIT, SWAN_LOG, helpmsg(13816)],
  },
  {
    code: 13817,
    name: 'ERROR_IPSEC_IKE_CRL_FAILED',
    layer: 'ike',
    meaning:
      'A certificate revocation check that IKE requires failed: the CRL could not be fetched or is out ' +
      'of date, or the certificate is revoked. (13848 names the same failure for the peer certificate.)',
    causes: [
      'The CRL distribution point or OCSP responder in the certificate is unreachable from this host',
      'An expired CRL on the distribution point',
      'The certificate has been revoked',
    ],
    checks: [
      windows('certutil -verify -urlfetch <certificate.cer>: fetches every CRL and OCSP location and reports what fails'),
      windows('netsh advfirewall show global: strongcrlcheck (0 off, 1 fail only if revoked, 2 fail on any error)'),
      strongswan('revocation = strict | ifuri | relaxed in the remote auth section; the charon log shows CRL and OCSP fetches'),
      IKE_AUDIT,
    ],
  },
  {
    code: 13818,
    name: 'ERROR_IPSEC_IKE_INVALID_KEY_USAGE',
    layer: 'ike',
    meaning: 'A certificate\'s key usage or extended key usage does not allow it to be used for IKE authentication.',
    causes: [
      'Windows VPN client: the server certificate lacks the Server Authentication EKU',
      'A key usage without digitalSignature, so the key may not sign the AUTH payload',
      'An EKU restricted to other purposes (for example client authentication only where server authentication is needed)',
    ],
    checks: [
      windows('certutil -dump <certificate.cer>: the Key Usage and Enhanced Key Usage extensions'),
      linux('openssl x509 -in <certificate.pem> -noout -ext keyUsage,extendedKeyUsage'),
      SWAN_CERTS,
    ],
  },
  {
    code: 13819,
    name: 'ERROR_IPSEC_IKE_INVALID_CERT_TYPE',
    layer: 'ike',
    meaning:
      'A certificate, or its encoding in the IKE CERT payload, is of a type IKE cannot use for ' +
      'authentication.',
    causes: [
      'A certificate encoding the receiver does not support (IKEv2 defines several in RFC 7296 3.6; X.509 signature certificates are the common one)',
      'A certificate whose public key algorithm this side cannot use for signatures',
    ],
    checks: [capture('tshark -r <capture> -Y isakmp -V: the encoding of each CERT payload (decrypt IKEv2 with the ikev2_decryption_table)'), SWAN_CERTS, CERTLM],
  },
  {
    code: 13820,
    name: 'ERROR_IPSEC_IKE_NO_PRIVATE_KEY',
    layer: 'ike',
    meaning: 'The machine certificate selected for IKE has no private key this host can use, so it cannot sign.',
    causes: [
      'The certificate was imported without its key (.cer instead of .pfx)',
      'The key sits in a user store or a provider the IKE service (running as the system) cannot reach',
    ],
    checks: [
      windows('certutil -store My: "Private key is NOT exportable" or "No key provider information" lines tell whether a usable key is attached'),
      strongswan('swanctl --list-certs marks certificates that have a private key ("has private key")'),
      CERTLM,
    ],
  },
  {
    code: 13821,
    name: 'ERROR_IPSEC_IKE_SIMULTANEOUS_REKEY',
    layer: 'ike',
    kind: 'status',
    meaning:
      'Both peers rekeyed the same SA at the same time. IKEv2 resolves it: of the two new SAs, the one ' +
      'created with the lowest nonce is closed (RFC 7296 2.8.1). Not a failure unless it repeats.',
    causes: [
      'Identical lifetimes on both peers, so both start the rekey at the same moment',
      'No randomisation of the rekey time',
    ],
    checks: [
      strongswan('rand_time in swanctl.conf spreads rekeys; the charon log reports the collision and which SA it keeps'),
      ikeLog('the crossing CREATE_CHILD_SA exchanges and which SA was kept'),
      WINDOWS_SAS,
    ],
  },
  {
    code: 13822,
    name: 'ERROR_IPSEC_IKE_DH_FAIL',
    layer: 'ike',
    meaning: 'The Diffie-Hellman computation failed: the shared secret could not be computed from the peer\'s public value.',
    causes: [
      'An invalid public value from the peer (wrong length, not a valid point or element of the group)',
      'A group this system\'s crypto provider does not support',
    ],
    checks: [IKE_AUDIT, capture('tshark -r <capture> -Y isakmp -V: the KE payload\'s group and length'), SWAN_LOG],
  },
  {
    code: 13823,
    name: 'ERROR_IPSEC_IKE_CRITICAL_PAYLOAD_NOT_RECOGNIZED',
    layer: 'ike',
    meaning:
      'The peer sent a payload marked critical that this side does not understand, so the message must ' +
      'be rejected (RFC 7296 2.5).',
    causes: ['The peer uses an IKE extension this side does not implement', 'A corrupted payload type byte'],
    checks: [capture('tshark -r <capture> -Y isakmp -V: the payload types and critical bits in the rejected message'), SWAN_LOG, ikeLog('the unknown payload type that was refused')],
    ikev2Notify: ['UNSUPPORTED_CRITICAL_PAYLOAD'],
  },
  {
    code: 13824,
    name: 'ERROR_IPSEC_IKE_INVALID_HEADER',
    layer: 'ike',
    meaning: 'The IKE header of a received message is invalid: lengths, flags, exchange type or SPIs do not make sense.',
    causes: [
      'A truncated or corrupted message',
      'Traffic on UDP 500 or 4500 that is not IKE',
      'An IKE message on UDP 4500 without the four zero bytes of the non-ESP marker (RFC 3948 2.2)',
    ],
    checks: [capture('tshark -r <capture> -Y "udp.port == 500 || udp.port == 4500" -x: inspect the raw header'), SWAN_LOG, ikeLog('messages refused at header parsing')],
    ikev2Notify: ['INVALID_SYNTAX'],
  },
  {
    code: 13825,
    name: 'ERROR_IPSEC_IKE_NO_POLICY',
    layer: 'ike',
    meaning: 'No configured policy covers this peer or this traffic, so there is nothing to negotiate with.',
    causes: [
      'The peer\'s address or identity matches no connection on the responder',
      'The traffic selectors requested fit no configured rule',
    ],
    checks: [
      windows('Get-NetIPsecRule and Get-NetIPsecMainModeRule: the connection security rules and main mode rules'),
      strongswan('the charon log: "no IKE config found for <local>...<remote>" or "no matching peer config found"; swanctl --list-conns'),
      ikeLog('the addresses and identities of the request that matched no configuration'),
    ],
    ikev2Notify: ['NO_PROPOSAL_CHOSEN', 'TS_UNACCEPTABLE'],
  },
  {
    code: 13826,
    name: 'ERROR_IPSEC_IKE_INVALID_SIGNATURE',
    layer: 'ike',
    meaning: 'A signature did not verify: the peer\'s AUTH signature, made with the key of its certificate, does not match.',
    causes: [
      'The private key used does not belong to the certificate sent',
      'A signature scheme or hash the two sides interpret differently (RFC 7427 signature authentication)',
      'The signed data differs (message modified, or an implementation bug)',
    ],
    checks: [IKE_AUDIT, SWAN_LOG, SWAN_CERTS, ikeLog('the AUTH method and the certificate whose key should verify it')],
    ikev2Notify: ['AUTHENTICATION_FAILED'],
  },
  {
    code: 13827,
    name: 'ERROR_IPSEC_IKE_KERBEROS_ERROR',
    layer: 'ike',
    meaning: 'Authentication with Kerberos failed. Windows offers Kerberos authentication for IKEv1 and AuthIP between domain members.',
    causes: [
      'A computer that is not in the domain, or cannot reach a domain controller',
      'Clock skew between the computers beyond what Kerberos tolerates',
      'Missing or wrong service principal for the peer computer',
    ],
    checks: [
      windows('klist and nltest /sc_verify:<domain>: tickets and the secure channel to the domain'),
      windows('w32tm /query /status: time synchronisation'),
      IKE_AUDIT,
      windowsOnly('Kerberos authentication of IKEv1/AuthIP'),
    ],
  },
  {
    code: 13828,
    name: 'ERROR_IPSEC_IKE_NO_PUBLIC_KEY',
    layer: 'ike',
    meaning: 'The peer\'s certificate had no public key this side could use to verify the peer.',
    causes: ['A damaged certificate', 'A public key algorithm this system does not support for IKE'],
    checks: [windows('certutil -dump <certificate.cer>: the public key algorithm and length'), linux('openssl x509 -in <certificate.pem> -noout -text'), IKE_AUDIT],
  },
];
