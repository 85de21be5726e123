#!/usr/bin/env -S node --max-semi-space-size=1
// The flag keeps GC pauses short in the daemon (src/endpoint/node-flags.ts says why).
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm ci` through the
// package's prepare script, or by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('ipsec-ts: the compiled CLI is missing (dist/). Run `npm run build` in the package folder, then try again.\n');
  process.exit(2);
}
// A broken pipe (`ipsec-ts diagnose ... | head`) is the reader saying it has enough.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
try {
  const { main } = await import(entry.href);
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Never exit 1 ("drops found") for a failure of our own.
  process.stderr.write(`ipsec-ts: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n` +
    'This is a bug in ipsec-ts: please report it with the command you ran (and, if you can, the input file).\n');
  process.exitCode = 2;
}
