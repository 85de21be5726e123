// Outbound ESP (RFC 4303 3.3): builds the whole packet
//   SPI || seq-lo || IV || encrypt(payload || TFC zeros || padding || pad length || next header) || ICV
// in one allocation. Sequence numbers come from the caller (the SA), which never repeats one
// for a key: that is what makes the default IV of the counter modes unique.
import { writeU32 } from '../wire/bytes.js';
import type { EspCipher } from './cipher.js';
import { transformOf } from './cipher.js';
import type { EspTransformOps } from './transforms/ops.js';
import { ESP_HEADER_LENGTH } from './transforms/ops.js';
import { allocPacket } from './transforms/packet-slab.js';
import { fillRandomIv } from './transforms/random-iv.js';

export interface EspSealParams {
  /** Security Parameters Index, u32. */
  spi: number;
  /** High 32 bits of the 64-bit sequence number (ESN); must be 0 when esn is false. */
  seqHi: number;
  /** Low 32 bits: the sequence number sent on the wire. */
  seqLo: number;
  /** The SA uses extended sequence numbers (RFC 4303 2.2.1). */
  esn: boolean;
  /** Next header: 4 (IPv4) or 41 (IPv6) in tunnel mode, 59 for a dummy packet (RFC 4303 2.6). */
  nextHeader: number;
  payload: Uint8Array;
  /** Traffic flow confidentiality (RFC 4303 2.7): zero-pad the payload up to this many bytes. */
  tfcPadTo?: number;
  /** For test vectors only: the IV to send. By default counter modes send (seqHi, seqLo), CBC a random IV. */
  iv?: Uint8Array;
  /**
   * Write the packet into this buffer (from offset 0) instead of fresh memory, and return a
   * view of it: a sender with a ring of send buffers allocates nothing per packet. It must be
   * large enough (RangeError otherwise) and not in use by a send still in flight.
   */
  out?: Buffer;
}

/** An ESP packet rides in one IP datagram: no plaintext can be longer than this. */
const MAX_PLAINTEXT = 65535;

/** Returns the whole ESP packet, starting at the SPI. Misuse throws TypeError / RangeError. */
export function encapsulate(cipher: EspCipher, p: EspSealParams): Buffer {
  const ops = transformOf(cipher, 'cipher');
  checkSealParams(ops, p);
  const payloadLength = Math.max(p.payload.length, p.tfcPadTo ?? 0);
  const padLength = paddingFor(payloadLength, ops.alignment);
  const plaintextLength = payloadLength + padLength + 2;
  const plaintextOffset = ESP_HEADER_LENGTH + ops.ivLength;
  // Every byte is written below (header, IV, ciphertext, ICV): reused memory leaks nothing.
  const length = plaintextOffset + plaintextLength + ops.icvLength;
  const packet = p.out === undefined ? allocPacket(length) : outView(p.out, length);
  writeU32(packet, 0, p.spi);
  writeU32(packet, 4, p.seqLo); // RFC 4303 2.2.1: only the low 32 bits are sent
  writeIv(ops, packet, p);
  // Clear text goes straight into the packet; the others are staged in per-SA scratch.
  if (ops.clearText) writePlaintext(packet, plaintextOffset, p.payload, payloadLength, padLength, p.nextHeader);
  else writePlaintext(ops.staging(plaintextLength), 0, p.payload, payloadLength, padLength, p.nextHeader);
  ops.seal(packet, plaintextLength, p.esn, p.seqHi);
  return packet;
}

function outView(out: Buffer, length: number): Buffer {
  if (!Buffer.isBuffer(out)) throw new TypeError('p.out must be a Buffer');
  if (out.length < length) throw new RangeError(`p.out must hold at least ${length} bytes for this packet; got ${out.length}`);
  return Buffer.from(out.buffer, out.byteOffset, length);
}

/** RFC 4303 2.4: the fewest padding bytes that right-align pad length and next header. */
function paddingFor(payloadLength: number, alignment: number): number {
  const rest = (payloadLength + 2) % alignment;
  return rest === 0 ? 0 : alignment - rest;
}

function writeIv(ops: EspTransformOps, packet: Buffer, p: EspSealParams): void {
  if (p.iv !== undefined) {
    packet.set(p.iv, ESP_HEADER_LENGTH);
  } else if (ops.ivSource === 'sequence') {
    // RFC 4106 3.1, RFC 7634 2, RFC 3686: the IV only has to be unique for the key, and the
    // 64-bit sequence number is (it never repeats for one SA).
    writeU32(packet, ESP_HEADER_LENGTH, p.seqHi);
    writeU32(packet, ESP_HEADER_LENGTH + 4, p.seqLo);
  } else if (ops.ivSource === 'random') {
    fillRandomIv(packet, ESP_HEADER_LENGTH, ops.ivLength); // RFC 3602: random and unpredictable
  }
}

/** At out[off]: payload || TFC zeros || 1, 2, 3, ... (RFC 4303 2.4) || pad length || next header. */
function writePlaintext(out: Buffer, off: number, payload: Uint8Array, payloadLength: number, padLength: number, nextHeader: number): void {
  out.set(payload, off);
  if (payloadLength > payload.length) out.fill(0, off + payload.length, off + payloadLength);
  const trailer = off + payloadLength;
  for (let i = 0; i < padLength; i++) out[trailer + i] = i + 1;
  out[trailer + padLength] = padLength;
  out[trailer + padLength + 1] = nextHeader;
}

function checkSealParams(ops: EspTransformOps, p: EspSealParams): void {
  if (typeof p !== 'object' || p === null) throw new TypeError('p must be an EspSealParams object');
  checkU32('p.spi', p.spi);
  checkU32('p.seqHi', p.seqHi);
  checkU32('p.seqLo', p.seqLo);
  if (typeof p.esn !== 'boolean') throw new TypeError('p.esn must be a boolean');
  // RFC 4303 3.3.3: without ESN the counter must not cycle, so a high half can only be a bug.
  if (!p.esn && p.seqHi !== 0) throw new RangeError(`p.seqHi must be 0 when p.esn is false; got ${p.seqHi}`);
  checkInteger('p.nextHeader', p.nextHeader, 0, 255);
  if (!(p.payload instanceof Uint8Array)) throw new TypeError('p.payload must be a Uint8Array');
  if (p.payload.length > MAX_PLAINTEXT) throw new RangeError(`p.payload must be at most ${MAX_PLAINTEXT} bytes; got ${p.payload.length}`);
  if (p.tfcPadTo !== undefined) checkInteger('p.tfcPadTo', p.tfcPadTo, 0, MAX_PLAINTEXT);
  checkIv(ops, p.iv);
}

function checkIv(ops: EspTransformOps, iv: Uint8Array | undefined): void {
  if (iv === undefined) return;
  if (!(iv instanceof Uint8Array)) throw new TypeError('p.iv must be a Uint8Array');
  if (iv.length !== ops.ivLength) throw new RangeError(`p.iv must be ${ops.ivLength} bytes for this cipher; got ${iv.length}`);
}

function checkU32(name: string, value: number): void {
  checkInteger(name, value, 0, 0xffffffff);
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number; got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}]; got ${value}`);
  }
}
