// Typed configuration, parsed once from environment variables with a schema; fails fast naming the variable.
import { FormatRegistry, type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Str = (description: string, opts: { default?: string; minLength?: number } = {}) =>
  Type.String({ description, ...opts });
const Int = (description: string, opts: { default?: number; minimum?: number; maximum?: number } = {}) =>
  Type.Integer({ description, ...opts });

/** Every setting a heimdex component reads. Names are shared with the Helm chart and standalone mode. */
export const ConfigSchema = Type.Object({
  DATABASE_URL: Type.Optional(
    Str('Postgres connection string; standalone mode embeds one when unset', { minLength: 1 }),
  ),
  S3_ENDPOINT: Type.Optional(Type.String({ format: 'uri', description: 'S3-compatible endpoint URL' })),
  S3_ACCESS_KEY: Type.Optional(Str('object storage access key', { minLength: 1 })),
  S3_SECRET_KEY: Type.Optional(Str('object storage secret key', { minLength: 1 })),
  S3_REGION: Str('object storage region', { default: 'us-east-1', minLength: 1 }),
  S3_BUCKET_UPLOADS: Str('bucket for original uploads', { default: 'heimdex-uploads', minLength: 3 }),
  S3_BUCKET_ARTIFACTS: Str('bucket for derived artifacts', { default: 'heimdex-artifacts', minLength: 3 }),
  KUBECONFIG: Type.Optional(Str('path to a kubeconfig; in-cluster config when unset')),
  HEIMDEX_NAMESPACE: Str('namespace where VideoIngestion resources live', {
    default: 'heimdex',
    minLength: 1,
  }),
  AUTH_JWT_SECRET: Type.Optional(Str('HS256 secret for Supabase-style tokens', { minLength: 16 })),
  AUTH_JWKS_URL: Type.Optional(Type.String({ format: 'uri', description: 'JWKS URL for asymmetric tokens' })),
  AUTH_ISSUER: Type.Optional(Str('expected token issuer')),
  AUTH_AUDIENCE: Type.Optional(Str('expected token audience')),
  PORT: Int('API listen port', { default: 8080, minimum: 0, maximum: 65535 }),
  MODELS_DIR: Str('where model files live', { default: './models/cache' }),
  MAX_VIDEO_SECONDS: Int('longest accepted video, in seconds', { default: 600, minimum: 1 }),
  MAX_VIDEO_BYTES: Int('largest accepted upload, in bytes', { default: 1024 ** 3, minimum: 1 }),
  MAX_VIDEO_PIXELS: Int('largest accepted picture, in pixels per frame (width × height; 8K UHD by default)', {
    default: 7680 * 4320,
    minimum: 1,
  }),
  FAILED_SOURCES: Type.Union(
    [Type.Literal('delete-bad-input'), Type.Literal('keep'), Type.Literal('delete')],
    {
      default: 'delete-bad-input',
      description:
        "what happens to a failed video's original when it fails: delete-bad-input (removed when the file itself is at fault, kept for a transient or internal failure so it can be processed again), keep, or delete; either way it goes when the video is deleted",
    },
  ),
  STAGE_RERUN_WINDOW_SECONDS: Int(
    'how long a stage that keeps failing transiently (storage or the database away, a node lost) is run again before the video fails as Transient; an out-of-memory kill is retried that long too',
    { default: 1800, minimum: 0 },
  ),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level' },
  ),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

// TypeBox ships no format checkers; URLs are the only format configuration uses.
if (!FormatRegistry.Has('uri')) {
  FormatRegistry.Set('uri', (v) => URL.canParse(v) && /^[a-z][a-z0-9+.-]*:\/\//i.test(v));
}

/** Parses the environment (only the variables the schema knows; empty strings count as unset). */
export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseWith(ConfigSchema, env);
}

export function parseWith<T extends TSchema>(schema: T, env: Record<string, string | undefined>): Static<T> {
  const known = Object.keys((schema as unknown as { properties: Record<string, unknown> }).properties);
  const raw: Record<string, unknown> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') raw[key] = value.trim();
  }
  const value = Value.Default(schema, Value.Convert(schema, raw));
  const problems: string[] = [];
  for (const error of Value.Errors(schema, value)) {
    const name = error.path.replace(/^\//, '');
    const message =
      error.schema.format === 'uri' ? 'must be a URL such as http://127.0.0.1:9000' : error.message;
    const given = raw[name] === undefined ? 'unset' : `got ${JSON.stringify(raw[name])}`;
    const what = (error.schema as { description?: string }).description;
    problems.push(`${name}: ${message} (${given})${what ? ` — ${what}` : ''}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return value as Static<T>;
}

/** The S3 settings must come as a set: an endpoint without keys is a mistake, not a default. */
export function requireS3(
  config: Config,
): Required<Pick<Config, 'S3_ENDPOINT' | 'S3_ACCESS_KEY' | 'S3_SECRET_KEY'>> {
  const missing = (['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const).filter((k) => !config[k]);
  if (missing.length > 0)
    throw new ConfigError(missing.map((k) => `${k}: required when using S3 storage (unset)`));
  return config as Required<Pick<Config, 'S3_ENDPOINT' | 'S3_ACCESS_KEY' | 'S3_SECRET_KEY'>>;
}
