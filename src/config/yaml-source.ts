// YAML text into plain values plus a map from field paths to line and column. We walk the
// document ourselves (instead of toJS) to keep positions, to report duplicate keys with both
// places, and to hand some fields their text as written (YAML 1.2 would read `spi: 0x10` as
// 16 and `mode: 0600` as decimal 600).
import type { Document, Node, Pair } from 'yaml';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { FieldPath } from './issue.js';
import { pathText } from './issue.js';

/**
 * Fields whose plain scalars are passed on as the text written (parsed by their own rules):
 * `psk: 0x0011...` and `id: 12345` would otherwise become numbers.
 */
const RAW_TEXT_KEYS: ReadonlySet<string> = new Set(['spi', 'enc_key', 'auth_key', 'mode', 'psk', 'id']);

/** Integer literals of the YAML 1.2 core schema (10.3.2); other numbers are floats. */
const CORE_INTEGER = /^[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;

/** Aliases can make a small file expand a lot; a configuration never needs this many values. */
const MAX_VALUES = 100_000;

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export interface SourceProblem {
  readonly position: SourcePosition | null;
  readonly path: FieldPath;
  readonly message: string;
}

export interface YamlSource {
  /** The document as plain values (undefined when the syntax is broken). */
  readonly value: unknown;
  /** Syntax errors: when there are any, `value` is undefined and nothing else is checked. */
  readonly syntaxErrors: readonly SourceProblem[];
  /** Well-formed YAML that is still wrong as a configuration (duplicate keys, complex keys). */
  readonly structureErrors: readonly SourceProblem[];
  readonly warnings: readonly SourceProblem[];
  /** Line and column of a field (its key), or of the nearest enclosing one that exists. */
  locate(path: FieldPath): SourcePosition | null;
}

export function readYaml(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, version: '1.2', schema: 'core', merge: false });
  const at = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const warnings = doc.warnings.map((w) => ({ position: at(w.pos[0]), path: [], message: w.message }));
  if (doc.errors.length > 0) {
    const syntaxErrors = doc.errors.map((e) => ({ position: at(e.pos[0]), path: [], message: syntaxMessage(e.code, e.message) }));
    return { value: undefined, syntaxErrors, structureErrors: [], warnings, locate: () => null };
  }
  const walker = new Walker(doc, at);
  walker.mark(doc.contents, []);
  const value = doc.contents === null ? {} : walker.convert(doc.contents, []);
  const positions = walker.positions;
  return {
    value, syntaxErrors: [], structureErrors: walker.problems, warnings,
    locate(path) {
      for (let n = path.length; n >= 0; n--) {
        const p = positions.get(pathText(path.slice(0, n)));
        if (p !== undefined) return p;
      }
      return null;
    },
  };
}

function syntaxMessage(code: string, message: string): string {
  switch (code) {
    case 'MULTIPLE_DOCS': return "expected one YAML document, found several ('---' starts another); keep one";
    case 'TAB_AS_INDENT': return 'YAML does not allow tabs for indentation; indent with spaces';
    default: return `YAML syntax: ${message.replace(/\s+/g, ' ').trim()}`;
  }
}

class Walker {
  readonly positions = new Map<string, SourcePosition>();
  readonly problems: SourceProblem[] = [];
  private readonly stack = new Set<Node>();
  private count = 0;

  constructor(private readonly doc: Document, private readonly at: (offset: number) => SourcePosition) {}

  convert(node: unknown, path: FieldPath, rawText = false): unknown {
    if (++this.count > MAX_VALUES) {
      if (this.count === MAX_VALUES + 1) this.problem(node, path, `more than ${MAX_VALUES} values (do aliases expand too much?); a configuration is much smaller`);
      return undefined;
    }
    if (isAlias(node)) return this.convertAlias(node.resolve(this.doc), path, rawText);
    if (isScalar(node)) return scalarValue(node.value, node.type === 'PLAIN' ? node.source : undefined, rawText);
    if (isMap(node)) return this.guarded(node, () => this.convertMap(node.items, path));
    if (isSeq(node)) return this.guarded(node, () => node.items.map((item, i) => this.convertItem(item, [...path, i])));
    return null;
  }

  private convertAlias(target: Node | undefined, path: FieldPath, rawText: boolean): unknown {
    if (target === undefined) return null;
    if (this.stack.has(target)) {
      this.problem(target, path, 'an alias refers to a mapping or list that contains it; remove the loop');
      return null;
    }
    return this.convert(target, path, rawText);
  }

  private guarded<T>(node: Node, f: () => T): T {
    this.stack.add(node);
    try {
      return f();
    } finally {
      this.stack.delete(node);
    }
  }

  private convertItem(item: unknown, path: FieldPath): unknown {
    this.mark(item, path);
    return this.convert(item, path);
  }

  private convertMap(items: readonly Pair<unknown, unknown>[], path: FieldPath): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const firstLine = new Map<string, number | null>();
    for (const pair of items) {
      const key = isScalar(pair.key) ? String(pair.key.value ?? '') : null;
      if (key === null) {
        this.problem(pair.key, path, 'expected a plain key (text before the colon), got a complex key; write key: value');
        continue;
      }
      const fieldPath = [...path, key];
      const line = positionOf(pair.key, this.at)?.line ?? null;
      if (firstLine.has(key)) {
        const first = firstLine.get(key);
        this.problem(pair.key, fieldPath, `duplicate key '${key}'${first === null ? '' : ` (first given on line ${first})`}; keep only one`);
        continue;
      }
      firstLine.set(key, line);
      this.mark(pair.key, fieldPath);
      out[key] = this.convert(pair.value, fieldPath, RAW_TEXT_KEYS.has(key));
    }
    // A plain object again: callers use `in` and Object.keys on it.
    return { ...out };
  }

  mark(node: unknown, path: FieldPath): void {
    const p = positionOf(node, this.at);
    if (p !== null) this.positions.set(pathText(path), p);
  }

  private problem(node: unknown, path: FieldPath, message: string): void {
    this.problems.push({ position: positionOf(node, this.at), path, message });
  }
}

function positionOf(node: unknown, at: (offset: number) => SourcePosition): SourcePosition | null {
  const range = (node as { range?: readonly number[] | null } | null)?.range;
  return range ? at(range[0]!) : null;
}

/**
 * A scalar's value. Raw-text fields get the plain text as written; a float written with a
 * fraction or exponent that happens to be whole (4096.0, 1e3) stays text, so integer fields
 * refuse it instead of reading it as an integer.
 */
function scalarValue(value: unknown, plainSource: string | undefined, rawText: boolean): unknown {
  if (plainSource === undefined) return value;
  if (rawText && value !== null) return plainSource;
  if (typeof value === 'number' && Number.isInteger(value) && !CORE_INTEGER.test(plainSource)) return plainSource;
  return value;
}
