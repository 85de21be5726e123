// Outside input never makes the configuration code throw: random values into the JSON entry
// parsers, random YAML-ish text and mutated example files into parseConfigText. Every error
// it reports points inside the text.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicyEntry, parseSaEntry } from '../../src/config/entries.js';
import { memoryFiles } from '../../src/config/config-files.js';
import { parseConfigText } from '../../src/config/load.js';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/daemon');
const example = readFileSync(resolve(examples, 'host-a.yaml'), 'utf8');
const ikeExample = readFileSync(resolve(examples, 'ikev2-psk-west.yaml'), 'utf8');

const KEYS = ['sas', 'policies', 'tun', 'listen', 'spi', 'enc_key', 'name', 'lifetime', 'soft', 'hard', 'mode', 'local', 'peer', 'metrics', 'log'];
const WORDS = [...KEYS, '0x1001', '0600', '-1', '1.5', 'off', 'yes', '~', 'null', '&a', '*a', '!!binary', '[', ']', '{', '}', '"', "'", '#', '|', '>', '---', '...', '%YAML 1.1', '? ', ': ', '- ', ',', '\t', '<<'];
const yamlish = fc.array(
  fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom('\n', '\n  ', '\n    ', '\n  - ', ': ', ' '), fc.string({ maxLength: 6 })),
  { maxLength: 60 },
).map((parts) => parts.join(''));

/** An example with a few characters inserted, deleted or replaced. */
const mutatedFrom = (base: string) => fc.array(fc.tuple(fc.nat(base.length), fc.nat(3), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 })
  .map((edits) => edits.reduce((text, [at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut), base));
const mutated = mutatedFrom(example);

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

  it('on connections with the right keys and random values (JSON is YAML)', () => {
    const some = (keys: readonly string[], value: fc.Arbitrary<unknown>) => fc.record(Object.fromEntries(keys.map((k) => [k, value])), { requiredKeys: [] });
    const leaf = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('%any', 'psk', 'pubkey', 'dynamic', '1h', '0x00', 'off', 'a.pem', '10.1.0.0/24', '198.51.100.1', 'aes128gcm16-prfsha256-x25519'));
    const end = some(['address', 'port', 'id', 'auth', 'cert', 'key'], leaf);
    const child = some(['name', 'local_ts', 'remote_ts', 'mode', 'esp_proposals', 'start_action', 'rekey_time', 'life_time', 'rand_time', 'replay_window', 'close_action', 'dpd_action'], fc.oneof(leaf, fc.array(leaf, { maxLength: 3 })));
    const connection = fc.record({
      name: leaf, local: fc.oneof(end, leaf), remote: fc.oneof(end, leaf), psk: fc.oneof(leaf, fc.record({ file: leaf })),
      proposals: fc.array(leaf, { maxLength: 2 }), rekey_time: leaf, life_time: leaf, rand_time: leaf, dpd_delay: leaf, encap: leaf,
      children: fc.oneof(fc.array(child, { maxLength: 2 }), leaf),
    }, { requiredKeys: [] });
    const ike = some(['port', 'half_open_limit', 'cookie_threshold', 'retransmit', 'rekey_grace', 'invalid_spi_interval', 'ca_certs', 'ca_dir'], leaf);
    const files = memoryFiles({});
    fc.assert(fc.property(fc.array(connection, { maxLength: 2 }), ike, (connections, ikeSection) => {
      const r = parseConfigText(JSON.stringify({ connections, ike: ikeSection }), 'fuzz.yaml', files);
      expect(typeof r.ok).toBe('boolean');
    }), { numRuns: 400 });
  });

  it('on the IKEv2 example with random edits', () => {
    fc.assert(fc.property(mutatedFrom(ikeExample), checkResult), { numRuns: 300 });
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
