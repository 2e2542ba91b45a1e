// Hostile and identifying content (tests/fixtures.d/65-privacy.sh):
// - xss: a real ext4 volume whose registry value names and values, sshd_config value and a
//   /etc/cron.d file name are HTML/JS; they must render as text everywhere and fire nothing;
// - privacy: two Windows machines from the corpus's real hives (WKS-WIN732BITA/vibranium,
//   DESKTOP-2KGM189/AndrewRathbun); no export of the page may name them, their SIDs or addresses.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { BASE_URL, FIXTURES, SHOTS, TIMEOUT, download } from '../lib.mjs';
import { decodeLink, makeLink } from './share.mjs';

const priv = (name) => join(FIXTURES, 'privacy', name);

const HOSTILE = ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', '<svg onload=alert(1)>'];

/** Counts elements the hostile strings would create if they were parsed as HTML. */
const injected = (page) => page.evaluate(() => ({
  img: document.querySelectorAll('main img').length,
  svgOnload: document.querySelectorAll('svg[onload]').length,
  scripts: [...document.querySelectorAll('script')].filter((s) => s.textContent.includes('alert(1)')).length,
  handlers: document.querySelectorAll('[onerror]').length,
}));
const none = { img: 0, svgOnload: 0, scripts: 0, handlers: 0 };

async function rankMachines(page, target, peers) {
  await page.goto(BASE_URL);
  await page.waitForSelector('#target-zone');
  await page.setInputFiles('#target-zone-input', [target]);
  await page.setInputFiles('#peer-zone-input', peers);
  await page.waitForFunction((n) => document.querySelectorAll('.card.done').length === n, peers.length + 1, { timeout: TIMEOUT });
  await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
}

/** The identifying strings the outputs must not contain (case-insensitive). */
function known() {
  const list = readFileSync(priv('known.txt'), 'utf8').split('\n').filter(Boolean);
  // The machines' own addresses as their SYSTEM hives record them.
  return [...list, '10.3.58.5', '192.168.1.123', '192.168.146.128'];
}

function assertClean(what, text) {
  const lower = text.toLowerCase();
  const leaks = known().filter((k) => lower.includes(k.toLowerCase()));
  if (/s-1-5-21-\d+-\d+-\d+/.test(lower)) leaks.push(`a domain SID: ${lower.match(/.{0,60}s-1-5-21-\d+-\d+-\d+.{0,20}/)[0]}`);
  assert.deepEqual(leaks, [], `${what} leaks`);
}

export const tests = {
  async xss({ context, page }) {
    const dialogs = [];
    context.on('page', (p) => p.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); }));
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    await rankMachines(page, priv('xss.img'), [priv('win7.img'), priv('win10.img')]);
    // Registry value name and data, config value, directory entry name: all in the table as text.
    await page.fill('#filter', 'alert(1)');
    await page.waitForFunction(() => document.querySelectorAll('#ranking tbody tr').length >= 4, null, { timeout: TIMEOUT });
    const rows = await page.$$eval('#ranking tbody tr', (trs) => trs.map((tr) => ({
      kind: tr.querySelector('.kind').textContent,
      path: tr.querySelector('.path').textContent,
      name: tr.querySelector('.name').textContent,
      value: tr.querySelector('.value').textContent,
    })));
    const find = (kind, name) => rows.find((r) => r.kind === kind && r.name === name);
    assert.equal(find('registry', HOSTILE[0])?.value, HOSTILE[1], JSON.stringify(rows, null, 1));
    assert.equal(find('registry', 'updater')?.value, HOSTILE[2]);
    assert.equal(find('config', 'banner')?.value, HOSTILE[1]);
    assert.equal(find('directory', HOSTILE[0])?.path, '/etc/cron.d');
    assert.deepEqual(await injected(page), none);
    await page.screenshot({ path: join(SHOTS, 'xss-table.png'), fullPage: true });
    // The detail panel of the registry row: title, value, chart labels, explanation.
    const index = rows.findIndex((r) => r.kind === 'registry' && r.name === HOSTILE[0]);
    await page.click(`#ranking tbody tr:nth-child(${index + 1})`);
    await page.waitForSelector('#detail');
    assert.equal(await page.textContent('#detail-title .name'), HOSTILE[0]);
    assert.equal(await page.textContent('#detail-value'), HOSTILE[1]);
    assert.ok((await page.textContent('#detail-explain')).includes(HOSTILE[0]));
    assert.deepEqual(await injected(page), none);
    await page.screenshot({ path: join(SHOTS, 'xss-detail.png'), fullPage: true });
    // Exports carry the strings as data.
    const csv = await download(page, '#export-csv');
    assert.ok(csv.text.includes(`,${HOSTILE[0]},"""><script>alert(1)</script>",`), 'CSV row of the registry value');
    const json = JSON.parse((await download(page, '#export-json')).text);
    assert.ok(json.ranking.some((r) => r.name === HOSTILE[0] && r.value === HOSTILE[1]));
    // The shared report.
    await page.fill('#filter', '');
    const link = await makeLink(page);
    const viewer = await context.newPage();
    await viewer.goto(link);
    await viewer.waitForSelector('#shared-report', { timeout: TIMEOUT });
    const shared = await viewer.$$eval('#shared-ranking tbody tr', (trs) => trs.map((tr) => [tr.querySelector('.name').textContent, tr.querySelector('.value').textContent]));
    assert.ok(shared.some(([n, v]) => n === HOSTILE[0] && v === HOSTILE[1]), JSON.stringify(shared.slice(0, 10)));
    assert.deepEqual(await injected(viewer), none);
    await viewer.screenshot({ path: join(SHOTS, 'xss-shared.png'), fullPage: true });
    await viewer.waitForTimeout(500);
    assert.deepEqual(dialogs, [], 'no dialog may open');
  },

  async privacy({ context, page }) {
    // The target's file is named after its host, as people name their images: the page shows
    // the name on its card, but no export or link may carry it.
    const dir = mkdtempSync(join(tmpdir(), 'vmsift-privacy-'));
    const target = join(dir, 'WKS-WIN732BITA.img');
    copyFileSync(priv('win7.img'), target);
    await rankMachines(page, target, [priv('win10.img')]);
    assert.ok((await page.$$eval('.card .name', (es) => es.map((e) => e.textContent))).includes('WKS-WIN732BITA.img'));
    assertClean('CSV export', (await download(page, '#export-csv')).text);
    assertClean('JSON export', (await download(page, '#export-json')).text);
    const profile = await download(page, '#save-profile');
    assert.ok(profile.bytes.length > 10_000, `${profile.bytes.length} bytes`);
    assertClean('saved profile', profile.bytes.toString('latin1'));
    const link = await makeLink(page);
    const { flags, body } = decodeLink(link);
    assert.equal(flags, 0);
    assertClean('share link', body.toString('utf8') + body.toString('latin1'));
    assert.ok(!body.toString('latin1').toLowerCase().includes('wks-win732bita'));
    // With the opt-in, the link says so and the report shows it; the settings crate has
    // replaced the names at extraction already, so they still do not appear.
    const open = await makeLink(page, { identifying: true });
    assert.equal(decodeLink(open).flags, 1);
    const viewer = await context.newPage();
    await viewer.goto(open);
    await viewer.waitForSelector('#shared-identifying', { timeout: TIMEOUT });
    assertClean('shared report page', await viewer.textContent('#shared-report'));
    await viewer.screenshot({ path: join(SHOTS, 'privacy-shared.png'), fullPage: true });
    await page.screenshot({ path: join(SHOTS, 'privacy.png'), fullPage: true });
  },
};
