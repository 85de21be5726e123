// Runs a schema and the cross-field checks over one value and gathers every finding, so a
// single run reports all problems (not just the first).
import type * as z from 'zod';
import type { Finding } from './finding.js';
import type { FieldPath } from './issue.js';
import type { IssueParams } from './schema-kit.js';

export interface Validation<T> {
  /** The schema's output when the schema found nothing wrong (cross-field errors may remain). */
  readonly output: T | undefined;
  readonly findings: readonly Finding[];
}

export function validate<T>(schema: z.ZodType<T, unknown>, value: unknown, checks: (value: unknown) => Finding[]): Validation<T> {
  const parsed = schema.safeParse(value);
  const findings: Finding[] = parsed.success ? [] : parsed.error.issues.map(findingOf);
  findings.push(...checks(value));
  return { output: parsed.success ? parsed.data : undefined, findings };
}

function findingOf(issue: z.core.$ZodIssue): Finding {
  const path: FieldPath = issue.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
  const params = (issue as { params?: IssueParams }).params;
  const base = { severity: 'error' as const, path, message: issue.message };
  return params?.anchor === undefined ? base : { ...base, anchor: params.anchor };
}

/** Where a finding points: the field, or for an absent field the mapping that should hold it. */
export function anchorPath(f: Finding): FieldPath {
  return f.anchor === 'parent' ? f.path.slice(0, -1) : f.path;
}
