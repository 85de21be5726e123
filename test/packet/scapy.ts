// Runs a Python snippet with scapy as an independent oracle: JSON in on stdin as `data`,
// JSON out on stdout. Guard callers with hasOracle('scapy').
import { spawnSync } from 'node:child_process';

const PRELUDE = [
  'import sys, json, logging',
  'logging.getLogger("scapy.runtime").setLevel(logging.ERROR)',
  'from scapy.all import *',
  'data = json.load(sys.stdin)',
  '',
].join('\n');

export function scapy<T>(script: string, input: unknown = null): T {
  const run = spawnSync('/usr/bin/python3', ['-c', PRELUDE + script], {
    input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`scapy script failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
