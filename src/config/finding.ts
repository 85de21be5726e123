// A problem found by a check that looks at several fields at once (after the schema has
// looked at each field alone): where it points and whether it stops the configuration.
import type { FieldPath } from './issue.js';
import type { IssueAnchor } from './schema-kit.js';

export interface Finding {
  readonly severity: 'error' | 'warning';
  readonly path: FieldPath;
  readonly message: string;
  /** 'parent' when the field is absent: point at the mapping that should hold it. */
  readonly anchor?: IssueAnchor;
}

export const error = (path: FieldPath, message: string, anchor?: IssueAnchor): Finding =>
  (anchor === undefined ? { severity: 'error', path, message } : { severity: 'error', path, message, anchor });

export const warning = (path: FieldPath, message: string): Finding => ({ severity: 'warning', path, message });

/** The fields of a mapping, or an empty record for anything else. */
export function fieldsOf(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
