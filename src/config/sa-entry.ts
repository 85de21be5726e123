// One manually keyed SA (like `ip xfrm state add`): its schema, the checks across its fields
// (keys against the transform, address families, lifetimes), and the ManualSaConfig it becomes.
import type * as z from 'zod';
import { ipVersionOf } from '../wire/address.js';
import { spiHex } from '../wire/bytes.js';
import { valueOf } from './field.js';
import type { Finding } from './finding.js';
import { error, fieldsOf, warning } from './finding.js';
import type { FieldPath } from './issue.js';
import { HEX_KEY, keyProblems } from './key-material.js';
import { LIFETIME_SECTION, lifetimeFindings, lifetimeLimitsOf } from './lifetime-fields.js';
import { integerIn, PORT, SPI } from './numbers.js';
import { optional, optionalSection, required, section } from './schema-kit.js';
import { BOOLEAN, ENTRY_NAME, IP_ADDRESS, oneOf } from './text-fields.js';
import { TRANSFORM } from './transform-names.js';
import type { ManualSaConfig } from './types.js';
import { NAT_T_PORT } from '../packet/esp-header.js';

export const DEFAULT_REPLAY_WINDOW = 64;
export const DEFAULT_REQID = 1;

export const DIRECTION = oneOf(['out', 'in'] as const, { outbound: 'out', inbound: 'in' });
const IPSEC_MODE = oneOf(['tunnel', 'transport'] as const);
/** replay/window.ts MAX_REPLAY_WINDOW; 0 turns anti-replay off. */
const REPLAY_WINDOW = integerIn(0, 65536, 'a window size in packets');
export const REQID = integerIn(1, 0xffffffff, 'a reqid');

export const SA_ENTRY = section({
  name: optional(ENTRY_NAME),
  direction: required(DIRECTION),
  spi: required(SPI),
  src: required(IP_ADDRESS),
  dst: required(IP_ADDRESS),
  ports: optionalSection(section({ src: optional(PORT), dst: optional(PORT) }, 'UDP encapsulation ports')),
  mode: optional(IPSEC_MODE),
  transform: required(TRANSFORM),
  enc_key: optional(HEX_KEY),
  auth_key: optional(HEX_KEY),
  esn: optional(BOOLEAN),
  replay_window: optional(REPLAY_WINDOW),
  reqid: optional(REQID),
  lifetime: LIFETIME_SECTION,
}, 'an SA');

export type SaEntryOutput = z.output<typeof SA_ENTRY>;

/** Checks that need several fields of one SA. `path` is where the entry sits. */
export function saEntryFindings(raw: unknown, path: FieldPath): Finding[] {
  const f = fieldsOf(raw);
  const findings: Finding[] = [];
  const transform = valueOf(TRANSFORM, f['transform']);
  if (transform !== undefined) {
    const encKey = f['enc_key'] === undefined || f['enc_key'] === null ? null : valueOf(HEX_KEY, f['enc_key']);
    const authKey = f['auth_key'] === undefined || f['auth_key'] === null ? null : valueOf(HEX_KEY, f['auth_key']);
    // A key that is not valid hex has its own error already.
    for (const p of keyProblems(transform, encKey ?? null, authKey ?? null)) {
      if ((p.field === 'enc_key' ? encKey : authKey) === undefined) continue;
      findings.push(error([...path, p.field], p.message, p.message.startsWith('missing') ? 'parent' : 'field'));
    }
  }
  const src = valueOf(IP_ADDRESS, f['src']);
  const dst = valueOf(IP_ADDRESS, f['dst']);
  if (src !== undefined && dst !== undefined && ipVersionOf(src) !== ipVersionOf(dst)) {
    findings.push(error([...path, 'dst'], `expected an IPv${ipVersionOf(src)} address like src (${src}), got ${dst}: both outer addresses have one IP version`));
  }
  if (valueOf(DIRECTION, f['direction']) === 'out' && f['replay_window'] !== undefined && f['replay_window'] !== null) {
    findings.push(warning([...path, 'replay_window'], 'ignored on an outbound SA: anti-replay checks what arrives (set it on the inbound SA)'));
  }
  findings.push(...lifetimeFindings(f['lifetime'], [...path, 'lifetime']));
  return findings;
}

/** The ManualSaConfig of a valid entry, defaults applied. */
export function manualSaOf(e: SaEntryOutput): ManualSaConfig {
  const direction = e.direction === 'out' ? 'outbound' : 'inbound';
  const soft = lifetimeLimitsOf(e.lifetime?.soft);
  const hard = lifetimeLimitsOf(e.lifetime?.hard);
  return Object.freeze({
    name: e.name ?? `${e.direction}-${spiHex(e.spi)}`,
    spi: e.spi,
    direction,
    src: e.src,
    dst: e.dst,
    // RFC 3948 2.2: port 4500 on both sides unless a NAT changed it.
    encapsulation: Object.freeze({ srcPort: e.ports?.src ?? NAT_T_PORT, dstPort: e.ports?.dst ?? NAT_T_PORT }),
    mode: e.mode ?? 'tunnel',
    transform: e.transform,
    keys: Object.freeze({ encryptionKey: e.enc_key ?? Buffer.alloc(0), integrityKey: e.auth_key ?? Buffer.alloc(0) }),
    esn: e.esn ?? false,
    replayWindow: direction === 'inbound' ? e.replay_window ?? DEFAULT_REPLAY_WINDOW : 0,
    reqid: e.reqid ?? DEFAULT_REQID,
    ...(soft === undefined ? {} : { soft }),
    ...(hard === undefined ? {} : { hard }),
  });
}
