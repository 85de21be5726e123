// The DoS guard: past the configured rate, packets on unknown SPIs are refused as
// ERROR_IPSEC_THROTTLE_DROP (13918, no Linux counter, stage dos-guard) without a BAD_SPI
// diagnosis; the bucket refills with time, and known SPIs are never throttled.
import { describe, expect, it } from 'vitest';
import { createInboundContext, processEsp } from '../../src/datapath/inbound.js';
import { TokenBucket } from '../../src/datapath/throttle.js';
import { SaDatabase } from '../../src/sad/sad.js';

const META = { src: '192.0.2.1', dst: '192.0.2.2', srcPort: null, dstPort: null, encapsulated: false };

function unknownSpiPacket(spi: number): Buffer {
  const p = Buffer.alloc(64);
  p.writeUInt32BE(spi, 0);
  p.writeUInt32BE(1, 4);
  return p;
}

describe('the unknown-SPI throttle', () => {
  it('lets a burst through with full diagnoses, then refuses with THROTTLE_DROP until tokens refill', () => {
    const ctx = createInboundContext(new SaDatabase(), null, { unknownSpiThrottle: { ratePerSecond: 1000, burst: 3 } });
    const at = (now: number, spi: number): string => {
      const v = processEsp(ctx, unknownSpiPacket(spi), META, now);
      return v.verdict === 'dropped' ? `${v.kind.code} ${v.kind.stage} ${v.diagnosis.reason}` : v.verdict;
    };
    const bad = '13910 sa-lookup spi-unknown';
    const throttled = '13918 dos-guard unknown-spi-flood';
    expect([at(0, 0x1000), at(0, 0x1001), at(0, 0x1002), at(0, 0x1003), at(0, 0x1004)]).toEqual([bad, bad, bad, throttled, throttled]);
    // 1000 per second is one per millisecond: 2 ms later, two more get their diagnosis.
    expect([at(2, 0x1005), at(2, 0x1006), at(2, 0x1007)]).toEqual([bad, bad, throttled]);
    expect(ctx.counters.snapshot().byWindowsName).toEqual({ ERROR_IPSEC_BAD_SPI: 5, ERROR_IPSEC_THROTTLE_DROP: 3 });
    expect(ctx.counters.snapshot().byLinuxCounter).toEqual({ XfrmInNoStates: 5 });
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0 })).toThrow(/burst/);
  });
});
