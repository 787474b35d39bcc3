// The person's videos: thumbnail, title, length, state, live per-stage progress while processing, the
// failure in words, delete with a confirmation.
//
// Progress is polled, not streamed: each in-flight video's /videos/{id}/status every 2 s, only while
// some video is in flight and the tab is visible. The status is assembled from Postgres and the
// ingestion (the Kubernetes resource in a cluster), which any API replica can read, so polling needs no
// sticky sessions or fan-out between replicas, works through every proxy, and costs one small indexed
// read per video in flight.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Scene, type Status, type Video } from '../api.js';
import { clock } from '../format.js';
import { lang, t, tOr } from '../i18n.js';
import { href } from '../route.js';

const IN_FLIGHT = new Set(['validating', 'processing']);

export function Library() {
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [status, setStatus] = useState<Record<string, Status>>({});
  const [thumbs, setThumbs] = useState<Record<string, string | null>>({});
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Video | null>(null);

  const load = async (cursor?: string) => {
    try {
      const page = await api<{ items: Video[]; next_cursor: string | null }>(
        'GET',
        `/videos?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const visible = page.items.filter((v) => v.state !== 'deleted');
      setVideos((old) => (cursor && old ? [...old, ...visible] : visible));
      setNext(page.next_cursor);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  // The first scene's picture stands for an indexed video.
  useEffect(() => {
    for (const v of videos ?? []) {
      if (v.state !== 'indexed' || v.video_id in thumbs) continue;
      setThumbs((o) => ({ ...o, [v.video_id]: null }));
      api<{ scenes: Scene[] }>('GET', `/videos/${v.video_id}/scenes`)
        .then((r) =>
          setThumbs((o) => ({
            ...o,
            [v.video_id]: r.scenes.find((s) => s.thumbnail_url)?.thumbnail_url ?? null,
          })),
        )
        .catch(() => {});
    }
  }, [videos]);

  const videosRef = useRef(videos);
  videosRef.current = videos;
  useEffect(() => {
    const tick = async () => {
      if (document.hidden) return;
      const flying = (videosRef.current ?? []).filter((v) => IN_FLIGHT.has(v.state));
      for (const v of flying) {
        const s = await api<Status>('GET', `/videos/${v.video_id}/status`).catch(() => undefined);
        if (!s) continue;
        setStatus((o) => ({ ...o, [v.video_id]: s }));
        if (s.state !== v.state) {
          const fresh = await api<Video>('GET', `/videos/${v.video_id}`).catch(() => undefined);
          if (fresh)
            setVideos((list) => list?.map((x) => (x.video_id === fresh.video_id ? fresh : x)) ?? null);
        }
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), 2000);
    const onVisible = () => !document.hidden && void tick();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);

  const remove = async (v: Video) => {
    setConfirm(null);
    try {
      await api('DELETE', `/videos/${v.video_id}`);
      setVideos((list) => list?.filter((x) => x.video_id !== v.video_id) ?? null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section aria-labelledby="library-title">
      <h1 id="library-title">{t('library.title')}</h1>
      {error && (
        <p role="alert" class="error">
          {t('error.generic', { detail: error })}
        </p>
      )}
      {!videos && <p>{t('loading')}</p>}
      {videos?.length === 0 && (
        <div class="empty">
          <p>
            <strong>{t('library.empty')}</strong>
          </p>
          <p class="muted">{t('library.emptyHelp')}</p>
          <p>
            <a href={href('upload')}>{t('nav.upload')}</a>
          </p>
        </div>
      )}
      {videos && videos.length > 0 && (
        <ul class="videos">
          {videos.map((v) => (
            <VideoRow
              key={v.video_id}
              video={v}
              status={status[v.video_id]}
              thumb={thumbs[v.video_id] ?? null}
              onDelete={() => setConfirm(v)}
            />
          ))}
        </ul>
      )}
      {next && (
        <button type="button" onClick={() => void load(next)}>
          {t('library.more')}
        </button>
      )}
      {confirm && (
        <Confirm video={confirm} onYes={() => void remove(confirm)} onNo={() => setConfirm(null)} />
      )}
    </section>
  );
}

function VideoRow({
  video: v,
  status,
  thumb,
  onDelete,
}: {
  video: Video;
  status: Status | undefined;
  thumb: string | null;
  onDelete: () => void;
}) {
  const flying = IN_FLIGHT.has(v.state);
  return (
    <li class="video" data-video={v.video_id} data-state={v.state}>
      <div class="thumb">{thumb ? <img src={thumb} alt="" loading="lazy" /> : <div class="nothumb" />}</div>
      <div>
        <h2>{v.title}</h2>
        <p class="meta">
          <span class={`badge ${v.state}`}>{t(`state.${v.state}`)}</span>
          {v.duration_s ? ` · ${t('library.duration')} ${clock(v.duration_s)}` : ''}
          {` · ${new Date(v.created_at).toLocaleString(lang.value)}`}
        </p>
        {flying && (
          <>
            <progress
              max={100}
              value={status?.progress ?? 0}
              aria-label={t('library.progress', { p: status?.progress ?? 0 })}
            />
            <span class="visually-hidden">{t('library.progress', { p: status?.progress ?? 0 })}</span>
            {status && (
              <ul class="stages" aria-label={t('library.stages')}>
                {status.stages.map((s) => (
                  <li key={s.name} class={s.state}>
                    {stageName(s.name)}: {stageState(s.state)}
                    {s.state === 'running' && s.progress > 0 && s.progress < 100
                      ? ` ${Math.round(s.progress)}%`
                      : ''}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
        {v.error && (
          <p class="error" role="status">
            {v.error.message}
          </p>
        )}
      </div>
      <div class="buttons">
        {v.state === 'indexed' && <a href={href('watch', v.video_id)}>{t('library.watch')}</a>}
        {v.state === 'failed' && <a href={href('upload')}>{t('library.reupload')}</a>}
        <button type="button" onClick={onDelete} aria-label={`${t('library.delete')}: ${v.title}`}>
          {t('library.delete')}
        </button>
      </div>
    </li>
  );
}

const stageName = (n: string) => tOr(`stage.${n}`, n);
const stageState = (s: string) => tOr(`stageState.${s}`, s);

function Confirm({ video, onYes, onNo }: { video: Video; onYes: () => void; onNo: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} onClose={onNo} aria-labelledby="confirm-text">
      <p id="confirm-text">{t('library.deleteConfirm', { title: video.title })}</p>
      <div class="buttons">
        <button type="button" onClick={onNo}>
          {t('library.cancel')}
        </button>
        <button type="button" class="danger" onClick={onYes}>
          {t('library.deleteYes')}
        </button>
      </div>
    </dialog>
  );
}
