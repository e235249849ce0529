// Encodes one-byte-per-pixel images as 8-bit grayscale PNGs through pngjs, a well-kept
// encoder; the time it takes is deflate's, which no hand-written encoder would avoid.

import pngjs from 'pngjs';

import type { GrayImage } from './digit-font.js';

/** The PNG file of a grayscale image. */
export function encodeGrayPng(image: GrayImage): Uint8Array {
  // No filter, and pngjs's run-length deflate: on these mostly white images the adaptive
  // filters and the default deflate strategy take two to three times as long (measured on a
  // sheet of 8,926 digits) for a file at most a third smaller.
  return pngjs.PNG.sync.write(image as unknown as pngjs.PNG, {
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
    filterType: 0,
    deflateLevel: 6,
  });
}
