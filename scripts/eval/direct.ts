// The evaluation's scenes indexed straight into a database, without the pipeline: each labelled scene becomes a
// scene row with its subtitle line as transcript (what the pipeline indexes with ASR_MODEL=none), the text model's
// passage vector of it, and the vision model's vector of the scene's middle frame (rendered and cut out with
// ffmpeg). Search sees the same rows the pipeline would write, when shot detection finds the generated cuts; this
// runs anywhere (embedded Postgres, no test bed), and it is how before/after figures are compared.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { aScene, aVideo } from '../../core/db/testing.js';
import type { ImageTextEmbedder, TextEmbedder } from '../../models/runtime/embeddings.js';
import { renderEvalVideo } from './media.js';
import type { EvalVideo } from './search-set.js';

const literal = (v: Float32Array | undefined) => (v ? `[${Array.from(v).join(',')}]` : null);

/** Indexes every video for `userId`; returns `videoKey/sceneIndex` → scene id. */
export async function indexDirect(
  db: pg.Pool,
  userId: string,
  dir: string,
  videos: readonly EvalVideo[],
  models: { text?: TextEmbedder; vision?: ImageTextEmbedder },
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const v of videos) {
    const file = renderEvalVideo(dir, v);
    const frames = v.scenes.map((_, i) => {
      const png = join(dir, `${v.key}-${i}.png`);
      const mid = (i + 0.5) * v.sceneSeconds;
      execFileSync('ffmpeg', [
        '-nostdin',
        '-loglevel',
        'error',
        '-y',
        '-ss',
        String(mid),
        '-i',
        file,
        '-frames:v',
        '1',
        png,
      ]);
      return readFileSync(png);
    });
    const texts = await models.text?.embed(
      v.scenes.map((s) => s.subtitle),
      'passage',
    );
    const pictures = await models.vision?.embedImages(frames);
    const videoId = await aVideo(db, userId, {
      state: 'indexed',
      title: v.title,
      duration_s: v.sceneSeconds * v.scenes.length,
    });
    for (const [i, s] of v.scenes.entries()) {
      const id = await aScene(db, videoId, i, {
        start_s: i * v.sceneSeconds,
        end_s: (i + 1) * v.sceneSeconds,
        transcript: s.subtitle,
        text_vec: literal(texts?.[i]),
        image_vec: literal(pictures?.[i]),
        text_model: models.text?.model.name,
        image_model: models.vision?.model.name,
      });
      ids.set(`${v.key}/${i}`, id);
    }
  }
  return ids;
}
