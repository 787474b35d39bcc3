// The REST API app factory: builds the express app from injected dependencies; server.ts only listens.
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type pg from 'pg';
import { pinoHttp } from 'pino-http';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Logger } from '../core/log.js';
import { authenticate, type Principal, type Verifier } from './auth.js';
import { ApiError, problemOf } from './errors.js';
import { ensureUser } from './repositories/users.js';
import { mount, openApiDocument } from './route-definition.js';
import type { QueryEmbedders } from './search/embedders.js';
import type { Signal } from './search/query.js';
import { searchRoutes } from './search/search-routes.js';
import { videoRoutes } from './video-routes.js';
import type { VideoDeps } from './videos-service.js';
import { corsFor, type WebOptions, webAssets, webRoutes } from './web.js';

/** A dependency the API needs to serve requests; `/readyz` asks each one. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface AppDeps extends Omit<VideoDeps, 'db'> {
  log: Logger;
  db: pg.Pool;
  verify: Verifier;
  readiness: ReadinessCheck[];
  /** Requests per user per minute before 429. */
  rateLimitPerMinute?: number;
  /** Where request metrics go; server.ts serves it on METRICS_PORT, never on this app's port. */
  registry?: Registry;
  /** Search settings; without them the search endpoints are not served. */
  search?: { embedders: QueryEmbedders; weights: Record<Signal, number>; artifactsBucket: string };
  /** Routers mounted before authentication (standalone's signed /storage URLs check their own signatures). */
  extraRouters?: express.Router[];
  /** The web app at / and its sign-in routes; without it the API serves no pages. */
  web?: WebOptions;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  const registry = deps.registry ?? new Registry();
  if (!deps.registry) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'heimdex_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'heimdex_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  // A client's request id is kept when it is sane, so logs on both sides line up.
  app.use((req, res, next) => {
    const given = req.header('x-request-id');
    req.requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    const end = duration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
    });
    next();
  });
  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req) => (req as express.Request).requestId ?? randomUUID(),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      // Reads that succeed are routine (clients poll status); keep them out of the info log.
      customLogLevel: (req, res, err) =>
        err || res.statusCode >= 500
          ? 'error'
          : res.statusCode >= 400
            ? 'warn'
            : req.method === 'GET'
              ? 'debug'
              : 'info',
    }),
  );
  app.use(corsFor(deps.web?.corsOrigins));
  app.use(express.json({ limit: '64kb' }));

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

  const routes = [
    ...videoRoutes(deps),
    ...(deps.search
      ? searchRoutes({
          ...deps.search,
          db: deps.db,
          store: deps.store,
          log: deps.log,
          uploadsBucket: deps.settings.uploadsBucket,
        })
      : []),
    ...(deps.web ? webRoutes(deps.web) : []),
  ];
  const doc = openApiDocument(routes, { title: 'heimdex API', version: '0.1.0' });
  app.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });

  if (deps.web) app.use(webAssets(deps.log));
  for (const r of deps.extraRouters ?? []) app.use(r);

  const limiter = rateLimit({
    windowMs: 60_000,
    limit: deps.rateLimitPerMinute ?? 600,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // After authentication, so each user has their own budget rather than each address.
    keyGenerator: (req) => req.userId ?? 'anonymous',
    handler: (_req, _res, next) =>
      next(
        new ApiError(
          'rate_limited',
          'Too many requests; slow down and retry after the time in the RateLimit header.',
        ),
      ),
  });
  const auth = authenticate(deps.verify, async (p: Principal) => (await ensureUser(deps.db, p)).user_id);
  const authed: RequestHandler = (req, res, next) =>
    auth(req, res, (err?: unknown) => (err ? next(err) : limiter(req, res, next)));
  const router = express.Router();
  mount(router, routes, authed);
  app.use(router);

  app.use((req, _res, next) => next(new ApiError('not_found', `No route for ${req.method} ${req.path}.`)));
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    let apiError: ApiError;
    if (error instanceof ApiError) apiError = error;
    else if ((error as { type?: string }).type === 'entity.parse.failed')
      apiError = new ApiError('bad_request', 'The body is not valid JSON.');
    else if ((error as { type?: string }).type === 'entity.too.large')
      apiError = new ApiError('payload_too_large', 'The request body is too large.');
    else {
      // An unknown error's text may hold internals: log it, answer in general terms.
      req.log?.error({ err: error }, 'unhandled error');
      apiError = new ApiError('internal', 'Something went wrong on our side; it has been logged.');
    }
    res
      .status(apiError.status)
      .type('application/problem+json')
      .json(problemOf(apiError, req.requestId, req.originalUrl));
  };
  app.use(onError);
  return app;
}
