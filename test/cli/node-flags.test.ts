// The daemon's Node.js flags (src/endpoint/node-flags.ts): the launcher's #! line carries them,
// they do what they are there for, and the daemon can tell when it runs without them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DAEMON_NODE_FLAGS, missingDaemonNodeFlags } from '../../src/endpoint/node-flags.js';

const LAUNCHER = fileURLToPath(new URL('../../bin/ipsec-ts.js', import.meta.url));

describe('daemon node flags', () => {
  it('the launcher passes every flag through its #! line, and runs as an executable', () => {
    const shebang = readFileSync(LAUNCHER, 'utf8').split('\n')[0]!;
    expect(shebang.startsWith('#!/usr/bin/env -S node ')).toBe(true);
    const given = shebang.split(/\s+/).slice(3);
    expect(given).toEqual([...DAEMON_NODE_FLAGS]);
    // env -S (GNU coreutils >= 8.30) splits the line; the launcher must start as ./bin/ipsec-ts.js.
    const version = execFileSync(LAUNCHER, ['--version'], { encoding: 'utf8' }).trim();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('with the flags V8 keeps the young generation at 2 MiB; without them it grows to 32 MiB', () => {
    // Allocate enough short-lived objects for V8 to grow new space as far as it may.
    const script = `let k=[];for(let i=0;i<3e6;i++){k.push({a:i,b:new Uint8Array(16)});if(k.length>1000)k=[]}
      const s=require('v8').getHeapSpaceStatistics().find((x)=>x.space_name==='new_space');console.log(s.space_size)`;
    const withFlags = Number(execFileSync(process.execPath, [...DAEMON_NODE_FLAGS, '-e', script], { encoding: 'utf8' }));
    const without = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    expect(withFlags).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(without).toBeGreaterThan(8 * withFlags);
  });

  it('says which flags are missing, from the command line or NODE_OPTIONS, in either spelling', () => {
    expect(missingDaemonNodeFlags([], '')).toEqual([...DAEMON_NODE_FLAGS]);
    expect(missingDaemonNodeFlags(['--max-semi-space-size=1'], '')).toEqual([]);
    expect(missingDaemonNodeFlags(['--max_semi_space_size=1'], '')).toEqual([]);
    expect(missingDaemonNodeFlags([], '--inspect --max-semi-space-size=1')).toEqual([]);
    // Another size is not the flag the daemon asks for.
    expect(missingDaemonNodeFlags(['--max-semi-space-size=16'], '')).toEqual(['--max-semi-space-size=1']);
  });
});
