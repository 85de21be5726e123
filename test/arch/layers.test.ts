// Architecture checked by a test (STYLE.md 13): each src/ folder imports only folders above
// it in the layer order, there are no import cycles, and there are no barrel index.ts files.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

const LAYERS = [
  'wire', 'packet', 'verdict', 'replay', 'esp', 'clock', 'spd', 'sad', 'explain',
  'datapath', 'ike', 'io', 'diagnose', 'config', 'endpoint', 'cli',
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  const dynamic = [...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return [...specs, ...dynamic]
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

function layerOf(file: string): string {
  const rel = relative(src, file);
  return rel.includes('/') ? rel.split('/')[0]! : '(top)';
}

const files = walk(src);

describe('source layout', () => {
  it('puts every source file in a known layer folder (or src/api.ts)', () => {
    const unknown = files.filter((f) => {
      const layer = layerOf(f);
      return layer === '(top)' ? relative(src, f) !== 'api.ts' : !LAYERS.includes(layer);
    });
    expect(unknown.map((f) => relative(root, f))).toEqual([]);
  });

  it('has no barrel index.ts files', () => {
    expect(files.filter((f) => f.endsWith('/index.ts')).map((f) => relative(root, f))).toEqual([]);
  });

  it('imports only from layers above (or the same layer)', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      if (from === '(top)') continue;
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        if (to === '(top)' || LAYERS.indexOf(to) > LAYERS.indexOf(from)) {
          violations.push(`${relative(root, file)} -> ${relative(root, target)}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(node)), node].map((f) => relative(src, f)).join(' -> '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
