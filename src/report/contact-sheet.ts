// misclassified.png: the misclassified digits on one contact sheet, for where no browser is
// at hand. Each cell holds a digit, dark on white as on paper, and beside it three lines in
// a tiny bitmap font: "true>predicted", the image's index, and the confidence in percent.
// Cells run left to right, most confident mistakes first, as in report.html's gallery.
// The sheet is drawn at twice the pixel size so that the text is legible without zooming.

import { drawText, fillSquare, textWidth, type GrayImage } from './digit-font.js';
import { encodeGrayPng } from './gray-png.js';
import type { Mistake } from './mistakes.js';

/** The images whose pixels are drawn: (count, rows × columns) bytes, row-major. */
export interface ImageSet {
  rows: number;
  columns: number;
  pixels: Uint8Array;
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

// Each pixel of a digit, of a glyph or of a frame is drawn as a SCALE × SCALE square,
// straight into the sheet: on a sheet of thousands of digits, most of it white, drawing
// small and enlarging afterwards costs as much again as the encoding.
function drawSheet(mistakes: Mistake[], images: ImageSet, layout: SheetLayout): GrayImage {
  const { width, height } = layout;
  const sheet: GrayImage = { width, height, data: new Uint8Array(width * height).fill(255) };

  mistakes.forEach((mistake, position) => {
    const origin = layout.digitOrigin(position);
    drawCell(sheet, mistake, images, origin.x / SCALE, origin.y / SCALE);
  });
  return sheet;
}

// (x, y) and every size here count in squares of SCALE pixels.
function drawCell(sheet: GrayImage, mistake: Mistake, images: ImageSet, x: number, y: number):
  void {
  const { rows, columns, pixels } = images;
  drawFrame(sheet, x - 1, y - 1, columns + 2, rows + 2);

  const start = mistake.index * rows * columns;
  for (let row = 0; row < rows; row++) {
    const top = (y + row) * SCALE * sheet.width;
    for (let column = 0; column < columns; column++) {
      const ink = 255 - pixels[start + row * columns + column];
      const left = top + (x + column) * SCALE;
      // plain stores: a fill() call per square costs more than the square
      for (let down = 0; down < SCALE; down++) {
        for (let across = 0; across < SCALE; across++) {
          sheet.data[left + down * sheet.width + across] = ink;
        }
      }
    }
  }

  const textX = x + columns + TEXT_GAP;
  const percent = Math.floor(mistake.confidence * 100);
  drawText(sheet, `${mistake.label}>${mistake.predicted}`, textX, y + 1, TEXT_INK, SCALE);
  drawText(sheet, String(mistake.index), textX, y + 1 + LINE_HEIGHT, TEXT_INK, SCALE);
  drawText(sheet, `${percent}%`, textX, y + 1 + 2 * LINE_HEIGHT, CONFIDENCE_INK, SCALE);
}

function drawFrame(sheet: GrayImage, x: number, y: number, width: number, height: number): void {
  for (let column = x; column < x + width; column++) {
    fillSquare(sheet, column * SCALE, y * SCALE, SCALE, FRAME_INK);
    fillSquare(sheet, column * SCALE, (y + height - 1) * SCALE, SCALE, FRAME_INK);
  }
  for (let row = y; row < y + height; row++) {
    fillSquare(sheet, x * SCALE, row * SCALE, SCALE, FRAME_INK);
    fillSquare(sheet, (x + width - 1) * SCALE, row * SCALE, SCALE, FRAME_INK);
  }
}
