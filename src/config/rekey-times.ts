// rekey_time, life_time and rand_time of an IKE SA or a child SA, with swanctl.conf's defaults:
// life_time = rekey_time + 10%; rekey_time = life_time - 10% when only life_time is given;
// rand_time = life_time - rekey_time. We cap the default rand_time at half of rekey_time so a
// long life_time cannot pull a rekey to right after the SA was made.
import { valueOf } from './field.js';
import type { Finding } from './finding.js';
import { error, fieldsOf } from './finding.js';
import type { FieldPath } from './issue.js';
import { durationIn, durationText } from './numbers.js';
import { optional } from './schema-kit.js';

const TEN_YEARS_MS = 3650 * 86_400_000;
export const REKEY_TIME = durationIn(1000, TEN_YEARS_MS);
export const LIFE_TIME = durationIn(1000, TEN_YEARS_MS);
export const RAND_TIME = durationIn(0, TEN_YEARS_MS);

/** The three keys, for a section's shape. */
export const REKEY_FIELDS = {
  rekey_time: optional(REKEY_TIME),
  life_time: optional(LIFE_TIME),
  rand_time: optional(RAND_TIME),
};

export interface RekeyTimesMs {
  readonly rekeyMs: number;
  readonly lifeMs: number;
  readonly randMs: number;
}

/** The times with defaults applied (given values in ms; undefined = not given). */
export function rekeyTimesOf(given: { rekey_time?: number | undefined; life_time?: number | undefined; rand_time?: number | undefined }, defaultRekeyMs: number): RekeyTimesMs {
  const rekeyMs = given.rekey_time ?? (given.life_time === undefined ? defaultRekeyMs : Math.round(given.life_time * 0.9));
  const lifeMs = given.life_time ?? Math.round(rekeyMs * 1.1);
  const randMs = given.rand_time ?? Math.max(0, Math.min(lifeMs - rekeyMs, Math.floor(rekeyMs / 2)));
  return { rekeyMs, lifeMs, randMs };
}

const given = (v: unknown): boolean => v !== undefined && v !== null;

/** rekey_time < life_time (the rekey must start before the SA ends) and rand_time < rekey_time. */
export function rekeyTimeFindings(raw: unknown, path: FieldPath, defaultRekeyMs: number, what: string): Finding[] {
  const f = fieldsOf(raw);
  const rekey = valueOf(REKEY_TIME, f['rekey_time']);
  const life = valueOf(LIFE_TIME, f['life_time']);
  const rand = valueOf(RAND_TIME, f['rand_time']);
  // A field given but invalid has its own error; compare only what is known.
  if ((given(f['rekey_time']) && rekey === undefined) || (given(f['life_time']) && life === undefined)) return [];
  const t = rekeyTimesOf({ rekey_time: rekey, life_time: life, rand_time: rand }, defaultRekeyMs);
  const findings: Finding[] = [];
  // Only both given can clash: each one's default keeps 10% away from the other.
  if (t.rekeyMs >= t.lifeMs) {
    findings.push(error([...path, 'rekey_time'], `rekey_time (${durationText(t.rekeyMs)}) must be below life_time (${durationText(t.lifeMs)}): the ${what} is rekeyed before it expires`));
  }
  if (rand !== undefined && rand >= t.rekeyMs) {
    findings.push(error([...path, 'rand_time'], `rand_time (${durationText(rand)}) must be below rekey_time (${durationText(t.rekeyMs)}): up to rand_time is taken off rekey_time so both peers do not rekey at once`));
  }
  return findings;
}
