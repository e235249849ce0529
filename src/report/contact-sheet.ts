// misclassified.png: the misclassified digits on one contact sheet, for where no browser is
// at hand. Each cell holds a digit, dark on white as on paper, and beside it three lines in
// a tiny bitmap font: "true>predicted", the image's index, and the confidence in percent.
// Cells run left to right, most confident mistakes first, as in report.html's gallery.
// The sheet is drawn at twice the pixel size so that the text is legible without zooming.

import { drawText, textWidth, type GrayImage } from './digit-font.js';
import { encodeGrayPng } from './gray-png.js';
import type { ImageSet } from './image-set.js';
import type { Mistake } from './mistakes.js';

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
// every pixel of a digit, its frame and its text is a square of SCALE × SCALE
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

// Drawn straight at twice the size on a white sheet. In code that runs only once, cold, each
// store counts: every digit row is written once as 16-bit pairs of its inverted pixels, then
// copied below itself, and the background is left to fill().
function drawSheet(mistakes: Mistake[], images: ImageSet, layout: SheetLayout): GrayImage {
  const { width, height } = layout;
  const sheet: GrayImage = { width, height, data: new Uint8Array(width * height).fill(255) };

  mistakes.forEach((mistake, position) => {
    const origin = layout.digitOrigin(position);
    drawCell(sheet, mistake, images, origin.x, origin.y);
  });
  return sheet;
}

function drawCell(sheet: GrayImage, mistake: Mistake, images: ImageSet, x: number, y: number):
  void {
  const { rows, columns } = images;
  drawFrame(sheet, x - SCALE, y - SCALE, (columns + 2) * SCALE, (rows + 2) * SCALE);
  drawDigit(sheet, images.pixelsOf(mistake.index), columns, x, y);

  const textX = x + (columns + TEXT_GAP) * SCALE;
  const line = (index: number) => y + (1 + index * LINE_HEIGHT) * SCALE;
  const percent = Math.floor(mistake.confidence * 100);
  drawText(sheet, `${mistake.label}>${mistake.predicted}`, textX, line(0), TEXT_INK, SCALE);
  drawText(sheet, String(mistake.index), textX, line(1), TEXT_INK, SCALE);
  drawText(sheet, `${percent}%`, textX, line(2), CONFIDENCE_INK, SCALE);
}

// A digit, dark on white, with its top-left corner at (x, y); x and the sheet's width are
// even, so that the 16-bit pairs are aligned.
function drawDigit(sheet: GrayImage, pixels: Uint8Array, columns: number, x: number, y: number):
  void {
  const { width, data } = sheet;
  const pairs = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);

  for (let row = 0; row < pixels.length / columns; row++) {
    const first = (y + row * SCALE) * width + x;
    for (let column = 0; column < columns; column++) {
      pairs[first / 2 + column] = (255 - pixels[row * columns + column]) * 0x0101;
    }
    data.copyWithin(first + width, first, first + columns * SCALE);
  }
}

// A frame SCALE pixels thick, its outer corner at (x, y).
function drawFrame(sheet: GrayImage, x: number, y: number, width: number, height: number): void {
  const { data } = sheet;
  for (let row = y; row < y + height; row++) {
    const line = row * sheet.width;
    const isEdge = row < y + SCALE || row >= y + height - SCALE;
    if (isEdge) {
      data.fill(FRAME_INK, line + x, line + x + width);
    } else {
      data.fill(FRAME_INK, line + x, line + x + SCALE);
      data.fill(FRAME_INK, line + x + width - SCALE, line + x + width);
    }
  }
}
