// Builds the addon with node-gyp. node-gyp downloads Node's headers unless told where they
// are; when the running Node has matching headers under its install prefix (a distro or
// NodeSource package puts them in /usr/include/node), use those, so offline builds work.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function localHeadersDir() {
  const prefix = dirname(dirname(process.execPath));
  const versionH = join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(versionH)) return null;
  const text = readFileSync(versionH, 'utf8');
  const part = (name) => (text.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`)) ?? [])[1];
  const version = `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  return version === process.version ? prefix : null;
}

// npm's own node-gyp, next to the running Node (for `node build-addon.mjs` run by hand, where
// node-gyp is often not on PATH).
function bundledNodeGyp() {
  const path = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(path) ? path : undefined;
}

// npm sets npm_config_node_gyp to its bundled node-gyp for lifecycle scripts.
const gyp = process.env.npm_config_node_gyp || bundledNodeGyp();
const command = gyp ? process.execPath : 'node-gyp';
const args = gyp ? [gyp, 'rebuild'] : ['rebuild'];
const nodedir = process.env.npm_config_nodedir || localHeadersDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);
const result = spawnSync(command, args, { stdio: 'inherit', cwd: dirname(fileURLToPath(import.meta.url)) });
if (result.error) {
  console.error(`ipsec-ts-tun: cannot run node-gyp (${result.error.message}); install it, or run "npm rebuild ipsec-ts-tun"`);
  process.exit(1);
}
process.exit(result.status ?? 1);
