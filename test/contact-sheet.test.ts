import pngjs from 'pngjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { misclassifiedPng, sheetLayout } from '../src/report/contact-sheet.js';
import { consecutiveImages } from '../src/report/image-set.js';
import { mistakesByConfidence } from '../src/report/mistakes.js';
import { smallTable } from './helpers/small-table.js';

// Six 28×28 images, each pixel a value its image, row and column give.
const ROWS = 28;
const COLUMNS = 28;
const pixelOf = (image: number, row: number, column: number) =>
  (image * 40 + row * 5 + column * 3) % 256;
const IMAGES = consecutiveImages(ROWS, COLUMNS,
  Uint8Array.from({ length: 6 * ROWS * COLUMNS }, (_, offset) => {
    const image = Math.floor(offset / (ROWS * COLUMNS));
    const within = offset % (ROWS * COLUMNS);
    return pixelOf(image, Math.floor(within / COLUMNS), within % COLUMNS);
  }));

function decode(png: Uint8Array) {
  return pngjs.PNG.sync.read(Buffer.from(png));
}

// ---

const sheet = suite('misclassifiedPng');

sheet('should be a grayscale PNG of one cell per mistake, in a single row for few', async () => {
  // a cell: 2 + 28 (digit) + 3 + 15 (4 characters of text) + 3 = 51 pixels wide, and
  // 2 + 28 + 2 = 32 high, drawn twice as large
  const png = decode(await misclassifiedPng(mistakesByConfidence(smallTable()), IMAGES, 6));
  assert.equal([png.width, png.height], [4 * 102, 64]);
  assert.is(png.colorType, 0, 'grayscale');
});

sheet('should draw each digit dark on white in its cell, most confident first', async () => {
  const mistakes = mistakesByConfidence(smallTable());
  const png = decode(await misclassifiedPng(mistakes, IMAGES, 6));
  // the order the table's comment works out: images 2, 1, 3, 4
  const cells = [[2, 4], [1, 106], [3, 208], [4, 310]];

  for (const [image, left] of cells) {
    for (const [row, column] of [[0, 0], [5, 20], [27, 27], [13, 14]]) {
      for (const [down, across] of [[0, 0], [1, 1]]) {
        const x = left + column * 2 + across;
        const y = 4 + row * 2 + down;
        const red = png.data[(y * png.width + x) * 4];
        assert.is(red, 255 - pixelOf(image, row, column),
          `image ${image}, row ${row}, column ${column} at (${x}, ${y})`);
      }
    }
  }
});

sheet('should write the labels beside each digit in dark ink', async () => {
  const png = decode(await misclassifiedPng(mistakesByConfidence(smallTable()), IMAGES, 6));
  // text of the first cell starts at (2 + 28 + 3) × 2 = 66 and runs 15 × 2 pixels
  let inked = 0;
  for (let y = 4; y < 60; y++) {
    for (let x = 66; x < 96; x++) if (png.data[(y * png.width + x) * 4] === 0) inked++;
  }
  assert.ok(inked > 50, `${inked} dark pixels beside the first digit`);
});

sheet('should wrap after 16 cells, and be a blank cell when nothing is wrong', async () => {
  const layout = sheetLayout(17, IMAGES, 60000);
  assert.equal([layout.cellsPerRow, layout.height / layout.cellHeight], [16, 2]);
  assert.equal(layout.digitOrigin(16), { x: 4, y: layout.cellHeight + 4 });

  const empty = decode(await misclassifiedPng([], IMAGES, 6));
  assert.equal([empty.width, empty.height], [102, 64]);
  assert.ok(empty.data.every((value) => value === 255), 'all white');
});

sheet.run();
