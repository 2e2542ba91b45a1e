// The peer database (IndexedDB): settings cached by content fingerprint, named fleets,
// imported profiles kept, reload persistence, clearing, and corrupt imports refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, SHOTS, TIMEOUT, VMSIFT, download, dropFiles, loadSlice, slice } from '../lib.mjs';

const PEERS = ['peer1', 'peer2', 'peer3', 'peer4'];

/** The first rows of the ranking: name, value and P(sick). */
const ranking = (page) => page.$$eval('#ranking tbody tr', (trs) => trs.slice(0, 30).map((tr) =>
  [tr.querySelector('.name').textContent, tr.querySelector('.value').textContent, tr.querySelector('.p').textContent]));

/** Every machine card: name, whether it says "from cache", bytes read this time. */
const cards = (page) => page.$$eval('.card[data-machine]', (cs) => cs.map((c) => {
  const line = c.querySelector('.bytes-read');
  return { name: c.dataset.machine, cached: line.classList.contains('from-cache'), bytes: Number(line.dataset.bytes), text: line.textContent };
}));

const fleetNames = (page) => page.$$eval('#fleets .fleet', (ls) => ls.map((l) => l.dataset.fleet));
const waitCached = (page, n) => page.waitForFunction((n) => Number(document.querySelector('#cache-count')?.dataset.cached) === n, n, { timeout: TIMEOUT });
const waitFleets = (page, names) => page.waitForFunction((names) => JSON.stringify([...document.querySelectorAll('#fleets .fleet')].map((l) => l.dataset.fleet)) === JSON.stringify(names), names, { timeout: TIMEOUT });

/** What IndexedDB holds, read directly rather than through the app (never creates the database). */
async function stored(page) {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'vmsift')) return null;
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('vmsift');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction(['fleets', 'scans']);
        const fleets = tx.objectStore('fleets').getAll();
        const scans = tx.objectStore('scans').getAllKeys();
        tx.oncomplete = () => {
          db.close();
          resolve({
            version: db.version,
            fleets: fleets.result.map((f) => ({ id: f.id, name: f.name, origin: f.origin, digest: f.digest, size: f.profile.length })),
            scans: scans.result.length,
          });
        };
        tx.onerror = () => reject(tx.error);
      };
    });
  });
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A profile of `peers` built by the native CLI. */
function cliProfile(peers, name = 'cli.vmsiftpp') {
  const path = join(mkdtempSync(join(tmpdir(), 'vmsift-store-')), name);
  execFileSync(VMSIFT, ['profile', 'build', ...peers.map(slice), '-o', path]);
  return path;
}

async function saveFleet(page, name) {
  await page.fill('#fleet-name', name);
  await page.click('#save-fleet');
  await page.waitForSelector(`#fleets .fleet[data-fleet="${name}"]`, { timeout: TIMEOUT });
}

export const tests = {
  // Dropped once, extracted by workers and cached; after a reload the same images (dropped
  // again, by picker and by drag-and-drop) come from the cache: no worker starts, no byte is
  // read, the cards say so and the ranking is the same.
  async storeCache({ page }) {
    const cold = Date.now();
    await loadSlice(page);
    const coldMs = Date.now() - cold;
    const first = await cards(page);
    assert.equal(first.length, 5);
    for (const c of first) assert.ok(!c.cached && c.bytes > 0, `${c.name} was read by a worker: ${JSON.stringify(c)}`);
    const before = await ranking(page);
    await waitCached(page, 5);
    assert.equal((await stored(page)).scans, 5);

    await page.reload();
    await page.waitForSelector('#target-zone');
    const workers = [];
    page.on('worker', (w) => workers.push(w.url()));
    const started = Date.now();
    await page.setInputFiles('#target-zone-input', [slice('target')]);
    await dropFiles(page, '#peer-zone', PEERS.map(slice));
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 5, null, { timeout: TIMEOUT });
    await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
    console.log(`     5 machines ranked in ${coldMs} ms by workers (page load included), in ${Date.now() - started} ms from the cache`);
    const second = await cards(page);
    assert.equal(second.length, 5);
    for (const c of second) {
      assert.ok(c.cached, `${c.name} came from the cache`);
      assert.equal(c.bytes, 0, `${c.name}: no byte read`);
      assert.match(c.text, /^from cache · no image read/);
    }
    assert.deepEqual(workers, [], 'no worker was started');
    assert.deepEqual(await ranking(page), before, 'same ranking from the cache');
    assert.match(await page.textContent('.summary'), /against 4 peers/);
    assert.equal((await stored(page)).scans, 5, 'hits add no entries');
    await page.screenshot({ path: join(SHOTS, 'store-cache.png'), fullPage: true });
    await page.locator('.cards').screenshot({ path: join(SHOTS, 'store-cache-cards.png') });
  },

  // Save the peers as a named fleet; it survives a reload, loads as the peers (same ranking),
  // exports byte-identical to the CLI's profile, renames, deletes. Imported profiles are kept.
  async storeFleets({ page }) {
    await loadSlice(page);
    const before = await ranking(page);
    await page.waitForSelector('#no-fleets');
    await saveFleet(page, 'web tier');
    assert.match(await page.textContent('#store-status'), /Saved fleet “web tier”/);
    const cli = cliProfile(PEERS);
    const cliBytes = readFileSync(cli);
    const exported = await download(page, '#fleets .fleet[data-fleet="web tier"] button.export');
    assert.equal(exported.name, 'web-tier.vmsiftpp');
    assert.deepEqual(exported.bytes, cliBytes, 'a saved fleet exports byte-identical to `vmsift profile build`');

    await page.reload();
    await waitFleets(page, ['web tier']);
    assert.match(await page.textContent('#fleets .fleet'), /4 peers · \d+ settings · .* · saved \d{4}-\d\d-\d\d \d\d:\d\d/);
    await page.click('#fleets .fleet[data-fleet="web tier"] button.load');
    await page.waitForSelector('.profile-card');
    assert.equal(await page.textContent('.profile-card .name'), 'Profile: 4 peers');
    assert.match(await page.textContent('.profile-card .status'), /^web tier · /);
    await page.setInputFiles('#target-zone-input', [slice('target')]);
    await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
    assert.deepEqual(await ranking(page), before, 'the saved fleet ranks the target as the peers did before the reload');
    assert.match(await page.textContent('.summary'), /against 4 peers/);

    // An imported profile file is kept too, under its file name; the same bytes twice are one fleet.
    const two = cliProfile(['peer1', 'peer2'], 'two peers.vmsiftpp');
    await page.setInputFiles('#load-profile', two);
    await waitFleets(page, ['two peers.vmsiftpp', 'web tier']);
    assert.match(await page.textContent('#fleets .fleet[data-fleet="two peers.vmsiftpp"]'), /2 peers · .* imported/);
    await page.setInputFiles('#load-profile', cli);
    await page.waitForFunction(() => document.querySelector('.profile-card .status')?.textContent.startsWith('cli.vmsiftpp'));
    await page.waitForTimeout(300);
    assert.deepEqual(await fleetNames(page), ['two peers.vmsiftpp', 'web tier'], 'identical bytes are stored once');
    const db = await stored(page);
    assert.equal(db.version, 1);
    assert.deepEqual(db.fleets.map((f) => [f.name, f.origin]).sort(), [['two peers.vmsiftpp', 'imported'], ['web tier', 'saved']]);
    assert.equal(db.fleets.find((f) => f.name === 'web tier').digest, sha256(cliBytes));
    await page.screenshot({ path: join(SHOTS, 'store-fleets.png'), fullPage: true });
    await page.locator('#library').screenshot({ path: join(SHOTS, 'store-library.png') });

    // Rename with the keyboard; the new name survives a reload and names the export.
    await page.focus('#fleets .fleet[data-fleet="web tier"] button.rename');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#rename-input');
    await page.locator('#library').screenshot({ path: join(SHOTS, 'store-rename.png') });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'rename-input', 'focus moves to the name field');
    await page.fill('#rename-input', 'web tier (prod)');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#fleets .fleet[data-fleet="web tier (prod)"]');
    await page.reload();
    await waitFleets(page, ['two peers.vmsiftpp', 'web tier (prod)']);
    const renamed = await download(page, '#fleets .fleet[data-fleet="web tier (prod)"] button.export');
    assert.equal(renamed.name, 'web-tier-prod.vmsiftpp');
    assert.deepEqual(renamed.bytes, cliBytes);
    await page.click('#fleets .fleet[data-fleet="two peers.vmsiftpp"] button.delete');
    await waitFleets(page, ['web tier (prod)']);
    await page.reload();
    await waitFleets(page, ['web tier (prod)']);
  },

  // "Clear stored data" asks first (focus on the safe answer), then removes fleets and the
  // cache; after a reload nothing is stored and images are read again.
  async storeClear({ page }) {
    await loadSlice(page, ['peer1', 'peer2']);
    await waitCached(page, 3);
    await saveFleet(page, 'to be cleared');
    const usage = await page.textContent('#storage-usage');
    assert.match(usage, /This site uses \d[\d.]* (B|KiB|MiB|GiB) of the \d[\d.]* (B|KiB|MiB|GiB|TiB) the browser allows it\./);
    assert.match(usage, /Persistent storage (granted: the browser keeps this data until you clear it|not granted: the browser may delete this data when disk space runs low)\./);
    console.log(`     ${usage}`);
    await page.focus('#clear-store');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#clear-store-confirm');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'clear-store-keep', 'focus on the safe answer');
    assert.equal(await page.textContent('#clear-question'), 'Delete 1 saved fleet and the cached settings of 3 machines from this browser? This cannot be undone.');
    await page.locator('#library').screenshot({ path: join(SHOTS, 'store-clear-confirm.png') });
    await page.keyboard.press('Enter');
    await page.waitForSelector('#clear-store');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'clear-store', 'focus back on the trigger');
    assert.equal((await stored(page)).fleets.length, 1, '"Keep it" keeps it');
    await page.click('#clear-store');
    await page.click('#clear-store-confirm');
    await page.waitForSelector('#no-fleets');
    await waitCached(page, 0);
    assert.match(await page.textContent('#store-status'), /^Cleared/);
    await page.reload();
    await page.waitForSelector('#no-fleets');
    await waitCached(page, 0);
    assert.deepEqual(await stored(page), { version: 1, fleets: [], scans: 0 });
    await page.setInputFiles('#target-zone-input', [slice('target')]);
    await page.waitForSelector('.card.done', { timeout: TIMEOUT });
    const [card] = await cards(page);
    assert.ok(!card.cached && card.bytes > 0, 'read again after clearing');
  },

  // The demo fleet's images have fixed names, times and contents: a second visit diagnoses it
  // from the cache, with no worker. The library reads well in dark mode too.
  async storeDemo({ page }) {
    await page.goto(BASE_URL);
    await page.click('#demo');
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 9, null, { timeout: TIMEOUT });
    const before = await ranking(page);
    await waitCached(page, 9);
    await page.reload();
    await page.waitForSelector('#demo');
    const workers = [];
    page.on('worker', (w) => workers.push(w.url()));
    await page.click('#demo');
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 9, null, { timeout: TIMEOUT });
    await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
    assert.ok((await cards(page)).every((c) => c.cached && c.bytes === 0), 'all nine from the cache');
    assert.deepEqual(workers, []);
    assert.deepEqual(await ranking(page), before);
    await saveFleet(page, 'demo web servers');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('#library').screenshot({ path: join(SHOTS, 'store-library-dark.png') });
  },

  // A corrupt or truncated profile file is refused and leaves the database as it was.
  async storeCorrupt({ page }) {
    await loadSlice(page, ['peer1']);
    await saveFleet(page, 'one peer');
    await waitCached(page, 2);
    const before = await stored(page);
    assert.equal(before.fleets.length, 1);
    const good = cliProfile(['peer1', 'peer2']);
    const truncated = join(mkdtempSync(join(tmpdir(), 'vmsift-store-')), 'truncated.vmsiftpp');
    writeFileSync(truncated, readFileSync(good).subarray(0, 40));
    const junk = { name: 'junk.vmsiftpp', mimeType: 'application/octet-stream', buffer: Buffer.from('not a profile\n'.repeat(30)) };
    for (const [file, name] of [[truncated, 'truncated.vmsiftpp'], [junk, 'junk.vmsiftpp']]) {
      await page.setInputFiles('#load-profile', file);
      await page.waitForFunction((name) => document.querySelector('#profile-error')?.textContent.startsWith(name), name, { timeout: TIMEOUT });
      assert.match(await page.textContent('#profile-error'), / is not a usable peer profile: /);
      await page.waitForTimeout(300);
      assert.deepEqual(await stored(page), before, 'the database is unchanged');
      assert.deepEqual(await fleetNames(page), ['one peer']);
    }
    await page.reload();
    await waitFleets(page, ['one peer']);
    assert.deepEqual(await stored(page), before);
  },
};
