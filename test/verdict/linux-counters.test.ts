// The xfrm_stat counter catalog against the kernel: the list written here from net/xfrm/xfrm_proc.c
// (kernel 6.18), and, where the running kernel exposes it, /proc/net/xfrm_stat itself.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lookupExplanation } from '../../src/verdict/explain-lookup.js';
import { LINUX_COUNTER_CATALOG, XFRM_STAT_COUNTERS, isXfrmCounterName, linuxCounterByName } from '../../src/verdict/linux-counters.js';
import { winErrorByCode } from '../../src/verdict/winerror-catalog.js';

// net/xfrm/xfrm_proc.c, xfrm_mib_list[], in order (Linux 6.18). The last four arrived later:
// XfrmOutStateDirError and XfrmInStateDirError with SA directions (6.10), then the IP-TFS pair.
const KERNEL_LIST = [
  'XfrmInError', 'XfrmInBufferError', 'XfrmInHdrError', 'XfrmInNoStates', 'XfrmInStateProtoError',
  'XfrmInStateModeError', 'XfrmInStateSeqError', 'XfrmInStateExpired', 'XfrmInStateMismatch',
  'XfrmInStateInvalid', 'XfrmInTmplMismatch', 'XfrmInNoPols', 'XfrmInPolBlock', 'XfrmInPolError',
  'XfrmOutError', 'XfrmOutBundleGenError', 'XfrmOutBundleCheckError', 'XfrmOutNoStates',
  'XfrmOutStateProtoError', 'XfrmOutStateModeError', 'XfrmOutStateSeqError', 'XfrmOutStateExpired',
  'XfrmOutPolBlock', 'XfrmOutPolDead', 'XfrmOutPolError', 'XfrmFwdHdrError', 'XfrmOutStateInvalid',
  'XfrmAcquireError', 'XfrmOutStateDirError', 'XfrmInStateDirError', 'XfrmInIptfsError', 'XfrmOutNoQueueSpace',
];

const PROC = '/proc/net/xfrm_stat';
const procNames = existsSync(PROC)
  ? readFileSync(PROC, 'utf8').split('\n').map((l) => l.split(/\s+/)[0]!).filter((n) => n !== '')
  : null;

describe('the counter list', () => {
  it('is the kernel list, in the kernel order', () => {
    expect([...XFRM_STAT_COUNTERS]).toEqual(KERNEL_LIST);
    expect([...LINUX_COUNTER_CATALOG.keys()]).toEqual(KERNEL_LIST);
  });

  it.skipIf(procNames === null)('covers every counter the running kernel prints in /proc/net/xfrm_stat, in its order', () => {
    const names = procNames!;
    for (const name of names) expect(isXfrmCounterName(name), name).toBe(true);
    // Older kernels print a prefix-compatible subset; the order of what they print is ours.
    expect(XFRM_STAT_COUNTERS.filter((n) => names.includes(n))).toEqual(names);
  });

  if (procNames === null) console.warn(`\n*** ${PROC} is missing: the live kernel cross-check is SKIPPED ***\n`);
});

describe.each(KERNEL_LIST)('%s', (name) => {
  const entry = LINUX_COUNTER_CATALOG.get(name as never)!;

  it('resolves through explain in its exact, lower and upper case spelling', () => {
    for (const input of [name, name.toLowerCase(), name.toUpperCase(), ` ${name} `]) {
      const result = lookupExplanation(input);
      expect(result.ok && result.entry.type === 'linux-counter' && result.entry.name === name, input).toBe(true);
    }
    expect(linuxCounterByName(name.toLowerCase())?.name).toBe(name);
  });

  it('has the direction its name says (In / Acquire inbound, Out outbound, Fwd forward)', () => {
    const expected = name.startsWith('XfrmOut') ? 'outbound' : name.startsWith('XfrmFwd') ? 'forward' : 'inbound';
    expect(entry.direction).toBe(expected);
  });

  it('names only Windows codes that are real, assigned errors', () => {
    for (const code of entry.windowsCodes) {
      const w = winErrorByCode(code);
      expect(w, String(code)).toBeDefined();
      expect(w!.kind).toBe('failure');
    }
  });

  it('is plain data: JSON gives it back unchanged', () => {
    expect(JSON.parse(JSON.stringify(entry))).toEqual(entry);
  });
});

describe('misuse', () => {
  it('linuxCounterByName rejects a non-string naming the parameter', () => {
    expect(() => linuxCounterByName(1 as unknown as string)).toThrow(/name must be a string/);
    expect(linuxCounterByName('XfrmInNoState')).toBeUndefined();
  });
});
