// Argument checks for the builders: misuse of our API throws TypeError / RangeError naming the
// parameter (CONTRIBUTING.md). Never used on network input.
import { parseIp } from '../wire/address.js';

export function checkInt(value: number, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function checkByte(value: number, name: string): number {
  return checkInt(value, name, 0, 0xff);
}

export function checkU16(value: number, name: string): number {
  return checkInt(value, name, 0, 0xffff);
}

export function checkU32(value: number, name: string): number {
  return checkInt(value, name, 0, 0xffffffff);
}

/** The 4 or 16 bytes of an address given as text; throws when it is not one of that family. */
export function addressBytes(text: string, family: 4 | 6, name: string): Buffer {
  if (typeof text !== 'string') throw new TypeError(`${name} must be an address string, got ${typeof text}`);
  const bytes = parseIp(text);
  if (!bytes || bytes.length !== (family === 4 ? 4 : 16)) {
    throw new RangeError(`${name} must be an IPv${family} address, got '${text}'`);
  }
  return bytes;
}

/** The address family of address text; throws when the text is not an address. */
export function familyOf(text: string, name: string): 4 | 6 {
  if (typeof text !== 'string') throw new TypeError(`${name} must be an address string, got ${typeof text}`);
  const bytes = parseIp(text);
  if (!bytes) throw new RangeError(`${name} must be an IPv4 or IPv6 address, got '${text}'`);
  return bytes.length === 4 ? 4 : 6;
}

export function checkBytes(value: Uint8Array, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  return value;
}
