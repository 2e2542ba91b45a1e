// Dark mode follows the system; the layout holds from 1024 px to wide screens.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BASE_URL, SHOTS, TIMEOUT } from '../lib.mjs';

/** Relative luminance (0 black … 1 white) of a CSS rgb() colour. */
const luminance = (rgb) => {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

async function demo(page) {
  await page.goto(BASE_URL);
  await page.click('#demo');
  await page.waitForFunction(() => document.querySelectorAll('.card.done').length === 9, null, { timeout: TIMEOUT });
  await page.waitForSelector('#ranking tbody tr');
}

export const tests = {
  async darkMode({ page }) {
    await page.emulateMedia({ colorScheme: 'dark' });
    await demo(page);
    const colours = await page.evaluate(() => {
      const style = (sel) => getComputedStyle(document.querySelector(sel));
      return { body: style('body').backgroundColor, text: style('body').color, cell: style('#ranking td.value').color };
    });
    assert.ok(luminance(colours.body) < 0.05, `dark background (${colours.body})`);
    assert.ok(luminance(colours.text) > 0.5, `light text (${colours.text})`);
    const contrast = (luminance(colours.text) + 0.05) / (luminance(colours.body) + 0.05);
    assert.ok(contrast >= 7, `text contrast ${contrast.toFixed(1)}:1 (WCAG AAA is 7:1)`);
    await page.screenshot({ path: join(SHOTS, 'dark-demo.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.ok(luminance(light) > 0.8, `light background when the system is light (${light})`);
  },

  async wideLayout({ page }) {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await demo(page);
    const layout = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      table: document.querySelector('#ranking').getBoundingClientRect().width,
      main: document.querySelector('main').getBoundingClientRect().width,
    }));
    assert.ok(layout.overflow <= 0, `no horizontal scroll at 1920 px (${layout.overflow})`);
    assert.ok(layout.table >= 0.9 * layout.main, `the table uses the width (${layout.table} of ${layout.main})`);
    await page.screenshot({ path: join(SHOTS, 'wide-1920.png') });
  },
};
