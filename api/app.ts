// The REST API app factory: builds the express app from injected dependencies; server.ts only listens.
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Logger } from '../core/log.js';

/** A dependency the API needs to serve requests; `/readyz` asks each one. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface AppDeps {
  log: Logger;
  readiness: ReadinessCheck[];
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      deps.readiness.map(async (r) => {
        try {
          await r.check();
          return { name: r.name, ok: true as const };
        } catch (error) {
          deps.log.warn({ err: error, dependency: r.name }, 'readiness check failed');
          return {
            name: r.name,
            ok: false as const,
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: results });
  });
  app.use((_req, res) => {
    res
      .status(404)
      .type('application/problem+json')
      .json({ type: 'about:blank', title: 'Not Found', status: 404 });
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    // An unknown error's text may hold internals; log it, answer in general terms.
    deps.log.error({ err: error }, 'unhandled error');
    res
      .status(500)
      .type('application/problem+json')
      .json({ type: 'about:blank', title: 'Internal Server Error', status: 500 });
  };
  app.use(onError);
  return app;
}
