// A folder holding an extracted guest filesystem (`etc/…` at its root) is a machine in the page
// as on the command line (issue 12, item 6): chosen as the target, it is read from its files,
// and the page's summary and top suspects are the CLI's for the same machines.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BASE_URL, FIXTURES, SHOTS, TIMEOUT, VMSIFT } from '../lib.mjs';

export const tests = {
  async guest_tree_folder_ranks_like_the_cli({ page }) {
    const tree = join(FIXTURES, 'linux', 'tree');
    const peers = [join(FIXTURES, 'linux', 'linux-fat.img'), join(FIXTURES, 'linux', 'linux-ext4.img')];
    const cli = JSON.parse(execFileSync(VMSIFT, ['rank', '--target', tree, '--peers', ...peers, '--format', 'json', '--top', '5'],
      { maxBuffer: 1 << 26 }).toString());
    assert.ok(cli.suspects > 300, `the CLI read ${cli.suspects} settings from the tree`);
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone-folder');
    await page.setInputFiles('#target-zone-folder', tree);
    await page.setInputFiles('#peer-zone-input', peers);
    await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 3, null, { timeout: TIMEOUT });
    const target = await page.$eval('.card', (c) => ({
      role: c.querySelector('.role').textContent,
      status: c.querySelector('.status').textContent,
      read: c.querySelector('.bytes-read').textContent,
    }));
    assert.equal(target.role, 'Target');
    assert.match(target.status, /^[\d,]+ settings/);
    // A tree has no image size: the card says what was read, not a share of nothing.
    assert.match(target.read, /^read [\d.]+ KiB in \d+ reads$/);
    await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
    const summary = await page.$eval('.summary', (p) => p.textContent);
    assert.ok(summary.startsWith(`${cli.suspects.toLocaleString('en-US')} settings compared against 2 peers`), summary);
    const rows = await page.$$eval('#ranking tbody tr', (trs) => trs.slice(0, 5).map((tr) => ({
      path: tr.querySelector('.path').textContent,
      name: tr.querySelector('.name').textContent,
    })));
    assert.deepEqual(rows, cli.ranking.map((r) => ({ path: r.path, name: r.name })));
    await page.screenshot({ path: join(SHOTS, 'guest-tree.png') });
  },
};
