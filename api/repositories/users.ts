// users and user_identities: find or create the heimdex user behind a token subject.
import type pg from 'pg';
import type { Principal } from '../auth.js';

export interface UserRow {
  user_id: string;
  auth_user_id: string;
  email: string | null;
  email_verified: boolean;
  display_name: string | null;
  tier: string;
}

/**
 * The user for a token subject. A new subject with a verified email that an existing user also has
 * (verified) is linked to that user instead of making a second one. "Verified" is only what
 * `Principal.emailVerified` says: the identity provider's own proof (api/auth.ts, docs/security.md);
 * without it, a new subject always gets an account of its own. Concurrent first requests of
 * one subject create exactly one row: the insert is ON CONFLICT on the unique auth_user_id.
 */
export async function ensureUser(db: pg.Pool, p: Principal): Promise<UserRow> {
  const linked = await db.query<UserRow>(
    `SELECT u.* FROM user_identities i JOIN users u USING (user_id) WHERE i.auth_user_id = $1`,
    [p.subject],
  );
  if (linked.rows[0]) return linked.rows[0];
  const own = await db.query<UserRow>('SELECT * FROM users WHERE auth_user_id = $1', [p.subject]);
  const existing = own.rows[0];
  if (existing) {
    // Keep the verification status current (a user may verify their address later).
    if (existing.email !== (p.email ?? null) || existing.email_verified !== p.emailVerified) {
      const { rows } = await db.query<UserRow>(
        'UPDATE users SET email = $2, email_verified = $3 WHERE user_id = $1 RETURNING *',
        [existing.user_id, p.email ?? null, p.emailVerified],
      );
      return rows[0]!;
    }
    return existing;
  }
  if (p.email && p.emailVerified) {
    const match = await db.query<{ user_id: string }>(
      `SELECT user_id FROM users WHERE lower(email) = lower($1) AND email_verified ORDER BY created_at LIMIT 1`,
      [p.email],
    );
    const target = match.rows[0];
    if (target) {
      await db.query(
        'INSERT INTO user_identities (auth_user_id, user_id) VALUES ($1, $2) ON CONFLICT (auth_user_id) DO NOTHING',
        [p.subject, target.user_id],
      );
      return ensureUser(db, p);
    }
  }
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (auth_user_id, email, email_verified, display_name)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (auth_user_id) DO UPDATE SET email = EXCLUDED.email, email_verified = EXCLUDED.email_verified
     RETURNING *`,
    [p.subject, p.email ?? null, p.emailVerified, p.name ?? null],
  );
  return rows[0]!;
}
