// The page ranks a realistic fleet as the CLI does: the small form of the realistic fleet
// benchmark (tests/fixtures.d/95-realfleet.sh), whose peers differ in hundreds of
// identifiers. Peer-aware alignment runs in the page too, so its top suspects are the CLI's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_URL, FIXTURES, SHOTS, TIMEOUT, VMSIFT } from '../lib.mjs';

const fleet = join(FIXTURES, 'realfleet-small', 'win');
/** A machine's disk image (each machine folder holds one disk and its .vmx). */
const disk = (machine) => {
  const dir = join(fleet, machine);
  return join(dir, readdirSync(dir).find((f) => f.startsWith('disk.')));
};

export const tests = {
  async realistic_fleet_top3_equals_the_cli({ page }) {
    const peers = readdirSync(fleet).filter((m) => m.startsWith('win-peer')).sort().map(disk);
    const target = disk('win-t-rdp-denied');
    assert.ok(peers.length >= 8, `peers in ${fleet}`);
    const cli = JSON.parse(execFileSync(VMSIFT, ['rank', '--target', target, '--peers', ...peers, '--format', 'json', '--top', '3'],
      { maxBuffer: 1 << 28 }).toString());
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    await page.setInputFiles('#target-zone-input', [target]);
    await page.setInputFiles('#peer-zone-input', peers);
    await page.waitForFunction((n) => document.querySelectorAll('.card.done').length === n, peers.length + 1, { timeout: 4 * TIMEOUT });
    await page.waitForSelector('#ranking tbody tr', { timeout: TIMEOUT });
    const rows = await page.$$eval('#ranking tbody tr', (trs) => trs.slice(0, 3).map((tr) => ({
      path: tr.querySelector('.path').textContent,
      name: tr.querySelector('.name').textContent,
    })));
    assert.deepEqual(rows, cli.ranking.map((r) => ({ path: r.path, name: r.name })));
    // Each rank says how many rows share its P(sick), as the CLI does.
    const ranks = await page.$$eval('#ranking tbody tr td.rank', (tds) => tds.slice(0, 3).map((td) => td.textContent));
    assert.deepEqual(ranks, cli.ranking.map((r) => (r.ties > 1 ? `${r.rank} =${r.ties}` : `${r.rank}`)));
    // The culprit: Remote Desktop denied on the target, where every peer allows it.
    assert.match(rows[0].path, /terminal server$/);
    assert.equal(rows[0].name, 'fdenytsconnections');
    await page.screenshot({ path: join(SHOTS, 'realfleet.png'), fullPage: true });
  },
};
