// SA lifetimes (RFC 4301 4.4.2.1): soft and hard limits by time since added, time since first
// use, bytes and packets, as LifetimeLimits (sad/sa.ts) takes them.
import type { LifetimeLimits } from '../sad/sa.js';
import { valueOf } from './field.js';
import type { Finding } from './finding.js';
import { error, fieldsOf } from './finding.js';
import type { FieldPath } from './issue.js';
import { byteCountIn, durationIn, durationText, integerIn } from './numbers.js';
import { optional, optionalSection, section } from './schema-kit.js';

const TEN_YEARS_MS = 3650 * 86_400_000;
const LIFETIME = durationIn(1000, TEN_YEARS_MS);
const BYTES = byteCountIn(1, Number.MAX_SAFE_INTEGER);
const PACKETS = integerIn(1, Number.MAX_SAFE_INTEGER, 'a packet count');

const LIMITS = section({
  time: optional(LIFETIME),
  use_time: optional(LIFETIME),
  bytes: optional(BYTES),
  packets: optional(PACKETS),
}, 'lifetime limits');

export const LIFETIME_SECTION = optionalSection(section({
  soft: optionalSection(LIMITS),
  hard: optionalSection(LIMITS),
}, 'SA lifetimes'));

type LimitsOutput = { time?: number; use_time?: number; bytes?: number; packets?: number } | undefined;

/** LifetimeLimits from parsed limits (durations are in ms); undefined when none is set. */
export function lifetimeLimitsOf(limits: LimitsOutput): LifetimeLimits | undefined {
  if (limits === undefined) return undefined;
  const out: { addSeconds?: number; useSeconds?: number; bytes?: number; packets?: number } = {};
  if (limits.time !== undefined) out.addSeconds = limits.time / 1000;
  if (limits.use_time !== undefined) out.useSeconds = limits.use_time / 1000;
  if (limits.bytes !== undefined) out.bytes = limits.bytes;
  if (limits.packets !== undefined) out.packets = limits.packets;
  return Object.keys(out).length === 0 ? undefined : Object.freeze(out);
}

const COMPARED = [
  ['time', LIFETIME, durationText],
  ['use_time', LIFETIME, durationText],
  ['bytes', BYTES, String],
  ['packets', PACKETS, String],
] as const;

/** Each soft limit must come before the hard one it warns about (the soft one starts a rekey). */
export function lifetimeFindings(lifetime: unknown, path: FieldPath): Finding[] {
  const soft = fieldsOf(fieldsOf(lifetime)['soft']);
  const hard = fieldsOf(fieldsOf(lifetime)['hard']);
  const findings: Finding[] = [];
  for (const [key, parser, show] of COMPARED) {
    const s = valueOf(parser, soft[key]);
    const h = valueOf(parser, hard[key]);
    if (s !== undefined && h !== undefined && s >= h) {
      findings.push(error([...path, 'soft', key], `the soft limit (${show(s)}) must be below the hard limit (${show(h)}): the soft one warns before the hard one ends the SA`));
    }
  }
  return findings;
}
