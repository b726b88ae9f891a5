// Headless-Chromium check of signed-URL playback (run by atlas.it.ProtectedPlaybackIT):
//   node web/test/protected-playback.mjs BASE_URL OUT_DIR CASE…   where CASE is hls|dash,URL,expect
// For each case a fresh page on BASE_URL's origin (so no CORS is involved) loads the player library from
// web/node_modules and opens URL — a signed URL in path form, as an operator hands it to a player:
//   expect=play   the <video>'s currentTime passes 1.5 s, and every request the player made carried the token
//                 (its relative segment URLs inherited the path segment) and was answered 200 or 206;
//   expect=NNN    the player reports a fatal error and the manifest was answered NNN (410 for an expired link).
// The last line printed is a JSON summary; exit code 0 only when every case held.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [base, out, ...cases] = process.argv.slice(2);
if (!base || !out || cases.length === 0) {
  console.error('usage: protected-playback.mjs BASE_URL OUT_DIR hls|dash,URL,play|STATUS…');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const modules = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules');
const libraries = {
  hls: join(modules, 'hls.js', 'dist', 'hls.min.js'),
  dash: join(modules, 'dashjs', 'dist', 'modern', 'umd', 'dash.all.min.js'),
};
const pageUrl = new URL('/_playback-check.html', base).href;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--autoplay-policy=no-user-gesture-required'],
});

/** Starts the player in the page; its outcome lands in window.outcome ({error}) for the checks below. */
function startPlayer({ kind, url }) {
  const video = document.getElementById('video');
  video.muted = true;
  window.outcome = {};
  if (kind === 'hls') {
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (data.fatal) {
        window.outcome.error = `${data.type}/${data.details} ${data.response ? data.response.code : ''}`;
      }
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.play().catch(() => {});
  } else {
    const player = dashjs.MediaPlayer().create();
    player.on(dashjs.MediaPlayer.events.ERROR, e => {
      window.outcome.error = JSON.stringify(e.error || e);
    });
    player.initialize(video, url, true);
  }
}

async function check(spec, index) {
  const [kind, url, expect] = spec.split(',');
  const result = { kind, url, expect, ok: false };
  const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
  const responses = [];
  page.on('response', r => {
    if (r.url() !== pageUrl) {
      responses.push({ url: r.url(), status: r.status() });
    }
  });
  await page.route(pageUrl, route => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><title>playback check</title><video id="video" width="640" height="360"></video>',
  }));
  try {
    await page.goto(pageUrl);
    await page.addScriptTag({ path: libraries[kind] });
    await page.evaluate(startPlayer, { kind, url });
    if (expect === 'play') {
      await page.waitForFunction(() => document.getElementById('video').currentTime > 1.5 || window.outcome.error,
        null, { timeout: 45000, polling: 200 });
      result.currentTime = await page.evaluate(() => document.getElementById('video').currentTime);
      result.error = await page.evaluate(() => window.outcome.error);
      const token = new URL(url).pathname.split('/')[1];
      result.requests = responses.length;
      result.untokened = responses.filter(r => new URL(r.url).pathname.split('/')[1] !== token).map(r => r.url);
      result.failed = responses.filter(r => r.status !== 200 && r.status !== 206);
      result.ok = result.currentTime > 1.5 && !result.error && result.requests >= 2
        && result.untokened.length === 0 && result.failed.length === 0;
    } else {
      await page.waitForFunction(() => window.outcome.error, null, { timeout: 45000, polling: 200 });
      result.error = await page.evaluate(() => window.outcome.error);
      result.currentTime = await page.evaluate(() => document.getElementById('video').currentTime);
      const manifest = responses.find(r => r.url === url);
      result.manifestStatus = manifest ? manifest.status : null;
      result.ok = result.manifestStatus === Number(expect) && result.currentTime === 0;
    }
    await page.screenshot({ path: join(out, `${index}-${kind}-${expect}.png`) });
  } catch (err) {
    result.error = String(err && err.message || err);
  } finally {
    await page.close();
  }
  return result;
}

const summary = { cases: [] };
try {
  for (let i = 0; i < cases.length; i++) {
    summary.cases.push(await check(cases[i], i));
  }
} finally {
  await browser.close();
}
summary.ok = summary.cases.every(c => c.ok);
console.log(JSON.stringify(summary));
process.exit(summary.ok ? 0 : 1);
