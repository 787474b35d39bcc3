// The sample a newcomer gets on first start: a short generated video with Korean and English subtitles,
// ingested through the server's own REST API, with progress printed and a search to try at the end.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/log.js';
import { formatSrt } from '../pipeline-image/src/media/transcript.js';

const CUES = [
  { start: 0.3, end: 3.7, text: '우리는 바닷가에서 고기를 구웠다' },
  { start: 4.3, end: 7.7, text: 'a red car drives past the station' },
  { start: 8.3, end: 11.7, text: '친구들과 카페에서 커피를 마셨다' },
];
// Visibly different pictures per scene (flat colours of similar brightness do not read as cuts).
const LOOKS = ['testsrc2', 'smptebars', 'color=c=0xd04010'];

/** Three 4-second scenes with hard cuts, a tone for audio, and one subtitle per scene (mov_text). */
export function makeSample(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'heimdex-sample.mp4');
  if (existsSync(file)) return file;
  const srt = join(dir, 'sample.srt');
  writeFileSync(srt, formatSrt(CUES));
  const inputs = LOOKS.flatMap((look) => [
    '-f',
    'lavfi',
    '-i',
    `${look}${look.includes('=') ? ':' : '='}size=640x360:rate=25:duration=4`,
  ]);
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-y',
    ...inputs,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:duration=12',
    '-i',
    srt,
    '-filter_complex',
    '[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]',
    '-map',
    '[v]',
    '-map',
    '3:a',
    '-map',
    '4:s',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-c:s',
    'mov_text',
    '-metadata:s:s:0',
    'language=kor',
    file,
  ]);
  return file;
}

/** Uploads the sample once per data directory and reports progress in the log until it is searchable. */
export async function ingestSample(
  baseUrl: string,
  token: string,
  dataDir: string,
  log: Logger,
): Promise<void> {
  const marker = join(dataDir, 'sample-ingested');
  if (existsSync(marker)) return;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.detail ?? ''}`);
    return json;
  };
  const file = makeSample(join(dataDir, 'sample'));
  const bytes = readFileSync(file);
  const init = await call('POST', '/videos/upload/init', {
    filename: 'heimdex-sample.mp4',
    mime_type: 'video/mp4',
    size_bytes: bytes.length,
    title: 'heimdex sample',
  });
  const put = await fetch(String(init.upload_url), {
    method: 'PUT',
    body: bytes,
    headers: init.upload_headers as Record<string, string>,
  });
  if (!put.ok) throw new Error(`sample upload failed: ${put.status}`);
  await call('POST', '/videos/upload/complete', { video_id: init.video_id });
  writeFileSync(marker, String(init.video_id));
  log.info({ videoId: init.video_id }, 'ingesting the bundled sample video');
  let last = -1;
  for (;;) {
    const s = await call('GET', `/videos/${init.video_id}/status`);
    if (s.progress !== last) {
      last = Number(s.progress);
      log.info(
        `sample video: ${last}% (${(s.stages as { name: string; state: string }[]).map((x) => `${x.name} ${x.state}`).join(', ')})`,
      );
    }
    if (s.state === 'indexed') break;
    if (s.state === 'failed')
      throw new Error(`the sample video failed: ${(s.error as { message?: string })?.message}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  log.info(
    `the sample video is searchable. Try:  npm run cli -- search "바닷가에서 고기"   or   npm run cli -- search "red car"`,
  );
}
