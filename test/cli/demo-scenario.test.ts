// The demo's script, run for real on loopback: every step must end in the verdict it promises.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo/scenario.js';

describe('demo scenario', () => {
  it('makes each cause of a dropped packet happen and east diagnoses each one right', async () => {
    const notes: string[] = [];
    const result = await runDemo({ stepStarted: () => {}, stepDone: () => {}, note: (t) => notes.push(t) }, { expireAfterSeconds: 1 });
    const table = result.steps.map((s) => [s.title, s.record?.windowsName ?? null, s.record?.cause ?? null, s.record?.reason ?? null, s.ok]);
    expect(table).toEqual([
      ['Replay', 'ERROR_IPSEC_REPLAY_CHECK_FAILED', 'duplicate', expect.any(String), true],
      ['Tampered ICV', 'ERROR_IPSEC_INTEGRITY_CHECK_FAILED', null, 'icv-mismatch', true],
      ['An SPI that never existed', 'ERROR_IPSEC_BAD_SPI', 'never-established', expect.any(String), true],
      ['Swapped SPIs', 'ERROR_IPSEC_BAD_SPI', 'our-outbound-spi', expect.any(String), true],
      ['An SPI replaced by a rekey', 'ERROR_IPSEC_BAD_SPI', 'deleted', expect.any(String), true],
      ['ESN mismatch', 'ERROR_IPSEC_INTEGRITY_CHECK_FAILED', 'esn-mismatch', expect.any(String), true],
      ['Clear text where protection is required', 'ERROR_IPSEC_CLEAR_TEXT_DROP', null, expect.any(String), true],
      ['A packet after its SA expired', 'ERROR_IPSEC_BAD_SPI', 'expired', expect.any(String), true],
    ]);
    // The main tunnel was negotiated with IKEv2, and the rekey step names the SPI that replaced the old one.
    const negotiated = notes.find((n) => n.startsWith('IKEv2: IKE_SA'));
    expect(negotiated).toMatch(/established \(aes128gcm16\/prfsha256\/curve25519\)/);
    const rekeyed = result.steps[4]!.record!;
    expect(rekeyed.reason).toBe('rekeyed');
    const successor = /-> (0x[0-9a-f]{8})\)/.exec(result.steps[4]!.what)![1]!;
    expect(rekeyed.evidence.successorSpi).toBe(successor);
    expect(result.delivered.westToEast).toBeGreaterThanOrEqual(7);
    expect(result.delivered.eastToWest).toBe(5);
    expect(notes.some((n) => n.includes('nothing was lost during the rekey'))).toBe(true);
  });
});
