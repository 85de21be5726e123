// Turns a manually keyed SA from the config (or `ipsec-ts sa add`) into an SaConfig the SAD
// installs: keyed cipher, canonical outer addresses, encapsulation ports, and the selectors of
// the PROTECT policy with the same reqid (RFC 4301 4.4.2: an SA carries the selectors of the
// policy it serves, so inbound packets outside them are refused).
import { createEspCipher } from '../esp/cipher.js';
import type { SaConfig } from '../sad/sa.js';
import type { Policy } from '../spd/policy.js';
import type { ManualSaConfig } from '../config/types.js';

/**
 * wildcardDestination: the endpoint listens on a wildcard address and cannot see which local
 * address a datagram was sent to, so inbound SAs match on SPI alone.
 */
export function saConfigOf(sa: ManualSaConfig, policies: readonly Policy[], wildcardDestination: boolean): SaConfig {
  const policy = policies.find((p) => p.action === 'protect' && p.template?.reqid === sa.reqid);
  return {
    spi: sa.spi,
    direction: sa.direction,
    src: sa.src,
    dst: sa.direction === 'inbound' && wildcardDestination ? null : sa.dst,
    mode: sa.mode,
    encapsulation: sa.encapsulation,
    transform: sa.transform,
    keys: sa.keys,
    cipher: createEspCipher(sa.transform, sa.keys),
    esn: sa.esn,
    replayWindow: sa.direction === 'inbound' ? sa.replayWindow : 0,
    soft: sa.soft,
    hard: sa.hard,
    // Selectors are written from our side; the inbound check reads them that way ('in').
    selectors: policy === undefined ? null : policy.selectors,
    label: sa.name,
    reqid: sa.reqid,
  };
}

