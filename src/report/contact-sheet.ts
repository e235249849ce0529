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
  Uint8Array {
  const layout = sheetLayout(mistakes.length, images, imageCount);
  return encodeGrayPng(drawSheet(mistakes, images, layout));
}

// Drawn at scale 1, then every pixel becomes a SCALE × SCALE square.
function drawSheet(mistakes: Mistake[], images: ImageSet, layout: SheetLayout): GrayImage {
  const width = layout.width / SCALE;
  const height = layout.height / SCALE;
  const small: GrayImage = { width, height, data: new Uint8Array(width * height).fill(255) };

  mistakes.forEach((mistake, position) => {
    const origin = layout.digitOrigin(position);
    drawCell(small, mistake, images, origin.x / SCALE, origin.y / SCALE);
  });
  return enlarge(small, SCALE);
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

function enlarge(image: GrayImage, scale: number): GrayImage {
  const width = image.width * scale;
  const height = image.height * scale;
  const data = new Uint8Array(width * height);

  // one pass writing each row once, then copies of it: a fill() per pixel costs ten times
  // as much on a large sheet
  let offset = 0;
  for (let row = 0; row < image.height; row++) {
    const first = offset;
    for (let column = row * image.width; column < (row + 1) * image.width; column++) {
      const value = image.data[column];
      for (let copy = 0; copy < scale; copy++) data[offset++] = value;
    }
    for (let copy = 1; copy < scale; copy++) {
      data.copyWithin(offset, first, first + width);
      offset += width;
    }
  }
  return { width, height, data };
}
