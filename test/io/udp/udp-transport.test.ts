// UdpTransport on real loopback sockets, with both backends: the native one (recvmmsg and
// sendmmsg through the addon, when it is built) and node:dgram. The peer on the other side is
// a plain node:dgram socket, so what we send and receive is checked by code we did not write.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';

import { loadUdpAddon } from '../../../src/io/udp/udp-addon.js';
import type { TunAddon } from '../../../src/io/tun/tun-addon.js';
import { UdpBindError, UdpTransport } from '../../../src/io/udp/udp-transport.js';
import type { UdpBindOptions } from '../../../src/io/udp/udp-transport.js';

const nativeAvailable = loadUdpAddon() !== null;
if (!nativeAvailable) console.warn('\n*** native UDP tests SKIPPED: the addon is not built (cd native/tun && node build-addon.mjs) ***\n');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

interface Received { readonly payload: Buffer; readonly address: string; readonly port: number; readonly to: string | null }

async function transport(address: string, options: UdpBindOptions = {}): Promise<{ t: UdpTransport; got: Received[]; batches: () => number }> {
  const got: Received[] = [];
  let batches = 0;
  const t = await UdpTransport.bind(address, 0, (payload, from, to) => got.push({ payload: Buffer.from(payload), address: from.address, port: from.port, to }),
    { ...options, onBatchEnd: () => batches++ });
  cleanups.push(() => t.close());
  return { t, got, batches: () => batches };
}

async function peer(type: 'udp4' | 'udp6', address: string): Promise<{ socket: Socket; got: Buffer[] }> {
  const socket = createSocket({ type, ipv6Only: type === 'udp6' });
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  socket.setRecvBufferSize(1 << 20); // bursts of 150 datagrams must not overflow the peer
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { socket, got };
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const backends: { name: string; options: UdpBindOptions; skip: boolean }[] = [
  { name: 'native', options: { backend: 'auto' }, skip: !nativeAvailable },
  { name: 'dgram', options: { backend: 'dgram' }, skip: false },
];

for (const b of backends) {
  describe.skipIf(b.skip)(`UdpTransport (${b.name})`, () => {
    it('says which backend it uses', async () => {
      const { t } = await transport('127.0.0.1', b.options);
      expect(t.backend).toBe(b.name);
      expect(t.reportsDestination).toBe(b.name === 'native');
    });

    it('sends every datagram queued in one turn, in order, to a node:dgram peer', async () => {
      const { t } = await transport('127.0.0.1', b.options);
      const p = await peer('udp4', '127.0.0.1');
      const port = p.socket.address().port;
      // More than one sendmmsg chunk (64) and datagrams of different sizes.
      for (let i = 0; i < 150; i++) t.send(Buffer.alloc(1 + (i * 37) % 500, i), port, '127.0.0.1');
      await until(() => p.got.length === 150);
      p.got.forEach((m, i) => expect(m.equals(Buffer.alloc(1 + (i * 37) % 500, i))).toBe(true));
      expect(t.stats()).toEqual({ received: 0, sent: 150, sendErrors: 0 });
    });

    it('sends runs of equal-size datagrams (joined by UDP GSO natively) that arrive one by one, intact and in order', async () => {
      const { t } = await transport('127.0.0.1', b.options);
      const p = await peer('udp4', '127.0.0.1');
      const q = await peer('udp4', '127.0.0.1');
      const [pp, qp] = [p.socket.address().port, q.socket.address().port];
      // 100 of 1200 bytes to p (more than one GSO group), then interleaved p/q, then a short tail.
      const toP: Buffer[] = [];
      const toQ: Buffer[] = [];
      for (let i = 0; i < 100; i++) toP.push(Buffer.alloc(1200, i));
      for (let i = 0; i < 10; i++) (i % 2 === 0 ? toP : toQ).push(Buffer.alloc(1200, 200 + i));
      toP.push(Buffer.from('short tail'));
      for (const d of toP.slice(0, 100)) t.send(d, pp, '127.0.0.1');
      for (let i = 0; i < 10; i++) t.send(Buffer.alloc(1200, 200 + i), i % 2 === 0 ? pp : qp, '127.0.0.1');
      t.send(Buffer.from('short tail'), pp, '127.0.0.1');
      await until(() => p.got.length === toP.length && q.got.length === toQ.length);
      expect(p.got.every((m, i) => m.equals(toP[i]!))).toBe(true);
      expect(q.got.every((m, i) => m.equals(toQ[i]!))).toBe(true);
      expect(t.stats().sendErrors).toBe(0);
    });

    it('receives a run of equal-size datagrams from a batching peer as separate datagrams', async () => {
      const { t, got } = await transport('127.0.0.1', b.options);
      const sender = await transport('127.0.0.1', b.options);
      const sent = Array.from({ length: 70 }, (_, i) => Buffer.alloc(1000, i));
      sent.push(Buffer.from('last and shorter'));
      for (const d of sent) sender.t.send(d, t.port, '127.0.0.1');
      await until(() => got.length === sent.length);
      expect(got.every((g, i) => g.payload.equals(sent[i]!) && g.port === sender.t.port)).toBe(true);
    });

    it('delivers datagrams with their source address and port, and ends each batch', async () => {
      const { t, got, batches } = await transport('0.0.0.0', b.options);
      const p = await peer('udp4', '127.0.0.1');
      for (let i = 0; i < 40; i++) p.socket.send(Buffer.from(`datagram ${i}`), t.port, '127.0.0.1');
      await until(() => got.length === 40);
      expect(got.map((g) => g.payload.toString())).toEqual(Array.from({ length: 40 }, (_, i) => `datagram ${i}`));
      for (const g of got) {
        expect(g.address).toBe('127.0.0.1');
        expect(g.port).toBe(p.socket.address().port);
        // Listening on 0.0.0.0, only the native socket can say where the datagram went.
        expect(g.to).toBe(b.name === 'native' ? '127.0.0.1' : null);
      }
      expect(batches()).toBeGreaterThanOrEqual(1);
      expect(batches()).toBeLessThanOrEqual(40);
      expect(t.stats().received).toBe(40);
    });

    it('carries IPv6 both ways and reports the local IPv6 destination', async () => {
      const { t, got } = await transport('::', b.options);
      const p = await peer('udp6', '::1');
      p.socket.send(Buffer.from('over v6'), t.port, '::1');
      await until(() => got.length === 1);
      expect(got[0]).toMatchObject({ address: '::1', port: p.socket.address().port, to: b.name === 'native' ? '::1' : null });
      t.send(Buffer.from('reply'), p.socket.address().port, '::1');
      await until(() => p.got.length === 1);
      expect(p.got[0]!.toString()).toBe('reply');
    });

    it('receives a 60000-byte datagram whole', async () => {
      const { t, got } = await transport('127.0.0.1', b.options);
      const p = await peer('udp4', '127.0.0.1');
      const big = Buffer.alloc(60_000, 0xab);
      p.socket.send(big, t.port, '127.0.0.1');
      await until(() => got.length === 1);
      expect(got[0]!.payload.equals(big)).toBe(true);
    });

    // node:dgram reports nothing for this datagram (no 'error' event), so only the native socket is checked.
    if (b.name !== 'dgram') {
      it('counts a datagram the socket cannot send (IPv4 destination on an IPv6 socket) and sends the rest', async () => {
        const { t } = await transport('::1', b.options);
        const p = await peer('udp6', '::1');
        t.send(Buffer.from('first'), p.socket.address().port, '::1');
        t.send(Buffer.from('refused'), 9, '127.0.0.1');
        t.send(Buffer.from('last'), p.socket.address().port, '::1');
        await until(() => p.got.length === 2 && t.stats().sendErrors === 1);
        expect(p.got.map((m) => m.toString())).toEqual(['first', 'last']);
        expect(t.lastSendError).not.toBeNull();
      });
    }

    it('refuses a port in use with the message that says what to do', async () => {
      const { t } = await transport('127.0.0.1', b.options);
      const second = UdpTransport.bind('127.0.0.1', t.port, () => undefined, b.options);
      await expect(second).rejects.toBeInstanceOf(UdpBindError);
      await expect(second).rejects.toMatchObject({ errno: 'EADDRINUSE', message: expect.stringContaining('the port is in use') });
    });

    it('refuses an address no interface has', async () => {
      await expect(UdpTransport.bind('192.0.2.123', 0, () => undefined, b.options)).rejects.toMatchObject({ errno: 'EADDRNOTAVAIL' });
    });

    it('sends what was queued before close, then ignores sends; close twice is fine', async () => {
      const { t } = await transport('127.0.0.1', b.options);
      const p = await peer('udp4', '127.0.0.1');
      t.send(Buffer.from('before close'), p.socket.address().port, '127.0.0.1');
      await t.close();
      t.send(Buffer.from('after close'), p.socket.address().port, '127.0.0.1');
      await t.close();
      await until(() => p.got.length === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(p.got.map((m) => m.toString())).toEqual(['before close']);
    });
  });
}

describe('UdpTransport backend choice', () => {
  it('refuses text that is no IP address before opening anything', async () => {
    await expect(UdpTransport.bind('localhost', 0, () => undefined)).rejects.toMatchObject({ errno: 'EINVAL', message: "listen.address: 'localhost' is not an IPv4 or IPv6 address" });
  });

  it('falls back to node:dgram without the addon', async () => {
    const { t } = await transport('127.0.0.1', { loadAddon: () => null });
    expect(t.backend).toBe('dgram');
  });

  it('treats a TUN addon built before the UDP functions existed as no UDP addon', () => {
    const tunOnly = { open: () => ({ errno: 1 }), close: () => 0 } as unknown as TunAddon;
    expect(loadUdpAddon(() => ({ ok: true, addon: tunOnly, from: 'old build' }))).toBeNull();
    expect(loadUdpAddon(() => ({ ok: false, reason: 'addon-missing', detail: 'none', nextStep: 'build it' }))).toBeNull();
  });
});
