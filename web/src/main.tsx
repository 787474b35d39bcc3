// The app shell: header with navigation, language switch and sign-out; one view at a time by the URL.
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { token } from './api.js';
import { ready, signOut, start } from './auth.js';
import { lang, setLanguage, t } from './i18n.js';
import { href, route } from './route.js';
import './styles.css';
import { Library } from './views/Library.js';
import { Player } from './views/Player.js';
import { Search } from './views/Search.js';
import { SignIn } from './views/SignIn.js';
import { Upload } from './views/Upload.js';

const VIEWS = { search: Search, library: Library, upload: Upload, watch: Player } as const;

function App() {
  const l = lang.value;
  useEffect(() => {
    document.documentElement.lang = l;
    document.title = `heimdex — ${t('app.tagline')}`;
  }, [l]);
  const view = route.value.view as keyof typeof VIEWS;
  const View = VIEWS[view] ?? Search;
  const signedIn = Boolean(token.value);
  return (
    <>
      <a class="skip" href="#main">
        {l === 'ko' ? '본문으로 건너뛰기' : 'Skip to content'}
      </a>
      <header class="top">
        <a class="brand" href={href('search')}>
          <img src="/favicon.svg" alt="" width={24} height={24} />
          heimdex
        </a>
        {signedIn && (
          <nav aria-label={t('nav.main')}>
            {(['search', 'library', 'upload'] as const).map((v) => (
              <a
                key={v}
                href={href(v)}
                aria-current={view === v || (v === 'search' && !VIEWS[view]) ? 'page' : undefined}
              >
                {t(`nav.${v}`)}
              </a>
            ))}
          </nav>
        )}
        <div class="actions">
          <button
            type="button"
            lang={l === 'ko' ? 'en' : 'ko'}
            aria-label={t('lang.switchLabel')}
            onClick={() => setLanguage(l === 'ko' ? 'en' : 'ko')}
          >
            {t('lang.switch')}
          </button>
          {signedIn && (
            <button type="button" onClick={() => void signOut()}>
              {t('auth.signOut')}
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {!ready.value ? <p>{t('loading')}</p> : signedIn ? <View /> : <SignIn />}
      </main>
    </>
  );
}

void start();
render(<App />, document.getElementById('app')!);
