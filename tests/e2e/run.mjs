// End-to-end tests of the vmsift web app in headless Debian Chromium (playwright-core).
// Run by `cargo xtask test` (or `cargo xtask e2e [TEST...]`), which builds dist/, serves it and
// sets BASE_URL and FIXTURES. Screenshots go to target/e2e/ as artifacts.
// Tests live here and in flows/*.mjs (each exports `tests`, an object of async functions);
// helpers are in lib.mjs.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BASE_URL, CORPUS, FIXTURES, SHOTS, TIMEOUT, VMSIFT, columnValues, download, dropFiles, launch, loadSlice, origin, slice, sortState, topRow } from './lib.mjs';

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
  // Sort by clicks and keys, filter by kind, open a row's details (chart, explanation, peer diff).
  async detail({ page }) {
    await loadSlice(page);
    assert.equal(await sortState(page, '#'), 'ascending');
    for (const id of ['category', 'kind']) {
      assert.equal(await page.$eval(`#${id}`, (s) => s.selectedOptions[0].textContent), 'all', `#${id} shows "all"`);
    }
    await page.click('button.sort[data-column="P(sick)"]');
    assert.equal(await sortState(page, 'P(sick)'), 'ascending');
    assert.equal(await sortState(page, '#'), 'none');
    let p = (await columnValues(page, 'p')).map(Number);
    assert.deepEqual(p, [...p].sort((a, b) => a - b), 'P ascending');
    await page.click('button.sort[data-column="P(sick)"]');
    assert.equal(await sortState(page, 'P(sick)'), 'descending');
    p = (await columnValues(page, 'p')).map(Number);
    assert.deepEqual(p, [...p].sort((a, b) => b - a), 'P descending');
    // Keyboard: focus the Setting header's button and press Enter.
    await page.focus('button.sort[data-column="Setting"]');
    await page.keyboard.press('Enter');
    assert.equal(await sortState(page, 'Setting'), 'ascending');
    const paths = await page.$$eval('#ranking tbody tr td.setting .path', (s) => s.map((e) => e.textContent));
    assert.deepEqual(paths, [...paths].sort(), 'paths ascending');
    await page.focus('button.sort[data-column="#"]');
    await page.keyboard.press('Enter');
    assert.equal(await sortState(page, '#'), 'ascending');
    const ranks = (await columnValues(page, 'rank')).map((t) => parseInt(t, 10)); // '3 =5': rank, then ties
    assert.deepEqual(ranks, ranks.map((_, i) => i + 1));
    // Kind filter.
    const kinds = await page.$$eval('#kind option', (os) => os.map((o) => o.value).filter(Boolean));
    assert.ok(kinds.includes('config'), `kinds offered: ${kinds}`);
    await page.selectOption('#kind', 'config');
    const shownKinds = await page.$$eval('#ranking tbody tr td.setting .kind', (s) => [...new Set(s.map((e) => e.textContent))]);
    assert.deepEqual(shownKinds, ['config']);
    await page.selectOption('#kind', '');
    // Open the top row with the keyboard.
    await page.focus('#ranking tbody tr');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#detail');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'detail-title', 'focus moves to the panel');
    assert.equal(await page.textContent('#detail-value'), 'true');
    assert.equal(await page.textContent('#detail-n'), '4');
    const bars = await page.$$eval('#detail-chart .bar', (gs) => gs.map((g) => ({ value: g.dataset.value, count: Number(g.dataset.count), text: g.querySelector('.count').textContent })));
    assert.equal(bars.reduce((a, b) => a + b.count, 0), 4, 'bar counts sum to N');
    for (const b of bars) assert.equal(b.text, String(b.count));
    const m = Number(await page.textContent('#detail-m'));
    assert.equal(bars.find((b) => b.value === 'true')?.count ?? 0, m, 'm = the bar of the target value');
    assert.equal(bars.length + (m === 0 ? 1 : 0), Number(await page.textContent('#detail-c')), 'c = distinct values with the target');
    const explain = await page.textContent('#detail-explain');
    assert.match(explain, /permitrootlogin/);
    assert.match(explain, /P\(sick\)/);
    // Diff against a chosen peer: its value is one of the chart's, and not the target's.
    await page.selectOption('#diff-peer', { label: 'peer3.img' });
    const peerValue = await page.textContent('#diff-value');
    assert.ok(bars.some((b) => b.value === peerValue), `${peerValue} is among the peer values`);
    assert.notEqual(peerValue, 'true');
    assert.equal(await page.textContent('#diff-target'), 'true');
    // A click on another row shows that row.
    await page.click('#ranking tbody tr:nth-child(2)');
    const second = await page.$eval('#ranking tbody tr:nth-child(2) .name', (e) => e.textContent);
    assert.equal(await page.textContent('#detail-title .name'), second);
    await page.screenshot({ path: join(SHOTS, 'detail.png'), fullPage: true });
    await page.click('#detail .close');
    assert.equal(await page.$('#detail'), null);
    // Escape closes the panel and gives focus back to the row.
    await page.focus('#ranking tbody tr:nth-child(3)');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#detail');
    await page.keyboard.press('Escape');
    assert.equal(await page.$('#detail'), null);
    assert.equal(await page.evaluate(() => document.activeElement.id), await page.$eval('#ranking tbody tr:nth-child(3)', (tr) => tr.id));
  },

  // CSV and JSON exports download the whole ranking in the CLI's shapes.
  async exports({ page }) {
    await loadSlice(page, ['peer1', 'peer2']);
    const suspects = Number((await page.textContent('.summary')).split(' ')[0]);
    const csv = await download(page, '#export-csv');
    assert.equal(csv.name, 'vmsift-ranking.csv');
    const lines = csv.text.trimEnd().split('\n');
    assert.equal(lines[0], 'rank,probability,category,kind,path,name,value,m,c,ties');
    assert.equal(lines.length, suspects + 1);
    assert.match(lines[1], /^1,\d\.\d{6}e-?\d+,of-interest,config,\/etc\/ssh\/sshd_config,permitrootlogin,true,\d+,\d+,\d+$/);
    const json = await download(page, '#export-json');
    assert.equal(json.name, 'vmsift-ranking.json');
    const data = JSON.parse(json.text);
    assert.equal(data.peers, 2);
    assert.equal(data.suspects, suspects);
    assert.equal(data.ranking.length, suspects);
    for (const k of ['rank', 'kind', 'path', 'name', 'value', 'probability', 'category', 'm', 'c', 'peer_values']) {
      assert.ok(k in data.ranking[0], `ranking[0].${k}`);
    }
    assert.equal(data.ranking[0].name, 'permitrootlogin');
    assert.equal(data.ranking[0].peer_values.reduce((a, [, n]) => a + n, 0), 2);
  },

  // A chosen folder is one machine: its disk (in a subfolder) and its .vmx go to one worker.
  async folder({ page }) {
    const dir = join(mkdtempSync(join(tmpdir(), 'vmsift-folder-')), 'target-vm');
    mkdirSync(join(dir, 'disk'), { recursive: true });
    copyFileSync(slice('target'), join(dir, 'disk', 'target.img'));
    copyFileSync(join(CORPUS, 'vmconfig', 'vmx', 'v2v-test-i-vmx-1.vmx'), join(dir, 'target-vm.vmx'));
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone-folder');
    await page.setInputFiles('#target-zone-folder', dir);
    await page.setInputFiles('#peer-zone-input', [slice('peer1'), slice('peer2')]);
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 3, null, { timeout: TIMEOUT });
    const cards = await page.$$eval('.card', (cs) => cs.map((c) => ({ name: c.dataset.machine, role: c.querySelector('.role').textContent, files: c.querySelector('.files')?.textContent ?? null })));
    assert.deepEqual(cards[0], { name: 'target-vm', role: 'Target', files: '2 files' });
    assert.equal(cards.length, 3);
    // The .vmx was read together with the disk: the ranking has VM settings and the disk's.
    await page.selectOption('#kind', 'vm');
    assert.ok((await page.$$('#ranking tbody tr')).length > 0, 'vm settings from the .vmx');
    await page.selectOption('#kind', '');
    await page.fill('#filter', 'permitrootlogin');
    await page.waitForFunction(() => document.querySelectorAll('#ranking tbody tr').length === 1);
    assert.equal((await topRow(page)).value, 'true', 'the disk in the subfolder was read');
    await page.screenshot({ path: join(SHOTS, 'folder.png') });
  },

  // Save the peers as a profile, then rank a fresh page's target against the profile alone.
  async profile({ page }) {
    await loadSlice(page);
    const before = await page.$$eval('#ranking tbody tr', (trs) => trs.slice(0, 20).map((tr) => [tr.querySelector('.name').textContent, tr.querySelector('.p').textContent]));
    const saved = await download(page, '#save-profile');
    assert.equal(saved.name, 'peers.vmsiftpp');
    assert.ok(saved.bytes.length > 16);
    // The native CLI builds the same profile, byte for byte, from the same peers: profiles move
    // both ways between the CLI and the page. Load the CLI's file.
    const cliProfile = join(mkdtempSync(join(tmpdir(), 'vmsift-cli-')), 'cli.vmsiftpp');
    execFileSync(VMSIFT, ['profile', 'build', ...['peer1', 'peer2', 'peer3', 'peer4'].map(slice), '-o', cliProfile]);
    assert.deepEqual(readFileSync(cliProfile), saved.bytes, 'CLI and web app write identical profiles');
    await page.goto(BASE_URL);
    await page.setInputFiles('#target-zone-input', [slice('target')]);
    await page.setInputFiles('#load-profile', cliProfile);
    await page.waitForSelector('.profile-card');
    assert.equal(await page.textContent('.profile-card .name'), 'Profile: 4 peers');
    await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
    const after = await page.$$eval('#ranking tbody tr', (trs) => trs.slice(0, 20).map((tr) => [tr.querySelector('.name').textContent, tr.querySelector('.p').textContent]));
    assert.deepEqual(after, before, 'same ranking from the profile as from the machines');
    assert.match(await page.textContent('.summary'), /against 4 peers/);
    // A truncated copy is refused and the loaded profile stays.
    const truncated = join(mkdtempSync(join(tmpdir(), 'vmsift-pp-')), 'truncated.vmsiftpp');
    writeFileSync(truncated, saved.bytes.subarray(0, Math.floor(saved.bytes.length / 2)));
    await page.setInputFiles('#load-profile', truncated);
    await page.waitForSelector('#profile-error');
    assert.match(await page.textContent('#profile-error'), /truncated\.vmsiftpp/);
    assert.equal(await page.textContent('.profile-card .name'), 'Profile: 4 peers');
    await page.screenshot({ path: join(SHOTS, 'profile.png'), fullPage: true });
  },

  // After one visit the service worker has the shell and the demo fleet: with the network off
  // the app reloads, its workers start, and the demo is diagnosed.
  async offline({ context, page }) {
    await page.goto(BASE_URL);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: TIMEOUT });
    await context.setOffline(true);
    try {
      await page.reload();
      await page.click('#demo');
      await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 9, null, { timeout: TIMEOUT });
      assert.equal((await topRow(page)).name, 'passwordauthentication');
      await page.screenshot({ path: join(SHOTS, 'offline.png'), fullPage: true });
    } finally {
      await context.setOffline(false);
    }
  },

  // A file that is no profile gives a clear error and changes nothing.
  async profileCorrupt({ page }) {
    await loadSlice(page, ['peer1']);
    const summary = await page.textContent('.summary');
    await page.setInputFiles('#load-profile', [{ name: 'junk.vmsiftpp', mimeType: 'application/octet-stream', buffer: Buffer.from('definitely not a profile\n'.repeat(20)) }]);
    await page.waitForSelector('#profile-error');
    const message = await page.textContent('#profile-error');
    assert.match(message, /junk\.vmsiftpp is not a usable peer profile: /);
    assert.equal(await page.$('.profile-card'), null);
    assert.equal(await page.textContent('.summary'), summary);
    await page.screenshot({ path: join(SHOTS, 'profile-corrupt.png'), fullPage: true });
  },

  // Tab order, visible focus, labelled controls, and a clean layout at 1024 px.
  async keyboard({ page }) {
    await page.setViewportSize({ width: 1024, height: 800 });
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    const order = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => {
        const e = document.activeElement;
        const shown = e.classList.contains('visually-hidden') ? e.labels?.[0] ?? e : e;
        const style = getComputedStyle(shown);
        return { id: e.id, outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
      }));
    }
    assert.deepEqual(order.map((o) => o.id), ['demo', 'target-zone-input', 'target-zone-folder', 'peer-zone-input', 'peer-zone-folder', 'load-profile']);
    for (const o of order) assert.ok(o.outline, `visible focus on #${o.id}`);
    await page.click('#demo');
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 9, null, { timeout: TIMEOUT });
    await page.focus('#ranking tbody tr');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#detail');
    const unlabelled = await page.$$eval('button, input, select, [tabindex="0"]', (els) => els.filter((e) => {
      const name = (e.getAttribute('aria-label') ?? '') || (e.labels ? [...e.labels].map((l) => l.textContent).join('') : '') || (e.tagName === 'BUTTON' ? e.textContent : '');
      return !name.trim();
    }).map((e) => e.outerHTML.slice(0, 120)));
    assert.deepEqual(unlabelled, []);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scroll at 1024 px (overflow ${overflow})`);
    await page.screenshot({ path: join(SHOTS, 'keyboard-1024.png'), fullPage: true });
  },
};

for (const file of readdirSync(new URL('./flows/', import.meta.url)).filter((f) => f.endsWith('.mjs')).sort()) {
  const flows = (await import(`./flows/${file}`)).tests;
  for (const name of Object.keys(flows)) assert.ok(!(name in tests), `test ${name} defined twice`);
  Object.assign(tests, flows);
}

/** Longest any one test may take. */
const TEST_LIMIT_MS = 240_000;
const only = process.argv.slice(2);
let failed = 0;
for (const [name, test] of Object.entries(tests)) {
  if (only.length && !only.includes(name)) continue;
  const env = await launch();
  const started = Date.now();
  try {
    // A hung test fails (with its screenshot) instead of holding up the whole run.
    let timer;
    const limit = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${name} took over ${TEST_LIMIT_MS / 1000} s`)), TEST_LIMIT_MS); });
    await Promise.race([test(env), limit]).finally(() => clearTimeout(timer));
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
