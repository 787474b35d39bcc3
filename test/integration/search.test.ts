// Searching scenes through GET /search, previews and timelines, against real PostgreSQL + pgvector and MinIO.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { aSceneVector } from '../../core/db/testing.js';
import { keys } from '../../core/storage/store.js';
import { TINY_MODELS_DIR } from '../../models/manifest.js';
import { loadImageTextEmbedder, loadTextEmbedder } from '../../models/runtime/embeddings.js';
import { client, sampleVideo, startApi, token } from '../support/api.js';
import { type Clients, clients, createNamespace, deleteNamespace } from '../support/kube.js';

const env = inject('testbed');
let api: Awaited<ReturnType<typeof startApi>>;
let k: Clients;
let ns: string;
let owner: ReturnType<typeof client>;
let stranger: ReturnType<typeof client>;
const vec = (v: Float32Array | undefined) => (v ? `[${Array.from(v).join(',')}]` : null);

/** A user with indexed videos whose scenes have known transcripts and vectors from the tiny models. */
async function seed(
  call: ReturnType<typeof client>,
  videos: { title: string; scenes: { text: string; picture?: string; start: number; end: number }[] }[],
) {
  const text = await loadTextEmbedder('tiny-bge-m3', { modelsDir: TINY_MODELS_DIR });
  const vision = await loadImageTextEmbedder('tiny-siglip2', { modelsDir: TINY_MODELS_DIR });
  await call('GET', '/videos'); // creates the user
  const ids: { videoId: string; sceneIds: string[] }[] = [];
  for (const v of videos) {
    const started = await call('POST', '/videos/upload/init', {
      filename: `${v.title}.mp4`,
      mime_type: 'video/mp4',
      size_bytes: sampleVideo().length,
      title: v.title,
    });
    await fetch(started.json.upload_url, {
      method: 'PUT',
      body: sampleVideo(),
      headers: started.json.upload_headers,
    });
    const videoId = started.json.video_id;
    const { rows } = await api.db.query(
      `UPDATE videos SET state = 'indexed', duration_s = 60 WHERE video_id = $1 RETURNING user_id`,
      [videoId],
    );
    const sceneIds: string[] = [];
    for (const [idx, s] of v.scenes.entries()) {
      const thumb = keys.artifact(rows[0].user_id, videoId, 'keyframes', `${idx}.webp`);
      await api.store.put(env.S3_BUCKET_ARTIFACTS, thumb, 'thumbnail-bytes', 'image/webp');
      const [tv] = await text.embed([s.text], 'passage');
      const [iv] = s.picture ? await vision.embedTexts([s.picture]) : [undefined];
      const r = await api.db.query(
        `INSERT INTO scenes (video_id, idx, start_s, end_s, transcript, thumbnail_key)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING scene_id`,
        [videoId, idx, s.start, s.end, s.text, thumb],
      );
      const sceneId = r.rows[0].scene_id;
      const tvec = vec(tv);
      const ivec = vec(iv);
      if (tvec) await aSceneVector(api.db, sceneId, { vec: tvec, kind: 'text', model: text.model.name });
      if (ivec) await aSceneVector(api.db, sceneId, { vec: ivec, kind: 'image', model: vision.model.name });
      sceneIds.push(sceneId);
    }
    ids.push({ videoId, sceneIds });
  }
  return ids;
}

type Seeded = { videoId: string; sceneIds: string[] };
let beach: Seeded;
let city: Seeded;

beforeAll(async () => {
  k = clients(env.KUBECONFIG);
  ns = await createNamespace(k, 'search');
  api = await startApi(env, ns);
  owner = client(api.url, await token(`searcher-${randomUUID()}`));
  stranger = client(api.url, await token(`stranger-${randomUUID()}`));
  [beach, city] = (await seed(owner, [
    {
      title: '제주 여행',
      scenes: [
        { text: '우리는 바닷가에서 고기를 구웠다', picture: 'a barbecue on the beach', start: 0, end: 12.5 },
        { text: 'we grill meat on the beach at sunset', picture: 'people at a grill', start: 12.5, end: 20 },
        { text: '파도가 정말 높았어요', picture: 'big waves', start: 20, end: 23 },
      ],
    },
    {
      title: 'City walk',
      scenes: [
        { text: 'the red car parked near the station', picture: 'a red car', start: 0, end: 8 },
        { text: 'coffee with friends downtown', picture: 'coffee cups on a table', start: 8, end: 30 },
      ],
    },
  ])) as [Seeded, Seeded];
  // The same words in someone else's video must never show up for the owner.
  await seed(stranger, [
    { title: 'not yours', scenes: [{ text: '우리는 바닷가에서 고기를 구웠다', start: 0, end: 5 }] },
  ]);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await deleteNamespace(k, ns);
});

const find = (q: string, extra = '') => owner('GET', `/search?q=${encodeURIComponent(q)}${extra}`);

describe('searching scenes', () => {
  it('finds a Korean scene by Korean words inside longer words, with the matches marked', async () => {
    const r = await find('바닷가 고기');
    expect(r.status).toBe(200);
    expect(r.json.items[0]).toMatchObject({
      scene_id: beach.sceneIds[0],
      video_id: beach.videoId,
      video_title: '제주 여행',
      start_s: 0,
      end_s: 12.5,
    });
    expect(r.json.items[0].snippet).toBe('우리는 <mark>바닷가</mark>에서 <mark>고기</mark>를 구웠다');
    expect(r.json.items[0].scores.lexical).toBeGreaterThan(0);
  });

  it('finds an English scene and returns every signal score, a calibrated relevance and a thumbnail that loads', async () => {
    const r = await find('grill meat on the beach');
    const hit = r.json.items[0];
    expect(hit.scene_id).toBe(beach.sceneIds[1]);
    expect(Object.keys(hit.scores)).toEqual(['lexical', 'text', 'vision']);
    expect(hit.score).toBeGreaterThan(0);
    expect(hit).toMatchObject({ strength: 'strong', scores: { lexical: 1, text: null, vision: null } });
    expect(hit.relevance).toBeGreaterThanOrEqual(0.8);
    expect(await (await fetch(hit.thumbnail_url)).text()).toBe('thumbnail-bytes');
  });

  it('turns off the signals of random-weight stand-in models and says why', async () => {
    // The tiny models' similarities are noise: as signals they returned every scene for any query. Vector search
    // with real weights is in test/real-models/search-relevance.test.ts.
    const r = await find('coffee with friends downtown');
    expect(r.json.signals).toEqual({
      lexical: 'on',
      text: expect.stringMatching(/^off: model tiny-bge-m3 is a random-weight stand-in/),
      vision: expect.stringMatching(/^off: model tiny-siglip2 is a random-weight stand-in/),
    });
    expect(r.json.items.map((h: { scene_id: string }) => h.scene_id)).toEqual([city.sceneIds[1]]);
  });

  it('answers a query that matches nothing with no scenes and a hint', async () => {
    for (const q of ['zebra', 'zzzz', '고양이']) {
      const r = await find(q);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ items: [], next_cursor: null, hint: expect.stringMatching(/No scene/) });
    }
  });

  it('finds Korean typed without the spaces of the transcript', async () => {
    const r = await find('바닷가에서고기를');
    expect(r.json.items[0].scene_id).toBe(beach.sceneIds[0]);
    expect(r.json.items[0].scores.lexical).toBe(1);
  });

  it('never returns another user’s scenes, even with the same words', async () => {
    const r = await find('바닷가에서 고기를 구웠다', '&limit=50');
    const videos = new Set(r.json.items.map((h: { video_id: string }) => h.video_id));
    expect([...videos].every((v) => v === beach.videoId || v === city.videoId)).toBe(true);
    const theirs = await stranger('GET', `/search?q=${encodeURIComponent('바닷가에서 고기를')}`);
    expect(theirs.json.items.length).toBeGreaterThan(0);
    for (const h of theirs.json.items) expect([beach.videoId, city.videoId]).not.toContain(h.video_id);
  });

  it('narrows to given videos, a minimum scene length and an upload date range', async () => {
    const only = await find('the', `&video_ids=${city.videoId}`);
    expect(only.json.items.every((h: { video_id: string }) => h.video_id === city.videoId)).toBe(true);
    const long = await find('coffee friends beach grill', '&min_duration_s=10');
    expect(long.json.items.every((h: { start_s: number; end_s: number }) => h.end_s - h.start_s >= 10)).toBe(
      true,
    );
    expect(long.json.items.length).toBeGreaterThan(0);
    const future = await find('beach', '&uploaded_from=2999-01-01');
    expect(future.json.items).toEqual([]);
  });

  it('pages with a cursor that belongs to its query', async () => {
    const first = await find('the beach red car coffee waves', '&limit=2');
    expect(first.json.items).toHaveLength(2);
    expect(first.json.next_cursor).toBeTruthy();
    const second = await find('the beach red car coffee waves', `&limit=2&cursor=${first.json.next_cursor}`);
    const ids = [...first.json.items, ...second.json.items].map((h: { scene_id: string }) => h.scene_id);
    expect(new Set(ids).size).toBe(ids.length);
    const wrong = await find('something else', `&cursor=${first.json.next_cursor}`);
    expect(wrong).toMatchObject({ status: 400, json: { code: 'validation_failed' } });
  });

  it('documents in /openapi.json what relevance, the fused score and each signal score mean', async () => {
    const r = await owner('GET', '/openapi.json');
    const hit =
      r.json.paths['/search'].get.responses['200'].content['application/json'].schema.properties.items.items;
    expect(hit.properties.relevance.description).toMatch(/comparable across queries/);
    expect(hit.properties.score.description).toMatch(/never across queries/);
    expect(hit.properties.scores.properties.text.description).toMatch(/cosine similarity/);
    expect(hit.required).toEqual(expect.arrayContaining(['relevance', 'strength', 'scores', 'relevances']));
  });

  it('orders equal scores by the newer video, then the earlier scene, the same on every run', async () => {
    const person = client(api.url, await token(`ties-${randomUUID()}`));
    const said = 'the lighthouse keeper rang the bell';
    const scenes = [
      { text: 'waves on the rocks', start: 0, end: 5 },
      { text: said, start: 5, end: 10 },
      { text: said, start: 10, end: 15 },
    ];
    const [older, newer] = (await seed(person, [
      { title: 'older', scenes },
      { title: 'newer', scenes },
    ])) as [Seeded, Seeded];
    await api.db.query(`UPDATE videos SET created_at = now() - interval '30 days' WHERE video_id = $1`, [
      older.videoId,
    ]);
    const want = [newer.sceneIds[1], newer.sceneIds[2], older.sceneIds[1], older.sceneIds[2]];
    for (let run = 0; run < 3; run++) {
      const r = await person('GET', `/search?q=${encodeURIComponent('lighthouse keeper')}`);
      expect(r.json.items.map((h: { scene_id: string }) => h.scene_id)).toEqual(want);
      expect(new Set(r.json.items.map((h: { score: number }) => h.score)).size).toBe(1);
    }
  });

  it('refuses empty, blank and too long queries with 400', async () => {
    for (const q of ['', '%20%20%20', 'x'.repeat(501)]) {
      const r = await owner('GET', `/search?q=${q}`);
      expect(r).toMatchObject({ status: 400, json: { code: 'validation_failed' } });
    }
    expect((await owner('GET', '/search')).status).toBe(400);
  });
});

describe('previews and timelines', () => {
  it('gives the owner a playable presigned URL with the scene range and a media fragment', async () => {
    const r = await owner('GET', `/scenes/${beach.sceneIds[1]}/preview`);
    expect(r.json).toMatchObject({
      scene_id: beach.sceneIds[1],
      start_s: 12.5,
      end_s: 20,
      expires_in: 900,
      mime_type: 'video/mp4',
    });
    expect(r.json.media_fragment_url).toBe(`${r.json.url}#t=12.5,20`);
    const head = await fetch(r.json.url, { headers: { range: 'bytes=0-15' } });
    expect(head.status).toBe(206);
    expect(
      Buffer.from(await head.arrayBuffer())
        .subarray(4, 8)
        .toString(),
    ).toBe('ftyp');
  });

  it('answers 404 to anyone else, and for unknown scenes', async () => {
    expect(await stranger('GET', `/scenes/${beach.sceneIds[1]}/preview`)).toMatchObject({
      status: 404,
      json: { code: 'not_found' },
    });
    expect((await owner('GET', `/scenes/${randomUUID()}/preview`)).status).toBe(404);
    expect((await stranger('GET', `/videos/${beach.videoId}/scenes`)).status).toBe(404);
  });

  it('lists a video’s scenes in order for a timeline', async () => {
    const r = await owner('GET', `/videos/${beach.videoId}/scenes`);
    expect(r.json.scenes.map((s: { idx: number; start_s: number }) => [s.idx, s.start_s])).toEqual([
      [0, 0],
      [1, 12.5],
      [2, 20],
    ]);
  });
});
