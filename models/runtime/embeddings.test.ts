// The embedding API on the tiny random-weight models: real loading, tokenizing, batching and normalizing.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ModelMissingError, TINY_MODELS_DIR } from '../manifest.js';
import { imageToChw, l2normalize, loadImageTextEmbedder, loadTextEmbedder, pool } from './embeddings.js';

const opts = { modelsDir: TINY_MODELS_DIR, batchSize: 2 };
const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const color = (r: number, g: number, b: number, width = 64, height = 48) =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

describe('image and text embeddings', () => {
  it('embeds pictures as unit vectors of the vision model’s 1152 dimensions', async () => {
    const e = await loadImageTextEmbedder('tiny-siglip2', opts);
    const [a, b] = await e.embedImages([await color(200, 20, 20), await color(20, 20, 200)]);
    expect(a).toHaveLength(1152);
    expect(norm(a!)).toBeCloseTo(1, 5);
    expect(Array.from(a!)).not.toEqual(Array.from(b!));
    expect(e.model).toEqual({ name: 'tiny-siglip2', revision: 'seed-20240611', dims: 1152 });
  });

  it('gives each picture the same vector whether embedded alone or in a batch', async () => {
    const e = await loadImageTextEmbedder('tiny-siglip2', opts);
    const images = await Promise.all([color(200, 20, 20), color(20, 200, 20), color(20, 20, 200)]);
    const batched = await e.embedImages(images);
    const alone = await e.embedImages([images[2]!]);
    for (let i = 0; i < 1152; i++) expect(batched[2]![i]).toBeCloseTo(alone[0]![i]!, 5);
  });

  it('embeds Korean and English queries with the vision model’s text tower, the same text the same way', async () => {
    const e = await loadImageTextEmbedder('tiny-siglip2', opts);
    const [ko, en, ko2] = await e.embedTexts([
      '바닷가에서 고기 굽는 장면',
      'we grill meat on the beach',
      '바닷가에서 고기 굽는 장면'.normalize('NFD'),
    ]);
    expect(ko).toHaveLength(1152);
    expect(norm(en!)).toBeCloseTo(1, 5);
    for (let i = 0; i < 1152; i++) expect(ko![i]).toBeCloseTo(ko2![i]!, 5);
    expect(Array.from(ko!)).not.toEqual(Array.from(en!));
  });

  it('embeds transcripts as 1024-d unit vectors, unaffected by the padding of longer texts in the batch', async () => {
    const e = await loadTextEmbedder('tiny-bge-m3', opts);
    const short = '바닷가';
    const [withLong] = await e.embed(
      [short, 'the scene where we eat on the beach and grill meat all night long'],
      'passage',
    );
    const [alone] = await e.embed([short], 'passage');
    expect(withLong).toHaveLength(1024);
    expect(norm(withLong!)).toBeCloseTo(1, 5);
    for (let i = 0; i < 1024; i++) expect(withLong![i]).toBeCloseTo(alone![i]!, 5);
  });

  it('truncates a text longer than the model takes instead of failing', async () => {
    const e = await loadTextEmbedder('tiny-bge-m3', opts);
    const [v] = await e.embed(['we grill meat on the beach '.repeat(200)], 'passage');
    expect(norm(v!)).toBeCloseTo(1, 5);
  });

  it('pools the first token (cls) or the mean of a sequence’s own tokens (mean), padding left out', () => {
    // Two sequences of [len 3, dims 2]: the second is one token long, its other two rows are padding.
    const hidden = Float32Array.from([3, 4, 1, 0, 0, 1, /* second */ 0, 2, 100, 100, 100, 100]);
    const encoded = [[5, 6, 7], [5]];
    const [cls] = pool(hidden, encoded, 3, 2, 'cls');
    expect(cls![0]).toBeCloseTo(0.6, 6);
    expect(cls![1]).toBeCloseTo(0.8, 6);
    const [a, b] = pool(hidden, encoded, 3, 2, 'mean');
    // mean of (3,4), (1,0), (0,1) = (4/3, 5/3), normalized; the padded rows of the second do not count.
    expect(a![0]).toBeCloseTo(4 / Math.sqrt(41), 6);
    expect(a![1]).toBeCloseTo(5 / Math.sqrt(41), 6);
    expect(Array.from(b!)).toEqual([0, 1]);
  });

  it('squashes pictures to the square for SigLIP and crops the centre for CLIP', async () => {
    // A 6×2 picture, two columns each of red, green and blue; at 2×2 CLIP keeps the green middle uncropped.
    const row = [255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255];
    const png = await sharp(Buffer.from([...row, ...row]), { raw: { width: 6, height: 2, channels: 3 } })
      .png()
      .toBuffer();
    const c = { imageSize: 2, mean: [0, 0, 0], std: [1, 1, 1] } as const;
    const norm01 = {
      ...c,
      mean: [...c.mean] as [number, number, number],
      std: [...c.std] as [number, number, number],
    };
    const clip = await imageToChw(png, { ...norm01, family: 'clip' });
    const siglip = await imageToChw(png, { ...norm01, family: 'siglip' });
    // CHW planes of 4 pixels: R at 0–3, G at 4–7, B at 8–11. CLIP: every pixel green.
    expect(Array.from(clip.slice(4, 8)).every((g) => g > 0.9)).toBe(true);
    expect(Array.from(clip.slice(0, 4)).every((r) => r < 0.1)).toBe(true);
    // SigLIP squashes the whole width in: red on the left, blue on the right.
    expect(siglip[0]).toBeGreaterThan(0.3);
    expect(siglip[8 + 1]).toBeGreaterThan(0.3);
    expect(siglip[8]).toBeLessThan(0.1);
  });

  it('names the missing model and the command to fetch it', async () => {
    const err = await loadTextEmbedder('bge-m3', { modelsDir: '/nowhere' }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelMissingError);
    expect(err.message).toMatch(
      /model bge-m3 is missing from \/nowhere\/bge-m3 .*npm run models:fetch -- bge-m3/,
    );
  });

  it('leaves a zero vector alone when normalizing', () => {
    expect(Array.from(l2normalize(new Float32Array([0, 0])))).toEqual([0, 0]);
    expect(Array.from(l2normalize(new Float32Array([3, 4])))).toEqual([
      expect.closeTo(0.6),
      expect.closeTo(0.8),
    ]);
  });
});
