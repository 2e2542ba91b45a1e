// Shared helpers of the end-to-end tests (run.mjs and flows/*.mjs).
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8080/';
export const FIXTURES = process.env.FIXTURES ?? resolve('target/fixtures');
export const SHOTS = process.env.SHOTS ?? resolve('target/e2e');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const TIMEOUT = 60_000;
mkdirSync(SHOTS, { recursive: true });

export const origin = new URL(BASE_URL).origin;
export const slice = (name) => join(FIXTURES, 'slice', `${name}.img`);
export const CORPUS = process.env.CORPUS ?? resolve('../shared/corpus');
export const VMSIFT = process.env.VMSIFT ?? resolve('target/debug/vmsift');

export async function launch() {
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
export async function dropFiles(page, zoneSelector, paths) {
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

export async function topRow(page) {
  await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
  return page.$eval('#ranking tbody tr', (tr) => ({
    name: tr.querySelector('.name').textContent,
    path: tr.querySelector('.path').textContent,
    value: tr.querySelector('.value').textContent,
    category: tr.querySelector('.badge').textContent,
  }));
}

/** Loads the slice fleet (target by file input, `peers` by file input) and waits for the ranking. */
export async function loadSlice(page, peers = ['peer1', 'peer2', 'peer3', 'peer4']) {
  await page.goto(BASE_URL);
  await page.waitForSelector('#target-zone');
  await page.setInputFiles('#target-zone-input', [slice('target')]);
  await page.setInputFiles('#peer-zone-input', peers.map(slice));
  const n = peers.length + 1;
  await page.waitForFunction((n) => document.querySelectorAll('.card.done').length === n, n, { timeout: TIMEOUT });
  await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
}

/** Clicks `selector`, catches the download it starts and returns its name and text. */
export async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: TIMEOUT }), page.click(selector)]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), path, text: readFileSync(path, 'utf8'), bytes: readFileSync(path) };
}

export const columnValues = (page, cls) => page.$$eval(`#ranking tbody tr td.${cls}`, (tds) => tds.map((td) => td.textContent));
export const sortState = (page, label) => page.$eval(`button.sort[data-column="${label}"]`, (b) => b.parentElement.getAttribute('aria-sort'));

