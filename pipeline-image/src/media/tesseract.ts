// Tesseract as a command-line tool, like ffmpeg: arguments built by a pure function, one place that spawns it,
// and a parser for its TSV output. Many line images go through one process (a list file), so the language models
// load once per frame, not once per line.
import { spawn } from 'node:child_process';

export class TesseractError extends Error {
  override readonly name = 'TesseractError';
}

/**
 * Reads each image listed in `listFile` (one path a line) as a single text line (`--psm 7`: the detector has
 * already cut the picture into lines, and page layout analysis on a cropped line only loses characters), in the
 * given languages, writing word-level TSV (with confidences) to stdout.
 */
export function tesseractArgs(listFile: string, languages: string): string[] {
  return [listFile, 'stdout', '--psm', '7', '-l', languages, 'tsv'];
}

export interface TesseractLine {
  /** 0-based position of the image in the list. */
  image: number;
  text: string;
  /** Mean word confidence, 0–1. */
  confidence: number;
}

/**
 * One line per image from Tesseract's TSV: the words (level 5) of each page joined with spaces, with their mean
 * confidence; an image with no words yields nothing. Pages are numbered from 1 in the list's order.
 */
export function parseTesseractTsv(tsv: string): TesseractLine[] {
  const byPage = new Map<number, { words: string[]; conf: number[] }>();
  for (const row of tsv.split('\n').slice(1)) {
    const cols = row.split('\t');
    if (cols.length < 12 || cols[0] !== '5') continue;
    const text = cols.slice(11).join('\t').trim();
    const conf = Number(cols[10]);
    if (!text || !Number.isFinite(conf) || conf < 0) continue;
    const page = Number(cols[1]) - 1;
    const entry = byPage.get(page) ?? { words: [], conf: [] };
    entry.words.push(text);
    entry.conf.push(conf / 100);
    byPage.set(page, entry);
  }
  return [...byPage.entries()]
    .sort(([a], [b]) => a - b)
    .map(([image, e]) => ({
      image,
      text: e.words.join(' '),
      confidence: e.conf.reduce((s, c) => s + c, 0) / e.conf.length,
    }));
}

/** Runs Tesseract to completion and returns its stdout; rejects naming its last stderr lines. */
export function runTesseract(args: readonly string[], binary = 'tesseract'): Promise<string> {
  return new Promise((resolve, reject) => {
    // One thread per process: the stage already runs frames one after another on a CPU share, and OpenMP's
    // default of a thread per core only contends there.
    const child = spawn(binary, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OMP_THREAD_LIMIT: '1' },
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-2000);
    });
    child.on('error', (e) =>
      reject(
        new TesseractError(
          `cannot run ${binary} (${e.message}); install tesseract-ocr and tesseract-ocr-kor`,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else
        reject(
          new TesseractError(
            `${binary} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
    });
  });
}

/** The languages this Tesseract has (`--list-langs`), or why it cannot be run. */
export async function tesseractLanguages(
  binary = 'tesseract',
): Promise<{ languages: string[] } | { error: string }> {
  try {
    const out = await runTesseract(['--list-langs'], binary);
    return {
      languages: out
        .split('\n')
        .slice(1)
        .map((l) => l.trim())
        .filter(Boolean),
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
