// A stand-in stage program for operator tests (the real one is pipeline-image/). It honours the stage
// contract (args [stage, videoId], HEIMDEX_RESULT_FILE, exit codes) and behaves as FAKE_BEHAVIOUR says:
// JSON { "<videoId or *>": { "<stage or *>": { sleepMs, exit, transient, skip, outputs, message, writeArtifact } } }.
// `transient: n` fails the first n attempts with exit 1 (attempts counted in FAKE_STATE_DIR). `storage: URL`
// (a MinIO endpoint) makes the stage need it, as real stages do: unreachable at the start or the end, it
// exits 1 (transient). A stage stopped by SIGTERM logs its end with the signal.
// Every start and end is appended to FAKE_LOG as JSON lines, for tests that check what ran where; a start
// records the models the stage was told to use (ASR_MODEL, TEXT_MODEL, VISION_MODEL).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLogger } from './run-log.js';

interface Behaviour {
  sleepMs?: number;
  exit?: number;
  transient?: number;
  skip?: boolean;
  outputs?: Record<string, number | string | boolean>;
  message?: string;
  category?: 'BadInput' | 'Transient' | 'Internal';
  storage?: string;
}

const [stage = '', videoId = ''] = process.argv.slice(2);
const all = JSON.parse(process.env.FAKE_BEHAVIOUR || '{}') as Record<string, Record<string, Behaviour>>;
const forVideo = all[videoId] ?? all['*'] ?? {};
const b: Behaviour = { ...(all['*']?.['*'] ?? {}), ...(forVideo['*'] ?? {}), ...(forVideo[stage] ?? {}) };
const resultFile = process.env.HEIMDEX_RESULT_FILE;
const logRun = runLogger(process.env.FAKE_LOG, stage, videoId);
const log = (event: string, extra: Record<string, unknown> = {}) =>
  logRun(event, { gpu: process.env.FAKE_NODE_GPU, ...extra });
const result = (r: Record<string, unknown>) => {
  if (resultFile) writeFileSync(resultFile, JSON.stringify(r));
};

const storageAnswers = async (endpoint: string) => {
  try {
    return (await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
};

async function main(): Promise<number> {
  log('start', {
    models: { asr: process.env.ASR_MODEL, text: process.env.TEXT_MODEL, vision: process.env.VISION_MODEL },
  });
  process.on('SIGTERM', () => {
    log('end', { signal: 'SIGTERM' });
    process.exit(143);
  });
  if (b.storage && !(await storageAnswers(b.storage))) {
    log('end', { exit: 1, storage: 'unreachable' });
    return 1;
  }
  if (b.sleepMs) await new Promise((r) => setTimeout(r, b.sleepMs));
  if (b.storage && !(await storageAnswers(b.storage))) {
    log('end', { exit: 1, storage: 'unreachable' });
    return 1;
  }
  if (b.transient && process.env.FAKE_STATE_DIR) {
    mkdirSync(process.env.FAKE_STATE_DIR, { recursive: true });
    const file = join(process.env.FAKE_STATE_DIR, `${videoId}-${stage}`);
    let n = 0;
    try {
      n = Number(readFileSync(file, 'utf8'));
    } catch {}
    writeFileSync(file, String(n + 1));
    if (n < b.transient) {
      log('end', { exit: 1 });
      process.stderr.write(`transient failure ${n + 1}\n`);
      return 1;
    }
  }
  if (b.exit) {
    const category = b.category ?? (b.exit === 42 ? 'BadInput' : b.exit === 43 ? 'Internal' : 'Transient');
    result({ outcome: 'Failed', category, message: b.message ?? `fake ${stage} failed` });
    log('end', { exit: b.exit });
    return b.exit;
  }
  if (b.skip) result({ outcome: 'Skipped', message: b.message ?? 'nothing to do' });
  else {
    const defaults: Record<string, Record<string, number>> = {
      probe: { durationSeconds: 12.5 },
      index: { sceneCount: 3 },
    };
    result({ outcome: 'Succeeded', outputs: { ...(defaults[stage] ?? {}), ...(b.outputs ?? {}) } });
  }
  log('end', { exit: 0 });
  return 0;
}

main().then((code) => process.exit(code));
