// Leaf fields of the `ike:` section and of `connections:`: proposals, identities, traffic
// selectors, the peer address (%any), the IKE port (off), pre-shared keys and DPD delays.
// Proposal and identity text go to the IKE layer's own parsers, so the config accepts exactly
// what IKE negotiates with.
import { parseIdentity } from '../ike/auth/identity.js';
import type { IkeIdentity } from '../ike/auth/identity.js';
import type { ProposalSpec } from '../ike/proposal/parse.js';
import { parseProposalText } from '../ike/proposal/parse.js';
import type { ConfiguredSelector } from '../ike/ts/config.js';
import { parseConfiguredSelectors } from '../ike/ts/config.js';
import type { FieldParser } from './field.js';
import { accept, expectedGot, reject } from './field.js';
import { describeSecret } from './issue.js';
import { BIND_PORT, durationIn } from './numbers.js';
import { IP_ADDRESS } from './text-fields.js';

const PROPOSAL_EXAMPLES = { ike: 'aes128gcm16-prfsha256-x25519', esp: 'aes128gcm16-x25519-esn' } as const;

/** One proposal in strongSwan spelling, parsed by the IKE layer (ike/proposal/parse.ts). */
export function proposalField(kind: 'ike' | 'esp'): FieldParser<ProposalSpec> {
  const expected = `an ${kind.toUpperCase()} proposal in strongSwan spelling, like ${PROPOSAL_EXAMPLES[kind]}`;
  return {
    expected,
    parse(value) {
      if (typeof value !== 'string' || value.trim() === '') return expectedGot(expected, value);
      const r = parseProposalText(value.trim(), kind);
      // The IKE layer's message names the proposal, the bad keyword and the valid ones.
      return r.ok ? accept(r.spec) : reject(r.message);
    },
  };
}

/** `%any`, strongSwan's word for "whatever the peer has". */
export const ANY = '%any';

const isAny = (value: unknown): boolean => typeof value === 'string' && value.trim().toLowerCase() === ANY;

const ID_EXPECTED = 'an IKE identity (an IP address, a name like host.example.com, an email like west@example.com, or a DN like "CN=east, O=Example")';

/** An IKE identity (RFC 7296 3.5), parsed by the IKE layer (ike/auth/identity.ts). */
export const IDENTITY: FieldParser<IkeIdentity> = {
  expected: ID_EXPECTED,
  parse(value) {
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || text.trim() === '') return expectedGot(ID_EXPECTED, value);
    if (isAny(text)) return reject(`expected ${ID_EXPECTED}, got '%any' (only the remote side may accept any identity)`);
    const r = parseIdentity(text.trim());
    return r.ok ? accept(r.identity) : reject(`expected an IKE identity, got '${text.trim()}': ${r.message}`);
  },
};

/** The peer's identity, or %any (null: any identity its certificate proves). */
export const REMOTE_IDENTITY: FieldParser<IkeIdentity | null> = {
  expected: `${ID_EXPECTED}, or %any`,
  parse(value) {
    return isAny(value) ? accept(null) : IDENTITY.parse(value);
  },
};

/** The peer's address, or %any (a responder-only connection). */
export const REMOTE_ADDRESS: FieldParser<string> = {
  expected: `${IP_ADDRESS.expected}, or %any`,
  parse(value) {
    if (isAny(value)) return accept(ANY);
    const r = IP_ADDRESS.parse(value);
    return r.ok ? r : expectedGot(`${IP_ADDRESS.expected}, or %any`, value);
  },
};

const TS_EXPECTED = "a traffic selector like 10.1.0.0/24, 10.1.0.0/24[tcp/443], 10.0.0.1-10.0.0.9, or 'dynamic'";

/**
 * One `local_ts`/`remote_ts` item in swanctl.conf spelling, parsed by the IKE layer
 * (ike/ts/config.ts); 'dynamic' stays as such, the IKE SA's address fills it in.
 */
export const TS_ITEM: FieldParser<readonly ConfiguredSelector[]> = {
  expected: TS_EXPECTED,
  parse(value) {
    if (typeof value !== 'string' || value.trim() === '') return expectedGot(TS_EXPECTED, value);
    const r = parseConfiguredSelectors(value.trim());
    // The IKE layer's message names the selector and what is wrong with it.
    return r.ok ? accept(r.selectors) : reject(r.message);
  },
};

const IKE_PORT_EXPECTED = `${BIND_PORT.expected.replace('from 0', 'from 1')}, or 'off'`;

/** `ike.port`: a UDP port for IKE besides the listen port, or off (null). */
export const IKE_PORT: FieldParser<number | null> = {
  expected: IKE_PORT_EXPECTED,
  parse(value) {
    if (value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'off')) return accept(null);
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) return accept(value);
    return expectedGot(IKE_PORT_EXPECTED, value);
  },
};

const DPD_DURATION = durationIn(1000, 86_400_000);
const DPD_EXPECTED = `0 or 'off', or ${DPD_DURATION.expected}`;

/** `dpd_delay` in ms; 0 or off turns liveness checks off. */
export const DPD_DELAY: FieldParser<number> = {
  expected: DPD_EXPECTED,
  parse(value) {
    if (value === 0 || value === false || (typeof value === 'string' && /^(off|0)$/i.test(value.trim()))) return accept(0);
    const r = DPD_DURATION.parse(value);
    return r.ok ? r : expectedGot(DPD_EXPECTED, value);
  },
};

const PSK_EXPECTED = 'a pre-shared key: hex (0x00112233...), text in quotes, or { file: path }';

/**
 * PSK text (strongSwan's rule): `0x` then hex digits is bytes, anything else is the text's
 * UTF-8 bytes. Messages never show the key: only its kind, length or a position.
 */
export function pskBytes(value: unknown): { readonly ok: true; readonly value: Buffer } | { readonly ok: false; readonly message: string } {
  if (typeof value !== 'string') return reject(`expected ${PSK_EXPECTED}, got ${describeSecret(value)}`);
  if (value === '') return reject(`expected ${PSK_EXPECTED}, got empty text`);
  if (!/^0x/i.test(value)) return accept(Buffer.from(value, 'utf8'));
  const digits = value.slice(2);
  if (digits === '') return reject(`expected ${PSK_EXPECTED}, got '0x' and no hex digits`);
  const bad = digits.search(/[^0-9a-fA-F]/);
  if (bad >= 0) return reject(`expected ${PSK_EXPECTED}, got a character that is not a hex digit at position ${bad + 3} of the key text (a key starting with 0x is hex)`);
  if (digits.length % 2 !== 0) return reject(`expected ${PSK_EXPECTED}, got an odd number of hex digits (${digits.length}); every byte is two digits`);
  return accept(Buffer.from(digits, 'hex'));
}

/** What `psk:` holds: the key itself, or the path of a file that holds it (read later). */
export type PskSource = { readonly kind: 'inline'; readonly key: Buffer } | { readonly kind: 'file'; readonly path: string };

export const PSK: FieldParser<PskSource> = {
  expected: PSK_EXPECTED,
  parse(value) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const file = (value as Record<string, unknown>)['file'];
      if (keys.length !== 1 || typeof file !== 'string' || file.trim() === '') {
        return reject(`expected ${PSK_EXPECTED}, got a mapping with keys ${keys.join(', ') || 'none'} (write { file: path })`);
      }
      return accept({ kind: 'file', path: file });
    }
    const r = pskBytes(typeof value === 'number' ? String(value) : value);
    return r.ok ? accept({ kind: 'inline', key: r.value }) : r;
  },
};
