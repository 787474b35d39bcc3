// Where the app is, in the URL's fragment (#/search?q=…), so every view can be shared and reloaded and
// no app path can clash with an API route (/search, /videos are the API's).
import { signal } from '@preact/signals';

export interface Route {
  view: string;
  id?: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  const [view = '', id] = path.split('/').map(decodeURIComponent);
  return { view: view || 'search', ...(id ? { id } : {}), params: new URLSearchParams(query) };
}

export const route = signal<Route>(parseHash(location.hash));
addEventListener('hashchange', () => {
  route.value = parseHash(location.hash);
});

export function href(view: string, id?: string, params?: Record<string, string>): string {
  const q = params ? new URLSearchParams(params).toString() : '';
  return `#/${view}${id ? `/${encodeURIComponent(id)}` : ''}${q ? `?${q}` : ''}`;
}

export function go(view: string, id?: string, params?: Record<string, string>, replace = false): void {
  const next = href(view, id, params);
  if (replace) {
    history.replaceState(null, '', next);
    route.value = parseHash(next);
  } else location.hash = next;
}
