import { createServer, type Server } from 'node:http';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedKubeConfig } from './kube-config.js';

// An API server that takes requests and never answers: the far side of a partition that drops packets.
let server: Server;
let url = '';
const held: { destroy(): void }[] = [];

beforeAll(async () => {
  server = createServer((req) => held.push(req.socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => server.close(r));
});

function load(kc: KubeConfig) {
  kc.loadFromOptions({
    clusters: [{ name: 'silent', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'silent', user: 'u' }],
    currentContext: 'c',
  });
}

describe('boundedKubeConfig', () => {
  it('gives up a request the server never answers', async () => {
    const api = boundedKubeConfig(load, 200).makeApiClient(CoreV1Api);
    const err = await api.listNamespace().catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(held.length).toBeGreaterThan(0);
    // Without the bound it waits for undici's 300 s, past this test's own limit (5 s).
  });
});
