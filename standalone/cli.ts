// heimdex on the command line: upload (with progress), status, search, list, delete — over the REST API,
// with HEIMDEX_TOKEN or the standalone server's local token.
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { containerHeader } from '../core/media/container-header.js';
import { formatDuration } from '../core/media/format-duration.js';

const USAGE = `usage: npm run cli -- <command> [options]
  upload <file> [--title T] [--language ko|en|auto] [--no-wait]   upload a video and follow its processing
  status <video-id>                                                where a video stands
  search <query> [--limit N]                                       scenes matching the query, with timestamps
  list [--state STATE]                                             your videos
  delete <video-id>                                                delete a video and everything derived from it
settings: HEIMDEX_URL (default http://127.0.0.1:8080), HEIMDEX_TOKEN (default: the standalone server's
.heimdex/local-token, or $HEIMDEX_DATA_DIR/local-token)`;

const MIME: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.avi': 'video/x-msvideo',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
};

class CliError extends Error {}

const base = (process.env.HEIMDEX_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');

function token(): string {
  if (process.env.HEIMDEX_TOKEN) return process.env.HEIMDEX_TOKEN;
  const file = join(resolve(process.env.HEIMDEX_DATA_DIR ?? '.heimdex'), 'local-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new CliError(
    `no token: set HEIMDEX_TOKEN, or start the standalone server (npm start) which writes ${file}`,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: responses are printed field by field
async function call(method: string, path: string, body?: unknown): Promise<any> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token()}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new CliError(
      `cannot reach heimdex at ${base}: is the server running (npm start)? Set HEIMDEX_URL otherwise.`,
    );
  }
  const json = res.status === 204 ? undefined : await res.json().catch(() => undefined);
  if (!res.ok) {
    const problem = json as { title?: string; detail?: string } | undefined;
    throw new CliError(`${problem?.title ?? res.statusText}: ${problem?.detail ?? res.status}`);
  }
  return json;
}

const mmss = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
const bold = (html: string) =>
  html
    .replace(/<mark>/g, '\x1b[1m')
    .replace(/<\/mark>/g, '\x1b[22m')
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));

async function upload(
  file: string,
  opts: { title?: string; language?: string; wait: boolean },
): Promise<void> {
  if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
  const mime = MIME[extname(file).toLowerCase()];
  if (!mime)
    throw new CliError(
      `${basename(file)}: unsupported file type; heimdex takes ${Object.keys(MIME).join(' ')}`,
    );
  // Read once: the size announced is the size of exactly these bytes (the URL takes no other).
  const body = readFileSync(file);
  const size = body.length;
  await checkLimits(file, body);
  const init = await call('POST', '/videos/upload/init', {
    filename: basename(file),
    mime_type: mime,
    size_bytes: size,
    ...(opts.title ? { title: opts.title } : {}),
    ...(opts.language ? { language: opts.language } : {}),
  });
  process.stdout.write(`uploading ${basename(file)} (${(size / 1e6).toFixed(1)} MB) as ${init.video_id}… `);
  const put = await fetch(init.upload_url, { method: 'PUT', body, headers: init.upload_headers });
  if (!put.ok) {
    const problem = (await put.json().catch(() => undefined)) as { detail?: string } | undefined;
    throw new CliError(
      `upload failed with HTTP ${put.status}${problem?.detail ? `: ${problem.detail}` : ''}`,
    );
  }
  await call('POST', '/videos/upload/complete', { video_id: init.video_id });
  console.log('done');
  if (opts.wait) await follow(init.video_id);
}

/**
 * The server's limits, checked before a byte is sent: the size, and the length the container header
 * gives (the server reads the same header at complete; a header without one is left to the server).
 */
async function checkLimits(file: string, body: Buffer): Promise<void> {
  const limits = (await call('GET', '/auth/config'))?.upload as
    | { max_bytes: number; max_seconds?: number }
    | undefined;
  if (!limits) return;
  const name = basename(file);
  if (body.length > limits.max_bytes)
    throw new CliError(
      `${name} is ${(body.length / 1e6).toFixed(1)} MB; this server takes at most ${(limits.max_bytes / 1e6).toFixed(1)} MB`,
    );
  const header = await containerHeader(async (start, end) => body.subarray(start, end + 1), body.length);
  if (header.truncatedAt)
    throw new CliError(
      `${name} looks incomplete: it ends after ${body.length} bytes, but its container says it holds at least ${header.truncatedAt.expected}. Copy the whole file and upload it again.`,
    );
  const seconds = header.durationSeconds;
  if (limits.max_seconds !== undefined && seconds !== undefined && seconds > limits.max_seconds)
    throw new CliError(
      `${name} is ${formatDuration(seconds)} long; this server takes videos of at most ${formatDuration(limits.max_seconds)}. Trim it and upload it again.`,
    );
}

async function follow(id: string): Promise<void> {
  let last = '';
  for (;;) {
    const s = await call('GET', `/videos/${id}/status`);
    const running = s.stages
      .filter((x: { state: string }) => x.state === 'running')
      .map((x: { name: string }) => x.name);
    const line = `${s.state} ${s.progress}%${running.length ? ` (${running.join(', ')})` : ''}`;
    if (line !== last) process.stdout.write(`\r\x1b[K${line}`);
    last = line;
    if (s.state === 'indexed')
      return void console.log('\nsearchable now: npm run cli -- search "<what you remember>"');
    if (s.state === 'failed' || s.state === 'deleted') throw new CliError(`\n${s.error?.message ?? s.state}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function search(q: string, limit: number): Promise<void> {
  const r = await call('GET', `/search?q=${encodeURIComponent(q)}&limit=${limit}`);
  const off = Object.entries(r.signals as Record<string, string>).filter(([, v]) => !v.startsWith('on'));
  if (r.items.length === 0) {
    console.log('no scenes found');
    if (r.hint) console.log(`hint: ${r.hint}`);
  }
  for (const [i, h] of r.items.entries()) {
    const p = await call('GET', `/scenes/${h.scene_id}/preview`);
    // Relevance is calibrated (0–1, the same meaning for every query); the fused rank score is not shown.
    console.log(
      `${i + 1}. ${h.video_title}  ${mmss(h.start_s)}–${mmss(h.end_s)}  ${h.strength} match (relevance ${h.relevance.toFixed(2)})`,
    );
    if (h.snippet) console.log(`   ${bold(h.snippet)}`);
    console.log(`   ${p.media_fragment_url}`);
  }
  for (const [k, v] of off) console.log(`(${k} signal ${v})`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      title: { type: 'string' },
      language: { type: 'string' },
      'no-wait': { type: 'boolean', default: false },
      limit: { type: 'string', default: '10' },
      state: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (!command || values.help) return void console.log(USAGE);
  switch (command) {
    case 'upload':
      if (!args[0]) throw new CliError('upload needs a file');
      return upload(args[0], { title: values.title, language: values.language, wait: !values['no-wait'] });
    case 'status':
      if (!args[0]) throw new CliError('status needs a video id');
      return follow(args[0]);
    case 'search':
      if (!args.length) throw new CliError('search needs a query');
      return search(args.join(' '), Number(values.limit));
    case 'list': {
      const r = await call('GET', `/videos?limit=100${values.state ? `&state=${values.state}` : ''}`);
      for (const v of r.items) console.log(`${v.video_id}  ${v.state.padEnd(10)}  ${v.title}`);
      return;
    }
    case 'delete':
      if (!args[0]) throw new CliError('delete needs a video id');
      await call('DELETE', `/videos/${args[0]}`);
      return void console.log(`deleted ${args[0]}`);
    default:
      throw new CliError(`unknown command ${command}\n${USAGE}`);
  }
}

main().catch((error) => {
  console.error(error instanceof CliError ? error.message : error);
  process.exit(1);
});
