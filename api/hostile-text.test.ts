// Hostile text and oversized requests: a control character in any text field is a 400 naming the field
// (never a 500 from Postgres refusing NUL), `language` is a code the speech model knows, and headers too
// large or not HTTP at all get a problem body. Real app, real embedded Postgres, real local storage.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPostgres } from '../core/db/embedded.js';
import { startMigratedDatabase } from '../core/db/testing.js';
import type { IngestionSubmitter } from '../core/ingestion/submitter.js';
import { createLogger } from '../core/log.js';
import { LocalStore } from '../core/storage/local.js';
import { TINY_MODELS_DIR } from '../models/manifest.js';
import { WHISPER_LANGUAGES, WHISPER_V3_LANGUAGES } from '../models/whisper-languages.js';
import { createApp } from './app.js';
import { createVerifier } from './auth.js';
import { answerClientErrors } from './http-limits.js';
import type { AnyRoute } from './route-definition.js';
import { lazyQueryEmbedders } from './search/embedders.js';
import { searchRoutes } from './search/search-routes.js';
import { hasControlCharacter } from './text.js';
import { videoRoutes } from './video-routes.js';

const SECRET = 'hostile-text-secret-that-is-long-enough';
let embedded: EmbeddedPostgres;
let db: pg.Pool;
let dir: string;
let server: Server;
let base: string;
let bearer: string;

// Nothing here reaches processing: every request is refused before, or stops at an upload URL.
const unused = () => Promise.reject(new Error('ingestion is not part of these tests'));
const submitter: IngestionSubmitter = { submit: unused, remove: unused, status: unused, ping: unused };

beforeAll(async () => {
  embedded = await startMigratedDatabase();
  db = new pg.Pool({ connectionString: embedded.url, max: 1 });
  dir = await mkdtemp(join(tmpdir(), 'heimdex-hostile-'));
  const log = createLogger('hostile-text-test', 'silent');
  const store = new LocalStore({ root: dir, secret: 'local-secret', publicUrl: 'http://127.0.0.1:1' });
  const app = createApp({
    db,
    store,
    submitter,
    log,
    verify: createVerifier({ jwtSecret: SECRET }),
    settings: {
      uploadsBucket: 'heimdex-uploads',
      maxVideoBytes: 1024 ** 3,
      maxVideoSeconds: 600,
      uploadUrlSeconds: 900,
      uploadTtlSeconds: 3600,
      defaultLanguage: 'ko',
    },
    search: {
      embedders: lazyQueryEmbedders(
        { modelsDir: TINY_MODELS_DIR, textModel: 'tiny-bge-m3', visionModel: 'tiny-siglip2' },
        log,
      ),
      weights: { lexical: 1, text: 1, vision: 1 },
      artifactsBucket: 'heimdex-artifacts',
    },
    readiness: [],
  });
  server = answerClientErrors(app.listen(0, '127.0.0.1'));
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  bearer = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('hostile-text')
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await db?.end();
  await embedded?.close();
  await rm(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    json: text ? JSON.parse(text) : undefined,
  };
}

const upload = { filename: 'trip.mp4', mime_type: 'video/mp4', size_bytes: 1000 };
// NUL, escape, DEL and a C1 control, each alone and inside ordinary text.
const CONTROLS = ['\u0000', 'a\u0000b', '\u001b[31m', 'x\u007f', 'x\u0085'];

describe('a control character in a text field', () => {
  for (const field of ['filename', 'title', 'description', 'mime_type', 'language'] as const) {
    it.each(CONTROLS)(`in ${field} (%j) is a 400 naming body.${field}`, async (bad) => {
      for (const path of ['/videos/upload/init', '/videos/upload/multipart/init']) {
        const r = await call('POST', path, { ...upload, size_bytes: 6 * 1024 * 1024, [field]: bad });
        expect(r.status).toBe(400);
        expect(r.type).toMatch(/^application\/problem\+json/);
        expect(r.json).toMatchObject({ code: 'validation_failed' });
        expect(r.json.errors[0].field).toBe(`body.${field}`);
        expect(r.json.detail).toMatch(new RegExp(`^body\\.${field}: `));
        if (field !== 'language') expect(r.json.detail).toMatch(/control characters.*U\+00/);
      }
    });
  }

  it.each(['q', 'video_ids', 'cursor'])(
    'in the search query parameter %s is a 400 naming it',
    async (name) => {
      const params = new URLSearchParams({ q: 'beach', [name]: 'beach\u0000; drop table scenes' });
      const r = await call('GET', `/search?${params}`);
      expect(r.status).toBe(400);
      expect(r.json.errors[0].field).toBe(`query.${name}`);
      expect(r.json.detail).toMatch(/control characters.*U\+0000/);
    },
  );

  it.each(['uploaded_from', 'uploaded_to'])('after a date in %s is a 400 naming it', async (name) => {
    const r = await call('GET', `/search?q=beach&${name}=${encodeURIComponent('2026-01-01\u0000')}`);
    expect(r.status).toBe(400);
    expect(r.json.errors[0].field).toBe(`query.${name}`);
  });

  it('in a list cursor is a 400 naming it', async () => {
    const r = await call('GET', `/videos?cursor=${encodeURIComponent('abc\u0000')}`);
    expect(r.status).toBe(400);
    expect(r.json.errors[0].field).toBe('query.cursor');
  });

  it('is no control character when it is a line break or a tab in a description', async () => {
    const r = await call('POST', '/videos/upload/init', {
      ...upload,
      title: '바닷가 여행',
      description: 'day one\n\tgrilled meat on the beach\r\nday two',
    });
    expect(r.status).toBe(201);
    const video = await call('GET', `/videos/${r.json.video_id}`);
    expect(video.json.description).toBe('day one\n\tgrilled meat on the beach\r\nday two');
  });

  it('is refused in a title even as a line break', async () => {
    const r = await call('POST', '/videos/upload/init', { ...upload, title: 'two\nlines' });
    expect(r).toMatchObject({ status: 400, json: { errors: [{ field: 'body.title' }] } });
  });
});

describe('no string a request carries accepts a control character', () => {
  // Closes the category for fields added later: each string schema of every route is PlainText or has
  // a literal, or a fully anchored pattern whose alphabet cannot hold a control character (no ".", no
  // negated class).
  const routes: AnyRoute[] = [
    ...videoRoutes({} as never),
    ...searchRoutes({ embedders: {} as never, weights: {} as never, artifactsBucket: 'x' } as never),
  ];
  const strings = (schema: TSchema | undefined, at: string): [string, TSchema][] => {
    if (!schema || typeof schema !== 'object') return [];
    const here: [string, TSchema][] = schema.type === 'string' ? [[at, schema]] : [];
    const children = [
      ...Object.entries((schema.properties ?? {}) as Record<string, TSchema>).map(([k, v]) => [
        `${at}.${k}`,
        v,
      ]),
      ...((schema.anyOf ?? schema.allOf ?? []) as TSchema[]).map((v) => [at, v]),
      ...(schema.items ? [[`${at}[]`, schema.items]] : []),
    ] as [string, TSchema][];
    return [...here, ...children.flatMap(([p, s]) => strings(s, p))];
  };
  const fields = routes.flatMap((r) =>
    (['body', 'query', 'params'] as const).flatMap((w) => strings(r[w], `${r.method} ${r.path} ${w}`)),
  );
  it.each(fields)('%s', (_where, schema) => {
    const pattern = (schema as { pattern?: string }).pattern ?? '';
    const plain = /^\^\[\^\\u0000-/.test(pattern);
    const outsideClasses = pattern.replace(/\[[^\]]*\]/g, 'C');
    const closed =
      /^\^.*\$$/.test(pattern) &&
      !pattern.includes('[^') &&
      !/\\[DSWs]/.test(pattern) &&
      !/(^|[^\\])\./.test(outsideClasses);
    const literal = typeof schema.const === 'string' && !hasControlCharacter(schema.const);
    expect(plain || closed || literal, `pattern ${JSON.stringify(pattern)}`).toBe(true);
  });
  it('finds the text fields it checks', () => {
    expect(fields.map(([where]) => where)).toEqual(
      expect.arrayContaining([
        'post /videos/upload/init body.title',
        'post /videos/upload/init body.description',
        'get /search query.q',
      ]),
    );
  });
});

describe('language', () => {
  it('is the list of the speech models themselves (their generation_config lang_to_id)', () => {
    const config = JSON.parse(
      readFileSync(join(TINY_MODELS_DIR, 'tiny-whisper/generation_config.json'), 'utf8'),
    );
    expect(WHISPER_V3_LANGUAGES).toEqual(Object.keys(config.lang_to_id).map((t) => t.slice(2, -2)));
    // whisper-base, the small profile's, has Whisper's first 99; Cantonese came with large-v3.
    expect(WHISPER_LANGUAGES).toEqual(WHISPER_V3_LANGUAGES.slice(0, 99));
  });

  it.each([...WHISPER_LANGUAGES.filter((_, i) => i % 10 === 0), 'haw', 'auto'])(
    'accepts %s',
    async (language) => {
      expect((await call('POST', '/videos/upload/init', { ...upload, language })).status).toBe(201);
    },
  );

  it.each(['xx', 'KO', 'kor', 'en-US', 'auto ', '', 'zz', 'yue'])(
    'refuses %j, naming the field',
    async (language) => {
      const r = await call('POST', '/videos/upload/init', { ...upload, language });
      expect(r.status).toBe(400);
      expect(r.json.errors[0]).toEqual({
        field: 'body.language',
        message: 'a language the speech model knows, such as ko or en (ISO 639-1), or auto',
      });
    },
  );
});

describe('requests the HTTP server refuses before the app', () => {
  it('answers headers over the limit with a 431 problem body', async () => {
    const res = await fetch(`${base}/healthz`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      status: 431,
      code: 'headers_too_large',
      detail: expect.stringMatching(/larger than 16 KiB/),
    });
  });

  it('answers bytes that are not HTTP with a 400 problem body', async () => {
    const { port } = server.address() as AddressInfo;
    const reply = await new Promise<string>((done, fail) => {
      let text = '';
      const socket = connect(port, '127.0.0.1', () => socket.write('HELLO\u0000 what\r\n\r\n'));
      socket
        .on('data', (d) => (text += d))
        .on('end', () => done(text))
        .on('error', fail);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 400,
      code: 'bad_request',
    });
  });

  it('still serves headers under the limit', async () => {
    const res = await fetch(`${base}/healthz`, { headers: { 'x-big': 'a'.repeat(8_000) } });
    expect(res.status).toBe(200);
  });
});
