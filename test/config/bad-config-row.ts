// One row of a bad-config table (bad-configs.test.ts, ike-bad-configs.test.ts) and the check
// both tables make of it: the config is refused with an error on that line, at that path,
// containing that message, formatted as file:line:column: path: message.
import { expect } from 'vitest';
import { formatConfigIssue } from '../../src/config/load.js';
import type { ConfigIssue, ConfigResult } from '../../src/config/load.js';

export interface BadConfigRow {
  readonly title: string;
  readonly text: string;
  readonly line: number;
  readonly path: string;
  readonly message: string;
}

export function showIssues(errors: readonly ConfigIssue[]): string {
  return errors.map(formatConfigIssue).join('\n');
}

export function expectReported(result: ConfigResult, row: BadConfigRow, source: string): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const match = result.errors.find((e) => e.line === row.line && e.path === row.path && e.message.includes(row.message));
  expect(match, `no error on line ${row.line} for '${row.path}' containing "${row.message}"; got:\n${showIssues(result.errors)}`).toBeDefined();
  const prefix = row.path === '' ? `${source}:${row.line}:${match!.column}: ` : `${source}:${row.line}:${match!.column}: ${row.path}: `;
  expect(formatConfigIssue(match!).startsWith(prefix)).toBe(true);
  expect(match!.column).toBeGreaterThanOrEqual(1);
}
