// IKE failures with the Windows code that names them (src/verdict's catalog has the long
// explanations; ipsec-ts explain <code> prints them) and a next step for the operator.
import { NOTIFY_ERROR } from '../message/numbers.js';
import type { IkeFailure } from './context.js';

export const IKE_CODES = {
  AUTH_FAIL: [13801, 'ERROR_IPSEC_IKE_AUTH_FAIL'],
  ATTRIB_FAIL: [13802, 'ERROR_IPSEC_IKE_ATTRIB_FAIL'],
  TIMED_OUT: [13805, 'ERROR_IPSEC_IKE_TIMED_OUT'],
  SA_DELETED: [13807, 'ERROR_IPSEC_IKE_SA_DELETED'],
  SIMULTANEOUS_REKEY: [13821, 'ERROR_IPSEC_IKE_SIMULTANEOUS_REKEY'],
  DH_FAIL: [13822, 'ERROR_IPSEC_IKE_DH_FAIL'],
  INVALID_HEADER: [13824, 'ERROR_IPSEC_IKE_INVALID_HEADER'],
  NO_POLICY: [13825, 'ERROR_IPSEC_IKE_NO_POLICY'],
  INVALID_GROUP: [13865, 'ERROR_IPSEC_IKE_INVALID_GROUP'],
  DECRYPT: [13867, 'ERROR_IPSEC_IKE_DECRYPT'],
} as const;

export function ikeFailure(code: keyof typeof IKE_CODES, reason: string, action: string): IkeFailure {
  const [n, name] = IKE_CODES[code];
  return { code: n, name, reason, action };
}

/** What an error notification from the peer means for us. */
export function failureOfPeerNotify(notifyType: number, exchange: string): IkeFailure {
  switch (notifyType) {
    case NOTIFY_ERROR.NO_PROPOSAL_CHOSEN:
      return ikeFailure('ATTRIB_FAIL', `the peer accepted none of our proposals (NO_PROPOSAL_CHOSEN in ${exchange})`,
        'Compare `proposals` / `esp_proposals` with the peer\'s configuration; at least one proposal must match in every algorithm, including the DH group.');
    case NOTIFY_ERROR.AUTHENTICATION_FAILED:
      return ikeFailure('AUTH_FAIL', `the peer refused our authentication (AUTHENTICATION_FAILED in ${exchange})`,
        'Check that both sides use the same pre-shared key (or that the peer trusts our CA), and that our local id is the id the peer expects as remote id.');
    case NOTIFY_ERROR.TS_UNACCEPTABLE:
      return ikeFailure('NO_POLICY', `the peer refused our traffic selectors (TS_UNACCEPTABLE in ${exchange})`,
        'Compare local_ts / remote_ts with the peer\'s: its selectors must overlap ours, mirrored.');
    case NOTIFY_ERROR.INVALID_SYNTAX:
      return ikeFailure('INVALID_HEADER', `the peer could not parse our message (INVALID_SYNTAX in ${exchange})`,
        'Capture the exchange (tshark -Y isakmp) and report it: this is a bug on one of the two sides.');
    case NOTIFY_ERROR.INVALID_KE_PAYLOAD:
      return ikeFailure('INVALID_GROUP', `the peer wants a DH group we do not offer (INVALID_KE_PAYLOAD in ${exchange})`,
        'Add a DH group the peer accepts to the proposals.');
    default:
      return ikeFailure('NO_POLICY', `the peer answered ${exchange} with error notification ${notifyType}`,
        'Look up the notification in RFC 7296 3.10.1 and the peer\'s log.');
  }
}
