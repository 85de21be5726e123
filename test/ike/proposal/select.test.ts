// The responder's proposal choice, the initiator's check of it, and the INVALID_KE_PAYLOAD
// helpers. Numbers are IANA values written out; the random test compares with naive-selector.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Proposal, Transform } from '../../../src/ike/message/types.js';
import { proposalsToPayload } from '../../../src/ike/proposal/payload.js';
import { parseProposalText } from '../../../src/ike/proposal/parse.js';
import type { ProposalSpec } from '../../../src/ike/proposal/parse.js';
import {
  checkChosenProposal, dhGroupsOf, invalidKeGroup, invalidKeNotifyData, isAcceptableKeGroup,
  parseInvalidKeNotifyData, selectProposal,
} from '../../../src/ike/proposal/select.js';
import { naiveSelect } from './naive-selector.js';

const IKE = 1, ESP = 3;
const ENCR = 1, PRF = 2, INTEG = 3, DH = 4, ESN = 5;

function spec(text: string, kind: 'ike' | 'esp'): ProposalSpec {
  const r = parseProposalText(text, kind);
  if (!r.ok) throw new Error(r.message);
  return r.spec;
}

function tr(type: number, id: number, keyLength: number | null = null): Transform {
  return { type, id, keyLength, attributes: keyLength === null ? [] : [{ type: 14, value: keyLength }] };
}

function prop(number: number, protocolId: number, transforms: Transform[], spi = Buffer.alloc(protocolId === ESP ? 4 : 0)): Proposal {
  return { number, protocolId, spi, transforms };
}

describe('selectProposal (responder, RFC 7296 2.7)', () => {
  const ours = [spec('aes256gcm16-prfsha384-ecp384', 'ike'), spec('aes128-sha256-modp2048', 'ike')];
  const theirs = [
    prop(1, IKE, [tr(ENCR, 12, 128), tr(INTEG, 12), tr(PRF, 5), tr(DH, 14)]),
    prop(2, IKE, [tr(ENCR, 20, 256), tr(PRF, 6), tr(DH, 20)]),
  ];

  it('with preferOurs takes our first acceptable proposal and echoes their number', () => {
    const r = selectProposal(ours, theirs, IKE, { preferOurs: true });
    expect(r.ok && r.chosen.number).toBe(2);
    expect(r.ok && r.negotiated).toEqual({ encr: { id: 20, keyBits: 256 }, integ: null, prf: 6, dh: 20, esn: false });
  });

  it('without preferOurs takes their first acceptable proposal', () => {
    const r = selectProposal(ours, theirs, IKE, { preferOurs: false });
    expect(r.ok && r.chosen.number).toBe(1);
    expect(r.ok && r.negotiated).toEqual({ encr: { id: 12, keyBits: 128 }, integ: 12, prf: 5, dh: 14, esn: false });
  });

  it('echoes exactly one transform of each type they sent, and their SPI', () => {
    const spi = Buffer.from('01020304', 'hex');
    const t = [prop(1, ESP, [tr(ENCR, 20, 128), tr(ENCR, 20, 256), tr(DH, 31), tr(DH, 19), tr(ESN, 1), tr(ESN, 0)], spi)];
    const r = selectProposal([spec('aes256gcm16-aes128gcm16-ecp256-x25519-esn', 'esp')], t, ESP, { preferOurs: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.chosen.spi.toString('hex')).toBe('01020304');
    expect(r.chosen.transforms.map((x) => [x.type, x.id, x.keyLength])).toEqual([[ENCR, 20, 256], [DH, 19, null], [ESN, 1, null]]);
  });

  it('prefers the DH group of the KE payload within the chosen proposal', () => {
    const t = [prop(1, IKE, [tr(ENCR, 20, 128), tr(PRF, 5), tr(DH, 19), tr(DH, 31)])];
    const r = selectProposal([spec('aes128gcm16-prfsha256-ecp256-x25519', 'ike')], t, IKE, { preferOurs: true, dhGroupOfKe: 31 });
    expect(r.ok && r.negotiated.dh).toBe(31);
  });

  it('chooses by preference when the KE group is not acceptable, so the caller sends INVALID_KE_PAYLOAD', () => {
    const t = [prop(1, IKE, [tr(ENCR, 20, 128), tr(PRF, 5), tr(DH, 19), tr(DH, 14)])];
    const r = selectProposal([spec('aes128gcm16-prfsha256-ecp256', 'ike')], t, IKE, { preferOurs: true, dhGroupOfKe: 14 });
    expect(r.ok && r.negotiated.dh).toBe(19);
    expect(r.ok && invalidKeGroup(r.negotiated, 14)).toBe(19);
    expect(r.ok && invalidKeGroup(r.negotiated, 19)).toBeNull();
  });

  it('skips a transform with an attribute it does not understand and takes the next one (RFC 7296 3.3.6)', () => {
    const odd: Transform = { type: ENCR, id: 20, keyLength: 256, attributes: [{ type: 14, value: 256 }, { type: 15, value: 1 }] };
    const t = [prop(1, ESP, [odd, tr(ENCR, 20, 128), tr(ESN, 0)])];
    const r = selectProposal([spec('aes256gcm16-aes128gcm16', 'esp')], t, ESP, { preferOurs: true });
    expect(r.ok && r.negotiated.encr).toEqual({ id: 20, keyBits: 128 });
  });

  it('skips unknown transform IDs and AES without a Key Length instead of failing', () => {
    const t = [prop(1, ESP, [tr(ENCR, 250), tr(ENCR, 12), tr(ENCR, 12, 128), tr(INTEG, 99), tr(INTEG, 12), tr(ESN, 0)])];
    const r = selectProposal([spec('aes128-sha256', 'esp')], t, ESP, { preferOurs: false });
    expect(r.ok && r.negotiated).toEqual({ encr: { id: 12, keyBits: 128 }, integ: 12, prf: null, dh: null, esn: false });
  });

  it('refuses a proposal with a transform type it does not understand, but takes the next proposal', () => {
    const t = [
      prop(1, IKE, [tr(ENCR, 20, 128), tr(PRF, 5), tr(DH, 31), tr(6, 1)]),
      prop(2, IKE, [tr(ENCR, 20, 128), tr(PRF, 5), tr(DH, 31)]),
    ];
    const r = selectProposal([spec('aes128gcm16-prfsha256-x25519', 'ike')], t, IKE, { preferOurs: true });
    expect(r.ok && r.chosen.number).toBe(2);
  });

  it('accepts INTEG NONE next to an AEAD and reports no integrity', () => {
    const t = [prop(1, ESP, [tr(ENCR, 20, 128), tr(INTEG, 0), tr(ESN, 0)])];
    const r = selectProposal([spec('aes128gcm16', 'esp')], t, ESP, { preferOurs: true });
    expect(r.ok && r.chosen.transforms.map((x) => x.type)).toEqual([ENCR, INTEG, ESN]);
    expect(r.ok && r.negotiated.integ).toBeNull();
  });

  it('accepts DH NONE from the peer when we want no PFS, and requires a group when we want PFS', () => {
    const t = [prop(1, ESP, [tr(ENCR, 20, 128), tr(DH, 0), tr(ESN, 0)])];
    const noPfs = selectProposal([spec('aes128gcm16', 'esp')], t, ESP, { preferOurs: true });
    expect(noPfs.ok && noPfs.negotiated.dh).toBeNull();
    expect(selectProposal([spec('aes128gcm16-x25519', 'esp')], t, ESP, { preferOurs: true }).ok).toBe(false);
    const noDh = [prop(1, ESP, [tr(ENCR, 20, 128), tr(ESN, 0)])];
    expect(selectProposal([spec('aes128gcm16-x25519', 'esp')], noDh, ESP, { preferOurs: true }).ok).toBe(false);
  });

  it('refuses an ESP proposal without the mandatory ESN transform (RFC 7296 3.3.3)', () => {
    const t = [prop(1, ESP, [tr(ENCR, 20, 128)])];
    expect(selectProposal([spec('aes128gcm16', 'esp')], t, ESP, { preferOurs: true }).ok).toBe(false);
  });

  it('ignores proposals of another protocol', () => {
    const t = [prop(1, 2, [tr(INTEG, 12), tr(ESN, 0)]), prop(2, ESP, [tr(ENCR, 20, 128), tr(ESN, 0)])];
    const r = selectProposal([spec('aes128gcm16', 'esp')], t, ESP, { preferOurs: true });
    expect(r.ok && r.chosen.number).toBe(2);
  });

  it('fails with NO_PROPOSAL_CHOSEN (14) and says what each side offered', () => {
    const t = [prop(1, IKE, [tr(ENCR, 12, 128), tr(INTEG, 12), tr(PRF, 5), tr(DH, 14)])];
    const r = selectProposal([spec('aes256gcm16-prfsha384-ecp384', 'ike')], t, IKE, { preferOurs: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.notify).toBe(14);
    expect(r.theirs).toEqual(['#1 IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048']);
    expect(r.ours).toEqual(['IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384']);
    expect(r.detail).toContain('peer offered #1 IKE:AES_CBC_128');
  });

  it('fails cleanly on an empty offer', () => {
    const r = selectProposal([spec('aes128gcm16', 'esp')], [], ESP, { preferOurs: true });
    expect(r.ok).toBe(false);
  });
});

describe('checkChosenProposal (initiator)', () => {
  const offered = proposalsToPayload([spec('aes256gcm16-aes128gcm16-x25519-ecp256', 'esp'), spec('aes128-sha256', 'esp')], ESP, Buffer.from('aabbccdd', 'hex'));
  const reply = (number: number, transforms: Transform[], spi = Buffer.from('11223344', 'hex')): Proposal[] => [prop(number, ESP, transforms, spi)];

  it('accepts one transform per type from the proposal it names and reports the result', () => {
    const r = checkChosenProposal(offered, reply(1, [tr(ENCR, 20, 128), tr(DH, 19), tr(ESN, 0)]));
    expect(r).toEqual({ ok: true, negotiated: { encr: { id: 20, keyBits: 128 }, integ: null, prf: null, dh: 19, esn: false } });
  });

  it('tolerates an INTEG NONE it did not offer at all', () => {
    expect(checkChosenProposal(offered, reply(1, [tr(ENCR, 20, 256), tr(INTEG, 0), tr(DH, 31), tr(ESN, 0)])).ok).toBe(true);
  });

  it.each<[string, Proposal[]]>([
    ['no proposal', []],
    ['two proposals', [...reply(1, [tr(ENCR, 20, 128), tr(DH, 19), tr(ESN, 0)]), ...reply(2, [tr(ENCR, 12, 128), tr(INTEG, 12), tr(ESN, 0)])]],
    ['a number we did not offer', reply(3, [tr(ENCR, 20, 128), tr(DH, 19), tr(ESN, 0)])],
    ['a transform from the other proposal', reply(1, [tr(ENCR, 12, 128), tr(DH, 19), tr(ESN, 0)])],
    ['a key size we did not offer', reply(1, [tr(ENCR, 20, 192), tr(DH, 19), tr(ESN, 0)])],
    ['two transforms of one type', reply(1, [tr(ENCR, 20, 128), tr(DH, 19), tr(DH, 31), tr(ESN, 0)])],
    ['a missing type we offered (DH: PFS dropped)', reply(1, [tr(ENCR, 20, 128), tr(ESN, 0)])],
    ['an ESN mode we did not offer', reply(1, [tr(ENCR, 20, 128), tr(DH, 19), tr(ESN, 1)])],
    ['a wrong SPI size', reply(1, [tr(ENCR, 20, 128), tr(DH, 19), tr(ESN, 0)], Buffer.alloc(8))],
    ['another protocol', [prop(1, IKE, [tr(ENCR, 20, 128), tr(DH, 19), tr(ESN, 0)], Buffer.alloc(4))]],
  ])('refuses a response with %s', (_, chosen) => {
    const r = checkChosenProposal(offered, chosen);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('invalid-chosen-proposal');
  });
});

describe('INVALID_KE_PAYLOAD helpers (RFC 7296 1.2)', () => {
  const ours = [spec('aes128gcm16-prfsha256-x25519-ecp256', 'ike'), spec('aes128-sha256-ecp256-modp2048', 'ike')];

  it('lists our groups in preference order without repeats', () => {
    expect(dhGroupsOf(ours)).toEqual([31, 19, 14]);
  });

  it('accepts a requested group only if we offered it', () => {
    expect(isAcceptableKeGroup(ours, 14)).toBe(true);
    expect(isAcceptableKeGroup(ours, 21)).toBe(false);
  });

  it('encodes the group as two octets and reads it back, refusing other lengths', () => {
    expect(invalidKeNotifyData(31).toString('hex')).toBe('001f');
    expect(parseInvalidKeNotifyData(Buffer.from('0013', 'hex'))).toBe(19);
    expect(parseInvalidKeNotifyData(Buffer.alloc(0))).toBeNull();
    expect(parseInvalidKeNotifyData(Buffer.alloc(3))).toBeNull();
    expect(() => invalidKeNotifyData(70000)).toThrow(RangeError);
  });
});

// ---- reference model over random inputs ----

const SPEC_TEXTS: Record<'ike' | 'esp', string[]> = {
  ike: [
    'aes128gcm16-prfsha256-x25519', 'aes256gcm16-aes128gcm16-prfsha384-prfsha256-ecp384-x25519', 'aes128-sha256-modp2048',
    'aes256-aes128-sha512-sha256-ecp256-modp2048', 'chacha20poly1305-prfsha512-x448-x25519', 'aes192gcm12-prfsha256-ecp521',
  ],
  esp: [
    'aes128gcm16', 'aes256gcm16-aes128gcm16-esn-noesn', 'aes128-sha256', 'aes256-sha512-sha256-x25519-noesn-esn',
    'chacha20poly1305-ecp256-esn', 'aes128gcm8-aes192gcm12-modp2048',
  ],
};

function arbTransform(): fc.Arbitrary<Transform> {
  const encr = fc.tuple(fc.constantFrom(12, 13, 18, 19, 20, 28, 3, 250), fc.constantFrom(null, 128, 192, 256, 64))
    .map(([id, k]) => tr(ENCR, id, k));
  const simple = fc.tuple(fc.constantFrom(PRF, INTEG, DH, ESN), fc.constantFrom(0, 1, 5, 6, 7, 12, 13, 14, 19, 20, 21, 31, 32, 99))
    .map(([type, id]) => tr(type, id));
  const odd = fc.oneof(
    fc.constant<Transform>({ type: ENCR, id: 20, keyLength: 128, attributes: [{ type: 14, value: 128 }, { type: 14, value: 128 }] }),
    fc.constant<Transform>({ type: ENCR, id: 12, keyLength: null, attributes: [{ type: 14, value: Buffer.from([0, 128]) }] }),
    fc.constant<Transform>({ type: DH, id: 31, keyLength: null, attributes: [{ type: 99, value: 1 }] }),
    fc.constant<Transform>({ type: 6, id: 1, keyLength: null, attributes: [] }),
  );
  return fc.oneof({ weight: 3, arbitrary: encr }, { weight: 6, arbitrary: simple }, { weight: 1, arbitrary: odd });
}

/** Transforms of one of the sample specs (either kind), shuffled, some dropped, junk added. */
function arbDerivedTransforms(): fc.Arbitrary<[number, Transform[]]> {
  const all = [...SPEC_TEXTS.ike.map((t) => spec(t, 'ike')), ...SPEC_TEXTS.esp.map((t) => spec(t, 'esp'))];
  return fc.tuple(fc.constantFrom(...all), fc.array(arbTransform(), { maxLength: 2 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), fc.nat())
    .map(([s, extra, keep, seed]): [number, Transform[]] => {
      const [p] = proposalsToPayload([s], s.kind === 'ike' ? IKE : ESP, Buffer.alloc(s.kind === 'ike' ? 0 : 4));
      // Drop a transform only now and then (keep[i] false for i < 3), so most stay complete.
      const base = p!.transforms.filter((_, i) => keep[i % 12] || i >= 3 || seed % 4 !== 0);
      const mixed = [...base, ...extra];
      const shuffled = mixed.map((t, i) => [t, (seed * (i + 7)) % 101] as const).sort((a, b) => a[1] - b[1]).map(([t]) => t);
      // Mostly the spec's own protocol; sometimes another one.
      const protocolId = seed % 10 === 0 ? 2 : seed % 10 === 1 ? (s.kind === 'ike' ? ESP : IKE) : s.kind === 'ike' ? IKE : ESP;
      return [protocolId, shuffled];
    });
}

function arbProposals(): fc.Arbitrary<Proposal[]> {
  const random = fc.tuple(fc.constantFrom(IKE, ESP, 2), fc.array(arbTransform(), { minLength: 1, maxLength: 8 }));
  return fc.array(fc.oneof({ weight: 1, arbitrary: random }, { weight: 3, arbitrary: arbDerivedTransforms() }), { minLength: 1, maxLength: 4 })
    .map((list) => list.map(([protocolId, ts], i) => prop(i + 1, protocolId, ts)));
}

describe('selectProposal agrees with a naive reference selector', () => {
  it('on random offers, both preference modes, with and without a KE group', () => {
    let chosen = 0;
    const kind = fc.constantFrom('ike' as const, 'esp' as const);
    fc.assert(fc.property(kind, fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 3 }), arbProposals(),
      fc.boolean(), fc.option(fc.constantFrom(14, 19, 31, 20), { nil: undefined }), (k, picks, theirs, preferOurs, ke) => {
        const ours = picks.map((i) => spec(SPEC_TEXTS[k][i]!, k));
        const protocolId = k === 'ike' ? IKE : ESP;
        const got = selectProposal(ours, theirs, protocolId, ke === undefined ? { preferOurs } : { preferOurs, dhGroupOfKe: ke });
        const want = naiveSelect(ours, theirs, protocolId, preferOurs, ke);
        if (want === null) {
          expect(got.ok).toBe(false);
          return;
        }
        expect(got.ok).toBe(true);
        if (!got.ok) return;
        chosen++;
        expect(got.chosen.number).toBe(want.number);
        expect(got.chosen.transforms).toEqual(want.transforms);
        expect(got.negotiated).toEqual(want.negotiated);
        // And the initiator's check accepts what the responder chose from the initiator's offer.
        const back = checkChosenProposal(theirs, [got.chosen]);
        expect(back.ok && back.negotiated).toEqual(got.negotiated);
      }), { numRuns: 2000 });
    // The comparison means something only if many runs do choose a proposal (about a fifth do).
    expect(chosen).toBeGreaterThan(200);
  });

  it('finds matches often enough for the comparison to mean something', () => {
    // Offers built from our own specs must always be accepted, in both modes.
    fc.assert(fc.property(fc.constantFrom('ike' as const, 'esp' as const), fc.integer({ min: 0, max: 5 }), fc.boolean(), (k, i, preferOurs) => {
      const s = spec(SPEC_TEXTS[k][i]!, k);
      const protocolId = k === 'ike' ? IKE : ESP;
      const theirs = proposalsToPayload([s], protocolId, Buffer.alloc(k === 'ike' ? 0 : 4));
      expect(selectProposal([s], theirs, protocolId, { preferOurs }).ok).toBe(true);
      expect(naiveSelect([s], theirs, protocolId, preferOurs)).not.toBeNull();
    }), { numRuns: 100 });
  });
});
