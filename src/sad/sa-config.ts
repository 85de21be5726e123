// Checks an SaConfig before it is installed. Configs come from our own code (IKE, config
// files, key files), so a bad one is API misuse: TypeError for a wrong type, RangeError for a
// wrong value, each naming the field.
import { MAX_REPLAY_WINDOW } from '../replay/window.js';
import { canonicalIp } from '../wire/address.js';
import type { LifetimeLimits, SaConfig } from './sa.js';

/** RFC 4303 2.1: SPI 0 is reserved for local use, 1-255 are reserved by IANA. */
export const MIN_WIRE_SPI = 256;

const LIMIT_FIELDS = ['addSeconds', 'useSeconds', 'bytes', 'packets'] as const;

function checkAddress(value: unknown, name: string): void {
  if (value === null) return;
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string or null`);
  if (canonicalIp(value) !== value) {
    throw new RangeError(`${name} must be canonical address text (${canonicalIp(value) ?? 'not an address'}), got ${value}`);
  }
}

function checkPort(value: unknown, name: string): void {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
    throw new RangeError(`${name} must be a port from 1 to 65535, got ${String(value)}`);
  }
}

function checkLimits(limits: LifetimeLimits | undefined, name: string): void {
  if (limits === undefined) return;
  if (typeof limits !== 'object' || limits === null) throw new TypeError(`${name} must be an object`);
  for (const field of LIMIT_FIELDS) {
    const v = limits[field];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new RangeError(`${name}.${field} must be a finite number > 0, got ${String(v)}`);
    }
  }
}

function checkSpi(spi: unknown): void {
  if (typeof spi !== 'number') throw new TypeError('config.spi must be a number');
  if ((spi >>> 0) !== spi || spi < MIN_WIRE_SPI) {
    throw new RangeError(`config.spi must be a u32 from ${MIN_WIRE_SPI} (RFC 4303 2.1 reserves 0-255), got ${spi}`);
  }
}

function checkShape(config: SaConfig): void {
  if (config.direction !== 'inbound' && config.direction !== 'outbound') {
    throw new RangeError(`config.direction must be 'inbound' or 'outbound', got ${String(config.direction)}`);
  }
  if (config.mode !== 'tunnel' && config.mode !== 'transport') {
    throw new RangeError(`config.mode must be 'tunnel' or 'transport', got ${String(config.mode)}`);
  }
  if (typeof config.esn !== 'boolean') throw new TypeError('config.esn must be a boolean');
  const w = config.replayWindow;
  if (!Number.isInteger(w) || w < 0 || w > MAX_REPLAY_WINDOW) {
    throw new RangeError(`config.replayWindow must be an integer from 0 to ${MAX_REPLAY_WINDOW}, got ${String(w)}`);
  }
  for (const key of ['transform', 'keys', 'cipher'] as const) {
    if (typeof config[key] !== 'object' || config[key] === null) throw new TypeError(`config.${key} must be an object`);
  }
  if (config.label !== undefined && config.label !== null && typeof config.label !== 'string') {
    throw new TypeError('config.label must be a string or null');
  }
  if (config.reqid !== undefined && (!Number.isInteger(config.reqid) || config.reqid < 1 || config.reqid > 0xffffffff)) {
    throw new RangeError(`config.reqid must be an integer from 1 to 4294967295, got ${String(config.reqid)}`);
  }
}

/** Throws TypeError or RangeError naming the first bad field. */
export function validateSaConfig(config: SaConfig): void {
  if (typeof config !== 'object' || config === null) throw new TypeError('config must be an object');
  checkSpi(config.spi);
  checkShape(config);
  checkAddress(config.src, 'config.src');
  checkAddress(config.dst, 'config.dst');
  if (config.encapsulation !== null) {
    if (typeof config.encapsulation !== 'object') throw new TypeError('config.encapsulation must be an object or null');
    checkPort(config.encapsulation.srcPort, 'config.encapsulation.srcPort');
    checkPort(config.encapsulation.dstPort, 'config.encapsulation.dstPort');
  }
  checkLimits(config.soft, 'config.soft');
  checkLimits(config.hard, 'config.hard');
}
