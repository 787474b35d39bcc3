// Certificates for the test bed's control plane, made with openssl: one CA, a serving certificate for
// 127.0.0.1, an admin client certificate in system:masters, and the service-account signing key.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Certs {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

export function makeCerts(dir: string): Certs {
  mkdirSync(dir, { recursive: true });
  const c: Certs = {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
  };
  if (existsSync(c.saPub)) return c;
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      c.caKey,
      '-out',
      c.caCert,
      '-days',
      '3650',
      '-subj',
      '/CN=heimdex-testbed-ca',
    ],
    dir,
  );
  issue(dir, c, 'apiserver', '/CN=kube-apiserver', [
    'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
    'extendedKeyUsage=serverAuth',
  ]);
  // O=system:masters is the group RBAC lets do anything: the admin of the test bed.
  issue(dir, c, 'admin', '/CN=heimdex-testbed-admin/O=system:masters', ['extendedKeyUsage=clientAuth']);
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', c.saKey], dir);
  openssl(['pkey', '-in', c.saKey, '-pubout', '-out', c.saPub], dir);
  return c;
}

function issue(dir: string, c: Certs, name: string, subject: string, extensions: string[]): void {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    `${['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', ...extensions].join('\n')}\n`,
  );
  openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      csr,
      '-subj',
      subject,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      c.caCert,
      '-CAkey',
      c.caKey,
      '-CAcreateserial',
      '-days',
      '3650',
      '-out',
      join(dir, `${name}.crt`),
      '-extfile',
      ext,
    ],
    dir,
  );
}
