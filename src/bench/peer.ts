// What the benchmark asks of a peer that classifies the same images in its own way: to do it
// once more on request, so that it can be timed in turn with this project's pool.

/** One classification of every image by a peer. */
export interface PeerRun {
  /** Compute only, the images already in memory. */
  ms: number;
  /** How many images it classified correctly, a check that it did the same work. */
  correct: number;
}

/** A peer, started and warmed up. */
export interface Peer {
  run(): Promise<PeerRun>;
  close(): Promise<void>;
}

/** How many of `predictions` equal their label. */
export function countCorrect(predictions: Uint8Array, labels: Uint8Array): number {
  let correct = 0;
  predictions.forEach((label, image) => {
    if (label === labels[image]) correct++;
  });
  return correct;
}
