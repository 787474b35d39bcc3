// Where the API listens: the address (loopback unless HOST says otherwise, with a loud warning when a
// standalone server is open to the network) and the separate port that serves /metrics.
import type { Server } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/log.js';
import { startServer } from '../core/probe-server.js';

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  if (isIPv6(host)) return /^::ffff:127\./i.test(host);
  return false;
}

/**
 * What to tell a person about the address at start. A standalone server bound beyond loopback is open
 * to everyone who can reach the machine, with one local token as its only lock: that is a warning.
 */
export function exposureNotice(
  host: string,
  port: number,
  standalone: boolean,
): { level: 'info' | 'warn'; message: string } {
  if (isLoopback(host)) {
    const url = `http://${hostInUrl(host)}:${port}`;
    const where = `heimdex API listening on ${url} (only this machine can reach it; HOST changes that)`;
    // A newcomer's first minute: where the app is and what to do next.
    const next = standalone
      ? `. Open ${url} in a browser to upload and search, or try \`npm run cli -- --help\``
      : '';
    return { level: 'info', message: `${where}${next}` };
  }
  const where = `heimdex API listening on ${hostInUrl(host)}:${port}`;
  if (!standalone) return { level: 'info', message: where };
  return {
    level: 'warn',
    message:
      `${where}: OPEN TO THE NETWORK. Anyone who can reach this machine on port ${port} can reach the API ` +
      `and its signed storage URLs. Unset HOST (or set HOST=127.0.0.1) to keep it to this machine.`,
  };
}

const hostInUrl = (host: string) => (isIPv6(host) ? `[${host}]` : host);

/** A URL this machine can call the API on (loopback when it listens on every interface). */
export function localUrl(host: string, port: number): string {
  const any = host === '0.0.0.0' || host === '::';
  return `http://${any ? '127.0.0.1' : hostInUrl(host)}:${port}`;
}

/**
 * /metrics on its own port (METRICS_PORT), never on the API's public one: request counts by route
 * say what users do. The chart points Prometheus at it; a NetworkPolicy can keep everyone else out.
 * A port that is taken is not fatal: the API serves without metrics and says so.
 */
export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
  log: Logger,
): Promise<Server | undefined> {
  try {
    const server = await startServer(host, port, registry);
    log.info({ address: server.address() }, `metrics on http://${hostInUrl(host)}:${port}/metrics`);
    return server;
  } catch (err) {
    const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    log.warn(
      taken
        ? `metrics port ${port} is taken: serving without /metrics (set METRICS_PORT to a free port)`
        : `metrics not served: ${(err as Error).message}`,
    );
    return undefined;
  }
}
