// /healthz, /readyz and /metrics on one small HTTP server (no framework: three routes), for the
// operator's port and the API's separate metrics port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Probes {
  /** The process works (its event loop answers and its watches are not stuck failing). */
  healthy(): boolean;
  /** Ready to act: caches synced when leading, or standing by as a follower. */
  ready(): boolean;
}

export async function startServer(
  host: string,
  port: number,
  registry: Registry,
  /** Without probes (the API answers them on its own port) only /metrics is served. */
  probes?: Probes,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (ok: boolean) => {
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'not ok\n');
    };
    if (probes && path === '/healthz') return answer(probes.healthy());
    if (probes && path === '/readyz') return answer(probes.ready());
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => answer(false),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export const portOf = (server: Server) => (server.address() as AddressInfo).port;
