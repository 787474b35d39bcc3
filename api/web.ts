// The web app the API serves at /: its static files (built by Vite from web/, on the first request
// when the build is missing or older than its sources), how it signs in, and cross-origin rules.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import express, { type RequestHandler, type Router } from 'express';
import { VIDEO_MIME_TYPES } from '../core/crd/videoingestion.js';
import type { Logger } from '../core/log.js';
import type { ApiConfig } from './config.js';
import { ApiError } from './errors.js';
import { type AnyRoute, defineRoute, ProblemSchema } from './route-definition.js';

export interface WebOptions {
  /** Standalone's owner token, read from this file and handed only to the app opened on this machine. */
  localTokenFile?: string;
  /** The deployment's identity provider (OpenID Connect, authorization code with PKCE). */
  oidc?: { issuer: string; clientId: string; scope: string };
  /** Origins other than the API's own allowed to call it from a browser (CORS); none by default. */
  corsOrigins?: string[];
  maxVideoBytes: number;
  maxVideoSeconds: number;
  mimeTypes: readonly string[];
}

const here = fileURLToPath(new URL('.', import.meta.url));
/** web/ in a checkout (api/web.ts), dist/web/dist in the image (dist/api/web.js). */
const WEB_SRC = join(here, '..', 'web');
const WEB_DIST = join(WEB_SRC, 'dist');

const WebConfig = Type.Object({
  sign_in: Type.Union([Type.Literal('local'), Type.Literal('oidc'), Type.Literal('token')], {
    description: 'local: POST /auth/local-token; oidc: the provider below; token: paste a bearer token',
  }),
  oidc: Type.Union([
    Type.Object({ issuer: Type.String(), client_id: Type.String(), scope: Type.String() }),
    Type.Null(),
  ]),
  upload: Type.Object({
    max_bytes: Type.Integer(),
    max_seconds: Type.Integer({ description: 'longest accepted video (MAX_VIDEO_SECONDS)' }),
    mime_types: Type.Array(Type.String()),
  }),
});

/** The routes the app calls before it has a token; in /openapi.json like every other route. */
export function webRoutes(o: WebOptions): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/auth/config',
      summary: 'How a browser signs in here, and the upload limits it checks before sending',
      tags: ['auth'],
      auth: false,
      responses: { 200: { description: 'sign-in settings', schema: WebConfig } },
      handler: async () => ({
        body: {
          sign_in: o.localTokenFile ? 'local' : o.oidc ? 'oidc' : 'token',
          oidc: o.oidc ? { issuer: o.oidc.issuer, client_id: o.oidc.clientId, scope: o.oidc.scope } : null,
          upload: {
            max_bytes: o.maxVideoBytes,
            max_seconds: o.maxVideoSeconds,
            mime_types: [...o.mimeTypes],
          },
        },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/auth/local-token',
      summary:
        "Standalone only: the owner's token, for the web app opened on this machine at a loopback address",
      tags: ['auth'],
      auth: false,
      responses: {
        200: { description: 'the token', schema: Type.Object({ token: Type.String() }) },
        403: { description: 'not a same-origin request from this machine', schema: ProblemSchema },
        404: { description: 'this server signs in through an identity provider', schema: ProblemSchema },
      },
      handler: async ({ req, res }) => {
        if (!o.localTokenFile || !existsSync(o.localTokenFile))
          throw new ApiError('not_found', 'This server has no local sign-in; use your identity provider.');
        const why = notLocalSameOrigin(req);
        if (why)
          throw new ApiError(
            'forbidden',
            `The local token is only given to the app opened on this machine: ${why}.`,
          );
        res.setHeader('Cache-Control', 'no-store');
        return { body: { token: readFileSync(o.localTokenFile, 'utf8').trim() } };
      },
    }),
  ];
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why a request must not get the local token, or undefined when it may: it comes over a loopback socket
 * with no proxy in between, names a loopback host (so a DNS-rebound name is refused), and its Origin is
 * that same host (so another site's page, even one on this machine, is refused).
 */
export function notLocalSameOrigin(req: {
  socket: { remoteAddress?: string | undefined };
  header: (name: string) => string | undefined;
}): string | undefined {
  const peer = req.socket.remoteAddress ?? '';
  if (!(peer === '::1' || /^(::ffff:)?127\./.test(peer))) return 'the request did not come from this machine';
  if (req.header('x-forwarded-for') || req.header('forwarded')) return 'it came through a proxy';
  const host = req.header('host') ?? '';
  const hostname = host.replace(/:\d+$/, '');
  if (!LOOPBACK_HOSTS.has(hostname))
    return `open it at http://127.0.0.1 rather than ${hostname || 'this name'}`;
  if (req.header('origin') !== `http://${host}`) return 'the request came from another page';
  const site = req.header('sec-fetch-site');
  if (site && site !== 'same-origin') return 'the request came from another site';
  return undefined;
}

/** Answers preflights and marks responses for the configured origins; the app itself is same-origin. */
export function corsFor(origins: string[] = []): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.header('origin');
    if (!origin || !allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, RateLimit, RateLimit-Policy');
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Request-Id');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

/** Newest modification time under a directory (sources of the app), skipping its build output. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

let building: Promise<void> | undefined;

/** Builds web/ with Vite unless web/dist is newer than every source file; one build per process. */
export function ensureWebBuilt(log?: Logger): Promise<void> {
  building ??= (async () => {
    const index = join(WEB_DIST, 'index.html');
    if (!existsSync(join(WEB_SRC, 'index.html'))) return; // an image: only the built files ship
    if (existsSync(index) && statSync(index).mtimeMs >= newest(WEB_SRC)) return;
    log?.info('building the web app (once; it is cached in web/dist)');
    const vite = await import('vite');
    await vite.build({ configFile: join(WEB_SRC, 'vite.config.ts'), logLevel: 'warn' });
  })().catch((err) => {
    building = undefined;
    throw err;
  });
  return building;
}

/** GET / and the app's assets: hashed files cached for a year, index.html always revalidated. */
export function webAssets(log?: Logger): Router {
  const router = express.Router();
  const files = express.static(WEB_DIST, {
    index: 'index.html',
    setHeaders: (res, path) => {
      res.setHeader(
        'Cache-Control',
        path.includes(`${join('dist', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      if (path.endsWith('.html')) {
        // Media and thumbnails come from presigned URLs, which in a cluster are on the storage's origin.
        res.setHeader(
          'Content-Security-Policy',
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http: https:; media-src 'self' blob: http: https:; connect-src 'self' http: https:; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
        );
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Referrer-Policy', 'no-referrer');
      }
    },
  });
  router.get(['/', '/index.html', '/favicon.svg', '/assets/*path'], (req, res, next) => {
    ensureWebBuilt(log).then(
      () => {
        if (!existsSync(join(WEB_DIST, 'index.html')))
          return next(new ApiError('not_found', 'The web app is not built: run npm run web:build.'));
        files(req, res, next);
      },
      (err) => {
        log?.error({ err }, 'the web app could not be built');
        next(new ApiError('internal', 'The web app could not be built; the server log says why.'));
      },
    );
  });
  return router;
}

/** The web app's settings from the API's configuration. */
export function webOptionsFrom(
  c: Pick<
    ApiConfig,
    'HEIMDEX_OIDC_ISSUER' | 'HEIMDEX_OIDC_CLIENT_ID' | 'HEIMDEX_OIDC_SCOPE' | 'HEIMDEX_CORS_ORIGINS'
  >,
  limits: { maxVideoBytes: number; maxVideoSeconds: number },
  localTokenFile?: string,
): WebOptions {
  return {
    ...(localTokenFile ? { localTokenFile } : {}),
    ...(c.HEIMDEX_OIDC_ISSUER && c.HEIMDEX_OIDC_CLIENT_ID
      ? {
          oidc: {
            issuer: c.HEIMDEX_OIDC_ISSUER,
            clientId: c.HEIMDEX_OIDC_CLIENT_ID,
            scope: c.HEIMDEX_OIDC_SCOPE,
          },
        }
      : {}),
    corsOrigins: c.HEIMDEX_CORS_ORIGINS.split(',')
      .map((s) => s.trim().replace(/\/$/, ''))
      .filter(Boolean),
    ...limits,
    mimeTypes: VIDEO_MIME_TYPES,
  };
}
