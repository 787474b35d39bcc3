// The player: opens at the scene's start, marks the scene on the timeline, stops (or loops) at its end;
// previous/next scene, and the video's scenes as a strip of thumbnails.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Preview, type Scene } from '../api.js';
import { clock } from '../format.js';
import { t } from '../i18n.js';
import { go, href, route } from '../route.js';

export function Player() {
  const videoId = route.value.id ?? '';
  const sceneParam = route.value.params.get('scene');
  const q = route.value.params.get('q') ?? '';
  const [scenes, setScenes] = useState<Scene[] | null>(null);
  const [media, setMedia] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loop, setLoop] = useState(false);
  const [now, setNow] = useState(0);
  const [duration, setDuration] = useState(0);
  const [ended, setEnded] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const last = useRef(0);

  useEffect(() => {
    let live = true;
    setScenes(null);
    setMedia(null);
    api<{ scenes: Scene[] }>('GET', `/videos/${videoId}/scenes`)
      .then(async (r) => {
        if (!live) return;
        setScenes(r.scenes);
        const first = sceneParam ?? r.scenes[0]?.scene_id;
        if (first) {
          const p = await api<Preview>('GET', `/scenes/${first}/preview`);
          if (live) setMedia(p);
        }
      })
      .catch((e) => live && setError(String(e.message)));
    return () => {
      live = false;
    };
  }, [videoId]);

  const scene = scenes?.find((s) => s.scene_id === sceneParam) ?? scenes?.[0];
  const index = scene && scenes ? scenes.indexOf(scene) : -1;

  // A new scene of the same video: seek in the loaded file rather than loading it again.
  useEffect(() => {
    const v = video.current;
    if (!v || !scene || v.readyState < 1) return;
    v.currentTime = scene.start_s;
    setEnded(false);
    void v.play().catch(() => {});
  }, [scene?.scene_id]);

  const onTime = () => {
    const v = video.current;
    if (!v || !scene) return;
    const prev = last.current;
    last.current = v.currentTime;
    setNow(v.currentTime);
    // Only a crossing of the end from inside the scene stops it, so a person can seek past it freely.
    if (prev < scene.end_s && v.currentTime >= scene.end_s && prev >= scene.start_s - 0.5) {
      if (loop) v.currentTime = scene.start_s;
      else {
        v.pause();
        setEnded(true);
      }
    }
  };

  const replay = () => {
    const v = video.current;
    if (!v || !scene) return;
    v.currentTime = scene.start_s;
    void v.play();
  };

  const show = (s: Scene | undefined) =>
    s && go('watch', videoId, { scene: s.scene_id, ...(q ? { q } : {}) }, true);

  if (error)
    return (
      <p role="alert" class="error">
        {t('error.generic', { detail: error })}
      </p>
    );
  if (!scenes || !media || !scene) return <p aria-live="polite">{t('loading')}</p>;
  const total = duration || scenes.at(-1)?.end_s || 1;
  const pct = (s: number) => `${Math.min(100, Math.max(0, (s / total) * 100))}%`;
  return (
    <section class="player" aria-labelledby="player-title">
      <p>
        <a href={q ? href('search', undefined, { q }) : href('library')}>
          ← {q ? t('player.back') : t('nav.library')}
        </a>
      </p>
      <h1 id="player-title">{media.video_title}</h1>
      <p class="muted" id="scene-label">
        {t('player.scene', { n: index + 1, from: clock(scene.start_s), to: clock(scene.end_s) })}
      </p>
      {/* biome-ignore lint/a11y/useMediaCaption: the transcript is shown beside the player */}
      <video
        ref={video}
        src={media.url}
        controls
        playsInline
        preload="auto"
        aria-describedby="scene-label"
        data-start={scene.start_s}
        data-end={scene.end_s}
        onLoadedMetadata={(e) => {
          const v = e.currentTarget;
          setDuration(v.duration);
          v.currentTime = scene.start_s;
          void v.play().catch(() => {});
        }}
        onTimeUpdate={onTime}
        onPlay={() => setEnded(false)}
      />
      {/* biome-ignore lint/a11y/useSemanticElements: a fieldset would draw a form box around the timeline */}
      <div class="timeline" role="group" aria-label={t('player.scenes')}>
        {scenes.map((s, i) => (
          <button
            type="button"
            key={s.scene_id}
            class={`segment${s.scene_id === scene.scene_id ? ' current' : ''}`}
            style={{ left: pct(s.start_s), width: pct(s.end_s - s.start_s) }}
            aria-label={t('player.scene', { n: i + 1, from: clock(s.start_s), to: clock(s.end_s) })}
            aria-current={s.scene_id === scene.scene_id ? 'true' : undefined}
            onClick={() => show(s)}
          />
        ))}
        <div class="playhead" style={{ left: pct(now) }} aria-hidden="true" />
      </div>
      <div class="controls">
        <button type="button" onClick={() => show(scenes[index - 1])} disabled={index <= 0}>
          ← {t('player.prev')}
        </button>
        <label class="check">
          <input type="checkbox" checked={loop} onChange={(e) => setLoop(e.currentTarget.checked)} />
          {t('player.loop')}
        </label>
        {ended && (
          <button type="button" onClick={replay}>
            {t('player.replay')}
          </button>
        )}
        <button type="button" onClick={() => show(scenes[index + 1])} disabled={index >= scenes.length - 1}>
          {t('player.next')} →
        </button>
      </div>
      <p aria-live="polite" class="muted">
        {ended ? t('player.ended') : ''}
      </p>
      {scene.transcript && <blockquote class="transcript">{scene.transcript}</blockquote>}
      <h2>{t('player.scenes')}</h2>
      <ol class="strip">
        {scenes.map((s, i) => (
          <li key={s.scene_id}>
            <button
              type="button"
              aria-current={s.scene_id === scene.scene_id ? 'true' : undefined}
              onClick={() => show(s)}
              aria-label={t('player.scene', { n: i + 1, from: clock(s.start_s), to: clock(s.end_s) })}
            >
              {s.thumbnail_url ? (
                <img src={s.thumbnail_url} alt="" loading="lazy" />
              ) : (
                <div class="nothumb" />
              )}
              <span>{clock(s.start_s)}</span>
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
