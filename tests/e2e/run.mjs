// End-to-end tests of the vmsift web app in headless Debian Chromium (playwright-core).
// Run by `cargo xtask test`, which builds dist/, serves it and sets BASE_URL and FIXTURES.
// Screenshots go to target/e2e/ as artifacts.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';

const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8080/';
const FIXTURES = process.env.FIXTURES ?? resolve('target/fixtures');
const SHOTS = process.env.SHOTS ?? resolve('target/e2e');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TIMEOUT = 60_000;
mkdirSync(SHOTS, { recursive: true });

const origin = new URL(BASE_URL).origin;
const slice = (name) => join(FIXTURES, 'slice', `${name}.img`);

async function launch() {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vmsift-e2e-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const foreign = [];
  context.on('request', (r) => {
    const url = new URL(r.url());
    if (!['data:', 'blob:'].includes(url.protocol) && url.origin !== origin) foreign.push(r.url());
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { context, page, foreign, errors };
}

/** Drops local files on a drop zone through a real DataTransfer and DragEvents. */
async function dropFiles(page, zoneSelector, paths) {
  const handle = await page.evaluateHandle(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.id = 'e2e-dnd-source';
    input.style.display = 'none';
    document.body.append(input);
    return input;
  });
  await handle.asElement().setInputFiles(paths);
  await page.evaluate((selector) => {
    const input = document.getElementById('e2e-dnd-source');
    const dt = new DataTransfer();
    for (const f of input.files) dt.items.add(f);
    const zone = document.querySelector(selector);
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
    input.remove();
  }, zoneSelector);
}

async function topRow(page) {
  await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
  return page.$eval('#ranking tbody tr', (tr) => ({
    name: tr.querySelector('.name').textContent,
    path: tr.querySelector('.path').textContent,
    value: tr.querySelector('.value').textContent,
    category: tr.querySelector('.badge').textContent,
  }));
}

const tests = {
  // The thin slice: file input for the target, drag-and-drop for the peers, ranked table.
  async slice({ page }) {
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    await page.setInputFiles('#target-zone-input', [slice('target')]);
    await dropFiles(page, '#peer-zone', ['peer1', 'peer2', 'peer3', 'peer4'].map(slice));
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 5, null, { timeout: TIMEOUT });
    const top = await topRow(page);
    assert.deepEqual(top, { name: 'permitrootlogin', path: '/etc/ssh/sshd_config', value: 'true', category: 'of-interest' });
    // Lazy reading: each 16 MiB image costs a small fraction of its size.
    const bytes = await page.$$eval('.card .bytes-read', (ps) => ps.map((p) => Number(p.dataset.bytes)));
    assert.equal(bytes.length, 5);
    for (const b of bytes) assert.ok(b > 0 && b < 4 * 1024 * 1024, `read ${b} bytes of a 16 MiB image`);
    await page.screenshot({ path: join(SHOTS, 'slice.png'), fullPage: true });
  },

  // One click on "Try the demo" loads the built-in fleet and shows the diagnosis.
  async demo({ page }) {
    await page.goto(BASE_URL);
    await page.click('#demo');
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 9, null, { timeout: TIMEOUT });
    const top = await topRow(page);
    assert.equal(top.name, 'passwordauthentication');
    assert.equal(top.value, 'true');
    await page.fill('#filter', 'swappiness');
    await page.waitForFunction(() => document.querySelectorAll('#ranking tbody tr').length === 1);
    await page.fill('#filter', '');
    await page.screenshot({ path: join(SHOTS, 'demo.png'), fullPage: true });
  },

  // A file that is no disk image gets an error on its own card; the others finish.
  async errorCard({ page }) {
    await page.goto(BASE_URL);
    await page.setInputFiles('#peer-zone-input', [{ name: 'notes.img', mimeType: 'application/octet-stream', buffer: Buffer.alloc(4096, 0x41) }]);
    await page.setInputFiles('#target-zone-input', [slice('target')]);
    await page.waitForSelector('.card.failed .error', { timeout: TIMEOUT });
    const message = await page.$eval('.card.failed .error', (e) => e.textContent);
    assert.match(message, /notes\.img/);
    await page.waitForSelector('.card.done', { timeout: TIMEOUT });
    await page.screenshot({ path: join(SHOTS, 'error-card.png'), fullPage: true });
  },
};

const only = process.argv.slice(2);
let failed = 0;
for (const [name, test] of Object.entries(tests)) {
  if (only.length && !only.includes(name)) continue;
  const env = await launch();
  const started = Date.now();
  try {
    await test(env);
    assert.deepEqual(env.foreign, [], 'requests to other origins');
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
    if (env.errors.length) console.log(`     page errors:\n       ${env.errors.join('\n       ')}`);
    await env.page.screenshot({ path: join(SHOTS, `${name}-failure.png`), fullPage: true }).catch(() => {});
  } finally {
    await env.context.close();
  }
}
process.exit(failed ? 1 : 0);
