// `ipsec-ts demo` as a user runs it: eight steps, each verdict right, the drop log read back
// through east's control socket, exit 0.
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('ipsec-ts demo', () => {
  it('shows every cause live, checks each verdict, and exits 0', async () => {
    const r = await runCli(['demo']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/✓ as expected/g)).toHaveLength(8);
    expect(r.stdout).not.toContain('WRONG');
    for (const name of ['ERROR_IPSEC_REPLAY_CHECK_FAILED (13913)', 'ERROR_IPSEC_INTEGRITY_CHECK_FAILED (13915)', 'ERROR_IPSEC_BAD_SPI (13910)', 'ERROR_IPSEC_CLEAR_TEXT_DROP (13916)']) {
      expect(r.stdout).toContain(name);
    }
    expect(r.stdout).toMatch(/8 of 8 verdicts as expected; east's drop log holds 8 records/);
    expect(r.stdout).toMatch(/IKEv2: IKE_SA west-east\[1\] established/);
    expect(r.stdout).toContain('nothing was lost during the rekey');
  });

  it('refuses a nonsense --expire-after with exit 2', async () => {
    const r = await runCli(['demo', '--expire-after', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--expire-after must be a number of seconds/);
  });
});
