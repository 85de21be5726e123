// Keys and certificates made by the openssl CLI for the auth tests, plus small helpers that let
// openssl (not our code) read DER: element offsets come from `openssl asn1parse`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** True when openssl runs; otherwise warns (tests skip) or, in CI, throws. */
export function hasOpenssl(): boolean {
  const ok = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
  if (ok) return true;
  const message = "oracle 'openssl' is not installed; the ike/auth oracle tests are SKIPPED";
  if (process.env.IPSEC_TS_REQUIRE_ORACLES === '1') throw new Error(`${message}; CI requires every oracle`);
  console.warn(`\n*** ${message} ***\n`);
  return false;
}

export function openssl(args: readonly string[], input?: Buffer): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The result of `openssl <args>` as exit status and combined text, for verify commands. */
export function opensslStatus(args: readonly string[]): { status: number | null; text: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status, text: `${r.stdout}${r.stderr}` };
}

const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ee_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
subjectAltName = DNS:moon.example,IP:192.0.2.1,IP:2001:db8::1,email:moon@example.com
[plain_ext]
basicConstraints = CA:FALSE
[nokeyid_ext]
basicConstraints = CA:FALSE
subjectKeyIdentifier = none
authorityKeyIdentifier = none
`;

export type KeySpec = 'rsa' | 'p256' | 'p384' | 'p521' | 'ed25519' | 'ed448';

const KEYGEN: Record<KeySpec, string[]> = {
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  p521: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed25519: ['-algorithm', 'ED25519'],
  ed448: ['-algorithm', 'ED448'],
};

export class Pki {
  readonly dir = mkdtempSync('/tmp/ike-auth-');
  private readonly cnf = join(this.dir, 'openssl.cnf');
  private serial = 1;

  constructor() {
    writeFileSync(this.cnf, CONFIG);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Generates <name>.key (PKCS#8 PEM) and <name>.pub. */
  key(name: string, spec: KeySpec): string {
    const key = this.path(`${name}.key`);
    openssl(['genpkey', ...KEYGEN[spec], '-out', key]);
    openssl(['pkey', '-in', key, '-pubout', '-out', this.path(`${name}.pub`)]);
    return key;
  }

  /** A self-signed CA <name>.pem. `digest` null for EdDSA keys. */
  rootCa(name: string, subject: string, digest: string | null = 'sha256', extra: string[] = []): string {
    const out = this.path(`${name}.pem`);
    openssl(['req', '-x509', '-new', '-config', this.cnf, '-extensions', 'ca_ext', '-key', this.path(`${name}.key`), '-subj', subject, '-days', '3650', ...(digest ? [`-${digest}`] : []), ...extra, '-out', out]);
    this.der(name);
    return out;
  }

  /** <name>.pem issued by <issuer> with extension section `ext` (ca_ext, ee_ext, plain_ext). */
  issue(name: string, subject: string, issuer: string, ext: string, options: { days?: number; digest?: string | null; extra?: string[] } = {}): string {
    const { days = 3650, digest = 'sha256', extra = [] } = options;
    const csr = this.path(`${name}.csr`);
    const out = this.path(`${name}.pem`);
    openssl(['req', '-new', '-config', this.cnf, '-key', this.path(`${name}.key`), '-subj', subject, '-out', csr]);
    openssl(['x509', '-req', '-in', csr, '-CA', this.path(`${issuer}.pem`), '-CAkey', this.path(`${issuer}.key`), '-set_serial', String(this.serial++), '-extfile', this.cnf, '-extensions', ext, '-days', String(days), ...(digest ? [`-${digest}`] : []), ...extra, '-out', out]);
    this.der(name);
    return out;
  }

  /** Writes <name>.der and returns it. */
  der(name: string): Buffer {
    const der = openssl(['x509', '-in', this.path(`${name}.pem`), '-outform', 'DER']);
    writeFileSync(this.path(`${name}.der`), der);
    return der;
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Asn1Line {
  readonly offset: number;
  readonly depth: number;
  readonly headerLength: number;
  readonly length: number;
}

/** `openssl asn1parse -inform DER` of `der`, as element positions. */
export function asn1Elements(der: Buffer): Asn1Line[] {
  const text = openssl(['asn1parse', '-inform', 'DER'], der).toString('utf8');
  return [...text.matchAll(/^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)/gm)].map((m) => ({ offset: Number(m[1]), depth: Number(m[2]), headerLength: Number(m[3]), length: Number(m[4]) }));
}

function slice(der: Buffer, line: Asn1Line): Buffer {
  return der.subarray(line.offset, line.offset + line.headerLength + line.length);
}

/** Certificate.signatureAlgorithm as openssl finds it (the second element at depth 1). */
export function certSignatureAlgorithm(cert: Buffer): Buffer {
  return slice(cert, asn1Elements(cert).filter((l) => l.depth === 1)[1]!);
}

/** tbsCertificate.subject as openssl finds it (the depth-2 element after version, serial, signature, issuer, validity). */
export function certSubject(cert: Buffer): Buffer {
  const lines = asn1Elements(cert);
  const tbsEnd = lines[1]!.offset + lines[1]!.headerLength + lines[1]!.length;
  const fields = lines.filter((l) => l.depth === 2 && l.offset < tbsEnd);
  const versioned = cert[fields[0]!.offset] === 0xa0 ? 1 : 0;
  return slice(cert, fields[versioned + 4]!);
}
