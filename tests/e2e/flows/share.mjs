// Sharing: "Share report" links (#report=v1.…) and #profile=<same-origin URL> preloads.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { BASE_URL, SHOTS, TIMEOUT, VMSIFT, loadSlice, origin, slice, topRow } from '../lib.mjs';

/** Where the served app lives (xtask serves this directory, read on every request). */
const DIST = resolve(process.env.VMSIFT_DIST ?? 'dist');

/** The decoded payload of a share link: { version, flags, body (inflated bytes) }. */
export function decodeLink(link) {
  const data = new URL(link).hash.replace(/^#report=v1\./, '');
  const raw = Buffer.from(data, 'base64url');
  return { version: raw[0], flags: raw[1], body: inflateRawSync(raw.subarray(2)) };
}

/** Clicks "Share report" (with or without the opt-in) and returns the link shown. */
export async function makeLink(page, { identifying = false } = {}) {
  if (identifying) await page.check('#share-identifying');
  await page.click('#share-report');
  await page.waitForSelector('#share-link');
  return page.inputValue('#share-link');
}

export const tests = {
  // Share the slice fleet's ranking; the link opens the read-only report in a fresh tab,
  // without images; the clipboard holds the same link.
  async shareLink({ context, page }) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await loadSlice(page);
    const top = await topRow(page);
    const suspects = Number((await page.textContent('.summary')).split(' ')[0]);
    const link = await makeLink(page);
    assert.ok(link.startsWith(`${BASE_URL}#report=v1.`), link);
    assert.equal(await page.textContent('#share-status'), 'Copied to the clipboard.');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    assert.equal(await page.$eval('#share-link', (i) => i.readOnly), true);
    const { version, flags, body } = decodeLink(link);
    assert.deepEqual([version, flags], [1, 0]);
    assert.ok(body.length > 100 && body.length < 64 * 1024, `${body.length} bytes inflated`);
    assert.ok(!body.toString('latin1').includes('.img'), 'no image or machine names in the link');
    await page.screenshot({ path: join(SHOTS, 'share-bar.png'), fullPage: true });

    const viewer = await context.newPage();
    const requests = [];
    viewer.on('request', (r) => requests.push(r.url()));
    await viewer.goto(link);
    await viewer.waitForSelector('#shared-report', { timeout: TIMEOUT });
    assert.equal(await viewer.textContent('#shared-title'), 'Shared report — no images');
    const rows = await viewer.$$eval('#shared-ranking tbody tr', (trs) => trs.map((tr) => ({
      rank: Number(tr.querySelector('.rank').textContent),
      name: tr.querySelector('.name').textContent,
      path: tr.querySelector('.path').textContent,
      value: tr.querySelector('.value').textContent,
      peers: tr.querySelector('.peers').textContent,
      n: Number(tr.querySelector('.n').textContent),
    })));
    assert.equal(rows.length, Math.min(50, suspects));
    assert.deepEqual(rows.map((r) => r.rank), rows.map((_, i) => i + 1));
    assert.deepEqual({ name: rows[0].name, path: rows[0].path, value: rows[0].value }, { name: top.name, path: top.path, value: top.value });
    assert.match(rows[0].peers, /^\d+ × /);
    assert.equal(rows[0].n, 4);
    assert.match(await viewer.textContent('#shared-report .summary'), /against 4 peers/);
    // Nothing of the machines: no cards, no images requested, no ranking of this tab's own.
    assert.equal(await viewer.$('.card'), null);
    assert.equal(await viewer.$('#ranking'), null);
    assert.ok(!requests.some((u) => /\.(img|vhdx?|vmdk|qcow2|ova|vmsiftpp)(\?|$)/.test(u)), requests.join('\n'));
    await viewer.screenshot({ path: join(SHOTS, 'share-view.png'), fullPage: true });
    // Closing the report leaves an empty app and clears the address.
    await viewer.click('#close-shared');
    assert.equal(await viewer.$('#shared-report'), null);
    assert.equal(new URL(viewer.url()).hash, '');
    await viewer.close();

    // Pasting another (damaged) link into the same tab follows it: a clear error at the top.
    await page.evaluate((h) => { location.hash = h; }, new URL(link).hash.slice(0, 60));
    await page.waitForSelector('#fragment-error');
    assert.match(await page.textContent('#fragment-error'), /^This shared report link cannot be read: share link: /);
  },

  // Damaged links: cut short, a character changed, another version, a zip bomb.
  async shareCorrupt({ page }) {
    await loadSlice(page, ['peer1']);
    const link = await makeLink(page);
    const hash = new URL(link).hash;
    const cases = [
      // Cut short: the base64 layer (a broken last symbol) or the deflate stream notices.
      [hash.slice(0, hash.length - 20), /share link: (base64 data|deflate stream|rows\[\d+\]\.[a-z ]+) at \d+: /],
      // A character a chat client changed: position 30 of the fragment is 19 of the data.
      [hash.slice(0, 30) + '%' + hash.slice(31), /base64 data at 19: not a base64url character/],
      [hash.replace('v1.', 'v7.'), /version tag "v7" is not v1/],
    ];
    for (const [h, message] of cases) {
      const tab = await page.context().newPage();
      await tab.goto(`${BASE_URL}${h}`);
      await tab.waitForSelector('#fragment-error', { timeout: TIMEOUT });
      const text = await tab.textContent('#fragment-error');
      assert.match(text, message, h.slice(0, 40));
      assert.equal(await tab.$('#shared-report'), null);
      if (h === cases[0][0]) await tab.screenshot({ path: join(SHOTS, 'share-corrupt.png'), fullPage: true });
      await tab.close();
    }
  },

  // #profile=<same-origin URL> preloads the fleet profile; other origins are refused before
  // any request; a missing file says so.
  async profileUrl({ context, page }) {
    const dir = join(DIST, 'e2e-share');
    mkdirSync(dir, { recursive: true });
    execFileSync(VMSIFT, ['profile', 'build', ...['peer1', 'peer2', 'peer3', 'peer4'].map(slice), '-o', join(dir, 'fleet.vmsiftpp')]);
    await page.goto(`${BASE_URL}#profile=e2e-share/fleet.vmsiftpp`);
    await page.waitForSelector('.profile-card', { timeout: TIMEOUT });
    assert.equal(await page.textContent('.profile-card .name'), 'Profile: 4 peers');
    await page.setInputFiles('#target-zone-input', [slice('target')]);
    await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
    assert.equal((await topRow(page)).name, 'permitrootlogin');
    assert.match(await page.textContent('.summary'), /against 4 peers/);
    await page.screenshot({ path: join(SHOTS, 'profile-url.png'), fullPage: true });

    for (const [url, message] of [
      ['https://example.com/fleet.vmsiftpp', /is on another site \(https:\/\/example\.com\)\. This page only loads profiles from its own site/],
      ['//example.org/fleet.vmsiftpp', /is on another site \(https:\/\/example\.org\)|is on another site \(http:\/\/example\.org\)/],
      ['e2e-share/missing.vmsiftpp', /could not be fetched: HTTP 404/],
    ]) {
      const tab = await context.newPage();
      await tab.goto(`${BASE_URL}#profile=${encodeURIComponent(url)}`);
      await tab.waitForSelector('#fragment-error', { timeout: TIMEOUT });
      assert.match(await tab.textContent('#fragment-error'), message, url);
      assert.equal(await tab.$('.profile-card'), null);
      if (url.startsWith('https:')) await tab.screenshot({ path: join(SHOTS, 'profile-url-foreign.png'), fullPage: true });
      await tab.close();
    }
    // A file that is no profile.
    writeFileSync(join(dir, 'junk.vmsiftpp'), 'not a profile\n'.repeat(10));
    const tab = await context.newPage();
    await tab.goto(`${BASE_URL}#profile=e2e-share/junk.vmsiftpp`);
    await tab.waitForSelector('#fragment-error', { timeout: TIMEOUT });
    assert.match(await tab.textContent('#fragment-error'), /junk\.vmsiftpp is not a usable peer profile: binary peer profile/);
  },
};
