// The IKE text of the CLI for states the live tests (test/control/ike-daemon.test.ts) do not
// reach: a responder's half-open IKE SA, a rekeyed child, the event lines, the --timeout parser.
import { describe, expect, it } from 'vitest';
import { parseTimeout } from '../../src/cli/ike-command.js';
import { formatIkeEvent, formatIkeSa } from '../../src/cli/ike-format.js';
import type { IkeEventRecord, IkeSaSummary } from '../../src/endpoint/control/handlers.js';

const NOW = Date.parse('2026-11-27T09:00:00Z');

const halfOpen: IkeSaSummary = {
  uniqueId: 7, label: 'east-west[7]', connection: 'east-west', state: 'init-answered', role: 'responder',
  local: { address: '198.51.100.2', port: 4500 }, remote: { address: '198.51.100.1', port: 4500 }, localId: 'b@example.com', remoteId: null,
  spiI: '0011223344556677', spiR: '8899aabbccddeeff', proposal: 'aes128gcm16/prfsha256/curve25519',
  establishedAt: null, rekeyAt: null, expireAt: null, children: [],
};

describe('the swanctl-style IKE SA text', () => {
  it('marks the responder SPI, says CONNECTING with our state, and leaves out the unknown peer identity and times', () => {
    expect(formatIkeSa(halfOpen, NOW)).toBe([
      'east-west: #7, CONNECTING (init-answered), IKEv2, 0011223344556677_i 8899aabbccddeeff_r*',
      "  local  'b@example.com' @ 198.51.100.2[4500]",
      '  remote (not authenticated yet) @ 198.51.100.1[4500]',
      '  aes128gcm16/prfsha256/curve25519',
      '',
    ].join('\n'));
  });

  it('prints a rekeyed child with its state, ESN, the times left and its counters', () => {
    const sa: IkeSaSummary = {
      ...halfOpen, state: 'established', remoteId: 'a@example.com', establishedAt: NOW - 30_000, rekeyAt: NOW + 3_000_000, expireAt: null,
      children: [{
        name: 'net', uniqueId: 3, label: 'net{3}', state: 'rekeyed', reqid: 65536, mode: 'transport', spiIn: '0xc0000003', spiOut: '0xb0000003',
        proposal: 'aes256gcm16', esn: true, encapsulated: true, localTs: ['10.2.0.0/24', '10.3.0.0/24'], remoteTs: ['10.1.0.0/24'],
        installedAt: NOW - 10_000, rekeyAt: NOW - 1000, expireAt: NOW + 5000, bytesIn: 1234, packetsIn: 9, bytesOut: 0, packetsOut: 0,
      }],
    };
    const lines = formatIkeSa(sa, NOW).split('\n');
    expect(lines[0]).toBe('east-west: #7, ESTABLISHED, IKEv2, 0011223344556677_i 8899aabbccddeeff_r*');
    expect(lines[4]).toBe('  established 30s ago, rekeying in 3000s');
    expect(lines.slice(5)).toEqual([
      '  net: #3, reqid 65536, REKEYED, TRANSPORT-in-UDP, ESP:aes256gcm16/ESN',
      '    installed 10s ago, rekeying in 0s, expires in 5s',
      '    in  c0000003,   1234 bytes,     9 packets',
      '    out b0000003,      0 bytes,     0 packets',
      '    local  10.2.0.0/24 10.3.0.0/24',
      '    remote 10.1.0.0/24',
      '',
    ]);
  });
});

describe('IKE event lines', () => {
  const at = { id: 1, at: NOW };
  it.each<[IkeEventRecord, string]>([
    [{ ...at, type: 'ike-closed', ikeSa: 'a-b[1]', connection: 'a-b', reason: 'deleted by the peer' }, 'IKE_SA a-b[1] closed: deleted by the peer'],
    [{ ...at, type: 'child-failed', ikeSa: 'a-b[1]', connection: 'a-b', child: 'net', code: 13825, name: 'ERROR_IPSEC_IKE_NO_POLICY', reason: 'TS_UNACCEPTABLE' },
      'CHILD_SA net of a-b[1] failed (13825 ERROR_IPSEC_IKE_NO_POLICY): TS_UNACCEPTABLE'],
    [{ ...at, type: 'child-removed', ikeSa: 'a-b[1]', connection: 'a-b', child: 'net', spiIn: '0xc0000001', spiOut: '0xb0000001', reason: 'rekeyed' },
      'CHILD_SA net of a-b[1] with SPIs c0000001_i b0000001_o removed (rekeyed)'],
    [{ ...at, type: 'message-dropped', peer: '198.51.100.9:500', reason: 'unknown-ike-spi', detail: 'no IKE SA with SPI 00' }, 'IKE message from 198.51.100.9:500 dropped (unknown-ike-spi): no IKE SA with SPI 00'],
    [{ ...at, type: 'invalid-spi-recovery', trigger: 'invalid-spi', ikeSa: 'a-b[1]', connection: 'a-b', child: 'net', spiOut: '0xb0000001', spiIn: '0xc0000001' },
      'net of a-b[1]: the peer reported INVALID_SPI for our outbound SA b0000001 (it lost that SA): re-creating the CHILD_SA'],
    [{ ...at, type: 'invalid-spi-recovery', trigger: 'own-sa-lost', ikeSa: 'a-b[1]', connection: 'a-b', child: 'net', spiOut: '0xb0000001', spiIn: '0xc0000001' },
      'net of a-b[1]: our inbound SA c0000001 was removed here while the peer still sends on it: rekeying the CHILD_SA'],
    [{ ...at, type: 'invalid-spi-recovery', trigger: 'child-sa-not-found', ikeSa: 'a-b[1]', connection: 'a-b', child: 'net', spiOut: '0xb0000001', spiIn: '0xc0000001' },
      'net of a-b[1]: the peer answered our rekey with CHILD_SA_NOT_FOUND (it lost the SA without telling us): re-creating the CHILD_SA'],
    [{ ...at, type: 'simultaneous-rekey', ikeSa: 'a-b[1]', connection: 'a-b', child: 'net', won: false }, "simultaneous rekey of a-b/net on a-b[1] (RFC 7296 2.8.1): the peer's new SA stays"],
  ])('%#: %s', (record, text) => {
    expect(formatIkeEvent(record)).toBe(text);
  });
});

describe('--timeout', () => {
  it('takes seconds (fractions too), 10 by default, and refuses zero, words and more than an hour', () => {
    expect(parseTimeout(undefined)).toEqual({ ok: true, value: 10_000 });
    expect(parseTimeout('2.5')).toEqual({ ok: true, value: 2500 });
    for (const bad of ['0', '-1', 'soon', '3601', '1e3', '']) expect({ bad, ok: parseTimeout(bad).ok }).toEqual({ bad, ok: false });
  });
});
