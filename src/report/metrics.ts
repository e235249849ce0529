// Figures computed from labels and predictions alone. Precision, recall and F1 follow
// scikit-learn's definitions, including its zero_division=0 policy: a ratio whose
// denominator is zero (a class never predicted, or absent from the labels) counts as 0.

/** Per-class figures; `predicted` is how many images were assigned the class. */
export interface ClassMetrics {
  label: number;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  predicted: number;
}

/** Precision, recall and F1 averaged over classes, with the support they cover. */
export interface AverageMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Everything the reports say about how well the predictions match the labels. */
export interface Metrics {
  total: number;
  correct: number;
  accuracy: number;
  /** counts[trueClass][predictedClass] */
  confusion: number[][];
  perClass: ClassMetrics[];
  macroAverage: AverageMetrics;
  weightedAverage: AverageMetrics;
}

/** Counts of (true class, predicted class) pairs: rows true, columns predicted. */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classCount: number,
): number[][] {
  const counts = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let index = 0; index < labels.length; index++) {
    counts[labels[index]][predictions[index]]++;
  }
  return counts;
}

/** Accuracy, per-class figures and their averages from a confusion matrix. */
export function computeMetrics(confusion: number[][]): Metrics {
  const classCount = confusion.length;
  const perClass: ClassMetrics[] = [];

  for (let label = 0; label < classCount; label++) {
    const truePositives = confusion[label][label];
    const support = sum(confusion[label]);
    const predicted = sum(confusion.map((row) => row[label]));

    // F1 from counts, as scikit-learn computes it, rather than from the rounded P and R
    perClass.push({
      label,
      precision: ratio(truePositives, predicted),
      recall: ratio(truePositives, support),
      f1: ratio(2 * truePositives, support + predicted),
      support,
      predicted,
    });
  }

  const total = sum(perClass.map((entry) => entry.support));
  const correct = sum(perClass.map((entry) => confusion[entry.label][entry.label]));
  return {
    total,
    correct,
    accuracy: ratio(correct, total),
    confusion,
    perClass,
    macroAverage: average(perClass, () => 1),
    weightedAverage: average(perClass, (entry) => entry.support),
  };
}

function average(
  perClass: ClassMetrics[],
  weightOf: (entry: ClassMetrics) => number,
): AverageMetrics {
  const totalWeight = sum(perClass.map(weightOf));
  const weighted = (pick: (entry: ClassMetrics) => number) =>
    ratio(sum(perClass.map((entry) => pick(entry) * weightOf(entry))), totalWeight);

  return {
    precision: weighted((entry) => entry.precision),
    recall: weighted((entry) => entry.recall),
    f1: weighted((entry) => entry.f1),
    support: sum(perClass.map((entry) => entry.support)),
  };
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
