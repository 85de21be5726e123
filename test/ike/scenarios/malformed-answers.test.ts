// RFC 7296 2.5 and 2.21: what a malformed message gets back. Unprotected IKE_SA_INIT requests
// with a higher major version or an unknown critical payload get an unprotected notification;
// an authenticated request with an unknown critical payload inside SK gets a protected one.
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodePayloadChain, encodeMessage } from '../../../src/ike/message/message.js';
import { EXCHANGE, NOTIFY_ERROR, PAYLOAD } from '../../../src/ike/message/numbers.js';
import type { NotifyPayload, SkPayload } from '../../../src/ike/message/types.js';
import { ADDRESS_A, ADDRESS_B, IkePair } from '../support/ike-pair.js';

const FROM = { address: ADDRESS_A, port: 500 };
const TO = { address: ADDRESS_B, port: 500 };

function initRequest(): Buffer {
  return encodeMessage({
    initiatorSpi: Buffer.from('0102030405060708', 'hex'), responderSpi: Buffer.alloc(8), nextPayload: 0,
    exchangeType: EXCHANGE.IKE_SA_INIT, initiator: true, response: false, messageId: 0,
  }, [{ kind: 'NONCE', critical: false, nonce: Buffer.alloc(32, 7) }]);
}

function onlyNotify(bytes: Buffer): NotifyPayload {
  const m = decodeMessage(bytes);
  if (!m.ok) throw new Error(m.detail);
  expect(m.value.header.response).toBe(true);
  expect(m.value.payloads).toHaveLength(1);
  return m.value.payloads[0] as NotifyPayload;
}

describe('answers to malformed IKE messages', () => {
  it('an IKE_SA_INIT request with major version 3 gets INVALID_MAJOR_VERSION', () => {
    const pair = new IkePair();
    const bytes = initRequest();
    bytes[17] = 0x30;
    pair.b.manager.receive(bytes, TO, FROM);
    const [answer] = pair.take(pair.b);
    expect(onlyNotify((answer as { bytes: Buffer }).bytes).notifyType).toBe(NOTIFY_ERROR.INVALID_MAJOR_VERSION);
  });

  it('an IKE_SA_INIT request with an unknown critical payload gets UNSUPPORTED_CRITICAL_PAYLOAD naming its type', () => {
    const pair = new IkePair();
    const good = initRequest();
    // Append a critical payload of type 200 after the nonce.
    const extra = Buffer.from([0, 0x80, 0, 6, 0xaa, 0xbb]);
    const bytes = Buffer.concat([good, extra]);
    const nonceAt = 28;
    bytes[nonceAt] = 200; // the nonce's Next Payload now names the unknown payload
    bytes.writeUInt32BE(bytes.length, 24);
    pair.b.manager.receive(bytes, TO, FROM);
    const [answer] = pair.take(pair.b);
    const n = onlyNotify((answer as { bytes: Buffer }).bytes);
    expect(n.notifyType).toBe(NOTIFY_ERROR.UNSUPPORTED_CRITICAL_PAYLOAD);
    expect([...n.data]).toEqual([200]);
  });

  it('a broken response or a truncated request gets no answer at all', () => {
    const pair = new IkePair();
    pair.b.manager.receive(initRequest().subarray(0, 40), TO, FROM);
    const response = initRequest();
    response[17] = 0x30;
    response[19] = 0x20;
    pair.b.manager.receive(response, TO, FROM);
    expect(pair.take(pair.b)).toEqual([]);
  });

  it('an authenticated request with an unknown critical payload inside SK gets a protected UNSUPPORTED_CRITICAL_PAYLOAD', () => {
    const pair = new IkePair().establish();
    const ikeA = pair.a.manager.all()[0]!;
    const inner = Buffer.from([0, 0x80, 0, 5, 0x42]);
    const messageId = ikeA.window.nextId;
    const sealed = ikeA.crypto!.sealer.seal({
      initiatorSpi: ikeA.spiI, responderSpi: ikeA.spiR, nextPayload: PAYLOAD.SK, exchangeType: EXCHANGE.INFORMATIONAL,
      initiator: true, response: false, messageId,
    }, 201, inner);
    pair.b.manager.receive(sealed, { address: ADDRESS_B, port: 4500 }, { address: ADDRESS_A, port: 4500 });
    const [answer] = pair.take(pair.b);
    const decoded = decodeMessage((answer as { bytes: Buffer }).bytes);
    if (!decoded.ok) throw new Error(decoded.detail);
    expect(decoded.value.header.messageId).toBe(messageId);
    const sk = decoded.value.payloads[decoded.value.payloads.length - 1] as SkPayload;
    const opened = ikeA.crypto!.opener.open(decoded.value.raw, sk);
    if (!opened.ok) throw new Error(opened.reason);
    const chain = decodePayloadChain(opened.inner, opened.firstInnerType, 0);
    if (!chain.ok) throw new Error(chain.detail);
    expect(chain.value).toMatchObject([{ kind: 'NOTIFY', notifyType: NOTIFY_ERROR.UNSUPPORTED_CRITICAL_PAYLOAD }]);
    expect([...(chain.value[0] as NotifyPayload).data]).toEqual([201]);
  });
});
