// The web app in a real browser (Debian's Chromium through playwright-core) against a real standalone
// server: sign in without copying anything, upload a generated video and watch it reach "indexed",
// search in Korean and in English, play a scene from its start, switch language, delete, empty state.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchChromium } from '../support/browser.js';
import { tempDir } from '../support/cleanup.js';
import { cutsVideo, longVideo } from '../support/media.js';
import { type Standalone, startStandalone } from '../support/standalone.js';

// Callbacks passed to page.evaluate run in the browser; these name the little of the DOM they use.
declare const document: {
  querySelector: (s: string) => { readyState?: number; dataset?: Record<string, string> } | null;
};
interface HTMLVideoElement {
  currentTime: number;
  dataset: Record<string, string>;
}

const dir = tempDir('web');
let server: Standalone;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // A low length limit, so a video over it is quick to make.
  server = await startStandalone({ dataDir: join(dir, 'data'), env: { MAX_VIDEO_SECONDS: '20' } });
  browser = await launchChromium({ locale: 'en-US' });
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the web app', () => {
  it('opens at / signed in as the owner of this machine, and signs out and in again', async () => {
    await page.goto(server.base);
    await page.getByRole('navigation').getByRole('link', { name: 'Library' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to heimdex' }).waitFor();
    // Signed out stays signed out across a reload, until the person asks.
    await page.reload();
    await page.getByRole('button', { name: 'Continue as the owner of this machine' }).click();
    // waitFor, not isVisible: the latter answers at once, before the page has re-rendered.
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  it('never hands the local token to a page from another origin', async () => {
    const other = await browser.context.newPage();
    await other.goto(server.base.replace('127.0.0.1', 'localhost'));
    const answer = await other.evaluate(async (target) => {
      try {
        const r = await fetch(`${target}/auth/local-token`, { method: 'POST' });
        return `read ${r.status}: ${await r.text()}`;
      } catch (e) {
        return `refused: ${(e as Error).message}`;
      }
    }, server.base);
    await other.close();
    expect(answer).toMatch(/^refused/);
    expect(server.log()).toMatch(
      /"url":"\/auth\/local-token"[^\n]*"statusCode":403|only given to the app opened/,
    );
  });

  it('uploads a video picked from disk and shows it indexed in the library', async () => {
    const video = cutsVideo(dir, 'beach', {
      segments: [3, 3, 3],
      subtitles: [
        { start: 0.2, end: 2.8, text: '우리는 바닷가에서 고기를 구웠다' },
        { start: 3.2, end: 5.8, text: 'the red car near the station' },
        { start: 6.2, end: 8.8, text: 'coffee with friends downtown' },
      ],
    });
    await page.getByRole('link', { name: 'Upload' }).click();
    await page.locator('#files').setInputFiles(video.file);
    const row = page.locator('li.upload').first();
    await page.locator('li.upload[data-phase="done"]').waitFor({ timeout: 60_000 });
    // The length was read by the browser's own media element before the upload.
    await expect(row.textContent()).resolves.toContain('Length 0:09');
    await row.getByRole('link', { name: 'See it in your library' }).click();
    await page.locator('li.video', { hasText: 'beach' }).waitFor();
    await page.locator('li.video[data-state="indexed"]').waitFor({ timeout: 240_000 });
    await expect(page.locator('li.video .badge').textContent()).resolves.toBe('Indexed');
  });

  it('rejects a file that is not a video before sending it, in the API’s words', async () => {
    await page.getByRole('link', { name: 'Upload' }).click();
    await page
      .locator('#files')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hi') });
    await expect(page.locator('li.upload[data-phase="invalid"]').last().textContent()).resolves.toMatch(
      /text\/plain is not a supported video type; upload MP4, MOV, AVI, MKV or WebM/,
    );
  });

  it('refuses a video longer than the server takes before sending it, naming both lengths', async () => {
    await page.getByRole('link', { name: 'Upload' }).click();
    await page.locator('#files').setInputFiles(longVideo(dir, 30));
    const row = page.locator('li.upload[data-phase="invalid"]', { hasText: 'long.mp4' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(
      'The video is 0:30 long; the longest accepted is 0:20. Trim it and upload it again.',
    );
  });

  it('finds the scene in Korean, with the query in the URL and the words marked', async () => {
    await search('바닷가 고기');
    expect(decodeURIComponent(page.url())).toContain('#/search?q=바닷가+고기');
    const first = page.locator('a.card').first();
    await expect(first.locator('mark').first().textContent()).resolves.toBe('바닷가');
    await expect(first.locator('.time').textContent()).resolves.toBe('0:00–0:03');
    // A reload of the URL shows the same search.
    await page.reload();
    await expect(page.locator('a.card').first().locator('mark').first().textContent()).resolves.toBe(
      '바닷가',
    );
  });

  it('finds the scene in English and plays it from its start, by keyboard', async () => {
    await search('red car station');
    await expect(page.locator('a.card').first().locator('.time').textContent()).resolves.toBe('0:03–0:06');
    await page.locator('#q').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const player = page.locator('video');
    await player.waitFor();
    await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1);
    const at = await player.evaluate((v: HTMLVideoElement) => ({
      now: v.currentTime,
      start: Number(v.dataset.start),
      end: Number(v.dataset.end),
    }));
    expect(at.start).toBeGreaterThan(2.5);
    expect(at.start).toBeLessThan(3.5);
    expect(at.now).toBeGreaterThanOrEqual(at.start);
    expect(at.now).toBeLessThanOrEqual(at.end);
    // The scene is marked on the timeline, and next moves to the scene after it.
    await expect(page.locator('.timeline .segment.current').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Next scene' }).click();
    await page.waitForFunction(() => Number(document.querySelector('video')?.dataset?.start) > 5);
  });

  it('says "no scenes found" for a query nothing matches, instead of listing the library', async () => {
    await search('zebra xylophone');
    await expect(page.locator('a.card').count()).resolves.toBe(0);
    await expect(page.locator('.empty strong').textContent()).resolves.toBe(
      'No scenes found for “zebra xylophone”.',
    );
  });

  it('switches to Korean, deletes the video after asking, and shows the empty library', async () => {
    await page.getByRole('button', { name: 'Switch the interface to Korean' }).click();
    await page.getByRole('navigation').getByRole('link', { name: '보관함' }).click();
    await page.getByRole('button', { name: /^삭제: beach/ }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.textContent()).resolves.toMatch(/“beach”과 그 안에서 찾은 모든 것을 삭제할까요/);
    await dialog.getByRole('button', { name: '삭제하기' }).click();
    await page.getByText('아직 영상이 없습니다.').waitFor();
  });
});

async function search(q: string): Promise<void> {
  const box = page.locator('#q');
  if (!(await box.isVisible())) await page.getByRole('navigation').getByRole('link').first().click();
  await box.fill(q);
  await box.press('Enter');
  await page.waitForFunction(
    () => document.querySelector('a.card') || document.querySelector('.empty'),
    null,
    { timeout: 60_000 },
  );
}
