// The confusion matrix as rates, in scikit-learn's two normalizations: by true class (each
// row divided by its sum, so the diagonal is each class's recall) and by predicted class
// (each column divided by its sum, so the diagonal is each class's precision). A row or
// column that sums to 0 gives rates of 0, as the zero_division=0 policy of the other figures.

/** Rows are true classes and columns predicted classes, as in the counts. */
export interface NormalizedConfusion {
  byTrueClass: number[][];
  byPredictedClass: number[][];
}

/** Both normalizations of a confusion matrix of counts. */
export function normalizeConfusion(counts: number[][]): NormalizedConfusion {
  const rowSums = counts.map((row) => row.reduce((sum, count) => sum + count, 0));
  const columnSums = counts[0]?.map((_, column) =>
    counts.reduce((sum, row) => sum + row[column], 0)) ?? [];
  const rate = (count: number, sum: number) => (sum === 0 ? 0 : count / sum);

  return {
    byTrueClass: counts.map((row, label) => row.map((count) => rate(count, rowSums[label]))),
    byPredictedClass: counts.map((row) =>
      row.map((count, predicted) => rate(count, columnSums[predicted]))),
  };
}
