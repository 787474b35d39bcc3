// The test bed's Kubernetes control plane: etcd, kube-apiserver (RBAC on), kube-controller-manager
// (the real Job controller) and kube-scheduler, all on 127.0.0.1, plus an admin kubeconfig.
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { Certs } from './certs.js';
import { freePort, isAlive, type Started, startDetached, stopProcess, waitFor } from './proc.js';

export interface ControlPlane {
  processes: Started[];
  kubeconfig: string;
  server: string;
}

/** Controllers the tests need: Jobs, their pods' garbage, TTL cleanup, service accounts, namespaces, volume binding. */
const CONTROLLERS = [
  'job-controller',
  'garbage-collector-controller',
  'ttl-after-finished-controller',
  'pod-garbage-collector-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'namespace-controller',
  'root-ca-certificate-publisher-controller',
  // Binds claims to volumes, so a pod with a PVC (the chart's models volume) can be scheduled.
  'persistentvolume-binder-controller',
];

export async function startControlPlane(
  binDirs: { kubernetes: string; etcd: string },
  certs: Certs,
  dir: string,
) {
  const processes: Started[] = [];
  const [etcdPort, peerPort, apiPort, kcmPort, schedPort] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcdData = join(dir, 'etcd');
  const etcd = startDetached(
    'etcd',
    join(binDirs.etcd, 'etcd'),
    [
      '--name=testbed',
      `--data-dir=${etcdData}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=testbed=http://127.0.0.1:${peerPort}`,
      // A test bed's data is thrown away; fsync only costs time.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    join(dir, 'etcd.log'),
    { match: etcdData },
  );
  processes.push(etcd);
  await waitFor(
    'etcd to report healthy',
    async () => ((await (await fetch(`${etcdUrl}/health`)).json()) as { health?: string }).health === 'true',
    { log: etcd.log, alive: () => isAlive(etcd) },
  );

  const server = `https://127.0.0.1:${apiPort}`;
  const apiserver = startDetached(
    'kube-apiserver',
    join(binDirs.kubernetes, 'kube-apiserver'),
    [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      // Without it the apiserver advertises the default-route address, which must not receive traffic.
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${certs.servingCert}`,
      `--tls-private-key-file=${certs.servingKey}`,
      `--client-ca-file=${certs.caCert}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.0.0.0/24',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${certs.saPub}`,
      `--service-account-signing-key-file=${certs.saKey}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      '--allow-privileged=true',
      '--profiling=false',
      '--v=1',
    ],
    join(dir, 'kube-apiserver.log'),
  );
  processes.push(apiserver);
  const adminTls = { ca: certs.caCert, cert: certs.adminCert, key: certs.adminKey };
  await waitFor(
    'kube-apiserver to be ready',
    async () => (await httpsGet(`${server}/readyz`, adminTls)) === 200,
    {
      timeoutMs: 120_000,
      log: apiserver.log,
      alive: () => isAlive(apiserver),
    },
  );

  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, renderKubeconfig(server, certs), { mode: 0o600 });

  const kcm = startDetached(
    'kube-controller-manager',
    join(binDirs.kubernetes, 'kube-controller-manager'),
    [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      '--leader-elect=false',
      `--controllers=${CONTROLLERS.join(',')}`,
      `--service-account-private-key-file=${certs.saKey}`,
      `--root-ca-file=${certs.caCert}`,
      '--use-service-account-credentials=false',
      // The test bed has no kubelet heartbeats to wait for; keep the Job controller quick to react.
      '--concurrent-job-syncs=10',
      '--v=1',
    ],
    join(dir, 'kube-controller-manager.log'),
    { match: `--secure-port=${kcmPort}` },
  );
  processes.push(kcm);
  const scheduler = startDetached(
    'kube-scheduler',
    join(binDirs.kubernetes, 'kube-scheduler'),
    [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
      '--leader-elect=false',
      '--v=1',
    ],
    join(dir, 'kube-scheduler.log'),
    { match: `--secure-port=${schedPort}` },
  );
  processes.push(scheduler);
  for (const [p, port] of [
    [kcm, kcmPort],
    [scheduler, schedPort],
  ] as const) {
    await waitFor(
      `${p.name} to be healthy`,
      async () => (await httpsGet(`https://127.0.0.1:${port}/healthz`)) === 200,
      {
        timeoutMs: 90_000,
        log: p.log,
        alive: () => isAlive(p),
      },
    );
  }
  return { processes, kubeconfig, server } satisfies ControlPlane;
}

/**
 * A kube-apiserver restart: the running one is stopped (SIGTERM, as a kubelet stops a static pod; SIGKILL past
 * `graceMs`, 5 s by default) and started again with the very arguments it ran with, so on the same port, with the same etcd and
 * certificates. Resolves once it is ready again. Every client loses its connections and watches meanwhile: only
 * a run that owns the test bed may do this (the fault suite's script), never one beside other tests.
 */
export async function restartApiServer(
  apiserver: Started,
  certs: Pick<Certs, 'caCert' | 'adminCert' | 'adminKey'>,
  opts: { graceMs?: number; downMs?: number } = {},
): Promise<{ process: Started; stoppedAt: number; readyAt: number }> {
  if (!isAlive(apiserver)) throw new Error(`kube-apiserver (pid ${apiserver.pid}) is not running`);
  const [exe, ...args] = readFileSync(`/proc/${apiserver.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const port = args.find((a) => a.startsWith('--secure-port='))?.split('=')[1];
  if (!exe || !port) throw new Error('could not read the arguments of the running kube-apiserver');
  // It stops listening at once; its exit can then hang for many seconds (20 s seen here), which only lengthens
  // the outage its clients see.
  await stopProcess(apiserver, opts.graceMs ?? 5_000);
  const stoppedAt = Date.now();
  if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
  const started = startDetached(apiserver.name, exe, args, apiserver.log, { match: apiserver.match });
  const tls = { ca: certs.caCert, cert: certs.adminCert, key: certs.adminKey };
  await waitFor(
    'kube-apiserver to be ready again',
    async () => (await httpsGet(`https://127.0.0.1:${port}/readyz`, tls)) === 200,
    { timeoutMs: 120_000, intervalMs: 100, log: started.log, alive: () => isAlive(started) },
  );
  return { process: started, stoppedAt, readyAt: Date.now() };
}

export function renderKubeconfig(server: string, certs: Certs): string {
  const b64 = (f: string) => readFileSync(f).toString('base64');
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'testbed', cluster: { server, 'certificate-authority-data': b64(certs.caCert) } }],
      users: [
        {
          name: 'testbed-admin',
          user: { 'client-certificate-data': b64(certs.adminCert), 'client-key-data': b64(certs.adminKey) },
        },
      ],
      contexts: [
        { name: 'testbed', context: { cluster: 'testbed', user: 'testbed-admin', namespace: 'heimdex' } },
      ],
      'current-context': 'testbed',
    },
    null,
    2,
  );
}

/** GET returning the status code; with no TLS files it accepts any certificate (components' self-signed ones). */
function httpsGet(url: string, tls?: { ca: string; cert: string; key: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const opts = tls
      ? { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key) }
      : { rejectUnauthorized: false };
    const req = request(url, { ...opts, method: 'GET', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
