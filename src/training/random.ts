// Seeded randomness for training. Every random choice derives from the seed and from where
// it is made (the epoch, the image), never from which thread makes it or when, so that the
// same seed gives the same weights for any number of workers.

/** A 32-bit hash of a few integers (the mixing steps of splitmix32). */
export function hash32(...values: number[]): number {
  let state = 0x9e3779b9;
  for (const value of values) {
    state = Math.imul(state ^ (value >>> 0), 0x85ebca6b);
    state ^= state >>> 13;
    state = Math.imul(state, 0xc2b2ae35);
    state ^= state >>> 16;
  }
  return state >>> 0;
}

/** A generator of numbers in [0, 1) seeded by the given integers (mulberry32). */
export function seededRandom(...seed: number[]): () => number {
  let state = hash32(...seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** The order in which an epoch visits `count` images: a seeded Fisher–Yates shuffle. */
export function epochOrder(count: number, seed: number, epoch: number, into: Int32Array): void {
  const random = seededRandom(seed, epoch);
  for (let position = 0; position < count; position++) into[position] = position;

  for (let position = count - 1; position > 0; position--) {
    const other = Math.floor(random() * (position + 1));
    const kept = into[position];
    into[position] = into[other];
    into[other] = kept;
  }
}
