// Opens the jdetr streaming page in Debian's chromium with a fake camera playing a clip of coloured
// shapes, starts the camera, waits until boxes are drawn, and saves a screenshot.
//
//   node stream-page.mjs --url http://127.0.0.1:8080/ --clip shapes.y4m --screenshot page.png
//        [--overlay-out overlay.json]
//
// Prints one JSON line with what the page showed; exits 0 if boxes appeared, 1 otherwise.
// --overlay-out writes the last result the page drew (frame size, boxes, whether each detection
// carried a mask) with the overlay's alpha sampled at the centre of every pixel of that frame
// (base64, row-major, one byte a pixel), read in the same task as the result, so both match.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function option(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) {
    console.error(`missing --${name}`);
    process.exit(2);
  }
  return fallback;
}

const url = option('url');
const clip = resolve(option('clip'));
const screenshot = resolve(option('screenshot'));
const executablePath = option('chromium', '/usr/bin/chromium');
const timeoutMs = Number(option('timeout-ms', '90000'));
const overlayOut = option('overlay-out', '');

const userDataDir = mkdtempSync(join(tmpdir(), 'jdetr-chromium-'));
const problems = [];
let context;
let page;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${clip}`,
    ],
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
  page.on('requestfailed', (r) => problems.push('request failed: ' + r.url()));

  await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
  await page.waitForFunction(() => document.querySelectorAll('#classes li').length > 0, null, { timeout: timeoutMs });
  await page.click('#camera');
  await page.waitForFunction(() => {
    const count = document.getElementById('detection-count');
    return Number(count.dataset.total) > 0 && Number(document.getElementById('processed').textContent) >= 10;
  }, null, { timeout: timeoutMs, polling: 250 });
  await page.waitForTimeout(1500); // let fps and latency settle on screen

  const shown = await page.evaluate(() => {
    const overlay = document.getElementById('overlay');
    const pixels = overlay.getContext('2d').getImageData(0, 0, overlay.width, overlay.height).data;
    let drawn = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) drawn++;
    const text = (id) => document.getElementById(id).textContent;
    return {
      status: text('status'),
      detections: Number(document.getElementById('detection-count').dataset.count),
      detections_total: Number(document.getElementById('detection-count').dataset.total),
      processed: Number(text('processed')),
      dropped: Number(text('dropped')),
      fps: text('fps'),
      latency: text('latency'),
      classes: [...document.querySelectorAll('#classes li')].map((li) => li.textContent),
      overlay_pixels_drawn: drawn,
      video: [document.getElementById('video').videoWidth, document.getElementById('video').videoHeight],
    };
  });
  if (overlayOut) {
    const drawn = await page.evaluate(() => {
      // app.js globals: the result on screen and where the video sits in the stage
      const msg = state.last;
      const r = videoRect();
      const dpr = window.devicePixelRatio || 1;
      const overlay = document.getElementById('overlay');
      const pixels = overlay.getContext('2d').getImageData(0, 0, overlay.width, overlay.height).data;
      const sx = r.w / msg.width, sy = r.h / msg.height;
      const alpha = new Uint8Array(msg.width * msg.height);
      for (let y = 0; y < msg.height; y++) {
        const oy = Math.min(overlay.height - 1, Math.floor((r.y + (y + 0.5) * sy) * dpr));
        for (let x = 0; x < msg.width; x++) {
          const ox = Math.min(overlay.width - 1, Math.floor((r.x + (x + 0.5) * sx) * dpr));
          alpha[y * msg.width + x] = pixels[4 * (oy * overlay.width + ox) + 3];
        }
      }
      let bin = '';
      for (let i = 0; i < alpha.length; i++) bin += String.fromCharCode(alpha[i]);
      return {
        width: msg.width, height: msg.height, css_per_pixel: [sx, sy],
        detections: msg.detections.map((d) => ({ label: d.label, box: d.box, mask: Boolean(d.mask) })),
        alpha: btoa(bin),
      };
    });
    writeFileSync(overlayOut, JSON.stringify(drawn));
  }
  await page.screenshot({ path: screenshot });
  const ok = shown.detections_total > 0 && shown.overlay_pixels_drawn > 0 && shown.status === 'streaming'
      && problems.length === 0;
  console.log(JSON.stringify({ ok, screenshot, ...shown, problems }));
  process.exitCode = ok ? 0 : 1;
} catch (e) {
  if (page) {
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-failure.png') }).catch(() => {});
  }
  console.log(JSON.stringify({ ok: false, error: String(e && e.message || e), problems }));
  process.exitCode = 1;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
