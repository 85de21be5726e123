// Writes Wireshark's ikev2_decryption_table (a UAT file, see io/keys/uat.ts) so a capture of our
// IKE exchanges can be decrypted: one row per IKE SA with SPIi, SPIr, SK_ei, SK_er, encryption,
// SK_ai, SK_ar, integrity (RFC 7296 2.14 names the keys). The algorithm columns must be spelled
// exactly as Wireshark's epan/dissectors/packet-isakmp.c spells them (vs_ikev2_encr_algs,
// vs_ikev2_auth_algs); tshark 4.0 has no ChaCha20-Poly1305 for IKE, so such an SA becomes a
// comment line that says why it is missing.
import type { IkeSaKeys } from '../../ike/crypto/keys.js';
import type { EncrSpec, IntegSpec } from '../../ike/crypto/transforms.js';
import { ENCR, INTEG } from '../../ike/message/numbers.js';
import { quoteUat, UAT_HEADER } from '../../io/keys/uat.js';

export interface Ikev2KeyRecord {
  /** Our label for the comment line, e.g. west-east[1]. */
  readonly label: string;
  readonly spiI: Buffer;
  readonly spiR: Buffer;
  readonly encr: EncrSpec;
  readonly integ: IntegSpec | null;
  readonly keys: IkeSaKeys;
}

/** packet-isakmp.c vs_ikev2_auth_algs, by IKEv2 integrity transform id. */
const INTEG_NAMES: Readonly<Record<number, string>> = {
  [INTEG.HMAC_SHA2_256_128]: 'HMAC_SHA2_256_128 [RFC4868]',
  [INTEG.HMAC_SHA2_384_192]: 'HMAC_SHA2_384_192 [RFC4868]',
  [INTEG.HMAC_SHA2_512_256]: 'HMAC_SHA2_512_256 [RFC4868]',
};

/** The AEADs carry no integrity transform: Wireshark calls that NONE. */
const INTEG_NONE = 'NONE [RFC4306]';

/** packet-isakmp.c vs_ikev2_encr_algs; null when Wireshark 4.0 cannot decrypt it. */
export function wiresharkEncrName(encr: EncrSpec): string | null {
  const bits = encr.keyLength * 8;
  if (encr.id === ENCR.AES_CBC) return `AES-CBC-${bits} [RFC3602]`;
  if (encr.id === ENCR.AES_GCM_8 || encr.id === ENCR.AES_GCM_12 || encr.id === ENCR.AES_GCM_16) {
    return `AES-GCM-${bits} with ${encr.icvLength} octet ICV [RFC5282]`;
  }
  return null;
}

export function wiresharkIntegName(integ: IntegSpec | null): string | null {
  if (integ === null) return INTEG_NONE;
  return INTEG_NAMES[integ.id] ?? null;
}

/** One table row (no line break), or null when tshark 4.0 has no name for a transform. */
export function formatIkev2KeyRow(r: Ikev2KeyRecord): string | null {
  const encr = wiresharkEncrName(r.encr);
  const integ = wiresharkIntegName(r.integ);
  if (encr === null || integ === null) return null;
  // SK_e of the AEADs is key || salt (RFC 5282 7.1), which is what Wireshark expects in the column.
  const hex = (b: Buffer): string => b.toString('hex');
  return [hex(r.spiI), hex(r.spiR), hex(r.keys.skEi), hex(r.keys.skEr), quoteUat(encr),
    hex(r.keys.skAi), hex(r.keys.skAr), quoteUat(integ)].join(',');
}

/** The whole file: Wireshark's header line, then a row (or an explaining comment) per IKE SA. */
export function writeIkev2DecryptionTable(records: readonly Ikev2KeyRecord[]): string {
  const lines = [UAT_HEADER];
  for (const r of records) {
    const row = formatIkev2KeyRow(r);
    lines.push(row ?? `# ${r.label} (${r.spiI.toString('hex')}_i ${r.spiR.toString('hex')}_r) uses ${r.encr.name}${r.integ === null ? '' : `/${r.integ.name}`}, which Wireshark 4.0 cannot decrypt in IKE`);
  }
  return `${lines.join('\n')}\n`;
}
