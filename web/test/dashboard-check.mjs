// Headless-Chromium check of the dashboard and the player (run by atlas.it.DashboardIT):
//   node web/test/dashboard-check.mjs BASE_URL OUT_DIR
// 1. /_atlas/ shows numbers, and the request counter moves after traffic;
// 2. /_atlas/player?src=/demo/index.m3u8 plays: the <video>'s currentTime advances.
// Screenshots go to OUT_DIR; the last line printed is a JSON summary; exit code 0 only when both hold.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, out] = process.argv.slice(2);
if (!base || !out) {
  console.error('usage: dashboard-check.mjs BASE_URL OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--autoplay-policy=no-user-gesture-required'],
});
const summary = { ok: false };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleErrors = [];
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });

  await page.goto(new URL('/_atlas/', base).href);
  await page.waitForFunction(() => /^\d+$/.test(document.getElementById('requests').textContent), null,
    { timeout: 15000 });
  const first = Number(await page.textContent('#requests'));
  for (let i = 0; i < 20; i++) {
    await fetch(new URL('/demo/index.m3u8', base));
  }
  await page.waitForFunction(n => Number(document.getElementById('requests').textContent) >= n + 20, first,
    { timeout: 15000 });
  await page.waitForTimeout(1500); // one more sample so the charts have a line
  summary.requestsBefore = first;
  summary.requestsAfter = Number(await page.textContent('#requests'));
  summary.connections = await page.textContent('#connections');
  summary.throughput = await page.textContent('#throughput');
  await page.screenshot({ path: join(out, 'dashboard.png'), fullPage: true });

  const player = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  player.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await player.goto(new URL('/_atlas/player?src=/demo/index.m3u8', base).href);
  await player.waitForFunction(() => document.getElementById('video').currentTime > 1.5, null,
    { timeout: 45000, polling: 200 });
  summary.currentTime = await player.evaluate(() => document.getElementById('video').currentTime);
  summary.status = await player.textContent('#status');
  await player.screenshot({ path: join(out, 'player.png') });
  summary.consoleErrors = consoleErrors;
  summary.ok = summary.requestsAfter > summary.requestsBefore && summary.currentTime > 1.5;
} catch (err) {
  summary.error = String(err && err.message || err);
} finally {
  await browser.close();
}
console.log(JSON.stringify(summary));
process.exit(summary.ok ? 0 : 1);
