// RFC 7296 2.23: NAT detection. Each side sends SHA-1(SPIi | SPIr | IP | port) of its own
// source (NAT_DETECTION_SOURCE_IP, possibly several) and of the destination it sent to
// (NAT_DETECTION_DESTINATION_IP). A mismatch on arrival means an address was translated, and
// everything after IKE_SA_INIT moves to port 4500 with ESP in UDP (RFC 3948).
//
// Our data plane speaks only ESP in UDP, so with `forceEncapsulation` we send a source hash that
// cannot match (strongSwan's `encap = yes` does the same): the peer then believes we are behind
// a NAT and encapsulates too.
import { createHash } from 'node:crypto';
import { parseIp } from '../../wire/address.js';
import type { UdpAddress } from '../ports.js';

/** SHA-1 over SPIi | SPIr | address octets | port (network order). */
export function natDetectionHash(spiI: Buffer, spiR: Buffer, at: UdpAddress): Buffer {
  const ip = parseIp(at.address);
  if (ip === null) throw new RangeError(`not an IP address: ${at.address}`);
  const port = Buffer.alloc(2);
  port.writeUInt16BE(at.port, 0);
  return createHash('sha1').update(spiI).update(spiR).update(ip).update(port).digest();
}

export interface NatDetectionData {
  readonly source: Buffer;
  readonly destination: Buffer;
}

/** What we send: our source (faked when forcing encapsulation) and the peer's address as we see it. */
export function natDetectionToSend(spiI: Buffer, spiR: Buffer, local: UdpAddress, remote: UdpAddress, force: boolean, random: (n: number) => Buffer): NatDetectionData {
  return {
    source: force ? random(20) : natDetectionHash(spiI, spiR, local),
    destination: natDetectionHash(spiI, spiR, remote),
  };
}

export interface NatDetectionResult {
  /** The peer is behind a NAT (none of its source hashes match where its message came from). */
  readonly remoteBehindNat: boolean;
  /** We are behind a NAT (its destination hash does not match our address as we know it). */
  readonly localBehindNat: boolean;
}

/** Evaluates received NAT_DETECTION_* data against the addresses the message really used; null if the peer sent none. */
export function evaluateNatDetection(spiI: Buffer, spiR: Buffer, sourceHashes: readonly Buffer[], destinationHashes: readonly Buffer[],
  messageFrom: UdpAddress, messageTo: UdpAddress): NatDetectionResult | null {
  if (sourceHashes.length === 0 || destinationHashes.length === 0) return null;
  const fromHash = natDetectionHash(spiI, spiR, messageFrom);
  const toHash = natDetectionHash(spiI, spiR, messageTo);
  return {
    remoteBehindNat: !sourceHashes.some((h) => h.equals(fromHash)),
    localBehindNat: !destinationHashes.some((h) => h.equals(toHash)),
  };
}
