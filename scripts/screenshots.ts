// Refreshes docs/screenshots/: the web app at desktop and phone widths, in English and Korean, against a real
// standalone server (embedded services, a data directory of its own) holding two generated videos. Needs
// ffmpeg and Debian's chromium (CHROMIUM_PATH elsewhere). Run: npx tsx scripts/screenshots.ts
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, uploadFile } from '../test/support/api.js';
import { launchChromium } from '../test/support/browser.js';
import { cutsVideo } from '../test/support/media.js';
import { startStandalone } from '../test/support/standalone.js';
import { REPO_ROOT } from '../testbed/paths.js';
import { waitFor } from '../testbed/proc.js';

const OUT = join(REPO_ROOT, 'docs', 'screenshots');
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const LOCALES = {
  en: { locale: 'en-US', query: 'red car station' },
  ko: { locale: 'ko-KR', query: '바닷가 고기' },
};

const work = mkdtempSync(join(tmpdir(), 'heimdex-screenshots-'));
const server = await startStandalone({ dataDir: join(work, 'data') });
try {
  const call = client(server.base, server.token);
  const videos = [
    cutsVideo(work, 'Beach day', {
      segments: [3, 3, 3],
      subtitles: [
        { start: 0.2, end: 2.8, text: '우리는 바닷가에서 고기를 구웠다' },
        { start: 3.2, end: 5.8, text: 'the red car near the station' },
        { start: 6.2, end: 8.8, text: 'coffee with friends downtown' },
      ],
    }),
    cutsVideo(work, 'City walk', {
      segments: [4, 4],
      subtitles: [
        { start: 0.3, end: 3.7, text: '지하철역 앞에서 친구를 만났다' },
        { start: 4.3, end: 7.7, text: 'a bicycle parked by the river' },
      ],
    }),
  ];
  const ids = [];
  for (const [i, v] of videos.entries()) {
    ids.push(
      await uploadFile(call, v.file, {
        filename: `${['beach-day', 'city-walk'][i]}.mp4`,
        title: ['Beach day', 'City walk'][i],
      }),
    );
  }
  for (const id of ids) {
    await waitFor(
      `video ${id} to be indexed`,
      async () => (await call('GET', `/videos/${id}/status`)).json?.state === 'indexed',
      {
        timeoutMs: 300_000,
        intervalMs: 1000,
      },
    );
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  for (const [lang, { locale, query }] of Object.entries(LOCALES)) {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      const browser = await launchChromium({ locale, viewport });
      try {
        const page = browser.context.pages()[0] ?? (await browser.context.newPage());
        const shot = async (view: string) => {
          const file = join(OUT, `${view}-${size}-${lang}.png`);
          await page.screenshot({ path: file, fullPage: false });
          console.log(`wrote ${file}`);
        };
        await page.goto(`${server.base}/#/library`);
        await page.locator('li.video[data-state="indexed"]').first().waitFor();
        await page.locator('li.video img').first().waitFor();
        await shot('library');
        await page.goto(`${server.base}/#/search?q=${encodeURIComponent(query)}`);
        await page.locator('a.card').first().waitFor();
        await shot('search');
        await page.locator('a.card').first().click();
        await page.waitForFunction(() => {
          const v = (
            globalThis as unknown as { document: { querySelector(s: string): { readyState: number } | null } }
          ).document.querySelector('video');
          return (v?.readyState ?? 0) >= 2;
        });
        await shot('player');
      } finally {
        await browser.close();
      }
    }
  }
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
