// A TCP proxy on 127.0.0.1 the test can cut or stall. Cut: every open connection dropped and new ones
// refused until it is restored, the way a network blip or an API server restart drops watches. Stall: every
// connection kept open but nothing passes either way, and new ones are accepted and held, the way a
// partition that drops packets looks (a request sent then waits for an answer that never comes). TLS passes
// through untouched.
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export interface TcpProxy {
  port: number;
  /** Connections accepted so far (each watch, list and write is one or more). */
  accepted(): number;
  /** Drops every open connection; new ones are reset at once until restore(). */
  cut(): void;
  /** Nothing passes on any connection, open or new, until restore() (which then drops them). */
  stall(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let mode: 'up' | 'cut' | 'stalled' = 'up';
  let count = 0;
  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    count++;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (mode === 'stalled') {
      // Accepted, and never answered: what reaches the far side of a partition.
      client.pause();
      return;
    }
    const upstream = createConnection(target);
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => {});
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream).pipe(client);
    client.on('close', () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const dropAll = () => {
    for (const s of open) s.resetAndDestroy();
  };
  return {
    port,
    accepted: () => count,
    cut() {
      mode = 'cut';
      dropAll();
    },
    stall() {
      mode = 'stalled';
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      // Connections held through a stall are dropped as the partition heals (their peers gave up on them).
      if (mode === 'stalled') dropAll();
      mode = 'up';
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A copy of a kubeconfig (in `dir`) whose API server address is the proxy's. */
export function kubeconfigThrough(kubeconfig: string, port: number, dir: string): string {
  const kc = parse(readFileSync(kubeconfig, 'utf8'));
  for (const cl of kc.clusters) {
    const url = new URL(cl.cluster.server);
    url.host = `127.0.0.1:${port}`;
    cl.cluster.server = url.toString().replace(/\/$/, '');
  }
  const file = join(dir, `kubeconfig-${port}`);
  writeFileSync(file, stringify(kc));
  return file;
}

/** A proxy in front of a kubeconfig's API server, and a copy of the kubeconfig (in `dir`) that goes through it. */
export async function apiServerProxy(
  kubeconfig: string,
  dir: string,
): Promise<{ proxy: TcpProxy; kubeconfig: string }> {
  const server = new URL(parse(readFileSync(kubeconfig, 'utf8')).clusters[0].cluster.server);
  const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
  return { proxy, kubeconfig: kubeconfigThrough(kubeconfig, proxy.port, dir) };
}
