// The project's sample capture: two gateways exchange ESP (in UDP and as IP protocol 50,
// IPv4 and IPv6, tunnel and transport mode), and then, on purpose, every packet failure a
// capture plus its keys can prove. Each frame records what was done to it (`intent`), so a
// test can check diagnose against what the scenario did rather than against our own output.
// Deterministic: fixed keys, fixed IVs from a seeded generator, fixed timestamps.
import { createCipheriv, createHmac } from 'node:crypto';
import { createEspCipher } from '../src/esp/cipher.js';
import type { EspCipher } from '../src/esp/cipher.js';
import { encapsulate } from '../src/esp/encapsulate.js';
import type { KeyMaterial, TransformSpec } from '../src/esp/transform-spec.js';
import { buildIpv4 } from '../src/packet/ipv4.js';
import { buildIpv6 } from '../src/packet/ipv6.js';
import { buildUdp } from '../src/packet/udp.js';
import { internetChecksum } from '../src/packet/checksum.js';
import type { EspSaRecord } from '../src/io/keys/esp-sa-write.js';
import { fromHex } from '../src/wire/bytes.js';

/** What the scenario did to a frame, and the verdict a correct receiver gives it. */
export interface FrameIntent {
  readonly verdict: 'delivered' | 'dropped' | 'not-esp' | 'fragment';
  readonly code?: number;
  readonly cause?: string | null;
  readonly reason?: string;
  readonly note: string;
}

export interface ScenarioFrame {
  readonly timeMs: number;
  readonly ip: Buffer;
  readonly intent: FrameIntent;
}

export interface Scenario {
  readonly frames: readonly ScenarioFrame[];
  readonly keys: readonly EspSaRecord[];
}

const A = '198.51.100.10';
const B = '203.0.113.20';
const C = '203.0.113.99';
const A6 = '2001:db8:a::10';
const B6 = '2001:db8:b::20';
const NAT_T = 4500;
const START_MS = Date.UTC(2026, 10, 27, 9, 0, 0);

interface SaDef {
  readonly spi: number;
  readonly src: string;
  readonly dst: string;
  readonly family: 4 | 6;
  readonly transform: TransformSpec;
  readonly keys: KeyMaterial;
  readonly cipher: EspCipher;
  readonly esn: boolean;
  seq: number;
}

function sa(spi: number, src: string, dst: string, transform: TransformSpec, encKey: string, intKey: string, esn = false): SaDef {
  const keys = { encryptionKey: fromHex(encKey)!, integrityKey: fromHex(intKey)! };
  return { spi, src, dst, family: src.includes(':') ? 6 : 4, transform, keys, cipher: createEspCipher(transform, keys), esn, seq: 0 };
}

/** A small deterministic byte source for IVs and payload filler. */
class Bytes {
  private state = 0x1234567;
  next(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      this.state = (Math.imul(this.state, 1103515245) + 12345) >>> 0;
      out[i] = this.state >>> 24;
    }
    return out;
  }
}

function icmpEcho(src: string, dst: string, id: number, seq: number, size: number, fill: Bytes): Buffer {
  const icmp = Buffer.concat([Buffer.from([8, 0, 0, 0, id >> 8, id & 0xff, seq >> 8, seq & 0xff]), fill.next(size)]);
  icmp.writeUInt16BE(internetChecksum(icmp), 2);
  return buildIpv4({ src, dst, protocol: 1, identification: seq }, icmp);
}

function udpInner(src: string, dst: string, text: string): Buffer {
  const payload = Buffer.from(text);
  const build = src.includes(':') ? buildIpv6 : buildIpv4;
  return build({ src, dst, protocol: 17 }, buildUdp({ srcPort: 5353, dstPort: 9000, src, dst }, payload));
}

/** Seals the next packet of an SA; the IV comes from the scenario's seeded byte source. */
function seal(s: SaDef, inner: Buffer, fill: Bytes, opts: { nextHeader?: number; seq?: number; esn?: boolean } = {}): Buffer {
  const seqLo = opts.seq ?? ++s.seq;
  const iv = s.cipher.ivLength > 0 && s.transform.encryption === 'aes-cbc' ? fill.next(s.cipher.ivLength) : undefined;
  const nextHeader = opts.nextHeader ?? ((inner[0]! >> 4) === 6 ? 41 : 4);
  return encapsulate(s.cipher, { spi: s.spi, seqHi: 0, seqLo, esn: opts.esn ?? s.esn, nextHeader, payload: inner, ...(iv ? { iv } : {}) });
}

function inUdp(src: string, dst: string, payload: Buffer): Buffer {
  return buildIpv4({ src, dst, protocol: 17 }, buildUdp({ srcPort: NAT_T, dstPort: NAT_T, src, dst }, payload));
}

function rawEsp(src: string, dst: string, esp: Buffer): Buffer {
  return src.includes(':') ? buildIpv6({ src, dst, protocol: 50 }, esp) : buildIpv4({ src, dst, protocol: 50 }, esp);
}

/**
 * An ESP packet with a wrong padding byte on the NULL-encryption SA: built by hand with
 * node:crypto's HMAC (RFC 4303 2.4 padding 1,2,3,... is broken on purpose).
 */
function badPaddingPacket(s: SaDef, upper: Buffer): Buffer {
  const seq = ++s.seq;
  const padLength = (4 - ((upper.length + 2) % 4)) % 4 || 4;
  const pad = Buffer.from(Array.from({ length: padLength }, (_, i) => (i === 0 ? 0x99 : i + 1)));
  const header = Buffer.alloc(8);
  header.writeUInt32BE(s.spi, 0);
  header.writeUInt32BE(seq, 4);
  const body = Buffer.concat([header, upper, pad, Buffer.from([padLength, 17])]);
  const icv = createHmac('sha384', s.keys.integrityKey).update(body).digest().subarray(0, 24);
  return Buffer.concat([body, icv]);
}

/** An AES-GCM packet built by hand whose trailer says next header 99 in a tunnel SA. */
function unknownNextHeaderPacket(s: SaDef, inner: Buffer): Buffer {
  const seq = ++s.seq;
  const key = s.keys.encryptionKey;
  const iv = Buffer.alloc(8);
  iv.writeUInt32BE(seq, 4);
  const padLength = (4 - ((inner.length + 2) % 4)) % 4;
  const plaintext = Buffer.concat([inner, Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1)), Buffer.from([padLength, 99])]);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(s.spi, 0);
  header.writeUInt32BE(seq, 4);
  const gcm = createCipheriv('aes-128-gcm', key.subarray(0, 16), Buffer.concat([key.subarray(16), iv]), { authTagLength: 16 });
  gcm.setAAD(header);
  const ct = Buffer.concat([gcm.update(plaintext), gcm.final()]);
  return Buffer.concat([header, iv, ct, gcm.getAuthTag()]);
}

/** Splits an IPv4 packet into two fragments at a multiple of 8 bytes (RFC 791). */
function fragmentIpv4(src: string, dst: string, protocol: number, payload: Buffer, id: number): [Buffer, Buffer] {
  const cut = 1200;
  return [
    buildIpv4({ src, dst, protocol, identification: id, moreFragments: true }, payload.subarray(0, cut)),
    buildIpv4({ src, dst, protocol, identification: id, fragmentOffset: cut }, payload.subarray(cut)),
  ];
}

export function buildExampleScenario(): Scenario {
  const fill = new Bytes();
  const gcm = { encryption: 'aes-gcm', keyBits: 128, icvLength: 16, integrity: 'none' } as const;
  const ab = sa(0x0a0b0001, A, B, gcm, '0x00112233445566778899aabbccddeeff0a0b0c0d', '0x');
  const ba = sa(0x0b0a0001, B, A, { encryption: 'aes-cbc', keyBits: 128, integrity: 'hmac-sha256-128' },
    '0xffeeddccbbaa99887766554433221100', '0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const esnSa = sa(0x0a0b00e5, A, B, { encryption: 'aes-gcm', keyBits: 256, icvLength: 16, integrity: 'none' },
    '0x603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4c0ffee01', '0x');
  const v6 = sa(0x0a0b0006, A6, B6, { encryption: 'aes-ctr', keyBits: 256, integrity: 'hmac-sha512-256' },
    '0x776beff2851db06f4c8a0542c8696f6c6a81af1eec96b4d37fc1d689e6c1c104deadbeef',
    '0x' + 'a5'.repeat(64));
  const transport = sa(0x0a0b0007, A, B, { encryption: 'null', integrity: 'hmac-sha384-192' }, '0x', '0x' + '3c'.repeat(48));

  const frames: ScenarioFrame[] = [];
  let t = START_MS;
  const push = (ip: Buffer, intent: FrameIntent, gap = 10): void => { t += gap; frames.push({ timeMs: t, ip, intent }); };
  const ok = (note: string): FrameIntent => ({ verdict: 'delivered', note });
  const dropped = (code: number, cause: string | null, reason: string, note: string): FrameIntent => ({ verdict: 'dropped', code, cause, reason, note });
  const notEsp = (note: string): FrameIntent => ({ verdict: 'not-esp', note });

  // The key exchange happened before (its messages are here only as traffic to skip).
  push(buildIpv4({ src: A, dst: B, protocol: 17 }, buildUdp({ srcPort: 500, dstPort: 500, src: A, dst: B }, fill.next(64))), notEsp('IKE_SA_INIT (UDP 500)'));
  push(inUdp(A, B, Buffer.concat([Buffer.alloc(4), fill.next(80)])), notEsp('IKE message on UDP 4500 behind the non-ESP marker'));

  // Ping through the tunnel, both directions.
  const held: Buffer[] = [];
  for (let i = 1; i <= 5; i++) {
    const esp = seal(ab, icmpEcho('10.1.0.1', '10.2.0.1', 0x77, i, 56, fill), fill);
    if (i === 3) held.push(esp);
    push(inUdp(A, B, esp), ok(`echo request ${i} A->B (AES-GCM-128, ESP in UDP)`));
    push(inUdp(B, A, seal(ba, icmpEcho('10.2.0.1', '10.1.0.1', 0x77, i, 56, fill), fill)), ok(`echo reply ${i} B->A (AES-CBC + HMAC-SHA-256-128)`));
  }
  push(inUdp(A, B, Buffer.from([0xff])), notEsp('NAT-keepalive (RFC 3948)'));
  push(inUdp(A, B, held[0]!), dropped(13913, 'duplicate', 'duplicate', 'a copy of echo request 3, sent again'));

  // A burst of 70 small packets; packet 10 of it is held back and arrives after the window moved on.
  let late: Buffer | null = null;
  for (let i = 6; i <= 75; i++) {
    const esp = seal(ab, udpInner('10.1.0.1', '10.2.0.1', `burst ${i}`), fill);
    if (i === 10) { late = esp; continue; }
    push(inUdp(A, B, esp), ok(`burst packet seq ${i}`), 1);
  }
  push(inUdp(A, B, late!), dropped(13913, 'too-old', 'too-old', 'seq 10 arrives after seq 75: 65 behind, left of the 64-packet window'));

  // Integrity: one ciphertext byte flipped on the path.
  const tampered = Buffer.from(seal(ab, icmpEcho('10.1.0.1', '10.2.0.1', 0x77, 6, 56, fill), fill));
  tampered[30] = tampered[30]! ^ 0x01;
  push(inUdp(A, B, tampered), dropped(13915, null, 'icv-mismatch', 'echo request with one ciphertext bit flipped on the path'));

  // The sender of SA 0x0a0b00e5 uses extended sequence numbers; the receiver (key file) does not.
  for (let i = 0; i < 2; i++) {
    push(inUdp(A, B, seal(esnSa, udpInner('10.1.0.5', '10.2.0.5', `esn ${i}`), fill, { esn: true })),
      dropped(13915, 'esn-mismatch', 'esn-mismatch', 'sender uses ESN, the SA says 32-bit sequence numbers'));
  }

  // B answers on A->B's SPI: the SPIs are swapped on B.
  push(inUdp(B, A, seal(ab, icmpEcho('10.2.0.1', '10.1.0.1', 0x77, 7, 56, fill), fill)),
    dropped(13910, 'our-outbound-spi', 'spi-of-other-direction', "B sends with the SPI of the A->B SA"));
  // An SPI nobody ever set up.
  const unknown = Buffer.concat([Buffer.from('deadbeef00000001', 'hex'), fill.next(60)]);
  push(inUdp(A, B, unknown), dropped(13910, 'never-established', 'spi-unknown', 'SPI 0xdeadbeef was never set up'));
  // A reserved SPI as IP protocol 50.
  push(rawEsp(A, B, Buffer.concat([Buffer.from('0000000700000001', 'hex'), fill.next(40)])),
    dropped(13910, 'reserved', 'spi-reserved', 'SPI 7 is in the reserved range 1-255'));
  // A's packet for B's SA goes to another host C.
  push(inUdp(A, C, seal(ab, icmpEcho('10.1.0.1', '10.2.0.1', 0x77, 8, 56, fill), fill)),
    dropped(13910, 'wrong-destination', 'spi-for-other-destination', 'an A->B SPI sent to host C'));
  // Too short for the transform: header, 4 bytes, no IV or ICV.
  push(inUdp(A, B, Buffer.concat([Buffer.from('0a0b0001000000ff', 'hex'), fill.next(4)])),
    dropped(13914, null, 'truncated-esp', 'ESP packet of 12 bytes on an AES-GCM SA (needs 8 + 8 + 16 + 4)'));
  // Authenticated, but the trailer is wrong.
  push(inUdp(A, B, unknownNextHeaderPacket(ab, icmpEcho('10.1.0.1', '10.2.0.1', 0x77, 9, 24, fill))),
    dropped(13914, null, 'unknown-next-header', 'authentic packet whose trailer says next header 99'));
  // A dummy packet (next header 59) for traffic-flow confidentiality: valid, discarded by design.
  push(inUdp(A, B, seal(ab, fill.next(40), fill, { nextHeader: 59 })), ok('TFC dummy packet (next header 59)'));

  // A large ESP packet fragmented by the outer IPv4 layer, then reassembled.
  const big = seal(ab, icmpEcho('10.1.0.1', '10.2.0.1', 0x77, 10, 1400, fill), fill);
  const [f1, f2] = fragmentIpv4(A, B, 17, buildUdp({ srcPort: NAT_T, dstPort: NAT_T, src: A, dst: B }, big), 0x4242);
  push(f1, { verdict: 'fragment', note: 'first fragment of a 1,500-byte ESP-in-UDP datagram' });
  push(f2, ok('last fragment: the reassembled ESP packet is delivered'));

  // IPv6, ESP as IP protocol 50, AES-CTR-256 + HMAC-SHA-512-256.
  const v6Packets: Buffer[] = [];
  for (let i = 1; i <= 3; i++) {
    const esp = seal(v6, udpInner('2001:db8:1::1', '2001:db8:2::1', `v6 ${i}`), fill);
    v6Packets.push(esp);
    push(rawEsp(A6, B6, esp), ok(`IPv6 ESP packet ${i} (AES-CTR-256 + HMAC-SHA-512-256)`));
  }
  push(rawEsp(A6, B6, v6Packets[1]!), dropped(13913, 'duplicate', 'duplicate', 'a copy of IPv6 packet 2'));

  // Transport mode, NULL encryption with HMAC-SHA-384-192, IP protocol 50.
  for (let i = 1; i <= 2; i++) {
    const upper = buildUdp({ srcPort: 7000, dstPort: 7001, src: A, dst: B }, Buffer.from(`transport ${i}`));
    push(rawEsp(A, B, seal(transport, upper, fill, { nextHeader: 17 })), ok(`transport-mode UDP ${i} (NULL + HMAC-SHA-384-192)`));
  }
  push(rawEsp(A, B, badPaddingPacket(transport, buildUdp({ srcPort: 7000, dstPort: 7001, src: A, dst: B }, Buffer.from('bad pad')))),
    dropped(13914, null, 'bad-padding', 'authentic packet whose first padding byte is 0x99 instead of 1'));

  const keys: EspSaRecord[] = [ab, ba, esnSa, v6, transport].map((s) => ({
    family: s.family, src: s.src, dst: s.dst, spi: s.spi, transform: s.transform, keys: s.keys,
  }));
  return { frames, keys };
}
