// API-only settings (the shared ones are in core/config.ts), parsed once with the same schema rules.
import { type Static, Type } from '@sinclair/typebox';
import { parseWith } from '../core/config.js';
import { DEFAULT_LANGUAGE } from '../core/crd/videoingestion.js';
import { DEFAULT_MODELS } from '../models/manifest.js';
import { VERIFIED_EMAIL_CLAIMS } from './auth.js';
import { LANGUAGE_CODES } from './text.js';

const Weight = (signal: string) =>
  Type.Number({
    minimum: 0,
    maximum: 10,
    default: 1,
    description: `weight of the ${signal} signal in rank fusion (0 turns it off)`,
  });

export const ApiConfigSchema = Type.Object({
  HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description:
      'address the API listens on: this machine only by default; 0.0.0.0 (the image and the chart) for every interface',
  }),
  METRICS_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 9090,
    description: 'port of /metrics, on HOST, apart from the API port (0 picks a free one)',
  }),
  HEIMDEX_UPLOAD_TTL_SECONDS: Type.Integer({
    minimum: 60,
    default: 24 * 3600,
    description: 'seconds before an unfinished upload is abandoned',
  }),
  HEIMDEX_RATE_LIMIT_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 600,
    description: 'requests per user per minute',
  }),
  HEIMDEX_DEFAULT_LANGUAGE: Type.String({
    pattern: `^(${LANGUAGE_CODES.join('|')})$`,
    default: DEFAULT_LANGUAGE,
    description:
      'spoken language when an upload names none: auto (detected among the pipeline’s ASR_LANGUAGES), or a code ' +
      'the speech model knows',
  }),
  AUTH_VERIFIED_EMAIL_CLAIM: Type.Union(
    VERIFIED_EMAIL_CLAIMS.map((c) => Type.Literal(c)),
    {
      default: 'email_verified',
      description:
        'the top-level token claim that proves an email verified, so a new sign-in joins the account with that email ' +
        '(email_verified: the boolean true; email_confirmed_at: a past timestamp; none: never join); needs AUTH_ISSUER',
    },
  ),
  SEARCH_TEXT_MODEL: Type.String({
    default: DEFAULT_MODELS.text,
    description: 'text model (models/manifest) that embeds queries against transcripts',
  }),
  SEARCH_VISION_MODEL: Type.String({
    default: DEFAULT_MODELS.vision,
    description: 'vision model whose text tower embeds queries against pictures',
  }),
  SEARCH_WEIGHT_LEXICAL: Weight('lexical (trigram)'),
  SEARCH_WEIGHT_TEXT: Weight('transcript embedding'),
  SEARCH_WEIGHT_VISION: Weight('picture embedding'),
  HEIMDEX_OIDC_ISSUER: Type.Optional(
    Type.String({ format: 'uri', description: 'OpenID Connect issuer the web app signs in with' }),
  ),
  HEIMDEX_OIDC_CLIENT_ID: Type.Optional(
    Type.String({ minLength: 1, description: "the web app's OIDC client id" }),
  ),
  HEIMDEX_OIDC_SCOPE: Type.String({
    default: 'openid email profile',
    description: 'scopes the web app asks for',
  }),
  HEIMDEX_CORS_ORIGINS: Type.String({
    default: '',
    description: 'comma-separated browser origins, besides the API itself, allowed to call it',
  }),
});

export type ApiConfig = Static<typeof ApiConfigSchema>;

export const parseApiConfig = (env: Record<string, string | undefined> = process.env): ApiConfig =>
  parseWith(ApiConfigSchema, env);
