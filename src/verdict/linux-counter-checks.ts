// Check phrases the counter entries share, so each entry only adds what is specific to it.
import type { Check } from './catalog-types.js';
import { ipsecTs, linux } from './catalog-types.js';
import { dropsByCounter } from './cli-hints.js';

/** Reading one counter: it is global per network namespace and only exists with CONFIG_XFRM_STATISTICS. */
export function statCheck(name: string): Check {
  return linux(
    `grep -w ${name} /proc/net/xfrm_stat (one counter per network namespace: use ` +
      `ip netns exec <ns> for a namespace; sample it twice to see whether it is still rising)`,
  );
}

/** Watching SAs and policies appear and disappear while the counter rises. */
export const XFRM_MONITOR: Check = linux(
  'ip xfrm monitor: prints every SA and policy added, updated, expired or deleted, with time, ' +
    'so a rise of the counter can be matched to a rekey or a delete',
);

/** The per-SA statistics that narrow a global counter to one SA. */
export const XFRM_STATE_STATS: Check = linux(
  'ip -s xfrm state: per SA, the lifetime limits and current use, the replay state, and the ' +
    'stats line (replay-window, replay, failed) that tells which SA the drops belong to',
);

/** The policies, for the counters that come from the policy check. */
export const XFRM_POLICY: Check = linux(
  'ip -s xfrm policy: each policy with its direction (in, out, fwd), selector, action (allow or ' +
    'block), templates (tmpl lines: proto, mode, reqid, level required or use) and use counters',
);

/** The ipsec-ts view of a counter it shares with the kernel: the drops, each with its diagnosis. */
export function dropsByCounterCheck(name: string, what: string): Check {
  return ipsecTs(`${dropsByCounter(name)} ${what}`);
}
