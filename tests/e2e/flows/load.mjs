/* global wasm_bindgen */
// Work in flight: progress, cancel, 20 images at once, 100,000 rows, 100 peers in one tab.
// Fixtures from tests/fixtures.d/85-load.sh (load/) and 80-bench.sh (bench/).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FIXTURES, SHOTS, TIMEOUT, BASE_URL, topRow } from '../lib.mjs';

const load = (name) => join(FIXTURES, 'load', name);
const peers = (n) => Array.from({ length: n }, (_, i) => load(`peers/peer-${String(i).padStart(3, '0')}.img`));
const sparse = ['raw', 'vhd', 'vhdx', 'vmdk', 'qcow2'].map((ext) => join(FIXTURES, 'bench', `sparse20g.${ext}`));
const LONG = 5 * TIMEOUT;

/** Every distinct text a card's status line shows, recorded from before the drop. */
async function recordStatuses(page) {
  await page.evaluate(() => {
    window.e2eStatuses = new Set();
    const seen = () => document.querySelectorAll('.card .status').forEach((s) => window.e2eStatuses.add(s.textContent));
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => [...window.e2eStatuses]);
}

/** Long main-thread tasks (> 50 ms) from now on, in ms. */
async function recordLongTasks(page) {
  await page.evaluate(() => {
    window.e2eLongTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.e2eLongTasks.push(e.duration)))
      .observe({ type: 'longtask' });
  });
  return () => page.evaluate(() => window.e2eLongTasks);
}

const cardStates = (page) => page.$$eval('.card[data-machine]', (cards) =>
  Object.fromEntries(cards.map((c) => [c.dataset.machine, ['queued', 'working', 'done', 'failed', 'cancelled'].find((s) => c.classList.contains(s))])));

/** wasm memory of every live scan worker, in bytes (it only grows, so this is each worker's peak). */
const workerMemory = (page) => Promise.all(page.workers().map((w) =>
  w.evaluate(() => wasm_bindgen().then((wasm) => wasm.memory.buffer.byteLength))));

export const tests = {
  // A 20 GiB image: the card shows the phase and the bytes read growing, then the share read.
  async progress({ page }) {
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    const statuses = await recordStatuses(page);
    await page.setInputFiles('#peer-zone-input', [join(FIXTURES, 'bench', 'sparse20g.vhdx')]);
    await page.waitForSelector('.card[aria-busy="true"] progress', { timeout: TIMEOUT });
    await page.waitForSelector('.card.done', { timeout: LONG });
    const seen = await statuses();
    const working = seen.filter((s) => /^(Opening the image|Extracting settings) · read /.test(s));
    assert.ok(working.some((s) => s.startsWith('Opening the image')), `an "Opening" status among ${JSON.stringify(seen)}`);
    assert.ok(working.length >= 2, `progress was reported more than once: ${JSON.stringify(seen)}`);
    const read = await page.$eval('.card.done .bytes-read', (p) => ({ bytes: Number(p.dataset.bytes), text: p.textContent }));
    // Only the metadata and the SYSTEM hive (15.5 MiB) of the 20 GiB disk are read.
    assert.match(read.text, /of 20\.0 GiB \(0\.\d+ %\)/);
    assert.ok(read.bytes > 15_000_000 && read.bytes < 0.01 * 20 * 2 ** 30, `read ${read.bytes} bytes of 20 GiB`);
    await page.screenshot({ path: join(SHOTS, 'progress-done.png'), fullPage: true });
  },

  // Cancel one queued machine, then everything: cards say so at once, stay cancelled, and the
  // pool still works afterwards.
  async cancel({ page }) {
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    // Five 20 GiB images and 40 small ones: far more than two workers finish at once.
    await page.setInputFiles('#peer-zone-input', [...sparse, ...peers(40)]);
    await page.waitForSelector('.card.queued', { timeout: TIMEOUT });
    // Snapshot and click in one task, so nothing finishes in between.
    const clickAndSnapshot = (selector) => page.evaluate((selector) => {
      const states = Object.fromEntries([...document.querySelectorAll('.card[data-machine]')]
        .map((c) => [c.dataset.machine, c.getAttribute('aria-busy') === 'true']));
      document.querySelector(selector).click();
      return states;
    }, selector);
    const last = await page.$eval('.card.queued:last-child', (c) => c.dataset.machine);
    await clickAndSnapshot(`.card[data-machine="${last}"] button[aria-label^="Cancel"]`);
    assert.equal((await cardStates(page))[last], 'cancelled');
    const busy = await clickAndSnapshot('#cancel-all');
    const started = Date.now();
    await page.waitForFunction(() => !document.querySelector('.card[aria-busy="true"]'), null, { timeout: 2000 });
    const promptness = Date.now() - started;
    const after = await cardStates(page);
    const wasBusy = Object.keys(busy).filter((m) => busy[m]);
    assert.ok(wasBusy.length >= 10, `machines were still queued or read at the click (${wasBusy.length})`);
    for (const m of wasBusy) assert.equal(after[m], 'cancelled', `${m} was busy at the click`);
    assert.equal(await page.$('#cancel-all'), null, 'Cancel all disappears when nothing runs');
    await page.screenshot({ path: join(SHOTS, 'cancel.png'), fullPage: true });
    // Terminated workers must not report late.
    await page.waitForTimeout(1500);
    assert.deepEqual(await cardStates(page), after, 'no card changed after cancel');
    await page.click('#clear');
    await page.setInputFiles('#target-zone-input', [load('target.img')]);
    await page.setInputFiles('#peer-zone-input', peers(43).slice(40));
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 4, null, { timeout: TIMEOUT });
    assert.equal((await topRow(page)).name, 'permitrootlogin');
    console.log(`     cancel all: ${wasBusy.length} busy machines stopped in ${promptness} ms`);
  },

  // Twenty images in flight: every card finishes, the page stays responsive throughout.
  async twenty({ page }) {
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    const longTasks = await recordLongTasks(page);
    await page.setInputFiles('#target-zone-input', [load('target.img')]);
    await page.setInputFiles('#peer-zone-input', peers(19));
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 20, null, { timeout: LONG });
    assert.equal((await topRow(page)).name, 'permitrootlogin');
    const tasks = await longTasks();
    const longest = Math.max(0, ...tasks);
    console.log(`     20 images: ${tasks.length} long tasks, longest ${Math.round(longest)} ms`);
    assert.ok(longest < 1000, `the main thread never froze for a second (longest task ${longest} ms)`);
    await page.screenshot({ path: join(SHOTS, 'twenty.png'), fullPage: true });
  },

  // 120,000 rows: the table renders one page, filters and sorts, and shows the culprit first.
  async rows100k({ page }) {
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    await page.setInputFiles('#target-zone-input', [load('big-target.img')]);
    await page.setInputFiles('#peer-zone-input', [load('big-peer.img')]);
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 2, null, { timeout: LONG });
    const top = await topRow(page);
    assert.deepEqual([top.name, top.value], ['fleet.part60.key41234', '9999']);
    const count = () => page.$eval('.filters .count', (c) => Number(c.textContent.replace(/[^0-9]/g, '')));
    assert.ok((await count()) >= 100_000, `at least 100,000 rows (${await count()})`);
    const rendered = () => page.$$eval('#ranking tbody tr', (trs) => trs.length);
    assert.ok((await rendered()) <= 200, 'one page of rows in the DOM');
    const timed = async (label, action, until) => {
      const t0 = Date.now();
      await action();
      await page.waitForFunction(until, null, { timeout: TIMEOUT });
      const ms = Date.now() - t0;
      console.log(`     100k rows: ${label} ${ms} ms`);
    };
    await timed('filter', () => page.fill('#filter', 'part60.key41234'), () => document.querySelectorAll('#ranking tbody tr').length === 1);
    await timed('clear filter', () => page.fill('#filter', ''), () => document.querySelectorAll('#ranking tbody tr').length === 200);
    await timed('sort by name', () => page.click('button.sort[data-column="Setting"]'),
      () => document.querySelector('button.sort[data-column="Setting"]').parentElement.getAttribute('aria-sort') === 'ascending');
    const names = await page.$$eval('#ranking tbody tr .name', (n) => n.map((e) => e.textContent));
    assert.deepEqual(names, [...names].sort(), 'sorted by name');
    assert.ok((await rendered()) <= 200);
    await page.screenshot({ path: join(SHOTS, 'rows100k.png') });
  },

  // A worker that dies mid-scan: that machine's card says so, the others finish on fresh workers.
  async workerCrash({ page }) {
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    // The pool starts its workers at page load; make each throw on its next request, as a
    // worker whose wasm trapped would.
    for (let i = 0; i < 50 && page.workers().length < 2; i++) await page.waitForTimeout(100);
    const sabotaged = page.workers().length;
    assert.ok(sabotaged >= 2, `workers started at load (${sabotaged})`);
    for (const w of page.workers()) {
      // Wait for the worker's own handler (installed once its wasm is ready), then replace it.
      await w.evaluate(() => new Promise((resolve) => {
        const sabotage = () => {
          if (self.onmessage === null) return setTimeout(sabotage, 20);
          self.onmessage = () => { throw new Error('simulated trap'); };
          resolve();
        };
        sabotage();
      }));
    }
    await page.setInputFiles('#target-zone-input', [load('target.img')]);
    await page.setInputFiles('#peer-zone-input', peers(sabotaged + 2));
    const total = sabotaged + 3;
    await page.waitForFunction((n) => document.querySelectorAll('.card.done, .card.failed').length === n, total, { timeout: TIMEOUT });
    const failed = await page.$$eval('.card.failed .error', (es) => es.map((e) => e.textContent));
    assert.equal(failed.length, sabotaged, `one failed card per crashed worker: ${JSON.stringify(failed)}`);
    for (const message of failed) assert.match(message, /the worker reading this machine crashed: .*simulated trap/);
    assert.equal(await page.$$eval('.card.done', (c) => c.length), 3);
    await page.screenshot({ path: join(SHOTS, 'worker-crash.png'), fullPage: true });
  },

  // One target and 100 peers in one tab: all finish, worker memory stays bounded.
  async load100({ page }) {
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    await page.setInputFiles('#target-zone-input', [load('target.img')]);
    await page.setInputFiles('#peer-zone-input', peers(100));
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 101, null, { timeout: LONG });
    assert.equal((await topRow(page)).name, 'permitrootlogin');
    assert.match(await page.$eval('#results .summary', (s) => s.textContent), /against 100 peers/);
    const memory = await workerMemory(page);
    assert.ok(memory.length >= 2, `the scan workers are alive (${memory.length})`);
    const peak = Math.max(...memory);
    const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
    console.log(`     100 peers: worker wasm memory ${memory.map((m) => (m / 2 ** 20).toFixed(1)).join(', ')} MiB; page JS heap ${(heap / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(peak <= 16 * 2 ** 20, `each worker's wasm memory stays under 16 MiB after 50 scans (${peak})`);
    await page.screenshot({ path: join(SHOTS, 'load100.png') });
  },
};
