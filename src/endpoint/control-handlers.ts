// The daemon's side of the control socket: each request of the JSON protocol becomes an
// operation on the live endpoint. Changes apply at once and touch only the SA or policy named.
import { spiHex } from '../wire/bytes.js';
import { ipVersionOf } from '../wire/address.js';
import type { SecurityAssociation } from '../sad/sa.js';
import type { Policy, PolicyInit } from '../spd/policy.js';
import { selectorText } from '../spd/format.js';
import { writeEspSaFile } from '../io/keys/esp-sa-write.js';
import type { EspSaRecord } from '../io/keys/esp-sa-write.js';
import type { TransformSpec } from '../esp/transform-spec.js';
import type { ManualSaConfig } from '../config/types.js';
import type { IpsecEndpoint } from './endpoint.js';
import type { DropQuery, DropRecord } from './drop-record.js';
import { dropMatches } from './drop-record.js';
import type { EndpointPersistence } from './ports.js';
import { ControlError } from './control/handlers.js';
import { createIkeHandlers } from './control/ike-handlers.js';
import type { ControlIke } from './control/ike-handlers.js';
import type { ControlHandlers, PolicySummary, RememberedSa, SaDetail, SaSummary, StatsReply, StatusReply } from './control/handlers.js';

export type EntryParse<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly string[] };

export interface ControlRuntime {
  readonly endpoint: IpsecEndpoint;
  readonly version: string;
  readonly configFile: string | null;
  readonly stateDir: string | null;
  readonly persistence: EndpointPersistence | null;
  readonly tun: { readonly name: string; readonly mtu: number; stats(): { read: number; written: number; writeErrors: number } } | null;
  /** Validation shared with the YAML config (config/), injected so both stay one code path. */
  readonly parseSaEntry: (entry: unknown) => EntryParse<ManualSaConfig>;
  readonly parsePolicyEntry: (entry: unknown) => EntryParse<PolicyInit>;
  readonly transformName: (spec: TransformSpec) => string;
  /** The daemon's IKE (src/endpoint/ike-runtime.ts); null or absent when no connections are configured. */
  readonly ike?: ControlIke | null;
}

/** Without a store, the last drops are kept in memory for `ipsec-ts drops`. */
const MEMORY_DROPS = 10_000;

export function createControlHandlers(rt: ControlRuntime): ControlHandlers {
  const ep = rt.endpoint;
  const recent: DropRecord[] = [];
  let nextMemoryId = 1;
  const followers = new Set<(r: DropRecord) => void>();
  // With a store, the endpoint emits the stored record (with its id); without one, ids are
  // given here, so `drops` and `drops --follow` agree on them either way.
  ep.on('drop', (emitted) => {
    let r = emitted;
    if (rt.persistence === null) {
      r = { ...emitted, id: nextMemoryId++ };
      recent.push(r);
      if (recent.length > MEMORY_DROPS) recent.splice(0, recent.length - MEMORY_DROPS);
    }
    for (const f of followers) f(r);
  });

  const installed = (): SecurityAssociation[] => ep.sad.list();
  const ike = createIkeHandlers(rt.ike ?? null, (direction, spi) => {
    const sa = ep.sad.findBySpi(spi).find((s) => s.config.direction === direction);
    return sa === undefined ? null : { bytes: sa.bytes, packets: sa.packets };
  });

  const summary = (sa: SecurityAssociation): SaSummary => {
    const c = sa.config;
    const dropTotal = Object.values(sa.dropSummary()).reduce((a, b) => a + (b ?? 0), 0);
    const sequence = c.direction === 'outbound'
      ? String(BigInt(sa.outSeqHi) * 0x1_0000_0000n + BigInt(sa.outSeqLo))
      : sa.replay === null ? '0' : String(BigInt(sa.replay.topHi) * 0x1_0000_0000n + BigInt(sa.replay.topLo));
    return {
      name: c.label ?? null, spi: spiHex(sa.spi), direction: c.direction, src: c.src, dst: ep.manualConfigOf(sa)?.dst ?? c.dst,
      mode: c.mode, transform: rt.transformName(c.transform), esn: c.esn, state: sa.state, reqid: c.reqid ?? null,
      packets: sa.packets, bytes: sa.bytes, drops: dropTotal, addedAt: sa.addedAt, sequence: String(sequence),
    };
  };

  const find = (ref: string): SecurityAssociation => {
    const text = ref.trim();
    const spi = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : null;
    const matches = installed().filter((sa) => (spi !== null && sa.spi === spi) || sa.config.label === text);
    if (matches.length === 0) {
      const past = ep.sad.history.entries().filter((t) => (spi !== null && t.spi === spi) || t.label === text);
      if (past.length > 0) {
        const t = past[past.length - 1]!;
        const why = t.expiry !== null ? `its hard ${t.expiry.limit} limit (${t.expiry.configured}) was reached`
          : t.successorSpi !== null ? `${t.reason}, replaced by ${spiHex(t.successorSpi)}` : t.reason;
        throw new ControlError('not-found', `SA ${t.label ?? spiHex(t.spi)} (${spiHex(t.spi)}, ${t.direction}) is no longer installed: removed at ${new Date(t.removedAt).toISOString()} (${why}); ${t.packetsSinceRemoval} packet(s) arrived on it since`);
      }
      throw new ControlError('not-found', `no installed or remembered SA is named or numbered '${ref}'; see \`ipsec-ts sa list\``);
    }
    if (matches.length > 1) {
      const outbound = matches.filter((sa) => sa.config.direction === 'outbound');
      if (spi === null && outbound.length === 1 && matches.length === 2) {
        throw new ControlError('conflict', `'${ref}' names an inbound and an outbound SA; use the SPI (${matches.map((s) => spiHex(s.spi)).join(' or ')})`);
      }
      throw new ControlError('conflict', `'${ref}' matches ${matches.length} SAs (${matches.map((s) => `${spiHex(s.spi)} ${s.config.direction}`).join(', ')}); use a name that is unique`);
    }
    return matches[0]!;
  };

  const policySummary = (p: Policy): PolicySummary => ({
    id: p.id, direction: p.direction, action: p.action,
    local: p.selectors.local.map(selectorText), remote: p.selectors.remote.map(selectorText),
    mode: p.template?.mode ?? null, reqid: p.template?.reqid ?? null, peer: p.template?.peer ?? null,
  });

  const status = (): StatusReply => {
    const sas = installed();
    const now = Date.now();
    return {
      version: rt.version, pid: process.pid, startedAt: ep.startedAt, uptimeSeconds: Math.round((now - ep.startedAt) / 1000),
      configFile: rt.configFile, stateDir: rt.stateDir, listen: ep.listen,
      tun: rt.tun === null ? null : { name: rt.tun.name, mtu: rt.tun.mtu },
      sas: {
        inbound: sas.filter((s) => s.config.direction === 'inbound').length,
        outbound: sas.filter((s) => s.config.direction === 'outbound').length,
        remembered: ep.sad.history.size,
      },
      policies: ep.spd.size, counters: ep.inbound.counters.snapshot(), ike: ike.status(),
    };
  };

  const { status: _ikeStatus, ...ikeMethods } = ike;
  return {
    ...ikeMethods,
    status,
    saList: () => ({
      installed: installed().map(summary),
      remembered: ep.sad.history.entries().map((t): RememberedSa => ({
        spi: spiHex(t.spi), name: t.label, cause: t.reason, at: t.removedAt,
        detail: t.expiry !== null ? `hard ${t.expiry.limit} limit ${t.expiry.configured} reached`
          : t.successorSpi !== null ? `replaced by ${spiHex(t.successorSpi)}` : t.reason,
      })),
    }),
    saShow: (ref) => {
      const sa = find(ref);
      const c = sa.config;
      const reserved = ep.reservedThrough(sa);
      const base = summary(sa);
      const detail: SaDetail = {
        ...base, encapsulation: c.encapsulation, replayWindow: c.replayWindow,
        soft: c.soft === undefined ? null : { ...c.soft }, hard: c.hard === undefined ? null : { ...c.hard },
        reservedThrough: reserved === null ? null : String(reserved),
        replay: sa.replay === null ? null : `window ${sa.replay.size}, highest ${base.sequence}`,
        lastUsedAt: sa.firstUsedAt,
      };
      return detail;
    },
    saAdd: (entry) => {
      const parsed = rt.parseSaEntry(entry);
      if (!parsed.ok) throw new ControlError('invalid', parsed.errors.join('\n'));
      try {
        return summary(ep.addSa(parsed.value));
      } catch (err) {
        throw new ControlError('conflict', err instanceof Error ? err.message : String(err));
      }
    },
    saDelete: (ref) => {
      const sa = find(ref);
      const s = summary(sa);
      ep.removeSa(sa, 'deleted-locally');
      return s;
    },
    saFlush: () => ({ removed: ep.flushSas() }),
    policyList: () => ep.spd.list().map(policySummary),
    policyAdd: (entry) => {
      const parsed = rt.parsePolicyEntry(entry);
      if (!parsed.ok) throw new ControlError('invalid', parsed.errors.join('\n'));
      if (ep.spd.get(parsed.value.id) !== null) throw new ControlError('conflict', `a policy named '${parsed.value.id}' exists; delete it first or pick another name`);
      try {
        return policySummary(ep.addPolicy(parsed.value));
      } catch (err) {
        throw new ControlError('invalid', err instanceof Error ? err.message : String(err));
      }
    },
    policyDelete: (id) => {
      const p = ep.spd.get(id);
      if (p === null) throw new ControlError('not-found', `no policy named '${id}'; see \`ipsec-ts policy list\``);
      ep.removePolicy(id);
      return policySummary(p);
    },
    drops: (q: DropQuery) => {
      if (rt.persistence !== null) return rt.persistence.queryDrops(q);
      const matching = recent.filter((r) => dropMatches(r, q));
      return matching.slice(-(q.limit ?? 1000));
    },
    followDrops: (q, listener) => {
      const onDrop = (r: DropRecord): void => {
        if (dropMatches(r, q)) listener(r);
      };
      followers.add(onDrop);
      return () => { followers.delete(onDrop); };
    },
    stats: (): StatsReply => ({
      counters: ep.inbound.counters.snapshot(), udp: ep.udpStats(), tun: rt.tun?.stats() ?? null,
      sas: installed().map((sa) => {
        const s = summary(sa);
        return { name: s.name, spi: s.spi, direction: s.direction, packets: s.packets, bytes: s.bytes, drops: s.drops };
      }),
    }),
    keysExport: () => {
      const records: EspSaRecord[] = [];
      for (const sa of installed()) {
        const m = ep.manualConfigOf(sa);
        if (m === undefined) continue;
        const family = ipVersionOf(m.src);
        if (family === null) continue;
        records.push({ family, src: m.src, dst: m.dst, spi: m.spi, transform: m.transform, keys: m.keys, esn: m.esn });
      }
      return writeEspSaFile(records, { target: 'wireshark-4.0' });
    },
  };
}
