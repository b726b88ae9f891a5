// Live latency of real players in headless Chromium (run by atlas.it.LowLatencyDashIT and bench/live-latency.sh):
//   node web/test/live-latency.mjs OUT_DIR SECONDS LABEL,PLAYER,URL [LABEL,PLAYER,URL ...]
// PLAYER is dash (dash.js in low-latency mode on an MPD) or hls (hls.js on a playlist). Each stream is played in
// its own page, all at once (they watch the same live event, so their latencies compare): once playback is past
// its first 4 s, the player's own live latency (dash.js getCurrentLiveLatency(), hls.js latency) is sampled every
// 250 ms for SECONDS, and stalls (the <video> waiting after it played) are counted over the same window.
// The encoder and the browser share this machine's clock, so dash.js's clock synchronisation is off: its
// latency is then wall clock minus presentation time, with no time server in the way.
// Prints one JSON line per stream, then {"ok": ...}; exit code 0 only when every stream played.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [out, secondsArg, ...streams] = process.argv.slice(2);
const seconds = Number(secondsArg);
if (!out || !(seconds > 0) || streams.length === 0) {
  console.error('usage: live-latency.mjs OUT_DIR SECONDS LABEL,dash|hls,URL ...');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const modules = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules');
const players = {
  dash: join(modules, 'dashjs', 'dist', 'modern', 'umd', 'dash.all.min.js'),
  hls: join(modules, 'hls.js', 'dist', 'hls.min.js'),
};
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
});

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return Math.round(sorted[i] * 1000) / 1000;
}

async function measure(label, player, url) {
  const result = { label, player, url, ok: false };
  const page = await browser.newPage({ viewport: { width: 640, height: 400 } });
  try {
    const pageUrl = new URL('/_latency-check.html', url).href;
    await page.route(pageUrl, route => route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><title>latency</title><video id="video" width="640" height="360" muted></video>',
    }));
    await page.goto(pageUrl);
    await page.addScriptTag({ path: players[player] });
    await page.evaluate(([kind, src]) => {
      const video = document.getElementById('video');
      video.muted = true;
      window.errors = [];
      window.stalls = 0;
      window.played = false;
      video.addEventListener('playing', () => { window.played = true; });
      video.addEventListener('waiting', () => { if (window.played) window.stalls++; });
      if (kind === 'dash') {
        const p = dashjs.MediaPlayer().create();
        p.updateSettings({
          debug: { logLevel: dashjs.Debug.LOG_LEVEL_NONE },
          streaming: {
            delay: { liveDelay: 1.0 },
            liveCatchup: { enabled: true, maxDrift: 1.5, playbackRate: { min: -0.3, max: 0.3 } },
            utcSynchronization: { enabled: false },
          },
        });
        p.on(dashjs.MediaPlayer.events.ERROR, e => window.errors.push(String(e.error && e.error.message || e.error)));
        p.initialize(video, src, true);
        window.latency = () => p.getCurrentLiveLatency();
        window.lowLatency = () => p.getLowLatencyModeEnabled ? p.getLowLatencyModeEnabled() : null;
      } else {
        const h = new Hls({ lowLatencyMode: true });
        h.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) window.errors.push(`${d.type}/${d.details}`); });
        h.loadSource(src);
        h.attachMedia(video);
        video.play().catch(() => {});
        window.latency = () => h.latency;
        window.lowLatency = () => null;
      }
    }, [player, url]);
    await page.waitForFunction(() => document.getElementById('video').currentTime > 4 || window.errors.length > 0,
      null, { timeout: 60000, polling: 250 });
    const startTime = await page.evaluate(() => { window.stalls = 0; return document.getElementById('video').currentTime; });
    const samples = [];
    const endAt = Date.now() + seconds * 1000;
    while (Date.now() < endAt) {
      const l = await page.evaluate(() => window.latency());
      if (typeof l === 'number' && Number.isFinite(l) && l > 0) samples.push(l);
      await new Promise(r => setTimeout(r, 250));
    }
    const state = await page.evaluate(() => ({ time: document.getElementById('video').currentTime,
      stalls: window.stalls, errors: window.errors, lowLatency: window.lowLatency() }));
    await page.screenshot({ path: join(out, `${label}.png`) });
    samples.sort((a, b) => a - b);
    Object.assign(result, {
      samples: samples.length,
      latencyMean: samples.length ? Math.round(samples.reduce((a, b) => a + b, 0) / samples.length * 1000) / 1000 : null,
      latencyP50: percentile(samples, 0.5), latencyP90: percentile(samples, 0.9),
      latencyMax: percentile(samples, 1), stalls: state.stalls, advanced: Math.round((state.time - startTime) * 10) / 10,
      lowLatency: state.lowLatency, errors: state.errors,
    });
    result.ok = state.errors.length === 0 && samples.length > 0 && state.time - startTime > seconds * 0.5;
  } catch (err) {
    result.error = String(err && err.message || err);
  } finally {
    await page.close();
  }
  return result;
}

let ok = true;
try {
  const results = await Promise.all(streams.map(s => {
    const [label, player, ...rest] = s.split(',');
    return measure(label, player, rest.join(','));
  }));
  for (const r of results) {
    console.log(JSON.stringify(r));
    ok = ok && r.ok;
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok }));
process.exit(ok ? 0 : 1);
