// The drop log in the state store: ids, queries, the per-key rate limit, the row cap, and
// survival across reopen.
import { afterEach, describe, expect, it } from 'vitest';
import type { DropRecord } from '../../src/endpoint/drop-record.js';
import { dropMatches } from '../../src/endpoint/drop-record.js';
import { cleanUpStores, openStore as open, tempDir } from './store-support.js';

afterEach(cleanUpStores);


function drop(over: Partial<DropRecord> = {}): DropRecord {
  return {
    id: 0, at: 1_800_000_000_000, direction: 'inbound', kind: 'bad-spi', windowsName: 'ERROR_IPSEC_BAD_SPI', windowsCode: 13910,
    linuxCounter: 'XfrmInNoStates', stage: 'sa-lookup', spi: '0x0a0b0001', sa: null, peer: '203.0.113.20:4500',
    cause: 'never-established', reason: 'unknown-spi', summary: 'SPI 0x0a0b0001 was never set up here',
    evidence: { spi: '0x0a0b0001', knownSpis: 2, lastSeen: null, swapped: false }, nextStep: 'Check the peer configuration', repeats: 1,
    ...over,
  };
}

const replayDrop = (at: number, spi: string): DropRecord => drop({
  at, spi, kind: 'replay', windowsName: 'ERROR_IPSEC_REPLAY_CHECK_FAILED', windowsCode: 13913, linuxCounter: 'XfrmInStateSeqError',
  stage: 'replay', cause: 'duplicate', reason: 'duplicate',
});

describe('drop log', () => {
  it('assigns increasing ids at append and answers queries before any flush', () => {
    const s = open(tempDir());
    const a = s.appendDrop(drop({ at: 1 }));
    const b = s.appendDrop(drop({ at: 2, reason: 'other' }));
    expect(a?.id).toBe(1);
    expect(b?.id).toBe(2);
    expect(s.queryDrops({})).toEqual([a, b]);
  });

  it('filters by since, SPI and code, and returns the newest `limit` oldest first', () => {
    const s = open(tempDir(), { dropRowsPerSecond: 1000 });
    const all: DropRecord[] = [];
    for (let i = 0; i < 30; i++) {
      const spi = i % 3 === 0 ? '0x0000abcd' : '0x00001234';
      const r = i % 2 === 0 ? drop({ at: 1000 + i, spi }) : replayDrop(1000 + i, spi);
      all.push(s.appendDrop(r)!);
    }
    s.flush();
    const queries = [{ since: 1020 }, { spi: 0xabcd }, { code: 13913 }, { spi: 0x1234, code: 13910, since: 1005 }, {}];
    for (const q of queries) expect(s.queryDrops(q)).toEqual(all.filter((r) => dropMatches(r, q)));
    expect(s.queryDrops({ limit: 4 }).map((r) => r.at)).toEqual([1026, 1027, 1028, 1029]);
    expect(s.queryDrops({ code: 13913, limit: 2 }).map((r) => r.at)).toEqual([1027, 1029]);
    expect(s.queryDrops({ limit: 0 })).toEqual([]);
    expect(s.queryDrops({ spi: 0xdead })).toEqual([]);
  });

  it('defaults to the newest 1000', () => {
    const s = open(tempDir(), { dropRowsPerSecond: 5000 });
    for (let i = 0; i < 1200; i++) s.appendDrop(drop({ at: i }));
    const got = s.queryDrops({});
    expect(got).toHaveLength(1000);
    expect(got[0]!.at).toBe(200);
    expect(got[999]!.at).toBe(1199);
  });

  it('folds a flood of one (kind, SPI, reason) into repeats past N rows a second', () => {
    let now = 5_000_000;
    const s = open(tempDir(), { clock: () => now, dropRowsPerSecond: 20 });
    const stored = Array.from({ length: 25 }, () => s.appendDrop(drop()));
    expect(stored.filter((r) => r !== null)).toHaveLength(20);
    expect(stored.slice(20)).toEqual([null, null, null, null, null]);
    // Another key is not held back by the flood.
    expect(s.appendDrop(drop({ spi: '0x0a0b0002' }))).not.toBeNull();
    let rows = s.queryDrops({ spi: 0x0a0b0001 });
    expect(rows).toHaveLength(20);
    expect(rows.map((r) => r.repeats)).toEqual([...Array<number>(19).fill(1), 6]);
    // Folding into a row already on disk adds to it there.
    s.appendDrop(drop());
    s.appendDrop(drop({ repeats: 3 }));
    rows = s.queryDrops({ spi: 0x0a0b0001 });
    expect(rows.at(-1)!.repeats).toBe(10);
    // The next second gets rows again.
    now += 1000;
    expect(s.appendDrop(drop())).not.toBeNull();
    expect(s.queryDrops({ spi: 0x0a0b0001 })).toHaveLength(21);
  });

  it('caps the table by deleting the oldest rows', () => {
    const s = open(tempDir(), { dropLogMaxRows: 50, dropRowsPerSecond: 1000 });
    for (let i = 1; i <= 120; i++) s.appendDrop(drop({ at: i }));
    const rows = s.queryDrops({});
    expect(rows).toHaveLength(50);
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i));
  });

  it('survives reopen with every field, and ids continue after the last one', () => {
    const dir = tempDir();
    let s = open(dir);
    const first = s.appendDrop(drop({ sa: 'west-out', cause: null, spi: null, peer: null, evidence: { a: 1, b: 'x', c: true, d: null } }))!;
    const second = s.appendDrop(drop({ direction: 'outbound', kind: 'outbound-no-sa', linuxCounter: 'XfrmOutNoStates' }))!;
    s.close();
    s = open(dir);
    expect(s.queryDrops({})).toEqual([first, second]);
    expect(s.appendDrop(drop({ reason: 'later' }))!.id).toBe(3);
  });
});
