// Six images of three classes with hand-picked probabilities, whose figures the report
// tests work out by hand. Confidences sit inside the bins of 4 equal-width confidence bins,
// away from their edges, so that float32 rounding cannot move an image to another bin.
//
//   image  label  probabilities       predicted  confidence  label's rank
//   0      0      0.70 0.20 0.10      0          0.70        0 (correct)
//   1      1      0.55 0.30 0.15      0          0.55        1
//   2      2      0.10 0.60 0.30      1          0.60        1
//   3      2      0.45 0.35 0.20      0          0.45        2
//   4      2      0.40 0.30 0.30      0          0.40        2 (the tie goes to class 1)
//   5      1      0.05 0.90 0.05      1          0.90        0 (correct)

/** The table of the six images. */
export function smallTable() {
  return {
    labels: Uint8Array.of(0, 1, 2, 2, 2, 1),
    predictions: Uint8Array.of(0, 0, 1, 0, 0, 1),
    probabilities: Float32Array.of(
      0.7, 0.2, 0.1,
      0.55, 0.3, 0.15,
      0.1, 0.6, 0.3,
      0.45, 0.35, 0.2,
      0.4, 0.3, 0.3,
      0.05, 0.9, 0.05,
    ),
    classCount: 3,
  };
}
