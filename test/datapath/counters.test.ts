// Counters (DESIGN.md: "Counters exist per SA and globally, under both names"): after a mixed
// run, the global snapshot by Windows name and by Linux counter equals a tally of the verdicts
// that were returned, and equals the numbers worked out by hand from the DESIGN table.
import { describe, expect, it } from 'vitest';
import { createEspCipher } from '../../src/esp/cipher.js';
import { processEsp, processUdpDatagram } from '../../src/datapath/inbound.js';
import type { SaConfig } from '../../src/sad/sa.js';
import type { Verdict } from '../../src/verdict/verdict.js';
import {
  AES_GCM, DESIGN_ROWS, NOW, OUR_NET, PEER_NET, makeLink, receive, seal, sealAt, selectorsBetween, udp4,
} from './support.js';

describe('DatapathCounters', () => {
  it('the snapshot by Windows name and by Linux counter equals the verdicts produced', () => {
    const link = makeLink({ selectors: selectorsBetween(OUR_NET, PEER_NET) });
    const shortLived: SaConfig = {
      ...link.inbound.config, spi: 0x0e0e0e0e, label: 'short-lived', cipher: createEspCipher(AES_GCM.spec, link.keys), hard: { addSeconds: 1 },
    };
    const second = link.sad.add(shortLived, NOW);
    const verdicts: Verdict[] = [];
    const udp = (p: Buffer, now = NOW): void => { verdicts.push(processUdpDatagram(link.ctx, p, link.meta, now)); };
    const p1 = seal(link, udp4());
    udp(p1); // delivered
    udp(seal(link, udp4())); // delivered
    udp(seal(link, udp4())); // delivered
    udp(p1); // replay (duplicate)
    udp(sealAt(link, 0, 50, Buffer.alloc(24), 59)); // dummy
    udp(Buffer.from([0xff])); // keepalive
    udp(Buffer.from([0xff])); // keepalive
    udp(Buffer.from([0, 0, 0, 0, 1, 2, 3])); // ike
    udp(Buffer.from([1, 2, 3])); // invalid-packet (parse)
    udp(seal(link, udp4()).subarray(0, 12)); // invalid-packet (too short for the SA)
    udp(sealAt(link, 0, 60, udp4(), 4, false, 0x000000aa)); // bad-spi (reserved)
    udp(sealAt(link, 0, 61, udp4(), 4, false, 0x12345678)); // bad-spi (never-established)
    udp(sealAt(link, 0, 62, udp4(), 4, false, 0x12345678)); // bad-spi (never-established)
    const forged = seal(link, udp4());
    forged[forged.length - 1]! ^= 1;
    udp(forged); // integrity
    udp(sealAt(link, 0, 70, udp4(), 17)); // invalid-trailer (tunnel SA, next header 17)
    udp(sealAt(link, 0, 80, udp4('10.7.7.7'))); // wrong-sa-selectors
    verdicts.push(processEsp(link.ctx, seal(link, udp4()), { ...link.meta, encapsulated: false }, NOW)); // wrong-sa-state
    udp(sealAt(link, 0, 1, udp4(), 4, false, second.spi), NOW + 1_000); // lifetime-expired (on the second SA)

    // Worked out by hand from the DESIGN table for the 11 drops above.
    const expected = {
      delivered: 3, dummy: 1, keepalive: 2, ike: 1, dropped: 11,
      byWindowsName: {
        ERROR_IPSEC_REPLAY_CHECK_FAILED: 1, ERROR_IPSEC_INVALID_PACKET: 3, ERROR_IPSEC_BAD_SPI: 3,
        ERROR_IPSEC_INTEGRITY_CHECK_FAILED: 1, ERROR_IPSEC_WRONG_SA: 2, ERROR_IPSEC_SA_LIFETIME_EXPIRED: 1,
      },
      byLinuxCounter: {
        XfrmInStateSeqError: 1, XfrmInHdrError: 2, XfrmInNoStates: 3, XfrmInStateProtoError: 2,
        XfrmInTmplMismatch: 1, XfrmInStateMismatch: 1, XfrmInStateExpired: 1,
      },
    };
    const snapshot = link.ctx.counters.snapshot();
    expect({ ...snapshot, byKind: undefined }).toEqual({ ...expected, byKind: undefined });

    // The same numbers tallied from the verdicts themselves.
    const tally = { delivered: 0, dummy: 0, keepalive: 0, ike: 0, dropped: 0, byWindowsName: {} as Record<string, number>, byLinuxCounter: {} as Record<string, number>, byKind: {} as Record<string, number> };
    for (const v of verdicts) {
      if (v.verdict !== 'dropped') { tally[v.verdict]++; continue; }
      const row = DESIGN_ROWS[v.kind.id];
      tally.dropped++;
      tally.byKind[v.kind.id] = (tally.byKind[v.kind.id] ?? 0) + 1;
      tally.byWindowsName[row.name] = (tally.byWindowsName[row.name] ?? 0) + 1;
      tally.byLinuxCounter[row.linuxCounter] = (tally.byLinuxCounter[row.linuxCounter] ?? 0) + 1;
    }
    expect(snapshot).toEqual(tally);
    expect(verdicts).toHaveLength(3 + 1 + 2 + 1 + 11);
  });

  it('per-SA drop counters count the drops attributed to each SA, and BAD_SPI to none', () => {
    const link = makeLink();
    const p = seal(link, udp4());
    receive(link, p);
    receive(link, p);
    receive(link, p);
    receive(link, sealAt(link, 0, 9, udp4(), 6));
    const forged = seal(link, udp4());
    forged[20]! ^= 4;
    receive(link, forged);
    receive(link, sealAt(link, 0, 10, udp4(), 4, false, 0x44444444));
    expect(link.inbound.dropSummary()).toEqual({ replay: 2, 'invalid-trailer': 1, integrity: 1 });
    expect(link.inbound.drops('replay')).toBe(2);
    expect(link.inbound.drops('bad-spi')).toBe(0);
    expect(link.ctx.counters.drop('bad-spi')).toBe(1);
    expect(link.ctx.counters.drop('replay')).toBe(2);
  });
});
