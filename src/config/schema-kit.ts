// The few zod building blocks the configuration schema is made of. Structure (mappings,
// lists, unknown keys) is zod's job; every leaf goes through a FieldParser (field.ts), whose
// message becomes the issue's message as is.
import * as z from 'zod';
import type { FieldParser } from './field.js';
import { describeValue } from './issue.js';
import { didYouMean } from './text-fields.js';

/** Where an issue points: the field's key (default), or the mapping that lacks the field. */
export type IssueAnchor = 'field' | 'parent';

/** The `params` our custom issues carry. */
export interface IssueParams {
  readonly anchor?: IssueAnchor;
}

function leaf<T>(parser: FieldParser<T>, onAbsent: (ctx: z.RefinementCtx) => T | undefined) {
  return z.unknown().transform((value, ctx): T | undefined => {
    if (value === undefined || value === null) return onAbsent(ctx);
    const r = parser.parse(value);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.message });
    return z.NEVER;
  });
}

/** A field that must be given. An empty value (`key:` with nothing after it) counts as missing. */
export function required<T>(parser: FieldParser<T>) {
  return leaf(parser, (ctx) => {
    const params: IssueParams = { anchor: 'parent' };
    ctx.addIssue({ code: 'custom', message: `missing: expected ${parser.expected}`, params });
    return z.NEVER;
  }) as unknown as z.ZodType<T, unknown>;
}

/** A field with a default (applied later, where defaults may depend on other fields). */
export function optional<T>(parser: FieldParser<T>): z.ZodType<T | undefined, unknown> {
  // .optional(): zod v4 objects refuse an absent key unless its schema says it may be absent.
  return leaf(parser, () => undefined).optional();
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A mapping with known keys. Unknown keys are errors with a "did you mean" (checked even when
 * other fields are wrong, so one run reports everything).
 */
export function section<S extends z.core.$ZodLooseShape>(shape: S, what: string) {
  const known = Object.keys(shape);
  const expected = `${what} (a mapping with keys ${known.join(', ')})`;
  return z.looseObject(shape, { error: (iss) => `expected ${expected}, got ${describeValue(iss.input)}` })
    .superRefine((value, ctx) => {
      if (!isMapping(value)) return;
      for (const key of Object.keys(value)) {
        if (known.includes(key)) continue;
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown key '${key}'${didYouMean(key, known)}; known keys here: ${known.join(', ')}` });
      }
    }, { when: (payload) => isMapping(payload.value) });
}

/** An optional mapping: absent or empty means "use the defaults" (or "off", where documented). */
export function optionalSection<T>(schema: z.ZodType<T, unknown>): z.ZodType<T | undefined, unknown> {
  return z.preprocess((v) => (v === null ? undefined : v), schema.optional()).optional() as z.ZodType<T | undefined, unknown>;
}

/** A list of entries; absent or empty means none. */
export function list<T>(entry: z.ZodType<T, unknown>, what: string): z.ZodType<T[] | undefined, unknown> {
  const array = z.array(entry, { error: (iss) => `expected a list of ${what} (lines starting with '- '), got ${describeValue(iss.input)}` });
  return optionalSection(array);
}

/** One item, or a list of them, for fields like `local: 10.1.0.0/24` or `local: [a, b]`. */
export function oneOrMany<T>(parser: FieldParser<T>): FieldParser<T[]> {
  const expected = `${parser.expected}, or a list of them`;
  return {
    expected,
    parse(value) {
      const items = Array.isArray(value) ? value : [value];
      if (items.length === 0) return { ok: false, message: `expected ${expected}, got an empty list` };
      const out: T[] = [];
      for (const [i, item] of items.entries()) {
        const r = parser.parse(item);
        if (!r.ok) return Array.isArray(value) ? { ok: false, message: `item ${i + 1}: ${r.message}` } : r;
        out.push(r.value);
      }
      return { ok: true, value: out };
    },
  };
}
