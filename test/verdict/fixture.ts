// Reads test/fixtures/winerror-ipsec.tsv, the project's copy of the Windows IPsec error table
// (code, hex, name, layer for every code winerror.h defines in 13800-13932). It is the reference
// the catalog is checked against: the catalog's names and hex forms are typed separately.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface FixtureRow {
  readonly code: number;
  readonly hex: string;
  readonly name: string;
  readonly layer: string;
}

const path = fileURLToPath(new URL('../fixtures/winerror-ipsec.tsv', import.meta.url));

export function fixtureLines(): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
}

export function fixtureRows(): FixtureRow[] {
  const [header, ...rows] = fixtureLines();
  if (header !== 'code\thex\tname\tlayer') throw new Error(`unexpected fixture header: ${header}`);
  return rows.map((line) => {
    const [code, hex, name, layer] = line.split('\t');
    return { code: Number(code), hex: hex!, name: name!, layer: layer! };
  });
}
