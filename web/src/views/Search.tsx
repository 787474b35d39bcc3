// One search box, Korean or English; results as scene cards. The query lives in the URL (#/search?q=…),
// arrows move between the box and the cards, Enter opens a scene, Escape goes back to the box.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem, api, type Hit, type SearchResult } from '../api.js';
import { clock } from '../format.js';
import { t } from '../i18n.js';
import { go, href, route } from '../route.js';
import { snippetParts } from '../snippet.js';

/** The last search, so the player can lead back to it and step through its results. */
export let lastResults: { q: string; items: Hit[] } = { q: '', items: [] };

export function Search() {
  const q = route.value.params.get('q') ?? '';
  const [text, setText] = useState(q);
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    setText(q);
    setResult(null);
    setError(null);
    if (!q.trim()) return;
    let live = true;
    setBusy(true);
    api<SearchResult>('GET', `/search?q=${encodeURIComponent(q)}&limit=20`)
      .then((r) => {
        if (!live) return;
        setResult(r);
        lastResults = { q, items: r.items };
      })
      .catch(
        (e) =>
          live &&
          setError(e instanceof ApiProblem && e.code === 'offline' ? t('error.offline') : String(e.message)),
      )
      .finally(() => live && setBusy(false));
    return () => {
      live = false;
    };
  }, [q]);

  const more = async () => {
    if (!result?.next_cursor) return;
    const r = await api<SearchResult>(
      'GET',
      `/search?q=${encodeURIComponent(q)}&limit=20&cursor=${encodeURIComponent(result.next_cursor)}`,
    );
    const items = [...result.items, ...r.items];
    setResult({ ...r, items });
    lastResults = { q, items };
  };

  const cards = () => [...(list.current?.querySelectorAll<HTMLAnchorElement>('a.card') ?? [])];
  const onListKey = (e: KeyboardEvent) => {
    const all = cards();
    const i = all.indexOf(document.activeElement as HTMLAnchorElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = i + (e.key === 'ArrowDown' ? 1 : -1);
      if (next < 0) box.current?.focus();
      else all[Math.min(next, all.length - 1)]?.focus();
    } else if (e.key === 'Escape') box.current?.focus();
  };

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title" class="visually-hidden">
        {t('nav.search')}
      </h1>
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is not in Preact's element types yet */}
      <form
        role="search"
        class="searchbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) go('search', undefined, { q: text.trim() });
        }}
      >
        <label for="q" class="visually-hidden">
          {t('search.label')}
        </label>
        <input
          id="q"
          ref={box}
          type="search"
          name="q"
          autocomplete="off"
          enterkeyhint="search"
          placeholder={t('search.placeholder')}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' && cards().length) {
              e.preventDefault();
              cards()[0]?.focus();
            }
          }}
          autofocus
        />
        <button type="submit" class="primary">
          {t('search.submit')}
        </button>
      </form>
      <div aria-live="polite" class="status-line">
        {busy && <p>{t('search.searching')}</p>}
        {error && (
          <p role="alert" class="error">
            {t('error.generic', { detail: error })}
          </p>
        )}
        {result && result.items.length > 0 && (
          <p class="muted">{t('search.results', { n: result.items.length })}</p>
        )}
      </div>
      {!q && <p class="muted hint">{t('search.hint')}</p>}
      {result && result.items.length === 0 && (
        <div class="empty">
          <p>
            <strong>{t('search.none', { q })}</strong>
          </p>
          <p class="muted">{t('search.noneHelp')}</p>
          {!meaningOn(result) && <p class="muted">{t('search.noneMeaningOff')}</p>}
        </div>
      )}
      {result && result.items.length > 0 && (
        <ol class="results" ref={list} onKeyDown={onListKey}>
          {result.items.map((h) => (
            <li key={h.scene_id}>
              <SceneCard hit={h} q={q} />
            </li>
          ))}
        </ol>
      )}
      {result?.next_cursor && (
        <button type="button" onClick={() => void more()}>
          {t('search.more')}
        </button>
      )}
    </section>
  );
}

function SceneCard({ hit, q }: { hit: Hit; q: string }) {
  const s = hit.strength;
  const range = t('scene.range', { from: clock(hit.start_s), to: clock(hit.end_s) });
  return (
    <a class="card" href={href('watch', hit.video_id, { scene: hit.scene_id, q })} data-scene={hit.scene_id}>
      <div class="thumb">
        {hit.thumbnail_url ? <img src={hit.thumbnail_url} alt="" loading="lazy" /> : <div class="nothumb" />}
        <span class="time">{range}</span>
      </div>
      <div class="body">
        <h2 class="title">{hit.video_title}</h2>
        <p class="snippet">
          {snippetParts(hit.snippet).map((p, i) =>
            p.marked ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>,
          )}
        </p>
        <p class={`strength ${s}`}>
          <span class="visually-hidden">{range}. </span>
          {t('search.strength')}: {t(`search.${s}`)}
          <meter min={0} max={1} value={hit.relevance} aria-hidden="true" />
        </p>
      </div>
    </a>
  );
}

/** Whether search by meaning (transcript or picture embeddings) took part in this answer. */
const meaningOn = (r: SearchResult) => r.signals.text.startsWith('on') || r.signals.vision.startsWith('on');
