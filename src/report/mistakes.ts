// The misclassified images as the gallery and the contact sheet show them: most confident
// mistakes first, since those say most about what the network gets wrong, each with its
// three most probable classes.

import type { PredictionTable } from './tables.js';

/** A class and its probability. */
export interface ClassProbability {
  label: number;
  probability: number;
}

/** One misclassified image. */
export interface Mistake {
  index: number;
  label: number;
  predicted: number;
  confidence: number;
  /** The probability of the true class. */
  labelProbability: number;
  /** The three most probable classes, the predicted one first. */
  top: ClassProbability[];
}

const TOP_SHOWN = 3;

/** Every misclassified image, by confidence from highest; a tie goes to the lower index. */
export function mistakesByConfidence(table: PredictionTable): Mistake[] {
  const { labels, predictions, probabilities, classCount } = table;
  const mistakes: Mistake[] = [];

  for (let index = 0; index < labels.length; index++) {
    const predicted = predictions[index];
    if (labels[index] === predicted) continue;

    const row = probabilities.subarray(index * classCount, (index + 1) * classCount);
    mistakes.push({
      index,
      label: labels[index],
      predicted,
      confidence: row[predicted],
      labelProbability: row[labels[index]],
      top: topClasses(row, predicted),
    });
  }
  return mistakes.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
}

// Ranked as argmax ranks: by probability, a tie to the lower class, the prediction first.
function topClasses(row: Float32Array, predicted: number): ClassProbability[] {
  const others = [...row.keys()].filter((label) => label !== predicted)
    .sort((a, b) => row[b] - row[a] || a - b);

  return [predicted, ...others].slice(0, TOP_SHOWN)
    .map((label) => ({ label, probability: row[label] }));
}
