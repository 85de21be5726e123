// ESP keys from a strongSwan charon log written with `chd = 4` (and `enc >= 1`), for hosts
// without the save-keys plugin (Debian 12 does not ship it). At that level charon prints the
// derived keys of every CHILD_SA it installs:
//
//   15[CHD] <swtun|1>   using AES_GCM_16 for encryption
//   15[CHD] <swtun|1> encryption initiator key => 20 bytes @ 0x7f5fbc00d750
//   15[CHD] <swtun|1>    0: A1 39 25 BA 2D 5E 7E 17 03 1C 9C 74 EB 5A AB 70  .9%.-^~....t.Z.p
//   15[CHD] <swtun|1>   16: C2 E5 3F 0C                                      ..?.
//   15[CHD] <swtun|1> encryption responder key => 20 bytes @ ...       (then integrity ones for non-AEAD)
//   15[CHD] <swtun|1> adding inbound ESP SA
//   15[CHD] <swtun|1>   SPI 0x5aa36870, src 198.51.100.2 dst 198.51.100.1
//   15[CHD] <swtun|1> registering outbound ESP SA                      ("adding" when installed at once)
//   15[CHD] <swtun|1>   SPI 0x2a9489f2, src 198.51.100.1 dst 198.51.100.2
//
// RFC 7296 2.17: the "initiator" keys protect traffic sent by the initiator of the exchange
// that created the CHILD_SA. Charon installs after parsing the response when it initiated, after
// parsing the request when it responds, so the last "parsed <EXCHANGE> request|response" of the
// same IKE_SA tells which side this log is on.

export interface ChildSaKeys {
  /** IKE_SA unique id in the log (the N of <name|N>). */
  readonly ikeSa: number;
  readonly direction: 'inbound' | 'outbound';
  readonly spi: number;
  readonly src: string;
  readonly dst: string;
  /** strongSwan's names, e.g. AES_GCM_16, AES_CBC; HMAC_SHA2_256_128 or null for AEAD. */
  readonly encryption: string;
  readonly integrity: string | null;
  /** Hex, as charon derived it (for AES-GCM the 4-byte salt is the last 4 bytes). */
  readonly encryptionKey: string;
  readonly integrityKey: string;
  /** From the selected proposal: EXT_SEQ (true) or NO_EXT_SEQ. */
  readonly esn: boolean;
}

interface LogLine {
  readonly thread: string;
  readonly ikeSa: number | null;
  readonly message: string;
}

const LINE = /^\S+ (\d+)\[\w+\] (?:<(?:[^>|]*\|)?(\d+)> )?(.*)$/;

function parseLine(text: string): LogLine | null {
  const m = LINE.exec(text);
  return m === null ? null : { thread: m[1]!, ikeSa: m[2] === undefined ? null : Number(m[2]), message: m[3]! };
}

type KeyName = 'encryption initiator' | 'encryption responder' | 'integrity initiator' | 'integrity responder';

/** What one IKE_SA is in the middle of, while its CHILD_SA keys and SAs scroll past. */
interface Pending {
  initiator: boolean;
  esn: boolean;
  encryption: string;
  integrity: string | null;
  keys: Partial<Record<KeyName, string>>;
  /** The key whose hex dump lines are being read, and how many bytes it still needs. */
  reading: { name: KeyName; remaining: number; hex: string } | null;
  /** 'adding inbound ESP SA' seen: the next SPI line belongs to that direction. */
  direction: 'inbound' | 'outbound' | null;
}

export function parseCharonChildKeys(log: string): ChildSaKeys[] {
  const out: ChildSaKeys[] = [];
  const state = new Map<number, Pending>();
  const seen = new Set<string>();
  for (const text of log.split('\n')) {
    const line = parseLine(text);
    if (line === null || line.ikeSa === null) continue;
    let p = state.get(line.ikeSa);
    if (p === undefined) {
      p = { initiator: false, esn: false, encryption: '', integrity: null, keys: {}, reading: null, direction: null };
      state.set(line.ikeSa, p);
    }
    const sa = step(p, line);
    if (sa === null) continue;
    const key = `${sa.direction}|${sa.spi}`;
    if (!seen.has(key)) out.push(sa);
    seen.add(key);
  }
  return out;
}

function step(p: Pending, line: LogLine): ChildSaKeys | null {
  const msg = line.message;
  if (p.reading !== null && readHex(p, msg)) return null;
  let m: RegExpExecArray | null;
  if ((m = /^parsed \S+ (request|response) \d+/.exec(msg))) p.initiator = m[1] === 'response';
  else if ((m = /^selected proposal: ESP:(\S+)/.exec(msg))) p.esn = /(^|\/)EXT_SEQ(\/|$)/.test(m[1]!);
  else if ((m = /^\s*using (\S+) for encryption/.exec(msg))) { p.encryption = m[1]!; p.integrity = null; p.keys = {}; }
  else if ((m = /^\s*using (\S+) for integrity/.exec(msg))) p.integrity = m[1]!;
  else if ((m = /^(encryption|integrity) (initiator|responder) key => (\d+) bytes/.exec(msg))) {
    p.reading = { name: `${m[1]} ${m[2]}` as KeyName, remaining: Number(m[3]), hex: '' };
    if (p.reading.remaining === 0) finishKey(p);
  } else if ((m = /^(?:adding|registering) (inbound|outbound) ESP SA/.exec(msg))) p.direction = m[1] as 'inbound' | 'outbound';
  else if ((m = /^\s*SPI 0x([0-9a-f]{8}), src (\S+) dst (\S+)/.exec(msg)) && p.direction !== null) {
    const sa = childSa(p, line.ikeSa!, p.direction, parseInt(m[1]!, 16), m[2]!, m[3]!);
    p.direction = null;
    return sa;
  }
  return null;
}

/** One hex dump line of the key being read ("   0: A1 39 ...  ascii"); false when the line is not one. */
function readHex(p: Pending, msg: string): boolean {
  const m = /^\s*\d+: (.*)$/.exec(msg);
  if (m === null) return false;
  const r = p.reading!;
  // 16 bytes per line as "XX " (48 characters), then the ASCII column.
  const bytes = (m[1]!.slice(0, 48).match(/[0-9A-F]{2}/g) ?? []).slice(0, Math.min(16, r.remaining));
  r.hex += bytes.join('').toLowerCase();
  r.remaining -= bytes.length;
  if (r.remaining <= 0) finishKey(p);
  return true;
}

function finishKey(p: Pending): void {
  p.keys[p.reading!.name] = p.reading!.hex;
  p.reading = null;
}

function childSa(p: Pending, ikeSa: number, direction: 'inbound' | 'outbound', spi: number, src: string, dst: string): ChildSaKeys | null {
  // Outbound traffic of the exchange's initiator uses the initiator keys, and so on.
  const side = (direction === 'outbound') === p.initiator ? 'initiator' : 'responder';
  const encryptionKey = p.keys[`encryption ${side}`];
  if (encryptionKey === undefined) return null;
  return {
    ikeSa, direction, spi, src, dst, encryption: p.encryption, integrity: p.integrity, encryptionKey,
    integrityKey: p.keys[`integrity ${side}`] ?? '', esn: p.esn,
  };
}

/** The esp_sa spellings of strongSwan's algorithm names, as save-keys and tshark 4.0 write them. */
export function espSaLine(sa: ChildSaKeys, spelling: 'strongswan-save-keys' | 'tshark-4.0'): string {
  const family = sa.src.includes(':') ? 'IPv6' : 'IPv4';
  const [enc, auth] = algorithms(sa, spelling);
  const integrityKey = spelling === 'strongswan-save-keys' || sa.integrityKey !== '' ? `0x${sa.integrityKey}` : '';
  return [family, sa.src, sa.dst, `0x${sa.spi.toString(16).padStart(8, '0')}`, enc, `0x${sa.encryptionKey}`, auth, integrityKey]
    .map((f) => `"${f}"`).join(',');
}

const INTEGRITY: Record<string, string> = {
  HMAC_SHA1_96: 'HMAC-SHA-1-96 [RFC2404]',
  HMAC_SHA2_256_128: 'HMAC-SHA-256-128 [RFC4868]',
  HMAC_SHA2_384_192: 'HMAC-SHA-384-192 [RFC4868]',
  HMAC_SHA2_512_256: 'HMAC-SHA-512-256 [RFC4868]',
};

function algorithms(sa: ChildSaKeys, spelling: 'strongswan-save-keys' | 'tshark-4.0'): [string, string] {
  const gcm = /^AES_GCM_(8|12|16)$/.exec(sa.encryption);
  if (gcm !== null) {
    const icv = Number(gcm[1]);
    // save_keys_listener.c: 'AES-GCM [RFC4106]' with 'ANY 64 bit' for ICV 8 and 12, 'ANY 128 bit' for 16.
    if (spelling === 'strongswan-save-keys') return ['AES-GCM [RFC4106]', `ANY ${icv === 16 ? 128 : 64} bit authentication [no checking]`];
    return [`AES-GCM with ${icv} octet ICV [RFC4106]`, 'NULL'];
  }
  const enc = { AES_CBC: 'AES-CBC [RFC3602]', AES_CTR: 'AES-CTR [RFC3686]', NULL: 'NULL' }[sa.encryption];
  const auth = sa.integrity === null ? undefined : INTEGRITY[sa.integrity];
  if (enc === undefined || auth === undefined) throw new Error(`no esp_sa spelling for ${sa.encryption}/${sa.integrity}`);
  return [enc, auth];
}
