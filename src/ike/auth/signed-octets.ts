// RFC 7296 2.15: what AUTH covers. For the initiator:
//   InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
//   MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
// and symmetrically for the responder (RealMessage2 | NonceIData | prf(SK_pr, RestOfRespIDPayload)).
// RestOfInitIDPayload is the ID payload body after its generic header (idPayloadBody / IdPayload.body).

/** A PRF keyed per call: prf(key, data). The negotiated PRF comes from the caller (src/ike/crypto). */
export type PrfFn = (key: Buffer, data: Buffer) => Buffer;

export interface SignedOctetsInput {
  /** The first message this side sent, exactly as sent (IKE_SA_INIT request or response). */
  readonly firstMessage: Buffer;
  /** The nonce the other side sent in IKE_SA_INIT (Nonce payload data only). */
  readonly peerNonce: Buffer;
  readonly prf: PrfFn;
  /** SK_pi for the initiator's octets, SK_pr for the responder's. */
  readonly skP: Buffer;
  /** The ID payload body of the side whose AUTH this is. */
  readonly idBody: Buffer;
}

/** RFC 7296 2.15: message | nonce | prf(SK_p, ID'). */
export function signedOctets(input: SignedOctetsInput): Buffer {
  return Buffer.concat([input.firstMessage, input.peerNonce, input.prf(input.skP, input.idBody)]);
}
