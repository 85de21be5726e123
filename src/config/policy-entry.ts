// One SPD entry (RFC 4301 4.4.1): selectors, direction, action, and for PROTECT the template
// (mode, peer, reqid) that links the policy to its SAs. Selector text is spd/parse.ts syntax.
import type * as z from 'zod';
import type { PolicyInit } from '../spd/policy.js';
import { definePolicy } from '../spd/policy.js';
import { parseSelector } from '../spd/parse.js';
import type { FieldParser } from './field.js';
import { accept, expectedGot, reject, valueOf } from './field.js';
import type { Finding } from './finding.js';
import { error, fieldsOf } from './finding.js';
import type { FieldPath } from './issue.js';
import { DEFAULT_REQID, REQID } from './sa-entry.js';
import { oneOrMany, optional, required, section } from './schema-kit.js';
import { ENTRY_NAME, IP_ADDRESS, oneOf } from './text-fields.js';

const SELECTOR_EXPECTED = "a traffic selector like 10.1.0.0/24, '10.0.0.1-10.0.0.9 tcp 80' or 'any'";

/** Selector text, checked by the SPD's own parser and kept as written. */
const SELECTOR: FieldParser<string> = {
  expected: SELECTOR_EXPECTED,
  parse(value) {
    if (typeof value !== 'string' || value.trim() === '') return expectedGot(SELECTOR_EXPECTED, value);
    try {
      parseSelector(value);
      return accept(value.trim());
    } catch (e) {
      return reject(e instanceof RangeError ? e.message : `expected ${SELECTOR_EXPECTED}`);
    }
  },
};

export const ACTION = oneOf(['protect', 'bypass', 'discard'] as const);
const IPSEC_MODE = oneOf(['tunnel', 'transport'] as const);

export const POLICY_ENTRY = section({
  name: required(ENTRY_NAME),
  local: required(oneOrMany(SELECTOR)),
  remote: required(oneOrMany(SELECTOR)),
  direction: optional(oneOf(['out', 'in', 'both'] as const)),
  action: required(ACTION),
  mode: optional(IPSEC_MODE),
  peer: optional(IP_ADDRESS),
  reqid: optional(REQID),
}, 'a policy');

export type PolicyEntryOutput = z.output<typeof POLICY_ENTRY>;

const given = (v: unknown): boolean => v !== undefined && v !== null;

/** Checks across the fields of one policy. */
export function policyEntryFindings(raw: unknown, path: FieldPath): Finding[] {
  const f = fieldsOf(raw);
  const action = valueOf(ACTION, f['action']);
  if (action === undefined) return [];
  if (action !== 'protect') {
    return (['mode', 'peer', 'reqid'] as const).filter((k) => given(f[k])).map((k) =>
      error([...path, k], `only a 'protect' policy has ${k} (this one is '${action}'); remove it`));
  }
  const mode = valueOf(IPSEC_MODE, f['mode']) ?? 'tunnel';
  if (mode === 'tunnel' && !given(f['peer'])) {
    // RFC 4301 4.4.1.2: a tunnel-mode entry holds the remote tunnel endpoint.
    return [error([...path, 'peer'], `missing: a 'protect' policy in tunnel mode needs peer, the remote tunnel endpoint (expected ${IP_ADDRESS.expected})`, 'parent')];
  }
  // Anything else the SPD would refuse (selectors it cannot compile, for one).
  const parsed = POLICY_ENTRY.safeParse(raw);
  const refusal = parsed.success ? spdRefusal(policyInitOf(parsed.data)) : null;
  return refusal === null ? [] : [error(path, `the SPD refuses this policy: ${refusal}`)];
}

/** The PolicyInit of a valid entry, defaults applied. */
export function policyInitOf(e: PolicyEntryOutput): PolicyInit {
  const template = e.action === 'protect'
    ? Object.freeze({ mode: e.mode ?? 'tunnel', peer: e.peer ?? null, reqid: e.reqid ?? DEFAULT_REQID, label: e.name })
    : null;
  return Object.freeze({
    id: e.name,
    direction: e.direction ?? 'both',
    action: e.action,
    selectors: Object.freeze({ local: Object.freeze([...e.local]), remote: Object.freeze([...e.remote]) }),
    template,
  });
}

/** What the SPD itself would refuse (definePolicy throws); null when it takes the policy. */
export function spdRefusal(init: PolicyInit): string | null {
  try {
    definePolicy(init);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
