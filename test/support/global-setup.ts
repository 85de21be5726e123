// Vitest global setup: the tests write captures and key files into /tmp/ipsec-ts-* folders;
// this removes the ones made during the run when it ends.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const started = Date.now() - 1000;
  return () => {
    for (const name of readdirSync(tmpdir())) {
      if (!name.startsWith('ipsec-ts-')) continue;
      const path = join(tmpdir(), name);
      try {
        if (statSync(path).mtimeMs >= started) rmSync(path, { recursive: true, force: true });
      } catch {
        // already gone, or not ours to remove
      }
    }
  };
}
