/* global wasm_bindgen */
// Hostile inputs that once cost gigabytes or minutes (issue 15, ../shared/probes/resource-findings.sh):
// in the page each one ends within 5 s, the tab stays alive, and the machine's card shows a
// warning naming the file that was skipped; the exports carry the warnings.
// Fixtures from tests/fixtures.d/95-resource.sh (resource/). f6, a FIFO, cannot be dropped on a
// page (a browser offers regular files only), so it is not here; the CLI test refuses it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BASE_URL, FIXTURES, SHOTS, TIMEOUT, download } from '../lib.mjs';

const resource = (name) => join(FIXTURES, 'resource', name);

/** Each input and a path its card's warnings must name. */
const INPUTS = [
  ['f1.qcow2', '/Windows/System32/config/SYSTEM'], // sparse 512 MiB dirty hives, 256 MiB logs
  ['f2.img', '/Windows/System32/config/SYSTEM.LOG'], // a log declaring 512 MiB of hive bins
  ['f3.qcow2', '/etc/sysctl.d/k'], // a 100k-line file hard-linked 50 times
  ['f4.qcow2', '/var/log/a'], // a sparse 64 MiB log hard-linked 200 times
  ['f5-loop.img', '/etc/default'], // a FAT directory whose cluster chain points to itself
  ['g1.qcow2', '/etc/ssh/sshd_config'], // a sparse 512 MiB file at every path the profile reads
];

/** Limit per input, from the drop to the finished card (issue 15: 5 s). */
const LIMIT_MS = 5000;
/** Memory a scan worker may reach (issue 15: 256 MiB per machine). */
const MEMORY_LIMIT = 256 * 2 ** 20;

/** wasm memory of every live scan worker, in bytes (it only grows: each worker's peak). */
const workerMemory = (page) => Promise.all(page.workers().map((w) =>
  w.evaluate(() => wasm_bindgen().then((wasm) => wasm.memory.buffer.byteLength))));

/** The card of `name`: its state and its warnings. */
const card = (page, name) => page.$eval(`.card[data-machine="${name}"]`, (c) => ({
  state: ['queued', 'working', 'done', 'failed', 'cancelled'].find((s) => c.classList.contains(s)),
  summary: c.querySelector('.warnings summary')?.textContent ?? null,
  warnings: [...c.querySelectorAll('.warnings li')].map((li) => li.textContent),
}));

const settled = (page, name) => page.waitForFunction((name) => {
  const c = document.querySelector(`.card[data-machine="${name}"]`);
  return c && c.getAttribute('aria-busy') === 'false';
}, name, { timeout: TIMEOUT, polling: 20 });

/** Drops `name` on the peers and returns how long its card took to finish, in ms. */
async function dropPeer(page, name) {
  const started = Date.now();
  await page.setInputFiles('#peer-zone-input', [resource(name)]);
  await settled(page, name);
  return Date.now() - started;
}

export const tests = {
  // One after another in one tab, like a user trying them: each finishes in time with a
  // warning naming the file, and the tab keeps working (the demo fleet still ranks after).
  async resourceCards({ page, errors }) {
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    const times = {};
    for (const [name, path] of INPUTS) {
      times[name] = await dropPeer(page, name);
      const c = await card(page, name);
      assert.equal(c.state, 'done', `${name}: ${JSON.stringify(c)}`);
      assert.ok(times[name] <= LIMIT_MS, `${name} took ${times[name]} ms`);
      assert.match(c.summary, /^⚠ \d+ warnings?: partly read$/, name);
      assert.ok(c.warnings.some((w) => w.includes(path)), `${name}: a warning names ${path}: ${JSON.stringify(c.warnings)}`);
      assert.equal(await page.evaluate(() => 6 * 7), 42, `${name}: the tab answers`);
    }
    console.log(`     drop to finished card: ${JSON.stringify(times)}`);
    const memory = await workerMemory(page);
    const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
    console.log(`     worker wasm memory ${memory.map((m) => (m / 2 ** 20).toFixed(1)).join(', ')} MiB; page JS heap ${(heap / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(memory.length >= 2, `the scan workers are alive (${memory.length})`);
    for (const m of memory) assert.ok(m <= MEMORY_LIMIT, `a scan worker reached ${m} bytes`);
    // Open every card's warnings for the screenshot.
    await page.$$eval('.card .warnings', (ds) => ds.forEach((d) => { d.open = true; }));
    await page.screenshot({ path: join(SHOTS, 'resource-cards.png'), fullPage: true });
    // Still alive and working: the workers take the demo fleet after all that.
    await page.click('#clear');
    await page.click('#demo');
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 9, null, { timeout: TIMEOUT });
    await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
    assert.deepEqual(errors, []);
  },

  // The exports: the JSON carries each machine's warnings (as `vmsift rank --format json`),
  // the warnings CSV one line per warning, and the ranking CSV keeps the CLI's columns.
  async resourceExports({ page }) {
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    await page.setInputFiles('#target-zone-input', [resource('f1.qcow2')]);
    await page.setInputFiles('#peer-zone-input', ['f2.img', 'f4.qcow2', 'f5-loop.img'].map(resource));
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 4, null, { timeout: TIMEOUT });
    await page.waitForSelector('#export-warnings', { timeout: TIMEOUT });
    const shown = {};
    for (const name of ['f1.qcow2', 'f2.img', 'f4.qcow2', 'f5-loop.img']) shown[name] = (await card(page, name)).warnings;

    const json = JSON.parse((await download(page, '#export-json')).text);
    assert.deepEqual(json.warnings.map((w) => w.machine), ['f1.qcow2', 'f2.img', 'f4.qcow2', 'f5-loop.img']);
    for (const w of json.warnings) assert.deepEqual(w.warnings, shown[w.machine], w.machine);

    const csv = await download(page, '#export-warnings');
    assert.equal(csv.name, 'vmsift-warnings.csv');
    const lines = csv.text.trimEnd().split('\n');
    assert.equal(lines[0], 'machine,warning');
    assert.equal(lines.length - 1, Object.values(shown).flat().length);
    for (const [name, list] of Object.entries(shown)) {
      for (const w of list) assert.ok(lines.includes(`${name},${/[,"]/.test(w) ? `"${w.replaceAll('"', '""')}"` : w}`), `${name}: ${w}`);
    }
    const ranking = await download(page, '#export-csv');
    assert.ok(ranking.text.startsWith('rank,probability,category,kind,path,name,value,m,c,ties\n'));
    await page.$$eval('.card .warnings', (ds) => ds.forEach((d) => { d.open = true; }));
    await page.screenshot({ path: join(SHOTS, 'resource-exports.png'), fullPage: true });
  },
};
