// The pixels of the images a run classified, as the reports that draw digits ask for them:
// one image at a time, so that a merge of shards never needs every image at once.

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
