// Signing in, three ways as /auth/config says: standalone's local token (asked for by the app opened on
// this machine, kept in memory only), the deployment's OpenID Connect provider (oidc-client-ts,
// authorization code with PKCE), or a pasted token (kept for this tab only).
import { signal } from '@preact/signals';
import type { UserManager } from 'oidc-client-ts';
import { ApiProblem, api, token, type WebConfig } from './api.js';

export const config = signal<WebConfig | null>(null);
/** Set once the first sign-in attempt has run, so the app knows whether to show the sign-in screen. */
export const ready = signal(false);

const SIGNED_OUT = 'heimdex.signedOut';
const PASTED = 'heimdex.token';
let oidc: UserManager | undefined;

async function oidcManager(c: NonNullable<WebConfig['oidc']>): Promise<UserManager> {
  if (oidc) return oidc;
  // Loaded only where a provider is configured, so standalone never downloads it.
  const { UserManager, WebStorageStateStore } = await import('oidc-client-ts');
  oidc = new UserManager({
    authority: c.issuer,
    client_id: c.client_id,
    scope: c.scope,
    redirect_uri: `${location.origin}/`,
    post_logout_redirect_uri: `${location.origin}/`,
    response_type: 'code',
    userStore: new WebStorageStateStore({ store: sessionStorage }),
    automaticSilentRenew: true,
  });
  oidc.events.addUserLoaded((u) => {
    token.value = u.access_token;
  });
  return oidc;
}

/** On load: finish a provider redirect, or sign in the way this server allows without asking. */
export async function start(): Promise<void> {
  try {
    const c = await api<WebConfig>('GET', '/auth/config');
    config.value = c;
    if (c.sign_in === 'local' && !localStorage.getItem(SIGNED_OUT)) await signInLocal();
    if (c.sign_in === 'oidc' && c.oidc) {
      const m = await oidcManager(c.oidc);
      const q = new URLSearchParams(location.search);
      if (q.has('code') && q.has('state')) {
        const u = await m.signinRedirectCallback();
        history.replaceState(null, '', `${location.pathname}${location.hash}`);
        token.value = u.access_token;
      } else {
        const u = await m.getUser();
        if (u && !u.expired) token.value = u.access_token;
      }
    }
    if (c.sign_in === 'token') token.value = sessionStorage.getItem(PASTED);
  } finally {
    ready.value = true;
  }
}

export async function signInLocal(): Promise<void> {
  const { token: t } = await api<{ token: string }>('POST', '/auth/local-token');
  localStorage.removeItem(SIGNED_OUT);
  token.value = t;
}

export async function signInOidc(): Promise<void> {
  const c = config.value?.oidc;
  if (c) await (await oidcManager(c)).signinRedirect();
}

/** Checks a pasted token against the API before keeping it. */
export async function signInToken(pasted: string): Promise<void> {
  const t = pasted.trim().replace(/^Bearer\s+/i, '');
  token.value = t;
  try {
    await api('GET', '/videos?limit=1');
  } catch (e) {
    token.value = null;
    throw e instanceof ApiProblem ? e : new ApiProblem(0, 'offline', String(e));
  }
  sessionStorage.setItem(PASTED, t);
}

export async function signOut(): Promise<void> {
  token.value = null;
  sessionStorage.removeItem(PASTED);
  if (config.value?.sign_in === 'local') localStorage.setItem(SIGNED_OUT, '1');
  if (oidc) await oidc.removeUser();
}
