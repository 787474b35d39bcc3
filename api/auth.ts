// Bearer-token authentication with jose: HS256 (Supabase-style shared secret) and/or asymmetric keys from a JWKS URL.
import type { NextFunction, Request, Response } from 'express';
import { createRemoteJWKSet, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { ApiError } from './errors.js';

export interface AuthSettings {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** How soon an unknown key id may make us fetch the key set again (limits load on the identity provider). */
  jwksCooldownMs?: number;
  /** Seconds of clock difference tolerated between the token issuer and us. */
  clockToleranceSec?: number;
  /**
   * The one top-level claim that proves the identity provider verified the email (AUTH_VERIFIED_EMAIL_CLAIM).
   * Only counted when `issuer` is configured, so the proof comes from that issuer. Default `email_verified`.
   */
  verifiedEmailClaim?: VerifiedEmailClaim;
}

/**
 * What proves an email address verified (docs/security.md, "Identity"): `email_verified` is the OIDC claim,
 * the boolean `true` at the top level; `email_confirmed_at` is a top-level timestamp (an RFC 3339 string,
 * not in the future), which Supabase tokens carry when a custom access token hook adds it; `none` trusts
 * no claim, so no account is ever linked by email. Nothing else counts: not `user_metadata` (users edit
 * it), not the string "true", not a nested copy.
 */
export const VERIFIED_EMAIL_CLAIMS = ['email_verified', 'email_confirmed_at', 'none'] as const;
export type VerifiedEmailClaim = (typeof VERIFIED_EMAIL_CLAIMS)[number];

/** Who is calling, as the token says. */
export interface Principal {
  subject: string;
  email?: string;
  /** True only on the proof `verifiedEmailClaim` names, from the configured issuer. */
  emailVerified: boolean;
  name?: string;
}

export type Verifier = (token: string) => Promise<Principal>;

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

export function createVerifier(settings: AuthSettings): Verifier {
  if (!settings.jwtSecret && !settings.jwksUrl) {
    throw new Error('authentication needs AUTH_JWT_SECRET or AUTH_JWKS_URL');
  }
  const secret = settings.jwtSecret ? new TextEncoder().encode(settings.jwtSecret) : undefined;
  // jose caches the key set and refetches it when a token names a key id it has not seen (rate-limited by cooldown).
  const jwks = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), {
        cacheMaxAge: 10 * 60_000,
        cooldownDuration: settings.jwksCooldownMs ?? 30_000,
      })
    : undefined;
  const claims = {
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
    clockTolerance: settings.clockToleranceSec ?? 30,
  };
  const clockTolerance = claims.clockTolerance;
  // Without an expected issuer, any holder of the secret or key could vouch for an address: link nobody.
  const proof: VerifiedEmailClaim = settings.issuer
    ? (settings.verifiedEmailClaim ?? 'email_verified')
    : 'none';
  return async (token) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new ApiError('unauthenticated', 'The bearer token is not a well-formed JWT.');
    }
    try {
      let payload: JWTPayload;
      if (alg === 'HS256' && secret) {
        ({ payload } = await jwtVerify(token, secret, { ...claims, algorithms: ['HS256'] }));
      } else if (alg && ASYMMETRIC.includes(alg) && jwks) {
        ({ payload } = await jwtVerify(token, jwks, { ...claims, algorithms: ASYMMETRIC }));
      } else {
        throw new ApiError(
          'unauthenticated',
          `Tokens signed with ${alg ?? 'no algorithm'} are not accepted here.`,
        );
      }
      if (!payload.sub) throw new ApiError('unauthenticated', 'The token names no subject (sub).');
      return principalOf(payload, proof, clockTolerance);
    } catch (error) {
      throw asAuthError(error);
    }
  };
}

function principalOf(payload: JWTPayload, proof: VerifiedEmailClaim, toleranceSec: number): Principal {
  const meta = (payload.user_metadata ?? {}) as Record<string, unknown>;
  const email = typeof payload.email === 'string' ? payload.email.trim().toLowerCase() : undefined;
  // The display name may come from user_metadata: it only labels the account, it proves nothing.
  const name = payload.name ?? meta.full_name ?? meta.name;
  return {
    subject: payload.sub!,
    ...(email ? { email } : {}),
    emailVerified: email !== undefined && emailProven(payload, proof, toleranceSec),
    ...(typeof name === 'string' ? { name } : {}),
  };
}

/** Whether the token's own top-level claim proves the email verified, by exactly the configured rule. */
export function emailProven(payload: JWTPayload, proof: VerifiedEmailClaim, toleranceSec = 30): boolean {
  // An anonymous session (Supabase) has no address anyone checked, whatever else it carries.
  if (payload.is_anonymous === true) return false;
  switch (proof) {
    case 'email_verified':
      return payload.email_verified === true;
    case 'email_confirmed_at': {
      const at = payload.email_confirmed_at;
      if (typeof at !== 'string' || !RFC3339.test(at)) return false;
      const ms = Date.parse(at);
      return Number.isFinite(ms) && ms <= Date.now() + toleranceSec * 1000;
    }
    case 'none':
      return false;
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i;

function asAuthError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof errors.JWTExpired)
    return new ApiError('unauthenticated', 'The token has expired; sign in again.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    const what = error.claim === 'nbf' ? 'is not valid yet' : `has the wrong ${error.claim} claim`;
    return new ApiError('unauthenticated', `The token ${what}.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new ApiError('unauthenticated', 'The token signature does not verify.');
  }
  if (error instanceof errors.JWKSNoMatchingKey)
    return new ApiError('unauthenticated', 'The token was signed with an unknown key.');
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new ApiError('unauthenticated', 'The token algorithm is not accepted here.');
  if (error instanceof errors.JWKSTimeout || (error as { code?: string }).code === 'ERR_JWKS_TIMEOUT') {
    return new ApiError('dependency_unavailable', 'The identity provider key set could not be fetched.');
  }
  return new ApiError('unauthenticated', 'The token is not valid.');
}

declare global {
  namespace Express {
    interface Request {
      principal?: Principal;
      userId?: string;
      requestId?: string;
    }
  }
}

/** Express middleware: requires a valid bearer token, then resolves the caller's heimdex user. */
export function authenticate(verify: Verifier, resolveUser: (p: Principal) => Promise<string>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        throw new ApiError('unauthenticated', 'Send an Authorization: Bearer <token> header.');
      }
      req.principal = await verify(match[1]!);
      req.userId = await resolveUser(req.principal);
      next();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'unauthenticated') {
        res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      }
      next(error);
    }
  };
}
