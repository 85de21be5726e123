// A CA and two end-entity certificates made with the openssl CLI (not with our code), for the
// certificate cases: ECDSA P-256 keys, the identity as a DNS subjectAltName (RFC 7296 3.5 ID_FQDN
// must match the certificate, which both strongSwan and ipsec-ts check).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Issued {
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TestPki {
  readonly caPath: string;
  readonly caPem: string;
  issue(name: string, dns: string): Issued;
}

const openssl = (args: readonly string[]): void => {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

export function makePki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  const caKey = join(dir, 'ca.key');
  const caPath = join(dir, 'ca.pem');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
  openssl(['req', '-x509', '-new', '-key', caKey, '-out', caPath, '-days', '30', '-subj', '/O=ipsec-ts interop/CN=interop CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return {
    caPath,
    caPem: readFileSync(caPath, 'utf8'),
    issue(name, dns) {
      const keyPath = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const certPath = join(dir, `${name}.pem`);
      const ext = join(dir, `${name}.ext`);
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath]);
      openssl(['req', '-new', '-key', keyPath, '-out', csr, '-subj', `/O=ipsec-ts interop/CN=${dns}`]);
      writeFileSync(ext, `subjectAltName=DNS:${dns}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n`);
      openssl(['x509', '-req', '-in', csr, '-CA', caPath, '-CAkey', caKey, '-CAcreateserial', '-out', certPath, '-days', '30', '-extfile', ext]);
      return { certPath, keyPath, certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
    },
  };
}
