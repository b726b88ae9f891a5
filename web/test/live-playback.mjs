// Headless-Chromium check of a live HLS stream in hls.js low-latency mode (run by atlas.it.LowLatencyHlsIT):
//   node web/test/live-playback.mjs PLAYLIST_URL OUT_DIR
// hls.js plays the playlist while a publisher adds segments; the check passes once the <video> has played 4 s
// and hls.js reloaded the playlist with blocking-reload directives (_HLS_msn), each answered 200. The summary
// (last line, JSON) has the playlist requests, how many were blocking, how long those took, and hls.js's live
// latency; exit code 0 only when it passed.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [playlistUrl, out] = process.argv.slice(2);
if (!playlistUrl || !out) {
  console.error('usage: live-playback.mjs PLAYLIST_URL OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const hlsJs = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'hls.js', 'dist', 'hls.min.js');
const pageUrl = new URL('/_live-check.html', playlistUrl).href;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--autoplay-policy=no-user-gesture-required'],
});
const summary = { ok: false };
try {
  const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
  const playlistRequests = [];
  page.on('requestfinished', async request => {
    const url = new URL(request.url());
    if (!url.pathname.endsWith('.m3u8')) {
      return;
    }
    const response = await request.response();
    const timing = request.timing();
    playlistRequests.push({ query: url.search, status: response ? response.status() : null,
      ms: Math.round(timing.responseEnd) });
  });
  await page.route(pageUrl, route => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><title>live check</title><video id="video" width="640" height="360" muted></video>',
  }));
  await page.goto(pageUrl);
  await page.addScriptTag({ path: hlsJs });
  await page.evaluate(url => {
    const video = document.getElementById('video');
    video.muted = true;
    window.errors = [];
    const hls = new Hls({ lowLatencyMode: true });
    window.hls = hls;
    hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) window.errors.push(`${data.type}/${data.details}`); });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.play().catch(() => {});
  }, playlistUrl);
  await page.waitForFunction(() => document.getElementById('video').currentTime > 4 || window.errors.length > 0,
    null, { timeout: 60000, polling: 250 });
  summary.currentTime = await page.evaluate(() => document.getElementById('video').currentTime);
  summary.latency = await page.evaluate(() => window.hls.latency);
  summary.errors = await page.evaluate(() => window.errors);
  await page.screenshot({ path: join(out, 'live.png') });
  const blocking = playlistRequests.filter(r => r.query.includes('_HLS_msn='));
  summary.playlistRequests = playlistRequests.length;
  summary.blockingRequests = blocking.length;
  summary.blockingMs = blocking.map(r => r.ms);
  summary.failed = playlistRequests.filter(r => r.status !== 200);
  summary.ok = summary.currentTime > 4 && summary.errors.length === 0 && blocking.length >= 2
    && summary.failed.length === 0;
} catch (err) {
  summary.error = String(err && err.message || err);
} finally {
  await browser.close();
}
console.log(JSON.stringify(summary));
process.exit(summary.ok ? 0 : 1);
