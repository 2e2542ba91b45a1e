// Drop-to-ranked-list timings in headless Chromium for tests/bench/browser.sh.
// Prints {"demo": seconds, "sparse": seconds} (medians of RUNS runs, fresh profile each).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_URL, launch } from '../e2e/lib.mjs';

const RUNS = Number(process.env.RUNS ?? 3);
const TIMEOUT = 10 * 60_000;
const target = process.env.SPARSE_TARGET;
const peers = readdirSync(process.env.SPARSE_PEERS).filter((f) => f.endsWith('.qcow2')).sort()
  .map((f) => join(process.env.SPARSE_PEERS, f));

const ranked = (n) => (n) => document.querySelectorAll('.card.done').length === n
  && document.querySelector('#ranking tbody tr') !== null;

async function timeOnce(scenario) {
  const { context, page } = await launch();
  try {
    await page.goto(BASE_URL);
    await page.waitForSelector('#target-zone');
    const t0 = Date.now();
    if (scenario === 'demo') {
      await page.click('#demo');
      await page.waitForFunction(ranked(), 9, { timeout: TIMEOUT, polling: 50 });
    } else {
      await page.setInputFiles('#target-zone-input', [target]);
      await page.setInputFiles('#peer-zone-input', peers);
      await page.waitForFunction(ranked(), peers.length + 1, { timeout: TIMEOUT, polling: 50 });
    }
    return (Date.now() - t0) / 1000;
  } finally {
    await context.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const result = {};
for (const scenario of ['demo', 'sparse']) {
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeOnce(scenario));
  console.error(`${scenario}: ${times.map((t) => t.toFixed(3)).join(' ')} s`);
  result[scenario] = median(times).toFixed(3);
}
console.log(JSON.stringify(result));
