// The IKE half of the daemon's control handlers: initiate, terminate and rekey a connection, list
// the IKE SAs with their CHILD_SAs, keep the recent IKE events numbered (so a client can ask for
// "everything after the event before my request") and export the IKE SA keys for Wireshark.
// A daemon without connections runs no IKE: every method then says so and what to do.
import type { IkeManager } from '../../ike/manager.js';
import type { IkeEvent } from '../../ike/ports.js';
import type { IkeSa } from '../../ike/sa/ike-sa.js';
import type { ChildSa } from '../../ike/sa/child-sa.js';
import { formatIdentity } from '../../ike/auth/identity.js';
import { selectorText } from '../../spd/format.js';
import { spiHex } from '../../wire/bytes.js';
import { ControlError } from './handlers.js';
import type { ControlHandlers, IkeChildSummary, IkeEventQuery, IkeEventRecord, IkeSaSummary, IkeStatus } from './handlers.js';
import { writeIkev2DecryptionTable } from './ikev2-decryption-table.js';

/** What the handlers need of the daemon's IKE runtime (src/endpoint/ike-runtime.ts fits it). */
export interface ControlIke {
  readonly manager: IkeManager;
  readonly host: {
    /** Events from before the handlers existed (oldest first). */
    readonly recent: readonly IkeEvent[];
    /** When each of `recent` happened, same order (absent: times unknown). */
    readonly recentAt?: readonly number[];
    onEvent(listener: (event: IkeEvent) => void): void;
    now(): number;
  };
}

/** Bytes and packets of one installed ESP SA half, or null when it is gone. */
export type SaCounterLookup = (direction: 'inbound' | 'outbound', spi: number) => { readonly bytes: number; readonly packets: number } | null;

export type IkeHandlers = Pick<ControlHandlers, 'ikeInitiate' | 'ikeTerminate' | 'ikeRekey' | 'ikeList' | 'ikeEvents' | 'followIkeEvents' | 'ikeKeysExport'> & {
  status(): IkeStatus | null;
};

/** IKE events kept for ike.events (the host keeps its own, shorter list). */
const KEPT_EVENTS = 1000;

const NO_IKE = 'this daemon runs no IKE: its config has no connections. Add a `connections:` section '
  + '(docs/CONFIG.md, examples/daemon/ikev2-psk-west.yaml) and restart it with `ipsec-ts up -c <config>`';

export function createIkeHandlers(ike: ControlIke | null, counters: SaCounterLookup): IkeHandlers {
  if (ike === null) return withoutIke();
  const log = new IkeEventLog(ike);
  const m = ike.manager;
  const requireConnection = (name: string): void => {
    const names = m.connectionNames();
    if (!names.includes(name)) throw new ControlError('not-found', `no connection named '${name}'; the configured ones are: ${names.join(', ')}`);
  };
  return {
    status: () => ikeStatus(m),
    ikeInitiate: (connection, child) => {
      requireConnection(connection);
      const eventsAfter = log.lastId;
      const before = new Set(m.all().map((sa) => sa.label));
      const r = m.initiate(connection, child ?? undefined);
      if (!r.ok) throw new ControlError('invalid', `${r.failure.reason} (${r.failure.code} ${r.failure.name}). ${r.failure.action}`);
      const sa = m.all().find((s) => s.label === r.ikeSa);
      const childName = child ?? sa?.connection?.children[0]?.name ?? '';
      return { connection, child: childName, ikeSa: r.ikeSa, newIkeSa: !before.has(r.ikeSa), eventsAfter };
    },
    ikeTerminate: (connection) => {
      requireConnection(connection);
      const open = m.all().filter((sa) => sa.connection?.name === connection && sa.isOpen);
      if (open.length === 0) throw new ControlError('not-found', `connection ${connection} has no IKE SA up: nothing to terminate (\`ipsec-ts initiate ${connection}\` starts one)`);
      const eventsAfter = log.lastId;
      m.terminate(connection);
      return { connection, ikeSas: open.map((sa) => sa.label), eventsAfter };
    },
    ikeRekey: (connection) => {
      requireConnection(connection);
      // The same choice IkeManager.rekey makes: installed children of established IKE SAs.
      const children = m.all().filter((sa) => sa.connection?.name === connection && sa.state === 'established')
        .flatMap((sa) => sa.liveChildren().filter((c) => c.state === 'installed').map((c) => ({ ikeSa: sa.label, child: c.label, spiIn: spiHex(c.spiIn) })));
      if (children.length === 0) throw new ControlError('not-found', `connection ${connection} has no installed CHILD_SA to rekey (\`ipsec-ts sa list\` shows its state; \`ipsec-ts initiate ${connection}\` starts one)`);
      const eventsAfter = log.lastId;
      m.rekey(connection);
      return { connection, children, eventsAfter };
    },
    ikeList: () => m.all().map((sa) => ikeSaSummary(sa, counters)),
    ikeEvents: (q) => log.query(q),
    followIkeEvents: (q, listener) => log.follow(q, listener),
    ikeKeysExport: () => {
      // Every IKE SA that has keys, not only established ones: a failing IKE_AUTH is what one wants to decrypt.
      const keyed = m.all().filter((sa) => sa.crypto !== null);
      const text = writeIkev2DecryptionTable(keyed.map((sa) => ({
        label: sa.label, spiI: sa.spiI, spiR: sa.spiR, encr: sa.crypto!.encr, integ: sa.crypto!.integ, keys: sa.crypto!.keys,
      })));
      return { text, ikeSas: keyed.length };
    },
  };
}

function withoutIke(): IkeHandlers {
  const refuse = (): never => { throw new ControlError('unavailable', NO_IKE); };
  return {
    status: () => null, ikeInitiate: refuse, ikeTerminate: refuse, ikeRekey: refuse, ikeList: refuse, ikeEvents: refuse,
    followIkeEvents: refuse, ikeKeysExport: () => null,
  };
}

function ikeStatus(m: IkeManager): IkeStatus {
  const byState: Record<string, number> = {};
  let children = 0;
  for (const sa of m.all()) {
    byState[sa.state] = (byState[sa.state] ?? 0) + 1;
    children += sa.liveChildren().length;
  }
  return { connections: m.connectionNames().length, ikeSas: byState, childSas: children };
}

function ikeSaSummary(sa: IkeSa, counters: SaCounterLookup): IkeSaSummary {
  return {
    uniqueId: sa.uniqueId, label: sa.label, connection: sa.connection?.name ?? null, state: sa.state, role: sa.role,
    local: { address: sa.local.address, port: sa.local.port }, remote: { address: sa.remote.address, port: sa.remote.port },
    localId: sa.connection === null ? null : formatIdentity(sa.connection.localId),
    remoteId: sa.peerId === null ? null : formatIdentity(sa.peerId),
    spiI: sa.spiI.toString('hex'), spiR: sa.spiR.toString('hex'), proposal: sa.crypto?.proposal ?? null,
    establishedAt: sa.establishedAt, rekeyAt: sa.rekeyAt, expireAt: sa.expireAt,
    children: sa.liveChildren().map((c) => childSummary(c, counters)),
  };
}

function childSummary(c: ChildSa, counters: SaCounterLookup): IkeChildSummary {
  const i = c.init;
  const inbound = counters('inbound', c.spiIn);
  const outbound = counters('outbound', c.spiOut);
  return {
    name: i.config.name, uniqueId: i.uniqueId, label: c.label, state: c.state, reqid: i.reqid, mode: i.mode,
    spiIn: spiHex(c.spiIn), spiOut: spiHex(c.spiOut), proposal: i.proposal, esn: i.esn, encapsulated: true,
    localTs: i.localTs.map(selectorText), remoteTs: i.remoteTs.map(selectorText),
    installedAt: i.installedAt, rekeyAt: i.rekeyAt, expireAt: i.expireAt,
    bytesIn: inbound?.bytes ?? 0, packetsIn: inbound?.packets ?? 0, bytesOut: outbound?.bytes ?? 0, packetsOut: outbound?.packets ?? 0,
  };
}

/** The events as records: numbered, timed, SPIs as 0x text, bounded. */
class IkeEventLog {
  private readonly kept: IkeEventRecord[] = [];
  private readonly listeners = new Set<(r: IkeEventRecord) => void>();
  private nextId = 1;

  constructor(ike: ControlIke) {
    ike.host.recent.forEach((e, i) => this.add(e, ike.host.recentAt?.[i] ?? null));
    ike.host.onEvent((e) => {
      const r = this.add(e, ike.host.now());
      for (const l of this.listeners) l(r);
    });
  }

  get lastId(): number {
    return this.nextId - 1;
  }

  query(q: IkeEventQuery): IkeEventRecord[] {
    const matching = this.kept.filter((r) => matches(r, q));
    return q.limit === undefined ? matching : matching.slice(-q.limit);
  }

  follow(q: IkeEventQuery, listener: (r: IkeEventRecord) => void): () => void {
    const l = (r: IkeEventRecord): void => {
      if (matches(r, q)) listener(r);
    };
    this.listeners.add(l);
    return () => { this.listeners.delete(l); };
  }

  private add(e: IkeEvent, at: number | null): IkeEventRecord {
    const r = eventRecord(this.nextId++, at, e);
    this.kept.push(r);
    if (this.kept.length > KEPT_EVENTS) this.kept.shift();
    return r;
  }
}

function matches(r: IkeEventRecord, q: IkeEventQuery): boolean {
  if (q.after !== undefined && r.id <= q.after) return false;
  return q.connection === undefined || ('connection' in r && r.connection === q.connection);
}

const SPI_FIELDS = ['spiIn', 'spiOut', 'rekeyOf'] as const;

export function eventRecord(id: number, at: number | null, e: IkeEvent): IkeEventRecord {
  const r: Record<string, unknown> = { id, at, ...e };
  for (const k of SPI_FIELDS) {
    const v = r[k];
    if (typeof v === 'number') r[k] = spiHex(v);
  }
  return r as IkeEventRecord;
}
