// Who counts as the same person: only a verified email the identity provider vouches for joins a new
// sign-in to an existing account; every other shape of "verified" gets an account of its own.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPostgres } from '../core/db/embedded.js';
import { startMigratedDatabase } from '../core/db/testing.js';
import { createVerifier, type VerifiedEmailClaim } from './auth.js';
import { ensureUser } from './repositories/users.js';

const SECRET = 'unit-test-secret-that-is-long-enough';
const ISSUER = 'https://idp.test';

async function sign(sub: string, claims: Record<string, unknown>, iss: string | undefined = ISSUER) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('5m');
  if (iss) jwt = jwt.setIssuer(iss);
  return jwt.sign(new TextEncoder().encode(SECRET));
}

const past = new Date(Date.now() - 86_400_000).toISOString();
const future = new Date(Date.now() + 86_400_000).toISOString();

// Every way a token could suggest its email was checked. `links` says under which setting it is proof.
const SHAPES: { shape: string; claims: Record<string, unknown>; links: VerifiedEmailClaim[] }[] = [
  { shape: 'top-level email_verified true', claims: { email_verified: true }, links: ['email_verified'] },
  {
    shape: 'top-level email_confirmed_at, a past timestamp',
    claims: { email_confirmed_at: past },
    links: ['email_confirmed_at'],
  },
  {
    shape: 'email_confirmed_at with an offset and fraction',
    claims: { email_confirmed_at: '2025-01-02T03:04:05.678+09:00' },
    links: ['email_confirmed_at'],
  },
  { shape: 'email_verified the string "true"', claims: { email_verified: 'true' }, links: [] },
  { shape: 'email_verified the number 1', claims: { email_verified: 1 }, links: [] },
  { shape: 'email_verified an array [true]', claims: { email_verified: [true] }, links: [] },
  { shape: 'email_verified an object', claims: { email_verified: { value: true } }, links: [] },
  { shape: 'email_verified false', claims: { email_verified: false }, links: [] },
  { shape: 'no claim at all', claims: {}, links: [] },
  {
    shape: 'user_metadata.email_verified true',
    claims: { user_metadata: { email_verified: true } },
    links: [],
  },
  {
    shape: 'user_metadata.email_verified "true"',
    claims: { user_metadata: { email_verified: 'true' } },
    links: [],
  },
  {
    shape: 'user_metadata.email_confirmed_at',
    claims: { user_metadata: { email_confirmed_at: past } },
    links: [],
  },
  {
    shape: 'app_metadata.email_verified true',
    claims: { app_metadata: { email_verified: true } },
    links: [],
  },
  { shape: 'a nested identity claim', claims: { identities: [{ email_verified: true }] }, links: [] },
  { shape: 'email_confirmed_at in the future', claims: { email_confirmed_at: future }, links: [] },
  { shape: 'email_confirmed_at not a date', claims: { email_confirmed_at: 'yesterday' }, links: [] },
  { shape: 'email_confirmed_at a bare number', claims: { email_confirmed_at: 1_700_000_000 }, links: [] },
  { shape: 'email_confirmed_at true', claims: { email_confirmed_at: true }, links: [] },
  {
    shape: 'an anonymous session that says email_verified true',
    claims: { email_verified: true, email_confirmed_at: past, is_anonymous: true },
    links: [],
  },
];
const RULES: VerifiedEmailClaim[] = ['email_verified', 'email_confirmed_at', 'none'];

describe('what the verifier counts as a verified email', () => {
  for (const rule of RULES) {
    const verify = createVerifier({ jwtSecret: SECRET, issuer: ISSUER, verifiedEmailClaim: rule });
    it.each(SHAPES)(`with AUTH_VERIFIED_EMAIL_CLAIM=${rule}: $shape`, async ({ claims, links }) => {
      const p = await verify(await sign('s', { email: 'a@example.com', ...claims }));
      expect(p.emailVerified).toBe(links.includes(rule));
    });
  }

  it('counts no claim when no issuer is configured, so nobody vouches for the address', async () => {
    const verify = createVerifier({ jwtSecret: SECRET });
    const p = await verify(await sign('s', { email: 'a@example.com', email_verified: true }, undefined));
    expect(p).toMatchObject({ email: 'a@example.com', emailVerified: false });
  });

  it('refuses a token from another issuer outright, whatever it claims', async () => {
    const verify = createVerifier({ jwtSecret: SECRET, issuer: ISSUER });
    const token = await sign('s', { email: 'a@example.com', email_verified: true }, 'https://other.test');
    await expect(verify(token)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('counts nothing for a token without an email, and email only from the top level', async () => {
    const verify = createVerifier({ jwtSecret: SECRET, issuer: ISSUER });
    const p = await verify(
      await sign('s', { email_verified: true, user_metadata: { email: 'a@example.com' } }),
    );
    expect(p).toEqual({ subject: 's', emailVerified: false });
  });
});

describe('linking a new sign-in to an existing account', () => {
  let embedded: EmbeddedPostgres;
  let db: pg.Pool;
  beforeAll(async () => {
    embedded = await startMigratedDatabase();
    db = new pg.Pool({ connectionString: embedded.url, max: 1 });
  });
  afterAll(async () => {
    await db?.end();
    await embedded?.close();
  });

  for (const rule of ['email_verified', 'email_confirmed_at'] as const) {
    const verify = createVerifier({ jwtSecret: SECRET, issuer: ISSUER, verifiedEmailClaim: rule });
    const proof = rule === 'email_verified' ? { email_verified: true } : { email_confirmed_at: past };
    it.each(SHAPES)(`with ${rule}, a second subject whose token has $shape`, async ({ claims, links }) => {
      const email = `victim-${randomUUID()}@example.com`;
      const victim = await ensureUser(
        db,
        await verify(await sign(`victim-${randomUUID()}`, { email, ...proof })),
      );
      expect(victim.email_verified).toBe(true);
      const other = await ensureUser(
        db,
        await verify(await sign(`other-${randomUUID()}`, { email, ...claims })),
      );
      if (links.includes(rule)) expect(other.user_id).toBe(victim.user_id);
      else expect(other.user_id).not.toBe(victim.user_id);
    });
  }

  it('never links to an account whose own email was not proven, even on proof', async () => {
    const verify = createVerifier({ jwtSecret: SECRET, issuer: ISSUER });
    const email = `squatter-${randomUUID()}@example.com`;
    const squatter = await ensureUser(
      db,
      await verify(await sign(`squat-${randomUUID()}`, { email, user_metadata: { email_verified: true } })),
    );
    expect(squatter.email_verified).toBe(false);
    const owner = await ensureUser(
      db,
      await verify(await sign(`own-${randomUUID()}`, { email, email_verified: true })),
    );
    expect(owner.user_id).not.toBe(squatter.user_id);
    expect(owner.email_verified).toBe(true);
  });

  it('links nobody with AUTH_VERIFIED_EMAIL_CLAIM=none', async () => {
    const verify = createVerifier({ jwtSecret: SECRET, issuer: ISSUER, verifiedEmailClaim: 'none' });
    const email = `none-${randomUUID()}@example.com`;
    const claims = { email, email_verified: true, email_confirmed_at: past };
    const first = await ensureUser(db, await verify(await sign(`a-${randomUUID()}`, claims)));
    const second = await ensureUser(db, await verify(await sign(`b-${randomUUID()}`, claims)));
    expect(second.user_id).not.toBe(first.user_id);
  });
});
