// The evaluation's scenes indexed straight into a database, without the pipeline: each labelled scene becomes a
// scene row with its subtitle line as transcript (what the pipeline indexes with ASR_MODEL=none), the text model's
// passage vector of it, and the vision model's vector of the scene's middle frame (rendered and cut out with
// ffmpeg), and what is on screen as ocr and embed-screen would store it: the drawn text as the scene's screen text
// and the text model's screen vector of it (`screen`: 'vectors', the default; 'text': the text alone; 'none':
// neither, as before the ocr stage). Search sees the same rows the pipeline would write, when shot detection finds the generated cuts; this
// runs anywhere (embedded Postgres, no test bed), and it is how before/after figures are compared.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { aScene, aSceneVector, aVideo } from '../../core/db/testing.js';
import { screenPassages } from '../../core/screen-passages.js';
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
  screen: 'none' | 'text' | 'vectors' = 'vectors',
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
    const shown = v.scenes.map((s) => screenPassages([{ text: s.onScreen }], []));
    const screenVecs =
      screen === 'vectors'
        ? await models.text?.embed(
            shown.flat().map((p) => p.text),
            'passage',
          )
        : undefined;
    let at = 0;
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
        ...(screen !== 'none' && { screen_text: s.onScreen }),
      });
      for (const p of shown[i]!) {
        const vec = screenVecs?.[at++];
        if (vec)
          await aSceneVector(db, id, {
            vec: literal(vec)!,
            kind: 'screen',
            model: models.text!.model.name,
            idx: p.idx,
          });
      }
      ids.set(`${v.key}/${i}`, id);
    }
  }
  return ids;
}
