// Training-time augmentation: each image is moved by up to `maxShift` pixels in each
// direction, the vacated border filled with zeros. A shift of one pixel is how a digit drifts
// in its 28×28 box anyway, and seeing those drifts keeps a small network from memorising
// exact pixel positions.

import { hash32 } from '../src/training/random.js';
import { PIXEL_VALUES } from './forward.js';

/** Where an image moves: columns right (dx) and rows down (dy). */
export interface Shift {
  dx: number;
  dy: number;
}

/** The shift of an image in an epoch, fixed by the seed so any worker finds the same one. */
export function shiftFor(seed: number, epoch: number, image: number, maxShift: number): Shift {
  const choices = 2 * maxShift + 1;
  const hash = hash32(seed, epoch, image);
  return { dx: (hash % choices) - maxShift, dy: (Math.floor(hash / choices) % choices) - maxShift };
}

/** Writes image `index` moved by `shift`, scaled to [0, 1], into x (rows × columns). */
export function shiftedInput(
  pixels: Uint8Array,
  index: number,
  rows: number,
  columns: number,
  shift: Shift,
  x: Float32Array,
): void {
  const start = index * rows * columns;
  for (let row = 0; row < rows; row++) {
    const sourceRow = row - shift.dy;
    for (let column = 0; column < columns; column++) {
      const sourceColumn = column - shift.dx;
      const isInside = sourceRow >= 0 && sourceRow < rows &&
        sourceColumn >= 0 && sourceColumn < columns;
      x[row * columns + column] = isInside ?
        PIXEL_VALUES[pixels[start + sourceRow * columns + sourceColumn]] : 0;
    }
  }
}
