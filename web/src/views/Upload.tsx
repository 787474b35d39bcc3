// Drop or pick several videos; each shows its checks, a progress bar, speed and time left, and cancel.
import { useRef, useState } from 'preact/hooks';
import { config } from '../auth.js';
import { bytes, clock, rate } from '../format.js';
import { t } from '../i18n.js';
import { href } from '../route.js';
import { addFiles, cancel, forget, retry, saved, type Task, tasks } from '../upload.js';

export function Upload() {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const max = config.value?.upload.max_bytes;
  const waiting = saved.value.filter(
    (s) => !tasks.value.some((x) => x.videoId === s.videoId && x.phase !== 'failed'),
  );
  return (
    <section aria-labelledby="upload-title">
      <h1 id="upload-title">{t('upload.title')}</h1>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a shortcut; the button beside does the same */}
      <div
        class={`drop${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (e.dataTransfer?.files.length) addFiles(e.dataTransfer.files);
        }}
      >
        <p>
          <strong>{t('upload.drop')}</strong>
        </p>
        <p class="muted">{t('upload.or')}</p>
        <button type="button" class="primary" onClick={() => input.current?.click()}>
          {t('upload.pick')}
        </button>
        <input
          ref={input}
          id="files"
          type="file"
          multiple
          accept={['video/*', '.mp4', '.m4v', '.mov', '.avi', '.mkv', '.webm'].join(',')}
          class="visually-hidden"
          aria-label={t('upload.pick')}
          tabIndex={-1}
          onChange={(e) => {
            const files = e.currentTarget.files;
            if (files?.length) addFiles([...files]);
            e.currentTarget.value = '';
          }}
        />
        <p class="muted" id="upload-help">
          {t('upload.help', { max: max ? bytes(max) : '—' })}
        </p>
      </div>
      {waiting.length > 0 && (
        <>
          <h2>{t('upload.resumeTitle')}</h2>
          <ul class="uploads">
            {waiting.map((s) => (
              <li class="upload" key={s.key}>
                <div class="row">
                  <span class="name">{s.name}</span>
                  <span class="figures">{bytes(s.size)}</span>
                </div>
                <div class="row">
                  <span>{t('upload.resume', { name: s.name })}</span>
                  <span>
                    <button type="button" onClick={() => input.current?.click()}>
                      {t('upload.pick')}
                    </button>{' '}
                    <button type="button" onClick={() => void forget(s)}>
                      {t('upload.forget')}
                    </button>
                  </span>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
      {tasks.value.length > 0 && (
        <ul class="uploads" aria-live="polite">
          {tasks.value.map((task) => (
            <TaskRow key={task.id} task={task} rev={task.rev} />
          ))}
        </ul>
      )}
    </section>
  );
}

function TaskRow({ task }: { task: Task; rev: number }) {
  const size = task.file.size;
  const r = rate(task.samples, size);
  const status = {
    checking: t('upload.checking'),
    invalid: task.problem ? t(task.problem.key, task.problem.vars) : '',
    sending: t('upload.sending'),
    finishing: t('upload.finishing'),
    done: t('upload.done'),
    failed: t('upload.failed', { detail: task.detail ?? '' }),
    cancelled: t('upload.cancelled'),
  }[task.phase];
  const active = task.phase === 'sending' || task.phase === 'finishing';
  return (
    <li class="upload" data-phase={task.phase}>
      <div class="row">
        <span class="name">{task.file.name}</span>
        <span class="figures">
          {bytes(size)}
          {typeof task.durationS === 'number' && ` · ${t('check.length', { d: clock(task.durationS) })}`}
        </span>
      </div>
      {task.durationS === 'unreadable' && <p class="muted">{t('check.unreadable')}</p>}
      {(active || task.phase === 'done') && (
        <progress max={size} value={task.phase === 'done' ? size : task.sent} aria-label={task.file.name} />
      )}
      <div class="row">
        <span
          class={task.phase === 'invalid' || task.phase === 'failed' ? 'error' : ''}
          role={task.phase === 'invalid' || task.phase === 'failed' ? 'alert' : undefined}
        >
          {status}
        </span>
        {task.phase === 'sending' && (
          <span class="figures">
            {bytes(task.sent)} / {bytes(size)} ·{' '}
            {t('upload.speed', { rate: bytes(Math.round(r.bytesPerSecond)) })}
            {r.secondsLeft !== null && ` · ${t('upload.left', { time: clock(r.secondsLeft) })}`}
          </span>
        )}
        {active && (
          <button type="button" onClick={() => void cancel(task)}>
            {t('upload.cancel')}
          </button>
        )}
        {task.phase === 'failed' && (
          <button type="button" onClick={() => retry(task)}>
            {t('upload.retry')}
          </button>
        )}
        {task.phase === 'done' && <a href={href('library')}>{t('upload.toLibrary')}</a>}
      </div>
    </li>
  );
}
