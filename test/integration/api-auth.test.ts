// Who may call the API: token checks (HS256 and JWKS), users made on first sight, and strict per-user scoping.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createVerifier } from '../../api/auth.js';
import { client, JWT_SECRET, sampleVideo, startApi, token } from '../support/api.js';
import { type Clients, clients, createNamespace, deleteNamespace } from '../support/kube.js';

const env = inject('testbed');
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let api: Awaited<ReturnType<typeof startApi>>;
let k: Clients;
let ns: string;

beforeAll(async () => {
  k = clients(env.KUBECONFIG);
  ns = await createNamespace(k, 'api-auth');
  api = await startApi(env, ns);
});
afterAll(async () => {
  await api?.close();
  await deleteNamespace(k, ns);
});

describe('rejected tokens', () => {
  const list = (bearer?: string, headers: Record<string, string> = {}) =>
    client(api.url, bearer)('GET', '/videos', undefined, headers);

  it('answers 401 with a problem body and WWW-Authenticate when the token is missing', async () => {
    const r = await list();
    expect(r).toMatchObject({ status: 401, json: { code: 'unauthenticated', status: 401 } });
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(JSON.stringify(r.json)).not.toMatch(/at .*\.ts/);
  });

  it.each([
    [
      'signed with another secret',
      () => token('u', {}, { secret: 'another-secret-that-is-long-enough!!' }),
      /signature/,
    ],
    ['expired', () => token('u', {}, { exp: Math.floor(Date.now() / 1000) - 3600 }), /expired/],
    ['not valid yet', () => token('u', {}, { nbf: Math.floor(Date.now() / 1000) + 3600 }), /not valid yet/],
    ['for another issuer', () => token('u', {}, { iss: 'https://evil.test' }), /iss/],
    ['for another audience', () => token('u', {}, { aud: 'someone-else' }), /aud/],
    [
      'unsigned (alg none)',
      async () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u', iss: 'https://auth.test', aud: 'heimdex', exp: 9e9 })}.`,
      /none|not accepted/,
    ],
    ['signed with an algorithm that is not configured', async () => rs256Token(), /not accepted|RS256/],
    ['not a JWT at all', async () => 'garbage', /well-formed/],
  ])('rejects a token %s', async (_name, make, detail) => {
    const r = await list(await make());
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('unauthenticated');
    expect(r.json.detail).toMatch(detail);
  });

  it('tolerates a small clock skew', async () => {
    const r = await list(await token(`skew-${randomUUID()}`, {}, { exp: Math.floor(Date.now() / 1000) - 5 }));
    expect(r.status).toBe(200);
  });
});

describe('tokens from a JWKS endpoint', () => {
  let server: Server;
  let jwksUrl: string;
  const keys: { kid: string; privateKey: PrivateKey; jwk: object }[] = [];
  let served = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      served += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => server.close());

  async function addKey() {
    const kid = randomUUID();
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    keys.push({
      kid,
      privateKey: privateKey as PrivateKey,
      jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
    });
    return keys.at(-1)!;
  }
  const sign = (k: { kid: string; privateKey: PrivateKey }) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: k.kid })
      .setSubject('jwks-user')
      .setIssuer('https://idp.test')
      .setExpirationTime('5m')
      .sign(k.privateKey);

  it('verifies with the key set, caches it, and fetches it again for a key id it has not seen', async () => {
    // No cooldown here; in production a 30 s cooldown keeps a flood of unknown key ids off the identity provider.
    const verify = createVerifier({ jwksUrl, issuer: 'https://idp.test', jwksCooldownMs: 0 });
    const first = await addKey();
    expect((await verify(await sign(first))).subject).toBe('jwks-user');
    expect((await verify(await sign(first))).subject).toBe('jwks-user');
    expect(served).toBe(1);
    const rotated = await addKey();
    await new Promise((r) => setTimeout(r, 50));
    await expect(verify(await sign(rotated))).resolves.toMatchObject({ subject: 'jwks-user' });
    expect(served).toBe(2);
  });

  it('rejects a token signed by a key that is not in the set', async () => {
    const verify = createVerifier({ jwksUrl, issuer: 'https://idp.test' });
    const { privateKey } = await generateKeyPair('ES256');
    const stranger = await sign({ kid: 'unknown-kid', privateKey: privateKey as PrivateKey });
    await expect(verify(stranger)).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});

describe('users', () => {
  it('are created once even when a new subject sends many first requests at once', async () => {
    const sub = `burst-${randomUUID()}`;
    const call = client(api.url, await token(sub, { email: `${sub}@example.com` }));
    const results = await Promise.all(Array.from({ length: 8 }, () => call('GET', '/videos')));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const { rows } = await api.db.query('SELECT count(*)::int AS n FROM users WHERE auth_user_id = $1', [
      sub,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('link a second sign-in method with the same verified email to the same user', async () => {
    const email = `linked-${randomUUID()}@example.com`;
    const google = client(api.url, await token(`google|${randomUUID()}`, { email, email_verified: true }));
    const started = await google('POST', '/videos/upload/init', {
      filename: 'a.mp4',
      mime_type: 'video/mp4',
      size_bytes: 100,
    });
    const kakao = client(
      api.url,
      await token(`kakao|${randomUUID()}`, { email: email.toUpperCase(), email_verified: true }),
    );
    expect((await kakao('GET', `/videos/${started.json.video_id}`)).status).toBe(200);
    const unverified = client(
      api.url,
      await token(`naver|${randomUUID()}`, { email, email_verified: false }),
    );
    expect((await unverified('GET', `/videos/${started.json.video_id}`)).status).toBe(404);
  });

  it.each([
    ['user_metadata.email_verified true', { user_metadata: { email_verified: true } }],
    ['email_verified the string "true"', { email_verified: 'true' }],
    ['app_metadata.email_verified true', { app_metadata: { email_verified: true } }],
  ])('never link a sign-in whose only proof is %s (a claim the user can write)', async (_shape, claims) => {
    const email = `victim-${randomUUID()}@example.com`;
    const victim = client(api.url, await token(`google|${randomUUID()}`, { email, email_verified: true }));
    const started = await victim('POST', '/videos/upload/init', {
      filename: 'private.mp4',
      mime_type: 'video/mp4',
      size_bytes: 100,
    });
    const attacker = client(
      api.url,
      await token(`supabase|${randomUUID()}`, { email, email_verified: undefined, ...claims }),
    );
    expect((await attacker('GET', `/videos/${started.json.video_id}`)).status).toBe(404);
    expect((await attacker('GET', '/videos')).json.items).toEqual([]);
  });

  it('keep their email verification status current', async () => {
    const sub = `verify-${randomUUID()}`;
    await client(api.url, await token(sub, { email: `${sub}@example.com`, email_verified: false }))(
      'GET',
      '/videos',
    );
    await client(api.url, await token(sub, { email: `${sub}@example.com`, email_verified: true }))(
      'GET',
      '/videos',
    );
    const { rows } = await api.db.query('SELECT email_verified FROM users WHERE auth_user_id = $1', [sub]);
    expect(rows[0].email_verified).toBe(true);
  });
});

describe('another user', () => {
  it('gets 404, never 403, on every endpoint for a video that is not theirs', async () => {
    const owner = client(api.url, await token(`owner-${randomUUID()}`));
    const started = await owner('POST', '/videos/upload/init', {
      filename: 'a.mp4',
      mime_type: 'video/mp4',
      size_bytes: sampleVideo().length,
    });
    const multipart = await owner('POST', '/videos/upload/multipart/init', {
      filename: 'b.mp4',
      mime_type: 'video/mp4',
      size_bytes: 6 * 1024 * 1024,
    });
    const id = started.json.video_id;
    const intruder = client(api.url, await token(`intruder-${randomUUID()}`));
    const attempts = [
      await intruder('GET', `/videos/${id}`),
      await intruder('GET', `/videos/${id}/status`),
      await intruder('DELETE', `/videos/${id}`),
      await intruder('POST', '/videos/upload/complete', { video_id: id }),
      await intruder('POST', `/videos/${multipart.json.video_id}/upload/parts`, { part_numbers: [1] }),
      await intruder('DELETE', `/videos/${multipart.json.video_id}/upload`),
    ];
    for (const r of attempts)
      expect(r).toMatchObject({ status: 404, json: { code: 'not_found', detail: 'No such video.' } });
    expect((await intruder('GET', '/videos')).json.items).toEqual([]);
    expect((await owner('GET', `/videos/${id}`)).json.state).toBe('uploading');
  });
});

function b64(o: object) {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

async function rs256Token() {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject('u')
    .setIssuer('https://auth.test')
    .setAudience('heimdex')
    .setExpirationTime('5m')
    .sign(privateKey);
}

// The HS256 secret the API under test is configured with; tokens signed with it pass the signature check.
void JWT_SECRET;
