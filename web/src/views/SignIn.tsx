// The sign-in screen: one button on this machine, the provider's button in a cluster, or a token field.
import { useState } from 'preact/hooks';
import { ApiProblem } from '../api.js';
import { config, signInLocal, signInOidc, signInToken } from '../auth.js';
import { t } from '../i18n.js';

export function SignIn() {
  const c = config.value;
  const [pasted, setPasted] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(
        e instanceof ApiProblem && e.code === 'offline'
          ? t('error.offline')
          : t('auth.bad', { detail: e instanceof Error ? e.message : String(e) }),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">{t('auth.title')}</h1>
      <p class="muted">{t('app.tagline')}</p>
      {c?.sign_in === 'local' && (
        <>
          <p>{t('auth.localHelp')}</p>
          <button type="button" class="primary" disabled={busy} onClick={() => run(signInLocal)}>
            {busy ? t('auth.signingIn') : t('auth.local')}
          </button>
        </>
      )}
      {c?.sign_in === 'oidc' && (
        <button type="button" class="primary" disabled={busy} onClick={() => run(signInOidc)}>
          {t('auth.oidc')}
        </button>
      )}
      {c?.sign_in === 'token' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => signInToken(pasted));
          }}
        >
          <label for="token">{t('auth.token')}</label>
          <p class="muted" id="token-help">
            {t('auth.tokenHelp')}
          </p>
          <input
            id="token"
            type="password"
            autocomplete="off"
            aria-describedby="token-help"
            value={pasted}
            onInput={(e) => setPasted(e.currentTarget.value)}
            required
          />
          <button type="submit" class="primary" disabled={busy || !pasted.trim()}>
            {t('auth.signIn')}
          </button>
        </form>
      )}
      {!c && <p role="alert">{error ?? t('error.offline')}</p>}
      {c && error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </section>
  );
}
