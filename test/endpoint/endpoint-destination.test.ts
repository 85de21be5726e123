// Listening on 0.0.0.0, the native UDP socket reports each datagram's local destination
// (IP_PKTINFO), so inbound SAs match on SPI and destination (RFC 4301 4.1: an SA is identified
// by SPI, destination and protocol) instead of SPI alone. Loopback answers on all of 127/8,
// so 127.0.0.1 and 127.0.0.2 are two local destinations of one socket.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';

import { IpsecEndpoint } from '../../src/endpoint/endpoint.js';
import type { DropRecord } from '../../src/endpoint/drop-record.js';
import type { ManualSaConfig } from '../../src/config/types.js';
import { loadUdpAddon } from '../../src/io/udp/udp-addon.js';
import { buildIpv4 } from '../../src/packet/ipv4.js';
import { buildUdp } from '../../src/packet/udp.js';

const open: IpsecEndpoint[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const native = loadUdpAddon() !== null;
if (!native) console.warn('\n*** destination matching tests SKIPPED: the native addon is not built ***\n');

function sa(name: string, direction: 'inbound' | 'outbound', dst: string, srcPort: number, dstPort: number, key: Buffer): ManualSaConfig {
  return {
    name, spi: 0x3001, direction, src: '127.0.0.1', dst, encapsulation: { srcPort, dstPort }, mode: 'tunnel',
    transform: { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' },
    keys: { encryptionKey: key, integrityKey: new Uint8Array(0) }, esn: false, replayWindow: 64, reqid: 1,
  };
}

function inner(): Buffer {
  return buildIpv4({ src: '10.1.0.5', dst: '10.2.0.9', protocol: 17 }, buildUdp({ src: '10.1.0.5', dst: '10.2.0.9', srcPort: 5000, dstPort: 6000 }, Buffer.from('to one destination')));
}

/** Sender a (127.0.0.1) protects toward `sendTo`; receiver b listens on 0.0.0.0 with an inbound SA for `saDst`. */
async function setup(sendTo: string, saDst: string) {
  const a = await IpsecEndpoint.open({ listen: { address: '127.0.0.1', port: 0 }, keepaliveMs: null });
  const b = await IpsecEndpoint.open({ listen: { address: '0.0.0.0', port: 0 }, keepaliveMs: null });
  open.push(a, b);
  const key = randomBytes(20);
  a.addPolicy({ id: 'a-b', action: 'protect', selectors: { local: '10.1.0.0/24', remote: '10.2.0.0/24' }, template: { mode: 'tunnel', peer: sendTo, reqid: 1 } });
  b.addPolicy({ id: 'b-a', action: 'protect', selectors: { local: '10.2.0.0/24', remote: '10.1.0.0/24' }, template: { mode: 'tunnel', peer: '127.0.0.1', reqid: 1 } });
  a.addSa(sa('a-to-b', 'outbound', sendTo, a.listen.port, b.listen.port, key));
  b.addSa(sa('a-to-b', 'inbound', saDst, a.listen.port, b.listen.port, key));
  return { a, b };
}

function outcome(b: IpsecEndpoint): Promise<'delivered' | DropRecord> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither delivered nor dropped within 3 s')), 3000);
    b.once('delivered', () => { clearTimeout(timer); resolve('delivered'); });
    b.once('drop', (r) => { clearTimeout(timer); resolve(r); });
  });
}

describe.skipIf(!native)('inbound SA lookup by destination on a wildcard listener', () => {
  it('delivers a packet sent to the SA destination', async () => {
    const { a, b } = await setup('127.0.0.2', '127.0.0.2');
    const got = outcome(b);
    expect(a.send(inner()).verdict).toBe('protected');
    expect(await got).toBe('delivered');
  });

  it('refuses a packet with the right SPI sent to another local address, as an unknown SPI', async () => {
    const { a, b } = await setup('127.0.0.1', '127.0.0.2');
    const got = outcome(b);
    expect(a.send(inner()).verdict).toBe('protected');
    const r = await got;
    expect(r).not.toBe('delivered');
    expect((r as DropRecord).windowsName).toBe('ERROR_IPSEC_BAD_SPI');
  });
});
