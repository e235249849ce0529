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
// Picked by scanning the row once per place, which for three of ten classes is far less
// work, in code that runs once, cold, than sorting every class of every mistake.
function topClasses(row: Float32Array, predicted: number): ClassProbability[] {
  const top = [{ label: predicted, probability: row[predicted] }];
  const isTaken = new Uint8Array(row.length);
  isTaken[predicted] = 1;

  while (top.length < Math.min(TOP_SHOWN, row.length)) {
    let best = -1;
    for (let label = 0; label < row.length; label++) {
      if (isTaken[label] === 0 && (best === -1 || row[label] > row[best])) best = label;
    }
    isTaken[best] = 1;
    top.push({ label: best, probability: row[best] });
  }
  return top;
}
