// Resumable uploads straight to storage: the API's multipart init, presigned part URLs, parts PUT in
// parallel with progress, then complete. Each upload is remembered in localStorage, so after a reload
// or a dropped network it resumes (from the parts the store already has) once the file is picked again.
import { signal } from '@preact/signals';
import { ApiProblem, api } from './api.js';
import { config } from './auth.js';
import { checkBasics, mimeOf, type Problem, readDuration } from './checks.js';
import { bytes, clock } from './format.js';

export type Phase = 'checking' | 'invalid' | 'sending' | 'finishing' | 'done' | 'failed' | 'cancelled';

export interface Task {
  id: string;
  /** Bumped on every change: the task is one mutable object, and a row re-renders only when its props change. */
  rev: number;
  file: File;
  phase: Phase;
  sent: number;
  samples: { at: number; sent: number }[];
  problem?: Problem;
  detail?: string;
  durationS?: number | 'unreadable';
  videoId?: string;
  abort?: AbortController;
}

/** An upload started before, kept until it completes, is cancelled or is forgotten. */
export interface Saved {
  key: string;
  name: string;
  size: number;
  videoId: string;
  partSize: number;
  partCount: number;
}

const STORE = 'heimdex.uploads';
const PARALLEL = 3;

export const tasks = signal<Task[]>([]);
export const saved = signal<Saved[]>(readSaved());

function readSaved(): Saved[] {
  try {
    return JSON.parse(localStorage.getItem(STORE) ?? '[]') as Saved[];
  } catch {
    return [];
  }
}
function writeSaved(list: Saved[]): void {
  saved.value = list;
  localStorage.setItem(STORE, JSON.stringify(list));
}
export const fileKey = (f: { name: string; size: number; lastModified: number }) =>
  `${f.name}\u0000${f.size}\u0000${f.lastModified}`;

/** Part numbers (1-based) the store does not have yet. */
export function missingParts(partCount: number, uploaded: readonly number[]): number[] {
  const have = new Set(uploaded);
  return Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !have.has(n));
}

/** Byte range [start, end) of part n. */
export function partRange(n: number, partSize: number, size: number): [number, number] {
  return [(n - 1) * partSize, Math.min(n * partSize, size)];
}

const refresh = () => {
  for (const task of tasks.value) task.rev++;
  tasks.value = [...tasks.value];
};

export function addFiles(files: Iterable<File>): void {
  for (const file of files) {
    const task: Task = { id: crypto.randomUUID(), rev: 0, file, phase: 'checking', sent: 0, samples: [] };
    tasks.value = [...tasks.value, task];
    void run(task);
  }
}

async function run(task: Task): Promise<void> {
  const limits = config.value?.upload ?? { max_bytes: Number.POSITIVE_INFINITY, mime_types: [] };
  const mime = mimeOf(task.file, limits.mime_types);
  const problem = checkBasics(task.file, limits, bytes);
  if (problem) return finish(task, 'invalid', { problem });
  const duration = await readDuration(task.file, mime);
  if (duration === 'none') return finish(task, 'invalid', { problem: { key: 'check.duration' } });
  task.durationS = duration;
  // The server refuses it at complete (it reads the same header); nothing is sent that would be refused.
  if (typeof duration === 'number' && limits.max_seconds !== undefined && duration > limits.max_seconds)
    return finish(task, 'invalid', {
      problem: { key: 'check.too-long', vars: { d: clock(duration), max: clock(limits.max_seconds) } },
    });
  task.abort = new AbortController();
  const key = fileKey(task.file);
  try {
    let up = saved.value.find((s) => s.key === key);
    let uploaded: number[] = [];
    if (up) {
      try {
        uploaded = (await partUrls(up.videoId, [1])).uploaded;
      } catch (e) {
        if (!(e instanceof ApiProblem) || (e.status !== 404 && e.status !== 409)) throw e;
        writeSaved(saved.value.filter((s) => s.key !== key)); // gone or finished elsewhere: start afresh
        up = undefined;
      }
    }
    if (!up) {
      const init = await api<{ video_id: string; part_size: number; part_count: number }>(
        'POST',
        '/videos/upload/multipart/init',
        {
          filename: task.file.name,
          mime_type: mime,
          size_bytes: task.file.size,
          title: task.file.name.replace(/\.[^.]+$/, '') || task.file.name,
        },
      );
      up = {
        key,
        name: task.file.name,
        size: task.file.size,
        videoId: init.video_id,
        partSize: init.part_size,
        partCount: init.part_count,
      };
      writeSaved([...saved.value.filter((s) => s.key !== key), up]);
    }
    task.videoId = up.videoId;
    for (;;) {
      task.phase = 'sending';
      refresh();
      await sendParts(task, up, uploaded);
      task.phase = 'finishing';
      refresh();
      try {
        await api('POST', '/videos/upload/complete', { video_id: up.videoId });
        break;
      } catch (e) {
        if (!(e instanceof ApiProblem)) throw e;
        if (e.code === 'upload_incomplete') uploaded = (await partUrls(up.videoId, [1])).uploaded;
        else if (e.status === 503 || e.code === 'offline') await pause(2000, task.abort.signal);
        else throw e;
      }
    }
    writeSaved(saved.value.filter((s) => s.key !== key));
    finish(task, 'done');
  } catch (e) {
    if (task.abort.signal.aborted) return;
    // The API said no for good (the file is not what it claimed, the video was deleted): nothing to resume.
    if (e instanceof ApiProblem && e.status >= 400 && e.status < 500)
      writeSaved(saved.value.filter((s) => s.key !== key));
    finish(task, 'failed', { detail: e instanceof Error ? e.message : String(e) });
  }
}

function finish(task: Task, phase: Phase, o: { problem?: Problem; detail?: string } = {}): void {
  Object.assign(task, { phase }, o);
  refresh();
}

const partUrls = (videoId: string, partNumbers: number[]) =>
  api<{ parts: { part_number: number; url: string; size_bytes: number }[]; uploaded: number[] }>(
    'POST',
    `/videos/${videoId}/upload/parts`,
    { part_numbers: partNumbers },
  );

async function sendParts(task: Task, up: Saved, uploaded: number[]): Promise<void> {
  const todo = missingParts(up.partCount, uploaded);
  const size = task.file.size;
  const done = uploaded.reduce(
    (a, n) => a + (partRange(n, up.partSize, size)[1] - partRange(n, up.partSize, size)[0]),
    0,
  );
  const inFlight = new Map<number, number>();
  let last = 0;
  const progress = () => {
    task.sent = done + [...inFlight.values()].reduce((a, b) => a + b, 0);
    const now = performance.now();
    if (now - last < 250 && task.sent < size) return;
    last = now;
    task.samples = [...task.samples.filter((s) => now - s.at < 6000), { at: now, sent: task.sent }];
    refresh();
  };
  let finished = done;
  const signal = task.abort!.signal;
  for (let i = 0; i < todo.length; i += 100) {
    const batch = todo.slice(i, i + 100);
    const urls = new Map((await partUrls(up.videoId, batch)).parts.map((p) => [p.part_number, p]));
    const queue = [...batch];
    const worker = async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        const [start, end] = partRange(n, up.partSize, size);
        // Each URL takes exactly the size the API planned for its part (storage refuses any other).
        if (urls.get(n)?.size_bytes !== end - start)
          throw new Error(`part ${n} should have ${urls.get(n)?.size_bytes} bytes, not ${end - start}`);
        for (let attempt = 1; ; attempt++) {
          try {
            await put(urls.get(n)!.url, task.file.slice(start, end), signal, (loaded) => {
              inFlight.set(n, loaded);
              progress();
            });
            break;
          } catch (e) {
            inFlight.delete(n);
            if (signal.aborted || attempt >= 8) throw e;
            // A dropped network: wait for it to come back; an expired URL (403): ask for a fresh one.
            if (!navigator.onLine) await new Promise((r) => addEventListener('online', r, { once: true }));
            else await pause(Math.min(30_000, 1000 * 2 ** (attempt - 1)), signal);
            if ((e as { status?: number }).status === 403) {
              const fresh = (await partUrls(up.videoId, [n])).parts[0];
              if (fresh) urls.set(n, fresh);
            }
          }
        }
        inFlight.delete(n);
        finished += end - start;
        task.sent = finished + [...inFlight.values()].reduce((a, b) => a + b, 0);
        progress();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, batch.length) }, worker));
  }
}

/** One PUT with upload progress (fetch has none); rejects with the status on an HTTP error. */
function put(
  url: string,
  body: Blob,
  signal: AbortSignal,
  onProgress: (loaded: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(Object.assign(new Error(`storage answered ${xhr.status}`), { status: xhr.status }));
    xhr.onerror = () => reject(new Error('the network dropped'));
    xhr.onabort = () => reject(new Error('cancelled'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    });
  });
}

/** Stops sending, tells the API to abort the upload (the store drops the parts), and forgets it. */
export async function cancel(task: Task): Promise<void> {
  task.abort?.abort();
  finish(task, 'cancelled');
  const s = saved.value.find((x) => x.key === fileKey(task.file));
  if (s) await forget(s);
}

export async function forget(s: Saved): Promise<void> {
  writeSaved(saved.value.filter((x) => x.key !== s.key));
  await api('DELETE', `/videos/${s.videoId}/upload`).catch(() => {});
}

export function retry(task: Task): void {
  Object.assign(task, { phase: 'checking', sent: 0, samples: [], problem: undefined, detail: undefined });
  refresh();
  void run(task);
}
