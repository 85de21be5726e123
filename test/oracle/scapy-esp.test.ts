// Interop with an independent ESP implementation: scapy 2.5's SecurityAssociation (Debian
// python3-scapy, over python3-cryptography). For every transform both support, scapy encrypts
// real IPv4/IPv6 packets in tunnel mode and our decapsulate() must recover them byte for byte;
// then our encapsulate() output must decrypt in scapy (ICV verified) to the same packets.
// All cases go to python in two batched invocations (JSON over stdin/stdout).
//
// Not covered here, because scapy 2.5 cannot do them (read in scapy/layers/ipsec.py):
// AES-GMAC (no such CryptAlgo), AES-GCM with 8/12-byte ICVs (its AESGCM API always appends 16),
// and ESN with separate integrity (AuthAlgo.sign appends seq-hi for AH only, not for ESP).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEspCipher } from '../../src/esp/cipher.js';
import { decapsulate } from '../../src/esp/decapsulate.js';
import { encapsulate } from '../../src/esp/encapsulate.js';
import type { KeyMaterial, TransformSpec } from '../../src/esp/transform-spec.js';
import { hasOracle } from '../support/oracle.js';
import { HMACS, randomKeys, specName } from '../esp/support.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'scapy', 'esp_oracle.py');

const SCAPY_AUTH: Record<string, string> = {
  'hmac-sha1-96': 'HMAC-SHA1-96', 'hmac-sha256-128': 'SHA2-256-128', 'hmac-sha384-192': 'SHA2-384-192', 'hmac-sha512-256': 'SHA2-512-256',
};

interface SaCase {
  spec: TransformSpec;
  keys: KeyMaterial;
  spi: number;
  seqHi: number;
  seqLo: number;
  esn: boolean;
  inner: { version: 4 | 6; payload_len: number; seed: number };
}

function scapySa(c: SaCase): Record<string, unknown> {
  const cryptAlgo = { 'aes-gcm': 'AES-GCM', 'chacha20-poly1305': 'CHACHA20-POLY1305', 'aes-cbc': 'AES-CBC', 'aes-ctr': 'AES-CTR', null: 'NULL' }[
    c.spec.encryption as 'aes-gcm'
  ];
  return {
    crypt_algo: cryptAlgo, crypt_key: Buffer.from(c.keys.encryptionKey).toString('hex'),
    auth_algo: c.spec.integrity === 'none' ? null : SCAPY_AUTH[c.spec.integrity], auth_key: Buffer.from(c.keys.integrityKey).toString('hex'),
    spi: c.spi, seq: c.seqLo, esn_en: c.esn, esn: c.seqHi,
  };
}

/** Transforms scapy 2.5 and we both implement. */
function sharedSpecs(): TransformSpec[] {
  const specs: TransformSpec[] = [{ encryption: 'chacha20-poly1305', integrity: 'none' }];
  for (const keyBits of [128, 192, 256] as const) {
    specs.push({ encryption: 'aes-gcm', keyBits, icvLength: 16, integrity: 'none' });
    for (const integrity of HMACS) specs.push({ encryption: 'aes-cbc', keyBits, integrity }, { encryption: 'aes-ctr', keyBits, integrity });
  }
  for (const integrity of HMACS) specs.push({ encryption: 'null', integrity });
  return specs;
}

function buildCases(): SaCase[] {
  const cases: SaCase[] = [];
  let seed = 1;
  for (const spec of sharedSpecs()) {
    const esnChoices = spec.integrity === 'none' ? [false, true] : [false];
    for (const esn of esnChoices) {
      for (const [version, payloadLen] of [[4, 0], [4, 1], [6, 13], [4, 200], [6, 1350]] as const) {
        cases.push({
          spec, keys: randomKeys(spec), spi: (randomBytes(4).readUInt32BE() | 0x100) >>> 0, esn,
          seqHi: esn ? randomBytes(4).readUInt32BE() : 0, seqLo: (randomBytes(4).readUInt32BE() | 1) >>> 0,
          inner: { version, payload_len: payloadLen, seed: seed++ },
        });
      }
    }
  }
  return cases;
}

type OracleResult = { inner?: string; esp?: string; next_header?: number; error?: string };

function runOracle(phase: 'encrypt' | 'decrypt', cases: Record<string, unknown>[]): OracleResult[] {
  const run = spawnSync('/usr/bin/python3', [SCRIPT], { input: JSON.stringify({ phase, cases }), maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`scapy oracle failed: ${run.stderr.toString()}`);
  const results = (JSON.parse(run.stdout.toString()) as { results: OracleResult[] }).results;
  expect(results).toHaveLength(cases.length);
  return results;
}

const label = (c: SaCase): string => `${specName(c.spec)}${c.esn ? ' ESN' : ''} IPv${c.inner.version} +${c.inner.payload_len}`;

describe.skipIf(!hasOracle('scapy'))('ESP interop with scapy 2.5 (tunnel mode)', () => {
  const cases = buildCases();
  let fromScapy: OracleResult[] = [];

  it(`decapsulates what scapy encrypted, byte for byte (${cases.length} cases, ${sharedSpecs().length} transforms)`, () => {
    fromScapy = runOracle('encrypt', cases.map((c) => ({ ...scapySa(c), inner: c.inner })));
    const problems: string[] = [];
    cases.forEach((c, i) => {
      const r = fromScapy[i]!;
      if (r.error !== undefined || r.esp === undefined || r.inner === undefined) return void problems.push(`${label(c)}: scapy: ${r.error}`);
      const opened = decapsulate(createEspCipher(c.spec, c.keys), Buffer.from(r.esp, 'hex'), c.seqHi, c.esn);
      const expected = { ok: true, nextHeader: c.inner.version === 4 ? 4 : 41, payload: r.inner };
      const got = opened.ok ? { ok: true, nextHeader: opened.nextHeader, payload: opened.payload.toString('hex') } : opened;
      if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(`${label(c)}: ${JSON.stringify(got).slice(0, 200)}`);
    });
    expect(problems).toEqual([]);
  });

  it('has scapy decrypt and verify what we encapsulated, to the same inner packets', () => {
    if (fromScapy.length === 0) fromScapy = runOracle('encrypt', cases.map((c) => ({ ...scapySa(c), inner: c.inner })));
    const sealed = cases.map((c, i) => {
      const inner = Buffer.from(fromScapy[i]!.inner ?? '', 'hex');
      const esp = encapsulate(createEspCipher(c.spec, c.keys), {
        spi: c.spi, seqHi: c.seqHi, seqLo: c.seqLo, esn: c.esn, nextHeader: c.inner.version === 4 ? 4 : 41, payload: inner,
      });
      return { ...scapySa(c), esp: esp.toString('hex') };
    });
    const results = runOracle('decrypt', sealed);
    const problems: string[] = [];
    cases.forEach((c, i) => {
      const r = results[i]!;
      const want = { inner: fromScapy[i]!.inner, next_header: c.inner.version === 4 ? 4 : 41 };
      if (JSON.stringify({ inner: r.inner, next_header: r.next_header }) !== JSON.stringify(want)) {
        problems.push(`${label(c)}: ${r.error ?? JSON.stringify(r).slice(0, 200)}`);
      }
    });
    expect(problems).toEqual([]);
  });

  it('is a real oracle: scapy refuses our packet once one ciphertext bit is flipped', () => {
    const c = cases.find((x) => x.spec.encryption === 'aes-cbc')!;
    const esp = encapsulate(createEspCipher(c.spec, c.keys), { spi: c.spi, seqHi: 0, seqLo: c.seqLo, esn: false, nextHeader: 4, payload: Buffer.from(fromScapy[0]?.inner ?? '4500', 'hex') });
    esp[30]! ^= 0x10;
    const [r] = runOracle('decrypt', [{ ...scapySa(c), esp: esp.toString('hex') }]);
    expect(r!.error).toMatch(/IPSecIntegrityError/);
  });
});
