// The Internet checksum against a naive reference (word by word with an end-around carry at
// every step, as RFC 1071 2 describes it) and against scapy's checksum().
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finishChecksum, foldSum, internetChecksum, pseudoHeaderSum, sumWords, updateChecksum16 } from '../../src/packet/checksum.js';
import { hasOracle } from '../support/oracle.js';
import { scapy } from './scapy.js';

/** RFC 1071 2: one's complement addition, carry folded back after each word. */
function naiveChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    const word = (bytes[i]! << 8) | (i + 1 < bytes.length ? bytes[i + 1]! : 0);
    sum += word;
    if (sum > 0xffff) sum = (sum & 0xffff) + 1;
  }
  return ~sum & 0xffff;
}

describe('internetChecksum', () => {
  it('equals the naive one-carry-per-word reference for any bytes, odd lengths included', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
      expect(internetChecksum(bytes)).toBe(naiveChecksum(bytes));
    }), { numRuns: 500 });
  });

  it('makes the data verify to zero once the checksum is stored in it', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 2, maxLength: 200 }).map((b) => (b.length % 2 ? b.subarray(1) : b)), (bytes) => {
      const copy = Buffer.from(bytes);
      copy[0] = 0; copy[1] = 0;
      const c = internetChecksum(copy);
      copy.writeUInt16BE(c, 0);
      expect(internetChecksum(copy)).toBe(0);
    }));
  });

  it('reads only [off, off + len) of a larger buffer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(20), fc.nat(20), (bytes, pre, post) => {
      const big = Buffer.concat([Buffer.alloc(pre, 0xab), bytes, Buffer.alloc(post, 0xcd)]);
      expect(internetChecksum(big, pre, bytes.length)).toBe(naiveChecksum(bytes));
    }));
  });

  it('folds sums far beyond 32 bits without losing carries', () => {
    const ones = Buffer.alloc(200_000, 0xff);
    expect(internetChecksum(ones)).toBe(naiveChecksum(ones));
    expect(foldSum(0xffff * 100_000)).toBe(0xffff);
    expect(finishChecksum(0)).toBe(0xffff);
  });
});

describe('pseudoHeaderSum', () => {
  it('sums the same words as an RFC 768 IPv4 pseudo-header laid out byte by byte', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }), (addrs, proto, len) => {
      const layout = Buffer.concat([addrs, Buffer.from([0, proto, len >> 8, len & 0xff])]);
      expect(finishChecksum(pseudoHeaderSum(addrs, 0, 4, 4, proto, len))).toBe(naiveChecksum(layout));
    }));
  });

  it('sums the same words as an RFC 8200 8.1 IPv6 pseudo-header laid out byte by byte', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xfffff }), (addrs, proto, len) => {
      const lenBytes = Buffer.alloc(4); lenBytes.writeUInt32BE(len);
      const layout = Buffer.concat([addrs, lenBytes, Buffer.from([0, 0, 0, proto])]);
      expect(finishChecksum(pseudoHeaderSum(addrs, 0, 16, 16, proto, len))).toBe(naiveChecksum(layout));
    }));
  });

  it('continues a sum across segments the way one contiguous buffer would', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 50 }).map((b) => b.subarray(0, b.length & ~1)), fc.uint8Array({ maxLength: 50 }), (a, b) => {
      expect(finishChecksum(sumWords(b, 0, b.length, sumWords(a, 0, a.length)))).toBe(naiveChecksum(Buffer.concat([a, b])));
    }));
  });
});

describe('updateChecksum16 (RFC 1624 eqn. 3)', () => {
  it('gives the checksum a full recomputation gives after one word changes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 64 }).map((b) => b.subarray(0, b.length & ~1)), fc.nat(), fc.integer({ min: 0, max: 0xffff }), (bytes, pick, newWord) => {
      const data = Buffer.from(bytes);
      const at = 2 * (pick % (data.length / 2));
      const before = internetChecksum(data);
      const oldWord = data.readUInt16BE(at);
      data.writeUInt16BE(newWord, at);
      const full = internetChecksum(data);
      const incremental = updateChecksum16(before, oldWord, newWord);
      // One's complement has two zeros; RFC 1624 4 notes the incremental form may yield either.
      expect(incremental === full || (incremental ^ full) === 0xffff && (full === 0 || full === 0xffff)).toBe(true);
    }), { numRuns: 500 });
  });
});

describe.skipIf(!hasOracle('scapy'))('internetChecksum against scapy', () => {
  it('matches scapy.utils.checksum on random inputs', () => {
    const inputs = fc.sample(fc.uint8Array({ maxLength: 300 }), 60).map((b) => Buffer.from(b).toString('hex'));
    const theirs = scapy<number[]>('print(json.dumps([checksum(bytes.fromhex(h)) for h in data]))', inputs);
    expect(inputs.map((h) => internetChecksum(Buffer.from(h, 'hex')))).toEqual(theirs);
  });
});
