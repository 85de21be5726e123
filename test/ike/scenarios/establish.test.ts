// IKE_SA_INIT + IKE_AUTH between two of our managers over the in-memory wire.
import { describe, expect, it } from 'vitest';
import { IkePair, connection, proposals } from '../support/ike-pair.js';

describe('establishing an IKE SA with a pre-shared key', () => {
  it('installs one child SA pair whose SPIs and keys match crosswise, with the policy on both sides', () => {
    const pair = new IkePair();
    expect(pair.a.manager.initiate('a-b').ok).toBe(true);
    pair.deliver();
    const a = pair.a.host;
    const b = pair.b.host;
    expect(a.eventsOf('ike-established')).toHaveLength(1);
    expect(b.eventsOf('ike-established')).toHaveLength(1);
    expect(a.eventsOf('ike-established')[0]!.proposal).toMatch(/aes128gcm16/i);
    const [childA] = a.eventsOf('child-installed');
    const [childB] = b.eventsOf('child-installed');
    expect(childA!.spiIn).toBe(childB!.spiOut);
    expect(childA!.spiOut).toBe(childB!.spiIn);
    expect(pair.outboundAlwaysMatched()).toEqual([]);
    const outA = a.outbound(childA!.spiOut)!;
    expect(outA.src).toBe('198.51.100.1');
    expect(outA.dst).toBe('198.51.100.2');
    expect(outA.encapsulation).toEqual({ srcPort: 4500, dstPort: 4500 });
    expect(outA.transform.encryption).toBe('aes-gcm');
    expect([...a.policies.values()][0]!.localTs[0]!.startAddress).toBe('10.1.0.0');
    expect([...b.policies.values()][0]!.localTs[0]!.startAddress).toBe('10.2.0.0');
    expect(a.eventsOf('ike-failed')).toEqual([]);
    expect(b.eventsOf('ike-failed')).toEqual([]);
  });

  it('fails on both sides with 13801 when the pre-shared keys differ', () => {
    const pair = new IkePair([connection('a', { psk: Buffer.from('one key') })], [connection('b', { psk: Buffer.from('another key') })]);
    pair.a.manager.initiate('a-b');
    pair.deliver();
    expect(pair.b.host.eventsOf('ike-failed')[0]).toMatchObject({ code: 13801, name: 'ERROR_IPSEC_IKE_AUTH_FAIL' });
    expect(pair.a.host.eventsOf('ike-failed')[0]).toMatchObject({ code: 13801 });
    expect(pair.a.host.installed.size + pair.b.host.installed.size).toBe(0);
  });

  it('retries with the group the responder asks for in INVALID_KE_PAYLOAD', () => {
    const pair = new IkePair(
      [connection('a', { ikeProposals: proposals('ike', 'aes128gcm16-prfsha256-ecp256-x25519') })],
      [connection('b', { ikeProposals: proposals('ike', 'aes128gcm16-prfsha256-x25519') })],
    );
    pair.a.manager.initiate('a-b');
    pair.deliver();
    expect(pair.a.host.eventsOf('ike-established')).toHaveLength(1);
    expect(pair.a.host.eventsOf('ike-established')[0]!.proposal).toMatch(/25519/);
  });

  it('answers a retransmitted IKE_AUTH from its cache instead of creating a second child', () => {
    const pair = new IkePair();
    pair.a.manager.initiate('a-b');
    pair.hand(pair.a, pair.take(pair.a)); // IKE_SA_INIT request
    pair.hand(pair.b, pair.take(pair.b)); // its response; A sends IKE_AUTH
    pair.hand(pair.a, pair.take(pair.a)); // IKE_AUTH request reaches B
    const lost = pair.take(pair.b); // B's IKE_AUTH response is lost
    expect(lost).toHaveLength(1);
    pair.advance(4000); // A retransmits
    pair.deliver();
    expect(pair.b.host.eventsOf('child-installed')).toHaveLength(1);
    expect(pair.a.host.eventsOf('child-installed')).toHaveLength(1);
    expect(pair.outboundAlwaysMatched()).toEqual([]);
  });

  it('refuses with NO_PROPOSAL_CHOSEN when no IKE proposal matches, and says so on both sides', () => {
    const pair = new IkePair(
      [connection('a', { ikeProposals: proposals('ike', 'aes256-sha256-modp2048') })],
      [connection('b', { ikeProposals: proposals('ike', 'aes128gcm16-prfsha256-x25519') })],
    );
    pair.a.manager.initiate('a-b');
    pair.deliver();
    expect(pair.a.host.eventsOf('ike-failed')[0]).toMatchObject({ code: 13802 });
    expect(pair.b.host.eventsOf('message-dropped').some((e) => e.reason === 'answered-error')).toBe(true);
  });
});
