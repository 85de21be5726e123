// IKEv2 numbers from the IANA registries, each with the RFC section that defines it. Names are
// the RFCs' own, so a grep for a name in RFC 7296 finds the rule.

/** RFC 7296 3.1: Exchange Type. */
export const EXCHANGE = {
  IKE_SA_INIT: 34,
  IKE_AUTH: 35,
  CREATE_CHILD_SA: 36,
  INFORMATIONAL: 37,
} as const;
export type ExchangeName = keyof typeof EXCHANGE;

/** RFC 7296 3.1: header flags (bits of the Flags octet). */
export const HEADER_FLAG = { INITIATOR: 0x08, VERSION: 0x10, RESPONSE: 0x20 } as const;

/** RFC 7296 3.2 (and RFC 7383 2.5 for SKF): Next Payload values. */
export const PAYLOAD = {
  NONE: 0,
  SA: 33,
  KE: 34,
  IDi: 35,
  IDr: 36,
  CERT: 37,
  CERTREQ: 38,
  AUTH: 39,
  NONCE: 40,
  NOTIFY: 41,
  DELETE: 42,
  VENDOR: 43,
  TSi: 44,
  TSr: 45,
  SK: 46,
  CP: 47,
  EAP: 48,
  SKF: 53,
} as const;
export type PayloadName = keyof typeof PAYLOAD;

/** RFC 7296 3.3.1: Protocol ID (proposals, notify and delete payloads). */
export const PROTOCOL = { IKE: 1, AH: 2, ESP: 3 } as const;

/** RFC 7296 3.3.2: Transform Type. */
export const TRANSFORM_TYPE = { ENCR: 1, PRF: 2, INTEG: 3, DH: 4, ESN: 5 } as const;

/** RFC 7296 3.3.2 and the IANA "Transform Type 1" registry (RFC 4106, 5282, 7634). */
export const ENCR = {
  AES_CBC: 12,
  AES_CTR: 13,
  AES_GCM_8: 18,
  AES_GCM_12: 19,
  AES_GCM_16: 20,
  CHACHA20_POLY1305: 28,
} as const;

/** RFC 4868 / IANA "Transform Type 2". */
export const PRF = { HMAC_SHA2_256: 5, HMAC_SHA2_384: 6, HMAC_SHA2_512: 7 } as const;

/** RFC 4868 / IANA "Transform Type 3". NONE (0) is what AEAD proposals may carry. */
export const INTEG = { NONE: 0, HMAC_SHA2_256_128: 12, HMAC_SHA2_384_192: 13, HMAC_SHA2_512_256: 14 } as const;

/** IANA "Transform Type 4": Diffie-Hellman groups (RFC 3526, 5903, 8031). */
export const DH_GROUP = { MODP_2048: 14, ECP_256: 19, ECP_384: 20, ECP_521: 21, CURVE25519: 31, CURVE448: 32 } as const;

/** RFC 7296 3.3.2: Transform Type 5. */
export const ESN = { NO: 0, YES: 1 } as const;

/** RFC 7296 3.3.5: the Key Length attribute (TV format, AF bit set). */
export const ATTRIBUTE_KEY_LENGTH = 14;

/** RFC 7296 3.5: ID Type. */
export const ID_TYPE = {
  ID_IPV4_ADDR: 1,
  ID_FQDN: 2,
  ID_RFC822_ADDR: 3,
  ID_IPV6_ADDR: 5,
  ID_DER_ASN1_DN: 9,
  ID_DER_ASN1_GN: 10,
  ID_KEY_ID: 11,
} as const;

/** RFC 7296 3.6: Certificate Encoding (the ones we send or accept). */
export const CERT_ENCODING = { X509_SIGNATURE: 4 } as const;

/** RFC 7296 3.8 and RFC 7427 3: Auth Method. */
export const AUTH_METHOD = { RSA_SIG: 1, SHARED_KEY_MIC: 2, DSS_SIG: 3, ECDSA_256: 9, ECDSA_384: 10, ECDSA_521: 11, DIGITAL_SIGNATURE: 14 } as const;

/** RFC 7427 4 / IANA "IKEv2 Hash Algorithms" (SIGNATURE_HASH_ALGORITHMS data). */
export const HASH_ALGORITHM = { SHA1: 1, SHA2_256: 2, SHA2_384: 3, SHA2_512: 4, IDENTITY: 5 } as const;

/** RFC 7296 3.13.1: TS Type. */
export const TS_TYPE = { TS_IPV4_ADDR_RANGE: 7, TS_IPV6_ADDR_RANGE: 8 } as const;

/** RFC 7296 3.15: CFG Type. */
export const CFG_TYPE = { CFG_REQUEST: 1, CFG_REPLY: 2, CFG_SET: 3, CFG_ACK: 4 } as const;

/** RFC 7296 3.10.1: error notify types (below 16384). */
export const NOTIFY_ERROR = {
  UNSUPPORTED_CRITICAL_PAYLOAD: 1,
  INVALID_IKE_SPI: 4,
  INVALID_MAJOR_VERSION: 5,
  INVALID_SYNTAX: 7,
  INVALID_MESSAGE_ID: 9,
  INVALID_SPI: 11,
  NO_PROPOSAL_CHOSEN: 14,
  INVALID_KE_PAYLOAD: 17,
  AUTHENTICATION_FAILED: 24,
  SINGLE_PAIR_REQUIRED: 34,
  NO_ADDITIONAL_SAS: 35,
  INTERNAL_ADDRESS_FAILURE: 36,
  FAILED_CP_REQUIRED: 37,
  TS_UNACCEPTABLE: 38,
  INVALID_SELECTORS: 39,
  TEMPORARY_FAILURE: 43,
  CHILD_SA_NOT_FOUND: 44,
} as const;

/** RFC 7296 3.10.1 (and RFC 7383, 7427, 4555): status notify types (16384 and up). */
export const NOTIFY_STATUS = {
  INITIAL_CONTACT: 16384,
  SET_WINDOW_SIZE: 16385,
  ADDITIONAL_TS_POSSIBLE: 16386,
  IPCOMP_SUPPORTED: 16387,
  NAT_DETECTION_SOURCE_IP: 16388,
  NAT_DETECTION_DESTINATION_IP: 16389,
  COOKIE: 16390,
  USE_TRANSPORT_MODE: 16391,
  HTTP_CERT_LOOKUP_SUPPORTED: 16392,
  REKEY_SA: 16393,
  ESP_TFC_PADDING_NOT_SUPPORTED: 16394,
  NON_FIRST_FRAGMENTS_ALSO: 16395,
  MOBIKE_SUPPORTED: 16396,
  IKEV2_FRAGMENTATION_SUPPORTED: 16430,
  SIGNATURE_HASH_ALGORITHMS: 16431,
} as const;

/** RFC 7296 3.10.1: notify types below this are errors. */
export const FIRST_STATUS_NOTIFY = 16384;
