// The Node.js flags the daemon wants, and whether this process runs with them.
//
// A young generation (V8's semi-space) of 1 MiB keeps minor GC pauses short: with Node's
// default (growing to 16 MiB) a scavenge stopped the daemon for 8 ms (median, 34 ms at worst)
// at 150-200 Mbit/s, the datagrams that arrived meanwhile waited, and the daemon then wrote
// them into the TUN device as one burst, larger than a receiving
// application's default socket buffer (212 KB, about 90 datagrams of 1300 bytes). With 1 MiB
// the pauses are 0.5 ms (median) and old-space collections nearly stop. docs/PERFORMANCE.md
// has the measurements.
//
// V8 reads the flag only when the heap is created, so it must be on the command line:
// bin/ipsec-ts.js passes it through its #! line (test/cli/node-flags.test.ts checks they agree).

/** Flags for `node` when it runs `ipsec-ts up`. */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * The wanted flags this process runs without (from the command line or NODE_OPTIONS),
 * or [] when all are there.
 */
export function missingDaemonNodeFlags(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env['NODE_OPTIONS'] ?? ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(normalise));
  return DAEMON_NODE_FLAGS.filter((flag) => !given.has(normalise(flag)));
}

/** V8 accepts both spellings: --max-semi-space-size and --max_semi_space_size. */
function normalise(flag: string): string {
  const eq = flag.indexOf('=');
  const name = eq < 0 ? flag : flag.slice(0, eq);
  return name.replaceAll('_', '-') + (eq < 0 ? '' : flag.slice(eq));
}
