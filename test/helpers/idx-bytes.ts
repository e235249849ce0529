// Builds IDX files in memory, so that tests can make valid and broken ones at will.

/** Encodes an unsigned-byte IDX file with the given dimensions and data. */
export function encodeIdx(dimensions: number[], data: ArrayLike<number>): Uint8Array {
  const header = new Uint8Array(4 + 4 * dimensions.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dimensions.length;
  dimensions.forEach((size, axis) => view.setUint32(4 + 4 * axis, size, false));

  const bytes = new Uint8Array(header.length + data.length);
  bytes.set(header);
  bytes.set(Uint8Array.from(data), header.length);
  return bytes;
}

/** Three 2×2 images with recognisable pixels, and their labels. */
export const TINY_IMAGES = encodeIdx([3, 2, 2], [0, 255, 128, 1, 2, 3, 4, 5, 250, 0, 0, 7]);
export const TINY_LABELS = encodeIdx([3], [7, 2, 1]);
