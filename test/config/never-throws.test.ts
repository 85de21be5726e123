// Outside input never makes the configuration code throw: random values into the JSON entry
// parsers, random YAML-ish text and mutated example files into parseConfigText. Every error
// it reports points inside the text.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicyEntry, parseSaEntry } from '../../src/config/entries.js';
import { parseConfigText } from '../../src/config/load.js';

const example = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/daemon/host-a.yaml'), 'utf8');

const KEYS = ['sas', 'policies', 'tun', 'listen', 'spi', 'enc_key', 'name', 'lifetime', 'soft', 'hard', 'mode', 'local', 'peer', 'metrics', 'log'];
const WORDS = [...KEYS, '0x1001', '0600', '-1', '1.5', 'off', 'yes', '~', 'null', '&a', '*a', '!!binary', '[', ']', '{', '}', '"', "'", '#', '|', '>', '---', '...', '%YAML 1.1', '? ', ': ', '- ', ',', '\t', '<<'];
const yamlish = fc.array(
  fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom('\n', '\n  ', '\n    ', '\n  - ', ': ', ' '), fc.string({ maxLength: 6 })),
  { maxLength: 60 },
).map((parts) => parts.join(''));

/** The example with a few characters inserted, deleted or replaced. */
const mutated = fc.array(fc.tuple(fc.nat(example.length), fc.nat(3), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 })
  .map((edits) => edits.reduce((text, [at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut), example));

function checkResult(text: string): void {
  const r = parseConfigText(text, 'fuzz.yaml');
  if (r.ok) return;
  expect(r.errors.length).toBeGreaterThan(0);
  const lines = text.split(/\r\n|\r|\n/).length + 1;
  for (const e of r.errors) {
    expect(e.message.length).toBeGreaterThan(0);
    if (e.line !== null) expect(e.line).toBeLessThanOrEqual(lines);
  }
}

describe('the configuration parsers never throw', () => {
  it('on any value given as an SA or policy entry', () => {
    fc.assert(fc.property(fc.anything({ withObjectString: true, withNullPrototype: true, withBigInt: true }), (value) => {
      expect(typeof parseSaEntry(value).ok).toBe('boolean');
      expect(typeof parsePolicyEntry(value).ok).toBe('boolean');
    }), { numRuns: 500 });
  });

  it('on records with the right keys and random values', () => {
    const sa = fc.record(Object.fromEntries(['name', 'direction', 'spi', 'src', 'dst', 'ports', 'transform', 'enc_key', 'auth_key', 'esn', 'replay_window', 'lifetime'].map((k) => [k, fc.anything()])), { requiredKeys: [] });
    fc.assert(fc.property(sa, (value) => {
      expect(typeof parseSaEntry(value).ok).toBe('boolean');
    }), { numRuns: 300 });
  });

  it('on random YAML-ish text', () => {
    fc.assert(fc.property(yamlish, checkResult), { numRuns: 500 });
  });

  it('on any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), checkResult), { numRuns: 300 });
  });

  it('on the example file with random edits', () => {
    fc.assert(fc.property(mutated, checkResult), { numRuns: 300 });
  });
});

describe('alias expansion', () => {
  it('stops a "billion laughs" document with an error instead of expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const r = parseConfigText(`${levels.join('\n')}\n`, 'bomb.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.some((e) => e.message.includes('more than 100000 values'))).toBe(true);
  });
});
