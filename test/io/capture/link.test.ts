// Link-layer decoding by LINKTYPE, on frames laid out by hand from the link-type descriptions
// (tcpdump.org LINKTYPE_* pages, draft-ietf-opsawg-pcaplinktype) and on frameForLink output.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKTYPE, decodeLink, isSupportedLinkType } from '../../../src/io/capture/link.js';
import { frameForLink } from '../../../src/io/capture/writer.js';
import { buildIpv4 } from '../../../src/packet/ipv4.js';
import { buildIpv6 } from '../../../src/packet/ipv6.js';
import { hex } from '../../packet/helpers.js';

const v4 = buildIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 50 }, hex('00001001 00000001'));
const v6 = buildIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 50 }, hex('00001001 00000001'));

function expectIp(linkType: number, frame: Buffer, ip: Buffer, offset: number, fcs = 0): void {
  const r = decodeLink(linkType, frame, fcs);
  expect(r).toMatchObject({ ok: true, version: ip[0]! >> 4, offset });
  if (r.ok) expect(r.ip.equals(ip)).toBe(true);
}

describe('decodeLink', () => {
  it('finds IPv4 and IPv6 in Ethernet frames by EtherType', () => {
    const mac = hex('020000000002 020000000001');
    expectIp(LINKTYPE.ETHERNET, Buffer.concat([mac, hex('0800'), v4]), v4, 14);
    expectIp(LINKTYPE.ETHERNET, Buffer.concat([mac, hex('86dd'), v6]), v6, 14);
  });

  it('skips 802.1Q and 802.1ad (Q-in-Q) tags', () => {
    const mac = hex('020000000002 020000000001');
    expectIp(LINKTYPE.ETHERNET, Buffer.concat([mac, hex('8100 0064 0800'), v4]), v4, 18);
    expectIp(LINKTYPE.ETHERNET, Buffer.concat([mac, hex('88a8 00c8 8100 0064 86dd'), v6]), v6, 22);
    const deep = Buffer.concat([mac, ...Array.from({ length: 9 }, () => hex('8100 0001')), hex('0800'), v4]);
    expect(decodeLink(LINKTYPE.ETHERNET, deep)).toMatchObject({ ok: false, reason: 'too-many-vlan-tags' });
  });

  it('says which EtherType it skipped when the frame is not IP', () => {
    const arp = Buffer.concat([hex('ffffffffffff 020000000001 0806'), Buffer.alloc(28)]);
    expect(decodeLink(LINKTYPE.ETHERNET, arp)).toMatchObject({ ok: false, reason: 'not-ip', detail: expect.stringContaining('0x0806') });
  });

  it('cuts off the FCS when the capture says frames carry one', () => {
    const frame = Buffer.concat([hex('020000000002 020000000001 0800'), v4, hex('deadbeef')]);
    expectIp(LINKTYPE.ETHERNET, frame, v4, 14, 4);
  });

  it('reads raw IP under 101, 12 and 14, and checks the version under 228 and 229', () => {
    for (const lt of [LINKTYPE.RAW, LINKTYPE.RAW_DLT12, LINKTYPE.RAW_DLT14]) { expectIp(lt, v4, v4, 0); expectIp(lt, v6, v6, 0); }
    expectIp(LINKTYPE.IPV4, v4, v4, 0);
    expectIp(LINKTYPE.IPV6, v6, v6, 0);
    expect(decodeLink(LINKTYPE.IPV4, v6)).toMatchObject({ ok: false, reason: 'bad-ip-version' });
    expect(decodeLink(LINKTYPE.RAW, hex('55'))).toMatchObject({ ok: false, reason: 'bad-ip-version' });
  });

  it('reads BSD NULL in either byte order with AF_INET 2 and AF_INET6 24, 28, 30', () => {
    expectIp(LINKTYPE.NULL, Buffer.concat([hex('02000000'), v4]), v4, 4);
    expectIp(LINKTYPE.NULL, Buffer.concat([hex('00000002'), v4]), v4, 4);
    for (const af of ['18', '1c', '1e']) {
      expectIp(LINKTYPE.NULL, Buffer.concat([hex(`${af}000000`), v6]), v6, 4);
      expectIp(LINKTYPE.NULL, Buffer.concat([hex(`000000${af}`), v6]), v6, 4);
    }
    expect(decodeLink(LINKTYPE.NULL, Buffer.concat([hex('07000000'), v4]))).toMatchObject({ ok: false, reason: 'not-ip' });
  });

  it('reads OpenBSD LOOP in network byte order only', () => {
    expectIp(LINKTYPE.LOOP, Buffer.concat([hex('00000002'), v4]), v4, 4);
    expectIp(LINKTYPE.LOOP, Buffer.concat([hex('00000018'), v6]), v6, 4);
    expect(decodeLink(LINKTYPE.LOOP, Buffer.concat([hex('02000000'), v4]))).toMatchObject({ ok: false, reason: 'not-ip' });
  });

  it('reads Linux cooked SLL (protocol at 14) and SLL2 (protocol at 0)', () => {
    const sll = hex('0000 0001 0006 020000000001 0000');
    expectIp(LINKTYPE.LINUX_SLL, Buffer.concat([sll, hex('0800'), v4]), v4, 16);
    expectIp(LINKTYPE.LINUX_SLL, Buffer.concat([sll, hex('86dd'), v6]), v6, 16);
    const sll2 = (proto: string): Buffer => hex(`${proto} 0000 00000002 0001 04 06 020000000001 0000`);
    expectIp(LINKTYPE.LINUX_SLL2, Buffer.concat([sll2('0800'), v4]), v4, 20);
    expectIp(LINKTYPE.LINUX_SLL2, Buffer.concat([sll2('86dd'), v6]), v6, 20);
    expect(decodeLink(LINKTYPE.LINUX_SLL2, Buffer.concat([sll2('0806'), Buffer.alloc(28)]))).toMatchObject({ ok: false, reason: 'not-ip' });
  });

  it('reports truncated for every length shorter than the link header plus one IP byte', () => {
    const cases: [number, Buffer][] = [
      [LINKTYPE.ETHERNET, frameForLink(LINKTYPE.ETHERNET, v4, { vlans: [{ tpid: 0x8100, id: 5 }] })],
      [LINKTYPE.NULL, frameForLink(LINKTYPE.NULL, v4)], [LINKTYPE.LOOP, frameForLink(LINKTYPE.LOOP, v6)],
      [LINKTYPE.LINUX_SLL, frameForLink(LINKTYPE.LINUX_SLL, v4)], [LINKTYPE.LINUX_SLL2, frameForLink(LINKTYPE.LINUX_SLL2, v6)],
      [LINKTYPE.RAW, v4],
    ];
    for (const [lt, frame] of cases) {
      const header = frame.length - (frame.includes(v4) ? v4.length : v6.length);
      for (let n = 0; n <= header; n++) {
        expect(decodeLink(lt, frame.subarray(0, n)), `link ${lt} length ${n}`).toMatchObject({ ok: false, reason: 'truncated' });
      }
    }
  });

  it('refuses link types it does not decode', () => {
    expect(isSupportedLinkType(105)).toBe(false);
    expect(decodeLink(105, v4)).toMatchObject({ ok: false, reason: 'unsupported-link-type' });
  });

  it('never throws on random frames of any supported link type', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.values(LINKTYPE)), fc.uint8Array({ maxLength: 64 }), fc.nat(5), (lt, frame, fcs) => {
      expect(typeof decodeLink(lt, frame, fcs).ok).toBe('boolean');
    }), { numRuns: 3000 });
  });

  it('decodes what frameForLink builds, for every link type and both versions', () => {
    for (const lt of Object.values(LINKTYPE)) {
      for (const ip of [v4, v6]) {
        if ((lt === LINKTYPE.IPV4 && ip === v6) || (lt === LINKTYPE.IPV6 && ip === v4)) {
          expect(() => frameForLink(lt, ip)).toThrow(RangeError);
          continue;
        }
        const r = decodeLink(lt, frameForLink(lt, ip));
        expect(r.ok && r.ip.equals(ip), `link ${lt} IPv${ip[0]! >> 4}`).toBe(true);
      }
    }
  });
});
