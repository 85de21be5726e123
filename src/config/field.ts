// A field parser turns one found value into a typed one, or says what was expected. The
// schema (zod) handles structure; every leaf value goes through one of these, so the same
// rules and messages apply to YAML files and to JSON entries from the control socket.
import { describeValue } from './issue.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

export interface FieldParser<T> {
  /** What a valid value looks like, for messages ("an integer from 1 to 65535"). */
  readonly expected: string;
  /** Never throws. */
  parse(value: unknown): Parsed<T>;
}

export function accept<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function reject(message: string): { readonly ok: false; readonly message: string } {
  return { ok: false, message };
}

/** The common message: `expected <expected>, got <found><hint>`. */
export function expectedGot(expected: string, value: unknown, hint = ''): { readonly ok: false; readonly message: string } {
  return reject(`expected ${expected}, got ${describeValue(value)}${hint}`);
}

/** Integer-looking text given in quotes: say how to fix it. */
export function quotedNumberHint(value: unknown): string {
  return typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value) ? ' (text in quotes; write the number without quotes)' : '';
}

/** The value if it parses, else undefined (for checks that need a neighbour field's value). */
export function valueOf<T>(parser: FieldParser<T>, value: unknown): T | undefined {
  if (value === undefined || value === null) return undefined;
  const r = parser.parse(value);
  return r.ok ? r.value : undefined;
}
