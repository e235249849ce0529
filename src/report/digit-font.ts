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

/**
 * Draws `text` with its top-left corner at (x, y), in `ink`, each glyph pixel a square of
 * `scale` pixels; unknown characters throw.
 */
export function drawText(image: GrayImage, text: string, x: number, y: number, ink: number,
  scale = 1): void {
  const { width, data } = image;
  for (let position = 0; position < text.length; position++) {
    const inked = glyphPixels(text[position]);
    const left = x + position * GLYPH_ADVANCE * scale;

    for (let i = 0; i < inked.length; i += 2) {
      const corner = (y + inked[i] * scale) * width + left + inked[i + 1] * scale;
      for (let down = 0; down < scale; down++) {
        for (let across = 0; across < scale; across++) data[corner + down * width + across] = ink;
      }
    }
  }
}

// Each glyph's inked pixels as flat (row, column) pairs, parsed once: the sheet draws
// thousands of characters in code that runs only once, cold.
const inkedPixels = new Map<string, Uint8Array>();

function glyphPixels(character: string): Uint8Array {
  let inked = inkedPixels.get(character);
  if (inked !== undefined) return inked;

  const glyph = GLYPHS[character];
  if (glyph === undefined) throw new RangeError(`no glyph for ${JSON.stringify(character)}`);
  const pairs: number[] = [];
  glyph.split('|').forEach((line, row) => {
    for (let column = 0; column < GLYPH_WIDTH; column++) {
      if (line[column] === '#') pairs.push(row, column);
    }
  });
  inked = Uint8Array.from(pairs);
  inkedPixels.set(character, inked);
  return inked;
}

/** Width in pixels of `characters` characters of text. */
export function textWidth(characters: number): number {
  return characters * GLYPH_ADVANCE - (GLYPH_ADVANCE - GLYPH_WIDTH);
}
