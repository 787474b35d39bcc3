// Benchmark (not a test): upload init and complete throughput and latency with autocannon on loopback,
// on the test bed's PostgreSQL 15 and, side by side, on the embedded PGlite of standalone mode.
// Usage: npm run testbed -- up && npx tsx scripts/bench-api.ts [seconds=10] [connections=16]
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { startEmbeddedPostgres } from '../core/db/embedded.js';
import { client, sampleVideo, startApi, token } from '../test/support/api.js';
import { isUp, readState } from '../testbed/testbed.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 16);
const state = readState();
if (!isUp(state)) throw new Error('the test bed is not up: run `npm run testbed -- up` first');

type Result = Awaited<ReturnType<typeof autocannon>>;
const row = (name: string, r: Result) =>
  `${name.padEnd(34)} ${String(Math.round(r.requests.average)).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(5)} ms   p99 ${String(r.latency.p99).padStart(5)} ms   errors ${r.errors + r.non2xx}`;

async function bench(label: string, databaseUrl: string, poolMax: number): Promise<string[]> {
  const api = await startApi({ ...state!.env, DATABASE_URL: databaseUrl }, 'heimdex', {}, 1e9, poolMax);
  const bearer = await token(`bench-${randomUUID()}`);
  const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
  const init = await autocannon({
    url: `${api.url}/videos/upload/init`,
    method: 'POST',
    headers,
    body: JSON.stringify({ filename: 'bench.mp4', mime_type: 'video/mp4', size_bytes: sampleVideo().length }),
    connections,
    duration: seconds,
  });
  // complete needs a real upload per video: prepare them outside the measurement.
  const call = client(api.url, bearer);
  const ids: string[] = [];
  const n = Math.min(400, Math.round(init.requests.average * 2) || 100);
  for (let i = 0; i < n; i++) {
    const s = await call('POST', '/videos/upload/init', {
      filename: 'c.mp4',
      mime_type: 'video/mp4',
      size_bytes: sampleVideo().length,
    });
    await fetch(s.json.upload_url, { method: 'PUT', body: sampleVideo(), headers: s.json.upload_headers });
    ids.push(s.json.video_id);
  }
  let next = 0;
  const complete = await autocannon({
    url: `${api.url}/videos/upload/complete`,
    method: 'POST',
    headers,
    connections,
    amount: ids.length,
    requests: [
      { setupRequest: (req) => ({ ...req, body: JSON.stringify({ video_id: ids[next++ % ids.length] }) }) },
    ],
  });
  // Each complete created a VideoIngestion; remove them so the bench leaves the shared namespace as it found it.
  for (const id of ids) await api.deps.submitter.remove(id);
  await api.close();
  return [row(`${label} init`, init), row(`${label} complete (${ids.length})`, complete)];
}

const lines = [
  `connections ${connections}, init for ${seconds} s; complete = HEAD + range GET + UPDATE + create VideoIngestion`,
];
lines.push(...(await bench('PostgreSQL 15', state.env.DATABASE_URL, 20)));
const embedded = await startEmbeddedPostgres();
// One connection: PGlite has one backend, and interleaved extended-protocol messages from several
// connections break each other's portals (measured: 'portal "" does not exist').
lines.push(...(await bench('PGlite (embedded)', embedded.url, 1)));
await embedded.close();
console.log(lines.join('\n'));
