// report.html and misclassified.png of a real run (the shipped weights on the MNIST test
// set), looked at as a person would: the page in headless Chromium opened from disk, the
// sheet decoded by the encoder's own library. The browser tests are skipped, with the
// reason printed, where no Chromium is installed; CI sets REQUIRE_CHROMIUM to fail instead.

import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium, type Browser } from 'playwright-core';
import pngjs from 'pngjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { loadDataset } from '../src/data/dataset.js';
import { mnistPaths } from '../src/data/mnist-files.js';
import { PROJECT_ROOT, runCli } from './helpers/run-cli.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium reaches out on its own at start.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Kept after the run, unlike the other tests' temporary folders, so that the reports and
// the screenshots can be looked at (and kept by CI); git ignores the folder.
const folder = join(PROJECT_ROOT, 'test-output', 'report-html');
await rm(folder, { recursive: true, force: true });
await mkdir(folder, { recursive: true });
const out = join(folder, 'reports');
const run = await runCli('evaluate', ['--out', out, '--workers', '2', '--quiet']);
assert.is(run.exitCode, 0, run.stderr);

const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
const dataset = await loadDataset(mnistPaths('test'));
const firstMistake = await mostConfidentMistake();

// The wrong prediction of highest confidence, from predictions.csv; its six decimals must
// tell it apart from the next one, which holds for the shipped weights.
async function mostConfidentMistake(): Promise<number> {
  const rows = (await readFile(join(out, 'predictions.csv'), 'utf8')).trim().split('\n')
    .slice(1).map((line) => line.split(','))
    .filter((fields) => fields[4] === 'false')
    .sort((a, b) => Number(b[3]) - Number(a[3]));
  assert.ok(rows[0][3] !== rows[1][3], 'the two most confident mistakes are told apart');
  return Number(rows[0][0]);
}

function inkOf(image: number, pixel: number): number {
  return 255 - dataset.pixels[image * 784 + pixel];
}

// ---

const sheet = suite('misclassified.png of a run');

sheet('should decode to one cell per mistake, 16 to a row', async () => {
  const png = pngjs.PNG.sync.read(await readFile(join(out, 'misclassified.png')));
  // cells of (2 + 28 + 3 + 15 + 3) × (2 + 28 + 2) pixels, drawn twice as large; indexes up
  // to 9999 and "100%" take 4 characters of 3 pixels and a 1-pixel space
  assert.equal([png.width, png.height],
    [16 * 102, Math.ceil(summary.errors / 16) * 64]);
});

sheet('should draw the most confident mistake first, dark on white', async () => {
  const png = pngjs.PNG.sync.read(await readFile(join(out, 'misclassified.png')));
  let differences = 0;
  for (let pixel = 0; pixel < 784; pixel++) {
    const x = 4 + (pixel % 28) * 2;
    const y = 4 + Math.floor(pixel / 28) * 2;
    if (png.data[(y * png.width + x) * 4] !== inkOf(firstMistake, pixel)) differences++;
  }
  assert.is(differences, 0, `${differences} of 784 pixels of image ${firstMistake} differ`);
});

sheet.run();

// ---

const page = suite('report.html in headless Chromium');

if (!existsSync(CHROMIUM)) {
  const reason = `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set ` +
    'CHROMIUM_PATH)';
  if (process.env.REQUIRE_CHROMIUM !== undefined) {
    throw new Error(reason.replace('skipped', 'REQUIRE_CHROMIUM is set, but'));
  }
  console.log(reason);
  page.skip('should open from disk with no console error and no request', () => {});
} else {
  let browser: Browser;
  page.before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  page.after(async () => browser?.close());

  page('should open from disk with no console error and no request', async () => {
    const tab = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    tab.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    tab.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith('data:') && url !== pageUrl()) problems.push(`request: ${url}`);
    });

    await tab.goto(pageUrl());
    await tab.waitForSelector('body[data-gallery-ready="true"]');
    const screenshot = join(folder, 'report.png');
    await tab.screenshot({ path: screenshot, fullPage: true });
    console.log(`report.html screenshot: ${screenshot}`);
    assert.equal(problems, []);
  });

  page('should show the confusion matrix\'s counts in 100 heatmap cells', async () => {
    const tab = await openReport();
    const cells = await tab.$$eval('#heatmap tbody td', (elements) =>
      elements.map((element) => element.textContent ?? ''));
    assert.is(cells.length, 100);
    assert.equal(cells.map((text) => Number(text.replace(/,/g, ''))),
      summary.confusionMatrix.counts.flat());
  });

  page('should switch the cells to rates by true class and by predicted class', async () => {
    const tab = await openReport();
    const counts: number[][] = summary.confusionMatrix.counts;
    const cellText = () => tab.$$eval('#heatmap tbody td', (elements) =>
      elements.map((element) => element.textContent ?? ''));
    const rowSums = counts.map((row) => row.reduce((a, b) => a + b, 0));
    const columnSums = counts[0].map((_, column) => counts.reduce((a, row) => a + row[column], 0));
    const asRate = (count: number, sum: number) => count === 0 ? '0' :
      (100 * count / sum).toFixed(1);

    await tab.check('input[name="heatmap-view"][value="1"]');
    assert.equal(await cellText(), counts.flatMap((row, label) =>
      row.map((count) => asRate(count, rowSums[label]))));

    await tab.check('input[name="heatmap-view"][value="2"]');
    assert.equal(await cellText(), counts.flatMap((row) =>
      row.map((count, column) => asRate(count, columnSums[column]))));
    await tab.screenshot({ path: join(folder, 'report-by-predicted.png') });
  });

  page('should draw one image per mistake, most confident first, from its pixels', async () => {
    const tab = await openReport();
    assert.is(await tab.locator('#gallery canvas').count(), summary.errors);

    // the page's own DOM types are not the project's: read the canvas with a plain expression
    const drawn = await tab.evaluate(`Array.from(document.querySelector('#gallery canvas')
      .getContext('2d').getImageData(0, 0, 28, 28).data)`) as number[];
    const red = drawn.filter((_, index) => index % 4 === 0);
    const expected = Array.from({ length: 784 }, (_, pixel) => inkOf(firstMistake, pixel));
    assert.equal(red, expected, `the first canvas holds image ${firstMistake}`);
    assert.match(await tab.textContent('#gallery figure') ?? '', `#${firstMistake}`);
  });

  page('should filter the gallery by true and by predicted class', async () => {
    const tab = await openReport();
    const counts: number[][] = summary.confusionMatrix.counts;
    await tab.selectOption('#filter-true', '4');
    await tab.selectOption('#filter-predicted', '9');
    assert.is(await tab.locator('#gallery figure:visible').count(), counts[4][9]);
    assert.is(await tab.textContent('#gallery-count'),
      `${counts[4][9]} of ${summary.errors} shown`);

    await tab.click('#filter-clear');
    assert.is(await tab.locator('#gallery figure:visible').count(), summary.errors);
  });

  page('should show a mistake cell\'s images when the cell is clicked', async () => {
    const tab = await openReport();
    const counts: number[][] = summary.confusionMatrix.counts;
    await tab.click('#heatmap td[data-row="9"][data-column="4"]');
    assert.is(await tab.locator('#gallery figure:visible').count(), counts[9][4]);
    assert.equal([await tab.inputValue('#filter-true'),
      await tab.inputValue('#filter-predicted')], ['9', '4']);
  });

  async function openReport() {
    const tab = await browser.newPage();
    await tab.goto(pageUrl());
    await tab.waitForSelector('body[data-gallery-ready="true"]');
    return tab;
  }
}

function pageUrl(): string {
  return pathToFileURL(join(out, 'report.html')).href;
}

page.run();
