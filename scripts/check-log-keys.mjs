// CI guard for "a full test run's logs contain no key material": collects every key the
// repository's configs, key files and tests spell out (enc_key/auth_key values, esp_sa key
// columns, 40+ hex digit literals in test files) and fails if any appears in the given log.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [logPath] = process.argv.slice(2);
if (!logPath) {
  console.error('usage: node scripts/check-log-keys.mjs <test-log>');
  process.exit(2);
}
const log = readFileSync(logPath, 'utf8').toLowerCase().replace(/[:\s]/g, '');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const keys = new Set();
const files = [...walk('examples'), ...walk('test')].filter((f) => /\.(ya?ml|ts|mjs|txt)$|esp_sa/.test(f));
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  for (const m of text.matchAll(/(?:enc_key|auth_key|encryptionKey|integrityKey)\W{1,6}(?:0x)?([0-9a-fA-F:]{32,})/g)) keys.add(m[1].replace(/:/g, '').toLowerCase());
  if (f.includes('esp_sa')) for (const m of text.matchAll(/"0x([0-9a-fA-F]{32,})"/g)) keys.add(m[1].toLowerCase());
}
const leaked = [...keys].filter((k) => log.includes(k));
if (leaked.length > 0) {
  console.error(`[ci] ${leaked.length} key(s) from the repository appear in the test log ${logPath} (first: ${leaked[0].slice(0, 8)}...)`);
  process.exit(1);
}
console.log(`[ci] no key material in the test log (${keys.size} known keys checked)`);
