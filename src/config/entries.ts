// One SA or policy given as JSON (the control socket's `sa add` and `policy add`): the same
// rules and messages as in the YAML file, with field paths like `sa.enc_key` and no lines.
import type { PolicyInit } from '../spd/policy.js';
import type { Finding } from './finding.js';
import { pathText } from './issue.js';
import { POLICY_ENTRY, policyEntryFindings, policyInitOf } from './policy-entry.js';
import { manualSaOf, SA_ENTRY, saEntryFindings } from './sa-entry.js';
import type { ManualSaConfig } from './types.js';
import { validate } from './validate.js';

export type EntryResult<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

const line = (f: Finding, prefix: string): string => `${pathText(f.path, prefix)}: ${f.message}`;

function entryResult<T>(output: T | undefined, findings: readonly Finding[], prefix: string): EntryResult<T> {
  const errors = findings.filter((f) => f.severity === 'error').map((f) => line(f, prefix));
  if (errors.length > 0 || output === undefined) return { ok: false, errors };
  return { ok: true, value: output, warnings: findings.filter((f) => f.severity === 'warning').map((f) => line(f, prefix)) };
}

/** Validates one SA entry (keys as in the YAML file: sa.spi, sa.enc_key, ...). Never throws. */
export function parseSaEntry(value: unknown, path = 'sa'): EntryResult<ManualSaConfig> {
  const v = validate(SA_ENTRY, value, (raw) => saEntryFindings(raw, []));
  return entryResult(v.output === undefined ? undefined : manualSaOf(v.output), v.findings, path);
}

/** Validates one policy entry (policy.name, policy.local, ...). Never throws. */
export function parsePolicyEntry(value: unknown, path = 'policy'): EntryResult<PolicyInit> {
  const v = validate(POLICY_ENTRY, value, (raw) => policyEntryFindings(raw, []));
  return entryResult(v.output === undefined ? undefined : policyInitOf(v.output), v.findings, path);
}
