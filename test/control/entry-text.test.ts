// `ipsec-ts sa add <file>` reads the entry the way the config file is read: an unquoted
// 0x... key or SPI keeps its text, so the same line works in both places.
import { describe, expect, it } from 'vitest';
import { singleEntryOf } from '../../src/cli/sa-command.js';
import { parseSaEntry } from '../../src/config/entries.js';

const ENTRY = `name: x
direction: out
spi: 0x3001
src: 127.0.0.1
dst: 127.0.0.1
transform: aes128gcm16
enc_key: 0x0011223344556677889900112233445566778899
`;

describe('singleEntryOf', () => {
  it('keeps an unquoted 0x key and SPI as written, so the entry validates as in the config', () => {
    const e = singleEntryOf(ENTRY, 'entry.yaml', 'sas');
    expect(e.ok).toBe(true);
    if (!e.ok) return;
    expect(e.value.enc_key).toBe('0x0011223344556677889900112233445566778899');
    const sa = parseSaEntry(e.value);
    expect(sa.ok && sa.value.spi).toBe(0x3001);
  });

  it('names the line and column of a syntax error', () => {
    const e = singleEntryOf('a: [', 'x.yaml', 'sas');
    expect(!e.ok && e.message).toMatch(/^x\.yaml:1:\d+: not valid YAML or JSON/);
  });

  it('takes a sas: list holding one item, and refuses two', () => {
    expect(singleEntryOf(`sas:\n  - ${ENTRY.trim().split('\n').join('\n    ')}\n`, 'f', 'sas').ok).toBe(true);
    const two = singleEntryOf('sas:\n  - {name: a}\n  - {name: b}\n', 'f', 'sas');
    expect(!two.ok && two.message).toContain('holds 2 entries');
  });
});
