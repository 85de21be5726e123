// The control socket's `sa add` and `policy add` validate one JSON entry with the same rules
// as the YAML file; paths read sa.<field> and policy.<field>, with no line numbers.
import { describe, expect, it } from 'vitest';
import { parsePolicyEntry, parseSaEntry } from '../../src/config/entries.js';
import { createEspCipher } from '../../src/esp/cipher.js';
import { definePolicy } from '../../src/spd/policy.js';

const SA = {
  name: 'a-to-b', direction: 'out', spi: '0x00001001', src: '198.51.100.1', dst: '198.51.100.2',
  transform: 'aes256gcm16', enc_key: `0x${'ab'.repeat(36)}`,
} as const;

describe('parseSaEntry', () => {
  it('turns a JSON entry into a ManualSaConfig that keys a cipher', () => {
    const r = parseSaEntry({ ...SA, spi: 4097, lifetime: { hard: { bytes: '64k', time: 3600 } } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      name: 'a-to-b', spi: 4097, direction: 'outbound', src: '198.51.100.1', dst: '198.51.100.2',
      transform: { encryption: 'aes-gcm', keyBits: 256, icvLength: 16, integrity: 'none' },
      hard: { bytes: 65536, addSeconds: 3600 },
    });
    expect(r.value.keys.encryptionKey.length).toBe(36);
    expect(createEspCipher(r.value.transform, r.value.keys).icvLength).toBe(16);
    expect(r.warnings).toEqual([]);
  });

  it('reports every problem with sa.<field> paths', () => {
    const r = parseSaEntry({ ...SA, spi: 16, enc_key: `0x${'ab'.repeat(32)}`, auth_key: '00'.repeat(32), colour: 'red' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      'sa.spi: expected an SPI from 0x100 to 0xffffffff (hex like 0x1000 or decimal), got 16 (RFC 4303 reserves 0-255)',
      expect.stringMatching(/^sa\.colour: unknown key 'colour'/),
      expect.stringMatching(/^sa\.enc_key: aes256gcm16 needs 36 bytes \(32 bytes of AES-256 key \+ 4 bytes of salt.*got 32 bytes$/),
      expect.stringMatching(/^sa\.auth_key: aes256gcm16 is a combined-mode \(AEAD\) transform/),
    ]);
  });

  it('uses the path it is given', () => {
    const r = parseSaEntry({ ...SA, spi: 'x' }, 'params.sa');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^params\.sa\.spi: expected an SPI/);
  });

  it('refuses what is not a mapping', () => {
    for (const value of [null, undefined, 'sa', 42, [], [SA]]) {
      const r = parseSaEntry(value);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors[0]).toMatch(/^sa: expected an SA \(a mapping with keys name, direction, spi/);
    }
  });

  it('does not take YAML-only spellings for granted: a number key is refused without echoing it', () => {
    const r = parseSaEntry({ ...SA, enc_key: 1234567890123 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toEqual(['sa.enc_key: expected hex key bytes (like 0x00112233..., bare hex, or with colons 00:11:22:...), got a number']);
    }
  });

  it('warns about a replay window on an outbound SA', () => {
    const r = parseSaEntry({ ...SA, replay_window: 128 });
    expect(r.ok && r.warnings).toEqual(['sa.replay_window: ignored on an outbound SA: anti-replay checks what arrives (set it on the inbound SA)']);
  });
});

describe('parsePolicyEntry', () => {
  it('turns a JSON entry into a PolicyInit the SPD accepts', () => {
    const r = parsePolicyEntry({ name: 'web', local: '10.1.0.0/24 tcp 443', remote: ['10.2.0.0/24', '10.3.0.0/24'], action: 'protect', peer: '198.51.100.2', reqid: 3, direction: 'out' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({
      id: 'web', direction: 'out', action: 'protect',
      selectors: { local: ['10.1.0.0/24 tcp 443'], remote: ['10.2.0.0/24', '10.3.0.0/24'] },
      template: { mode: 'tunnel', peer: '198.51.100.2', reqid: 3, label: 'web' },
    });
    expect(definePolicy(r.value).selectors.remote).toHaveLength(2);
  });

  it('reports policy.<field> paths', () => {
    const r = parsePolicyEntry({ name: 'web', local: 'nowhere', remote: 'any', action: 'protect', mode: 'tunnel' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      expect.stringMatching(/^policy\.local: selector address: expected an address/),
      expect.stringMatching(/^policy\.peer: missing: a 'protect' policy in tunnel mode needs peer/),
    ]);
  });

  it('takes a discard policy with no template', () => {
    const r = parsePolicyEntry({ name: 'drop-telnet', local: 'any', remote: 'any tcp 23', action: 'discard' });
    expect(r.ok && r.value.template).toBeNull();
  });
});
