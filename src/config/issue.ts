// What a configuration problem looks like to the user: where (file, line, column, field path)
// and what (found, expected). Every message is written so the user knows what to change.

/** One problem found in a configuration (or in one JSON entry given to the control socket). */
export interface ConfigIssue {
  /** The file (or other source label) the configuration came from. */
  readonly source: string;
  /** 1-based line, or null when no position is known (an unreadable file, a JSON entry). */
  readonly line: number | null;
  readonly column: number | null;
  /** The field, e.g. `sas[1].enc_key`; '' for the file as a whole. */
  readonly path: string;
  readonly message: string;
}

/** A field path as the parsers see it: keys and list indexes. */
export type FieldPath = readonly (string | number)[];

/** `sas[1].enc_key` from ['sas', 1, 'enc_key'], after an optional prefix (`sa` for JSON entries). */
export function pathText(path: FieldPath, prefix = ''): string {
  let text = prefix;
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? part : `.${part}`;
  }
  return text;
}

/** `examples/a.yaml:14:5: sas[1].spi: expected ..., got ...` */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === null ? issue.source : `${issue.source}:${issue.line}:${issue.column ?? 1}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** Issues in reading order: by line, then column; issues without a position first. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const rank = (n: number | null): number => n ?? -1;
  return [...issues].sort((a, b) => rank(a.line) - rank(b.line) || rank(a.column) - rank(b.column));
}

const ECHO_LIMIT = 40;

/**
 * How a found value is named in a message: 'text' in quotes, numbers as written, 'a list',
 * 'a mapping'. Long text is cut short, so a key pasted into the wrong field is not echoed whole.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    const shown = value.length > ECHO_LIMIT ? `${value.slice(0, ECHO_LIMIT)}...` : value;
    return `'${shown}'`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** Like describeValue, but for secrets: only the kind of value, never its content. */
export function describeSecret(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}
