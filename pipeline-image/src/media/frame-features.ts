// What shot detection looks at in each frame (pure): colour histograms (hue by chroma, saturation, value)
// and a 16×9 grid of block means, from one small RGB frame. Hue matters: ffmpeg's own scene score reads
// the luma plane only, so two shots of equal brightness and different colour scored as one.

/** Analysis frames are this small (any aspect is squeezed to it; proportions do not matter to the scores). */
export const ANALYSIS_WIDTH = 128;
export const ANALYSIS_HEIGHT = 72;
export const FRAME_BYTES = ANALYSIS_WIDTH * ANALYSIS_HEIGHT * 3;

const GRID_W = 16;
const GRID_H = 9;
const HUE_BINS = 12;
const SAT_BINS = 6;
const VAL_BINS = 8;

export interface FrameFeatures {
  /** Block means, RGB, GRID_W × GRID_H × 3. */
  grid: Uint8Array;
  /** Chroma mass per hue bin (sums to the mean chroma, 0–1), then saturation and value histograms (each sums to 1). */
  hist: Float32Array;
}

/** Where a position x (in bins) falls between its two nearest bin centres: lower bin and the upper's share.
 * Soft binning: a colour moving steadily moves the histogram steadily (hard bin edges turn a smooth fade
 * into spikes). */
function softBin(x: number, bins: number, circular: boolean): [number, number, number] {
  const f = Math.floor(x - 0.5);
  const frac = x - 0.5 - f;
  if (circular) return [(f + bins) % bins, (f + 1) % bins, frac];
  return [Math.max(0, f), Math.min(bins - 1, f + 1), frac];
}

/** Value (the largest channel) → its two V bins and the upper's share; (chroma, max) → the same for S. */
const V_TABLE = Array.from({ length: 256 }, (_, v) => softBin((v / 256) * VAL_BINS, VAL_BINS, false));
const S_TABLE = Array.from({ length: 256 * 256 }, (_, i) => {
  const chroma = i >> 8;
  const max = i & 255;
  return softBin((max === 0 ? 0 : chroma / max) * SAT_BINS, SAT_BINS, false);
});
const CELL_X = Array.from({ length: ANALYSIS_WIDTH }, (_, x) => Math.floor(x / (ANALYSIS_WIDTH / GRID_W)));

/** Features of one ANALYSIS_WIDTH × ANALYSIS_HEIGHT rgb24 frame. */
export function frameFeatures(rgb: Uint8Array): FrameFeatures {
  if (rgb.length !== FRAME_BYTES) throw new RangeError(`a frame is ${FRAME_BYTES} bytes, got ${rgb.length}`);
  const hue = new Float64Array(HUE_BINS);
  const sat = new Float64Array(SAT_BINS);
  const val = new Float64Array(VAL_BINS);
  const sums = new Uint32Array(GRID_W * GRID_H * 3);
  const bh = ANALYSIS_HEIGHT / GRID_H;
  for (let y = 0; y < ANALYSIS_HEIGHT; y++) {
    const gy = Math.floor(y / bh) * GRID_W;
    for (let x = 0; x < ANALYSIS_WIDTH; x++) {
      const p = (y * ANALYSIS_WIDTH + x) * 3;
      const r = rgb[p]!;
      const g = rgb[p + 1]!;
      const b = rgb[p + 2]!;
      const cell = (gy + CELL_X[x]!) * 3;
      sums[cell]! += r;
      sums[cell + 1]! += g;
      sums[cell + 2]! += b;
      // biome-ignore lint/complexity/useMathMinMax: this loop runs per pixel of every frame; ternaries are faster
      const max = r > g ? (r > b ? r : b) : g > b ? g : b;
      // biome-ignore lint/complexity/useMathMinMax: as above
      const min = r < g ? (r < b ? r : b) : g < b ? g : b;
      const chroma = max - min;
      if (chroma > 0) {
        let h: number;
        if (max === r) h = (g - b) / chroma + (g < b ? 6 : 0);
        else if (max === g) h = (b - r) / chroma + 2;
        else h = (r - g) / chroma + 4;
        // Hue weighted by chroma: the hue of a near-grey pixel is noise.
        const x2 = (h / 6) * HUE_BINS - 0.5;
        const f = Math.floor(x2);
        const frac = x2 - f;
        hue[(f + HUE_BINS) % HUE_BINS]! += chroma * (1 - frac);
        hue[(f + 1) % HUE_BINS]! += chroma * frac;
      }
      const sb = S_TABLE[(chroma << 8) | max]!;
      sat[sb[0]]! += 1 - sb[2];
      sat[sb[1]]! += sb[2];
      const vb = V_TABLE[max]!;
      val[vb[0]]! += 1 - vb[2];
      val[vb[1]]! += vb[2];
    }
  }
  const n = ANALYSIS_WIDTH * ANALYSIS_HEIGHT;
  const hist = new Float32Array(HUE_BINS + SAT_BINS + VAL_BINS);
  for (let i = 0; i < HUE_BINS; i++) hist[i] = hue[i]! / 255 / n;
  for (let i = 0; i < SAT_BINS; i++) hist[HUE_BINS + i] = sat[i]! / n;
  for (let i = 0; i < VAL_BINS; i++) hist[HUE_BINS + SAT_BINS + i] = val[i]! / n;
  const grid = new Uint8Array(GRID_W * GRID_H * 3);
  const per = (ANALYSIS_WIDTH / GRID_W) * bh;
  for (let i = 0; i < grid.length; i++) grid[i] = Math.round(sums[i]! / per);
  return { grid, hist };
}

/** Half the L1 distance between two frames' histograms, hue, saturation and value averaged: 0 (same colours) to 1. */
export function histogramDistance(a: FrameFeatures, b: FrameFeatures): number {
  let dh = 0;
  let ds = 0;
  let dv = 0;
  for (let i = 0; i < HUE_BINS; i++) dh += Math.abs(a.hist[i]! - b.hist[i]!);
  for (let i = HUE_BINS; i < HUE_BINS + SAT_BINS; i++) ds += Math.abs(a.hist[i]! - b.hist[i]!);
  for (let i = HUE_BINS + SAT_BINS; i < a.hist.length; i++) dv += Math.abs(a.hist[i]! - b.hist[i]!);
  return (dh + ds + dv) / 6;
}

/** Mean absolute difference of the block grids, 0 (same picture) to 1. */
export function gridDistance(a: FrameFeatures, b: FrameFeatures): number {
  let d = 0;
  for (let i = 0; i < a.grid.length; i++) d += Math.abs(a.grid[i]! - b.grid[i]!);
  return d / a.grid.length / 255;
}

/** How different two frames look, 0–1: where colours moved (grid) and which colours there are (histogram). */
export function frameDistance(a: FrameFeatures, b: FrameFeatures): number {
  return (gridDistance(a, b) + histogramDistance(a, b)) / 2;
}

/** How much a frame's blocks differ from its mean colour, 0 (one flat colour) to about 0.5. */
export function spread(a: FrameFeatures): number {
  const mean = [0, 0, 0];
  const cells = a.grid.length / 3;
  for (let i = 0; i < a.grid.length; i++) mean[i % 3]! += a.grid[i]! / cells;
  let d = 0;
  for (let i = 0; i < a.grid.length; i++) d += Math.abs(a.grid[i]! - mean[i % 3]!);
  return d / a.grid.length / 255;
}
