// Every class of malformed input, each with the exact reason, offset and notify RFC 7296 asks for
// (2.5 for versions and critical payloads, 2.21 / 3.x for syntax). Expected offsets are counted by
// hand on the vectors of vectors.ts.
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodePayloadChain } from '../../../src/ike/message/message.js';
import { NOTIFY_ERROR, PAYLOAD } from '../../../src/ike/message/numbers.js';
import type { IkeDecodeReason, IkeDecodeResult } from '../../../src/ike/message/types.js';
import { AUTH_REQUEST_FRAGMENT, AUTH_REQUEST_SEALED, INIT_OFFSETS as O, INIT_REQUEST, h } from './vectors.js';

const SYNTAX = NOTIFY_ERROR.INVALID_SYNTAX;

/** A copy of `base` with `bytes` (hex) written at `at`. */
function patch(base: Buffer, at: number, bytes: string): Buffer {
  const out = Buffer.from(base);
  h(bytes).copy(out, at);
  return out;
}

/** A copy of `base` with `extra` appended and the header Length fixed to match. */
function extended(base: Buffer, extra: string): Buffer {
  const out = Buffer.concat([base, h(extra)]);
  out.writeUInt32BE(out.length, 24);
  return out;
}

interface Case {
  readonly name: string;
  readonly run: () => IkeDecodeResult<unknown>;
  readonly reason: IkeDecodeReason;
  readonly offset: number;
  readonly notify: number | null;
}

const msg = (b: Buffer) => () => decodeMessage(b);
const chain = (type: number, hex: string) => () => decodePayloadChain(h(hex), type, 1000);

const CASES: readonly Case[] = [
  { name: 'a datagram shorter than the 28-octet header', run: msg(INIT_REQUEST.subarray(0, 27)), reason: 'truncated-header', offset: 0, notify: null },
  { name: 'a header Length that differs from the datagram', run: msg(Buffer.concat([INIT_REQUEST, h('00')])), reason: 'bad-length', offset: 24, notify: null },
  { name: 'a higher major version (answered INVALID_MAJOR_VERSION)', run: msg(patch(INIT_REQUEST, 17, '30')), reason: 'bad-major-version', offset: 17, notify: NOTIFY_ERROR.INVALID_MAJOR_VERSION },
  { name: 'a lower major version (IKEv1: dropped without a notify)', run: msg(patch(INIT_REQUEST, 17, '10')), reason: 'bad-major-version', offset: 17, notify: null },
  { name: 'a Payload Length below 4', run: msg(patch(INIT_REQUEST, O.sa + 2, '0003')), reason: 'bad-payload-length', offset: O.sa + 2, notify: SYNTAX },
  { name: 'a payload running past the end of the message', run: msg(patch(INIT_REQUEST, O.natdD + 2, '001d')), reason: 'truncated-payload', offset: O.natdD + 2, notify: SYNTAX },
  { name: 'a Next Payload promising a payload after the last octet', run: msg(patch(INIT_REQUEST, O.natdD, '29')), reason: 'truncated-payload', offset: O.end, notify: SYNTAX },
  { name: 'octets after the last payload', run: msg(extended(INIT_REQUEST, '00000000')), reason: 'trailing-bytes', offset: O.end, notify: SYNTAX },
  { name: 'octets after an empty chain', run: msg(extended(patch(INIT_REQUEST.subarray(0, 28), 16, '00'), '0000')), reason: 'trailing-bytes', offset: 28, notify: SYNTAX },
  { name: 'an SK payload that is not the last', run: msg(extended(AUTH_REQUEST_SEALED, '00000004')), reason: 'sk-not-last', offset: 30, notify: SYNTAX },
  { name: 'an SKF payload that is not the last', run: msg(extended(AUTH_REQUEST_FRAGMENT, '00000004')), reason: 'sk-not-last', offset: 30, notify: SYNTAX },
  {
    name: 'an unknown payload with the critical bit', run: msg(patch(patch(INIT_REQUEST, O.nonce, 'c8'), O.natdS + 1, '80')),
    reason: 'unsupported-critical-payload', offset: O.natdS, notify: NOTIFY_ERROR.UNSUPPORTED_CRITICAL_PAYLOAD,
  },
  { name: 'a KE payload shorter than its fixed fields', run: msg(patch(INIT_REQUEST, O.ke, '28 00 0006')), reason: 'bad-payload-length', offset: O.ke + 2, notify: SYNTAX },
  { name: 'an SA payload with no proposal', run: chain(PAYLOAD.SA, '00 00 0004'), reason: 'malformed-payload', offset: 1004, notify: SYNTAX },
  { name: 'a proposal Last Substruc of 2 on the last proposal', run: msg(patch(INIT_REQUEST, O.proposal, '02')), reason: 'malformed-payload', offset: O.proposal, notify: SYNTAX },
  { name: 'a proposal overrunning its SA payload', run: msg(patch(INIT_REQUEST, O.proposal + 2, '0030')), reason: 'malformed-payload', offset: O.proposal + 2, notify: SYNTAX },
  { name: 'a proposal whose transform count disagrees', run: msg(patch(INIT_REQUEST, O.proposal + 7, '05')), reason: 'malformed-payload', offset: O.transform1, notify: SYNTAX },
  { name: 'a transform overrunning its proposal', run: msg(patch(INIT_REQUEST, O.transform1 + 2, '0040')), reason: 'malformed-payload', offset: O.transform1 + 2, notify: SYNTAX },
  { name: 'a transform Length below 8', run: msg(patch(INIT_REQUEST, O.transform1 + 2, '0007')), reason: 'malformed-payload', offset: O.transform1 + 2, notify: SYNTAX },
  { name: 'a TLV attribute overrunning its transform', run: msg(patch(INIT_REQUEST, O.attribute, '000e 0010')), reason: 'malformed-payload', offset: O.attribute + 2, notify: SYNTAX },
  { name: 'a nonce of 15 octets', run: chain(PAYLOAD.NONCE, `00 00 0013 ${'01'.repeat(15)}`), reason: 'malformed-payload', offset: 1004, notify: SYNTAX },
  { name: 'a nonce of 257 octets', run: chain(PAYLOAD.NONCE, `00 00 0105 ${'01'.repeat(257)}`), reason: 'malformed-payload', offset: 1004, notify: SYNTAX },
  { name: 'a Notify SPI Size overrunning the payload', run: msg(patch(INIT_REQUEST, O.natdS + 5, '20')), reason: 'malformed-payload', offset: O.natdS + 5, notify: SYNTAX },
  { name: 'a Delete payload longer than its SPIs', run: chain(PAYLOAD.DELETE, '00 00 0010 03 04 0001 11111111 22222222'), reason: 'malformed-payload', offset: 1006, notify: SYNTAX },
  { name: 'a Delete payload shorter than its SPIs', run: chain(PAYLOAD.DELETE, '00 00 000c 03 04 0002 11111111'), reason: 'malformed-payload', offset: 1006, notify: SYNTAX },
  { name: 'an IPv4 selector with Selector Length 15', run: chain(PAYLOAD.TSi, '00 00 0018 01 000000 07 00 000f 0000 ffff c0000200 c00002ff'), reason: 'malformed-payload', offset: 1010, notify: SYNTAX },
  { name: 'an IPv6 selector with the IPv4 Selector Length', run: chain(PAYLOAD.TSr, `00 00 0018 01 000000 08 00 0010 0000 ffff ${'00'.repeat(8)}`), reason: 'malformed-payload', offset: 1010, notify: SYNTAX },
  { name: 'a TS payload counting more selectors than it carries', run: chain(PAYLOAD.TSi, '00 00 0018 02 000000 07 00 0010 0000 ffff c0000200 c00002ff'), reason: 'malformed-payload', offset: 1024, notify: SYNTAX },
  { name: 'a TS payload with octets after its selectors', run: chain(PAYLOAD.TSi, '00 00 001a 01 000000 07 00 0010 0000 ffff c0000200 c00002ff 0000'), reason: 'malformed-payload', offset: 1024, notify: SYNTAX },
  { name: 'an unknown TS Type (TS_FC_ADDR_RANGE, 9)', run: chain(PAYLOAD.TSi, '00 00 0018 01 000000 09 00 0010 0000 0000 00000000 00000000'), reason: 'malformed-payload', offset: 1008, notify: SYNTAX },
  { name: 'a CP attribute overrunning the payload', run: chain(PAYLOAD.CP, '00 00 000e 01 000000 0001 0004 0a00'), reason: 'malformed-payload', offset: 1010, notify: SYNTAX },
  { name: 'an EAP message whose Length disagrees', run: chain(PAYLOAD.EAP, '00 00 0009 01 05 0006 01'), reason: 'malformed-payload', offset: 1004, notify: SYNTAX },
  { name: 'an SK payload inside decrypted plaintext', run: chain(PAYLOAD.SK, '00 00 0008 00000000'), reason: 'malformed-payload', offset: 1000, notify: SYNTAX },
  { name: 'an SKF Fragment Number of 0 (dropped silently)', run: msg(patch(AUTH_REQUEST_FRAGMENT, 32, '0000')), reason: 'malformed-payload', offset: 32, notify: null },
  { name: 'an SKF Fragment Number above Total Fragments', run: msg(patch(AUTH_REQUEST_FRAGMENT, 32, '0004')), reason: 'malformed-payload', offset: 32, notify: null },
];

describe('malformed IKE messages are refused with a typed failure', () => {
  it.each(CASES)('refuses $name', (c) => {
    const r = c.run();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect({ reason: r.reason, offset: r.offset, notify: r.notify }).toEqual({ reason: c.reason, offset: c.offset, notify: c.notify });
    expect(r.detail.length).toBeGreaterThan(10);
  });

  it('answers an unknown critical payload with its type as the one octet of notify data', () => {
    const r = decodeMessage(patch(patch(INIT_REQUEST, O.nonce, 'c8'), O.natdS + 1, '80'));
    expect(!r.ok && r.notifyData).toEqual(Buffer.from([200]));
  });

  it('skips the same unknown payload without the critical bit, keeping it in the chain', () => {
    const r = decodeMessage(patch(INIT_REQUEST, O.nonce, 'c8'));
    expect(r.ok && r.value.payloads.map((p) => (p.kind === 'UNKNOWN' ? p.type : p.kind))).toEqual(['SA', 'KE', 'NONCE', 200, 'NOTIFY']);
  });

  it('refuses an SKF payload shorter than its fragment numbers as a bad payload length', () => {
    const short = h('0102030405060708 1112131415161718 35 20 23 08 00000001 00000022 23 00 0006 0000');
    const r = decodeMessage(short);
    expect(!r.ok && { reason: r.reason, offset: r.offset }).toEqual({ reason: 'bad-payload-length', offset: 30 });
  });

  it('counts failure offsets from the base offset given for decrypted plaintext', () => {
    const r = decodePayloadChain(h('00 00 0003'), PAYLOAD.NOTIFY, 64);
    expect(!r.ok && r.offset).toBe(66);
  });
});
