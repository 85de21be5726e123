// Consecutive CHILD_SA rekeys, each started by a named side and awaited until both ends show one
// installed CHILD_SA with the same new SPI pair (the next starts only then).
import { waitFor } from '../netns/support.js';
import { hex8, installedChildren, ctl } from './ipsec-ts.js';
import type { InteropCase } from './peer.js';
import { CHILD, TS_CONN } from './peer.js';

export interface RekeyTarget {
  /** Starts one rekey from that side. */
  trigger(by: string): Promise<void>;
  /** The inbound SPI of side A when both ends agree on exactly one installed CHILD_SA, else null. */
  agreed(): Promise<string | null>;
  /** For a failure message. */
  detail(): string;
}

export interface RekeyRecord {
  readonly by: string;
  readonly spiIn: string;
  readonly ms: number;
}

export async function rekeyInOrder(target: RekeyTarget, order: readonly string[], timeoutMs = 10_000): Promise<RekeyRecord[]> {
  const out: RekeyRecord[] = [];
  let current = await target.agreed();
  for (const [i, by] of order.entries()) {
    const started = Date.now();
    await target.trigger(by);
    let next: string | null = null;
    await waitFor(async () => {
      next = await target.agreed();
      return next !== null && next !== current;
    }, timeoutMs, `rekey ${i + 1} of ${order.length} (started by ${by}) to complete on both sides`, () => target.detail());
    current = next;
    out.push({ by, spiIn: next!, ms: Date.now() - started });
  }
  return out;
}

/** ipsec-ts (ike.rekey) and strongSwan (swanctl --rekey --child) rekeying the case's CHILD_SA. */
export function runRekeys(c: InteropCase, order: readonly ('ipsec-ts' | 'strongswan')[]): Promise<RekeyRecord[]> {
  return rekeyInOrder({
    async trigger(by) {
      if (by === 'ipsec-ts') {
        await ctl(c.socket, 'ike.rekey', { connection: TS_CONN });
        return;
      }
      const r = await c.charon.swanctl(['--rekey', '--child', CHILD]);
      if (r.code !== 0) throw new Error(`swanctl --rekey --child ${CHILD} failed (${r.code}): ${r.stdout}${r.stderr}`);
    },
    async agreed() {
      const ts = await installedChildren(c.socket);
      const sw = (await c.charon.listSas()).flatMap((s) => s.children.filter((ch) => ch.state === 'INSTALLED'));
      if (ts.length !== 1 || sw.length !== 1) return null;
      return ts[0]!.spiIn === hex8(sw[0]!.spiOut) && ts[0]!.spiOut === hex8(sw[0]!.spiIn) ? ts[0]!.spiIn : null;
    },
    detail: () => c.logs().split('\n').slice(-60).join('\n'),
  }, order);
}
