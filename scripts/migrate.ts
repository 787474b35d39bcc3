// `npm run migrate`: applies pending database migrations to DATABASE_URL and says what it applied.
import { Type } from '@sinclair/typebox';
import { parseWith } from '../core/config.js';
import { migrate } from '../core/db/migrate.js';

const Env = Type.Object({
  DATABASE_URL: Type.String({ minLength: 1, description: 'Postgres connection string to migrate' }),
});

/** Postgres errors carry their advice in `hint`; a refused connection to localhost is an AggregateError with no message. */
function describe(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') return err.errors.map(describe).join('; ');
  if (!(err instanceof Error)) return String(err);
  const hint = (err as { hint?: unknown }).hint;
  return typeof hint === 'string' ? `${err.message} (hint: ${hint})` : err.message;
}

try {
  const { DATABASE_URL } = parseWith(Env, process.env);
  const applied = await migrate(DATABASE_URL);
  console.log(
    applied.length === 0
      ? 'database is up to date; no migrations to apply'
      : `applied ${applied.length} migration(s): ${applied.join(', ')}`,
  );
} catch (err) {
  console.error(`migrate failed: ${describe(err)}`);
  process.exitCode = 1;
}
