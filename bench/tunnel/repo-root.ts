// The package folder, found from this file whether it runs as bench/tunnel/*.ts (vitest, tsx)
// or as dist/bench/tunnel/*.js (npm run bench:tunnel).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'ipsec-ts') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ipsec-ts package folder above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
