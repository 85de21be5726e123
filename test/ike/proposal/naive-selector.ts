// A plain reference model of the responder's proposal choice (RFC 7296 2.7, 3.3.6): enumerate
// every complete choice of transforms for every (our spec, their proposal) pair, give each a
// rank tuple that spells out the preference rule, and take the smallest. No shared code with
// src/ike/proposal/select.ts beyond the types; numbers are the IANA values written out.
import type { Proposal, Transform } from '../../../src/ike/message/types.js';
import type { ProposalSpec } from '../../../src/ike/proposal/parse.js';

const ENCR = 1, PRF = 2, INTEG = 3, DH = 4, ESN = 5;
const AEAD_IDS = [18, 19, 20, 28];
const AES_IDS = [12, 13, 18, 19, 20];

export interface ModelChoice {
  readonly number: number;
  readonly transforms: readonly Transform[];
  readonly negotiated: { encr: { id: number; keyBits: number }; integ: number | null; prf: number | null; dh: number | null; esn: boolean };
}

function keyLengthOf(t: Transform): number | null | 'bad' {
  if (t.attributes.length === 0) return null;
  if (t.attributes.length > 1) return 'bad';
  const a = t.attributes[0]!;
  return a.type === 14 && typeof a.value === 'number' ? a.value : 'bad';
}

function acceptable(t: Transform): boolean {
  const k = keyLengthOf(t);
  if (k === 'bad') return false;
  if (t.type !== ENCR) return k === null;
  if (AES_IDS.includes(t.id)) return k === 128 || k === 192 || k === 256;
  if (t.id === 28) return k === null;
  return false;
}

/** Our values for a type as [value, our index] pairs. */
function ourList(s: ProposalSpec, type: number, aead: boolean): number[] {
  if (type === PRF) return [...s.prf];
  if (type === INTEG) return aead ? [0] : [...s.integ];
  if (type === DH) return s.dh.length > 0 ? [...s.dh] : s.kind === 'esp' ? [0] : [];
  if (type === ESN) return s.esn.map((e) => (e ? 1 : 0));
  return [];
}

function required(s: ProposalSpec, type: number, aead: boolean): boolean {
  if (type === PRF) return s.kind === 'ike';
  if (type === INTEG) return !aead;
  if (type === DH) return s.kind === 'ike' || s.dh.length > 0;
  if (type === ESN) return s.kind === 'esp';
  return true;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** All (transform, rank) options for one non-encryption type of one pair. */
function optionsFor(s: ProposalSpec, p: Proposal, type: number, aead: boolean, preferOurs: boolean, ke: number | undefined): [Transform | null, number[]][] | null {
  const offered = p.transforms.map((t, i) => [t, i] as const).filter(([t]) => t.type === type);
  if (offered.length === 0) return required(s, type, aead) ? null : [[null, []]];
  const ours = ourList(s, type, aead);
  const out: [Transform | null, number[]][] = [];
  for (const [t, ti] of offered) {
    if (!acceptable(t)) continue;
    const oi = ours.indexOf(t.id);
    if (oi < 0) continue;
    const keFirst = type === DH && ke !== undefined && t.id === ke ? 0 : 1;
    out.push([t, [keFirst, ...(preferOurs ? [oi, ti] : [ti, oi])]]);
  }
  return out.length > 0 ? out : null;
}

function cartesian<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((a) => list.map((x) => [...a, x])), [[]]);
}

export function naiveSelect(ours: readonly ProposalSpec[], theirs: readonly Proposal[], protocolId: number,
  preferOurs: boolean, ke?: number): ModelChoice | null {
  const kind = protocolId === 1 ? 'ike' : protocolId === 3 ? 'esp' : null;
  let best: { rank: number[]; choice: ModelChoice } | null = null;
  ours.forEach((s, si) => {
    if (s.kind !== kind) return;
    theirs.forEach((p, pi) => {
      if (p.protocolId !== protocolId) return;
      if (p.transforms.some((t) => t.type < 1 || t.type > 5)) return;
      p.transforms.forEach((t, ti) => {
        if (t.type !== ENCR || !acceptable(t)) return;
        s.encr.forEach((e, ei) => {
          const wire = AES_IDS.includes(e.id) ? e.keyBits : null;
          if (t.id !== e.id || keyLengthOf(t) !== wire) return;
          const aead = AEAD_IDS.includes(e.id);
          const perType = [PRF, INTEG, DH, ESN].map((type) => optionsFor(s, p, type, aead, preferOurs, ke));
          if (perType.some((o) => o === null)) return;
          for (const combo of cartesian(perType as [Transform | null, number[]][][])) {
            const rank = [...(preferOurs ? [si, pi, ei, ti] : [pi, si, ti, ei]), ...combo.flatMap(([, r]) => r)];
            if (best && compare(rank, best.rank) >= 0) continue;
            const chosen = [t, ...combo.map(([x]) => x).filter((x): x is Transform => x !== null)];
            best = { rank, choice: { number: p.number, transforms: chosen, negotiated: negotiated(e, chosen) } };
          }
        });
      });
    });
  });
  return (best as { choice: ModelChoice } | null)?.choice ?? null;
}

function negotiated(e: { id: number; keyBits: number }, chosen: readonly Transform[]): ModelChoice['negotiated'] {
  const of = (type: number): number | null => chosen.find((t) => t.type === type)?.id ?? null;
  const integ = of(INTEG);
  const dh = of(DH);
  return { encr: { id: e.id, keyBits: e.keyBits }, integ: integ === 0 ? null : integ, prf: of(PRF), dh: dh === 0 ? null : dh, esn: of(ESN) === 1 };
}
