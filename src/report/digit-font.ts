// A 3×5 bitmap font of the digits and the few signs the contact sheet writes beside each
// image. Seven rows of glyphs are all it takes; no font file or text renderer is needed.

/** Glyph size in pixels, and the advance from one character to the next. */
export const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;
export const GLYPH_ADVANCE = 4;

// Each glyph is five rows of three columns, '#' for ink.
const GLYPHS: Record<string, string> = {
  '0': '###|#.#|#.#|#.#|###',
  '1': '.#.|##.|.#.|.#.|###',
  '2': '###|..#|###|#..|###',
  '3': '###|..#|.##|..#|###',
  '4': '#.#|#.#|###|..#|..#',
  '5': '###|#..|###|..#|###',
  '6': '###|#..|###|#.#|###',
  '7': '###|..#|.#.|.#.|.#.',
  '8': '###|#.#|###|#.#|###',
  '9': '###|#.#|###|..#|###',
  '>': '#..|.#.|..#|.#.|#..',
  '%': '#.#|..#|.#.|#..|#.#',
  '#': '#.#|###|#.#|###|#.#',
  ' ': '...|...|...|...|...',
};

/** A raster of one byte per pixel, row-major. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Draws `text` with its top-left corner at (x, y), in `ink`; unknown characters throw. */
export function drawText(image: GrayImage, text: string, x: number, y: number, ink: number): void {
  for (let position = 0; position < text.length; position++) {
    const glyph = GLYPHS[text[position]];
    if (glyph === undefined) throw new RangeError(`no glyph for ${JSON.stringify(text[position])}`);

    const rows = glyph.split('|');
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let column = 0; column < GLYPH_WIDTH; column++) {
        if (rows[row][column] !== '#') continue;
        const pixelX = x + position * GLYPH_ADVANCE + column;
        image.data[(y + row) * image.width + pixelX] = ink;
      }
    }
  }
}

/** Width in pixels of `characters` characters of text. */
export function textWidth(characters: number): number {
  return characters * GLYPH_ADVANCE - (GLYPH_ADVANCE - GLYPH_WIDTH);
}
