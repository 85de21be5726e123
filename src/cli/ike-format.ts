// IKE SAs and IKE events as text. The SA list follows `swanctl --list-sas` (strongSwan's
// src/swanctl/commands/list_sas.c), so the output reads the same to someone who knows charon (the
// proposals keep our strongSwan-config spelling, aes128gcm16, rather than charon's AES_GCM_16-128):
//
//   west-east: #1, ESTABLISHED, IKEv2, 5c2f..._i* 9e01..._r
//     local  'west@example.com' @ 198.51.100.1[4500]
//     remote 'east@example.com' @ 198.51.100.2[4500]
//     aes128gcm16/prfsha256/curve25519
//     established 12s ago
//     net: #1, reqid 65536, INSTALLED, TUNNEL-in-UDP, ESP:aes128gcm16
//       installed 12s ago, rekeying in 3588s, expires in 3948s
//       in  c0000001,    840 bytes,    10 packets
//       out b0000001,    840 bytes,    10 packets
//       local  10.1.0.0/24
//       remote 10.2.0.0/24
import { recoveryText } from '../ike/event-text.js';
import type { IkeChildSummary, IkeEventRecord, IkeSaSummary } from '../endpoint/control/handlers.js';

const IKE_STATE: Readonly<Record<string, string>> = { established: 'ESTABLISHED', deleting: 'DELETING' };

/** swanctl's words: CONNECTING until established; ours in brackets, they say which message is awaited. */
function ikeStateText(state: string): string {
  return IKE_STATE[state] ?? `CONNECTING (${state})`;
}

/** "0x0a0b0001" -> "0a0b0001", as swanctl prints SPIs. */
export function bareSpi(spi: string): string {
  return spi.startsWith('0x') ? spi.slice(2) : spi;
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))}s`;
}

/** "established 12s ago, rekeying in 3588s, expires in 3948s", parts left out when unknown. */
function timesText(verb: string, at: number | null, rekeyAt: number | null, expireAt: number | null, now: number): string | null {
  const parts: string[] = [];
  if (at !== null) parts.push(`${verb} ${seconds(now - at)} ago`);
  if (rekeyAt !== null && rekeyAt > 0) parts.push(`rekeying in ${seconds(rekeyAt - now)}`);
  if (expireAt !== null && expireAt > 0) parts.push(`expires in ${seconds(expireAt - now)}`);
  return parts.length === 0 ? null : parts.join(', ');
}

function childLines(c: IkeChildSummary, now: number): string[] {
  const mode = `${c.mode.toUpperCase()}${c.encapsulated ? '-in-UDP' : ''}`;
  const lines = [`  ${c.name}: #${c.uniqueId}, reqid ${c.reqid}, ${c.state.toUpperCase()}, ${mode}, ESP:${c.proposal}${c.esn ? '/ESN' : ''}`];
  const times = timesText('installed', c.installedAt, c.rekeyAt, c.expireAt, now);
  if (times !== null) lines.push(`    ${times}`);
  lines.push(`    in  ${bareSpi(c.spiIn)}, ${String(c.bytesIn).padStart(6)} bytes, ${String(c.packetsIn).padStart(5)} packets`);
  lines.push(`    out ${bareSpi(c.spiOut)}, ${String(c.bytesOut).padStart(6)} bytes, ${String(c.packetsOut).padStart(5)} packets`);
  lines.push(`    local  ${c.localTs.join(' ')}`, `    remote ${c.remoteTs.join(' ')}`);
  return lines;
}

/** One IKE SA with its children, as swanctl --list-sas prints it. */
export function formatIkeSa(sa: IkeSaSummary, now: number): string {
  const mark = (role: 'initiator' | 'responder'): string => (sa.role === role ? '*' : '');
  const lines = [
    `${sa.connection ?? '(unknown)'}: #${sa.uniqueId}, ${ikeStateText(sa.state)}, IKEv2, ${sa.spiI}_i${mark('initiator')} ${sa.spiR}_r${mark('responder')}`,
    `  local  '${sa.localId ?? '%any'}' @ ${sa.local.address}[${sa.local.port}]`,
    `  remote ${sa.remoteId === null ? '(not authenticated yet)' : `'${sa.remoteId}'`} @ ${sa.remote.address}[${sa.remote.port}]`,
  ];
  if (sa.proposal !== null) lines.push(`  ${sa.proposal}`);
  const times = timesText('established', sa.establishedAt, sa.rekeyAt, sa.expireAt, now);
  if (times !== null) lines.push(`  ${times}`);
  for (const c of sa.children) lines.push(...childLines(c, now));
  return lines.map((l) => `${l}\n`).join('');
}

export function formatIkeSaList(sas: readonly IkeSaSummary[], now: number): string {
  if (sas.length === 0) return 'No IKE SA is up (`ipsec-ts initiate <connection>` starts one).\n';
  return sas.map((sa) => formatIkeSa(sa, now)).join('');
}

const spis = (spiIn: string, spiOut: string): string => `${bareSpi(spiIn)}_i ${bareSpi(spiOut)}_o`;

/** One line per event, in the words the daemon's log uses. */
export function formatIkeEvent(r: IkeEventRecord): string {
  switch (r.type) {
    case 'ike-established': return `IKE_SA ${r.ikeSa} established with ${r.peer} (${r.role}, ${r.proposal})`;
    case 'ike-closed': return `IKE_SA ${r.ikeSa} closed: ${r.reason}`;
    case 'ike-failed': return `IKE_SA ${r.ikeSa} failed with ${r.peer} (${r.code} ${r.name}): ${r.reason}. ${r.action}`;
    case 'child-installed':
      return `CHILD_SA ${r.child} of ${r.ikeSa} installed with SPIs ${spis(r.spiIn, r.spiOut)} (${r.proposal})${r.rekeyOf === null ? '' : `, replaces ${bareSpi(r.rekeyOf)}`}`;
    case 'child-failed': return `CHILD_SA ${r.child} of ${r.ikeSa} failed (${r.code} ${r.name}): ${r.reason}`;
    case 'child-removed': return `CHILD_SA ${r.child} of ${r.ikeSa} with SPIs ${spis(r.spiIn, r.spiOut)} removed (${r.reason})`;
    case 'message-dropped': return `IKE message from ${r.peer} dropped (${r.reason}): ${r.detail}`;
    case 'invalid-spi-recovery': return `${r.child} of ${r.ikeSa}: ${recoveryText(r.trigger, bareSpi(r.spiIn), bareSpi(r.spiOut))}`;
    case 'trap-triggered': return `traffic for ${r.connection}/${r.child} hit its trap policy: negotiating the CHILD_SA`;
    case 'simultaneous-rekey': return `simultaneous rekey of ${r.connection}/${r.child ?? 'IKE_SA'} on ${r.ikeSa} (RFC 7296 2.8.1): ${r.won ? 'our' : "the peer's"} new SA stays`;
    default: return `IKE event ${(r as { type: string }).type}`;
  }
}
