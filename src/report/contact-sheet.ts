// misclassified.png: the misclassified digits on one contact sheet, for where no browser is
// at hand. Each cell holds a digit, dark on white as on paper, and beside it three lines in
// a tiny bitmap font: "true>predicted", the image's index, and the confidence in percent.
// Cells run left to right, most confident mistakes first, as in report.html's gallery.
// The sheet is drawn at twice the pixel size so that the text is legible without zooming.

import { drawText, textWidth, type GrayImage } from './digit-font.js';
import { encodeGrayPng } from './gray-png.js';
import type { Mistake } from './mistakes.js';

/** The images whose pixels are drawn, each rows × columns bytes, row-major. */
export interface ImageSet {
  rows: number;
  columns: number;
  /** The pixels of image `index`; only misclassified images are ever asked for. */
  pixelsOf(index: number): Uint8Array;
}

/** An ImageSet over consecutive images: (count, rows × columns) bytes. */
export function consecutiveImages(rows: number, columns: number, pixels: Uint8Array): ImageSet {
  const size = rows * columns;
  return { rows, columns, pixelsOf: (index) => pixels.subarray(index * size, (index + 1) * size) };
}

/** Where everything sits on a sheet, in the PNG's pixels. */
export interface SheetLayout {
  scale: number;
  cellWidth: number;
  cellHeight: number;
  cellsPerRow: number;
  width: number;
  height: number;
  /** Top-left corner of the `position`-th digit on the sheet. */
  digitOrigin(position: number): { x: number; y: number };
}

/** Most cells in one row of the sheet. */
export const CELLS_PER_ROW = 16;
// the sheet is drawn at scale 1 and doubled(): twice the pixel size
const SCALE = 2;
const PADDING = 2;
const TEXT_GAP = 3;
const LINE_HEIGHT = 8;
const FRAME_INK = 200;
const TEXT_INK = 0;
const CONFIDENCE_INK = 90;

/** The sheet's layout for `count` mistakes among images numbered below `imageCount`. */
export function sheetLayout(count: number, images: ImageSet, imageCount: number): SheetLayout {
  // wide enough for the longest index, and for "100%"
  const characters = Math.max(4, String(Math.max(imageCount - 1, 0)).length);
  const cellWidth = PADDING + images.columns + TEXT_GAP + textWidth(characters) + TEXT_GAP;
  const cellHeight = PADDING + Math.max(images.rows, 3 * LINE_HEIGHT) + PADDING;
  const cellsPerRow = Math.min(CELLS_PER_ROW, Math.max(count, 1));
  const rowCount = Math.max(1, Math.ceil(count / cellsPerRow));

  return {
    scale: SCALE,
    cellWidth: cellWidth * SCALE,
    cellHeight: cellHeight * SCALE,
    cellsPerRow,
    width: cellsPerRow * cellWidth * SCALE,
    height: rowCount * cellHeight * SCALE,
    digitOrigin: (position) => ({
      x: ((position % cellsPerRow) * cellWidth + PADDING) * SCALE,
      y: (Math.floor(position / cellsPerRow) * cellHeight + PADDING) * SCALE,
    }),
  };
}

/** Encodes the contact sheet of `mistakes` as an 8-bit grayscale PNG. */
export function misclassifiedPng(mistakes: Mistake[], images: ImageSet, imageCount: number):
  Promise<Uint8Array> {
  const layout = sheetLayout(mistakes.length, images, imageCount);
  return encodeGrayPng(drawSheet(mistakes, images, layout));
}

// Drawn at scale 1, then every pixel becomes a 2 × 2 square.
function drawSheet(mistakes: Mistake[], images: ImageSet, layout: SheetLayout): GrayImage {
  const width = layout.width / SCALE;
  const height = layout.height / SCALE;
  const small: GrayImage = { width, height, data: new Uint8Array(width * height).fill(255) };

  mistakes.forEach((mistake, position) => {
    const origin = layout.digitOrigin(position);
    drawCell(small, mistake, images, origin.x / SCALE, origin.y / SCALE);
  });
  return doubled(small);
}

function drawCell(sheet: GrayImage, mistake: Mistake, images: ImageSet, x: number, y: number):
  void {
  const { rows, columns } = images;
  drawFrame(sheet, x - 1, y - 1, columns + 2, rows + 2);

  const pixels = images.pixelsOf(mistake.index);
  for (let row = 0; row < rows; row++) {
    const line = (y + row) * sheet.width + x;
    for (let column = 0; column < columns; column++) {
      sheet.data[line + column] = 255 - pixels[row * columns + column];
    }
  }

  const textX = x + columns + TEXT_GAP;
  const percent = Math.floor(mistake.confidence * 100);
  drawText(sheet, `${mistake.label}>${mistake.predicted}`, textX, y + 1, TEXT_INK);
  drawText(sheet, String(mistake.index), textX, y + 1 + LINE_HEIGHT, TEXT_INK);
  drawText(sheet, `${percent}%`, textX, y + 1 + 2 * LINE_HEIGHT, CONFIDENCE_INK);
}

function drawFrame(sheet: GrayImage, x: number, y: number, width: number, height: number): void {
  for (let column = x; column < x + width; column++) {
    sheet.data[y * sheet.width + column] = FRAME_INK;
    sheet.data[(y + height - 1) * sheet.width + column] = FRAME_INK;
  }
  for (let row = y; row < y + height; row++) {
    sheet.data[row * sheet.width + x] = FRAME_INK;
    sheet.data[row * sheet.width + x + width - 1] = FRAME_INK;
  }
}

// Each row is written once as 16-bit pairs of its pixels' values, then copied below itself:
// half the stores of a byte at a time, and in code that runs only once, cold, each store
// counts.
function doubled(image: GrayImage): GrayImage {
  const width = image.width * 2;
  const height = image.height * 2;
  const data = new Uint8Array(width * height);
  const pairs = new Uint16Array(data.buffer);

  for (let row = 0; row < image.height; row++) {
    const first = row * 2 * width;
    const source = row * image.width;
    for (let column = 0; column < image.width; column++) {
      pairs[first / 2 + column] = image.data[source + column] * 0x0101;
    }
    data.copyWithin(first + width, first, first + width);
  }
  return { width, height, data };
}
