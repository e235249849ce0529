// Adam (Kingma and Ba, 2015) with a cosine learning-rate schedule. The coordinator counts the
// steps and sets the rate; the workers apply a step to ranges of the parameters, each adding
// the batch's gradient slots in slot order.

/** Moment estimates and step count: everything Adam needs to continue where it stopped. */
export interface AdamState {
  step: number;
  firstMoment: Float32Array;
  secondMoment: Float32Array;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** A fresh state for `count` parameters. */
export function createAdamState(count: number): AdamState {
  return { step: 0, firstMoment: new Float32Array(count), secondMoment: new Float32Array(count) };
}

/** The learning rate at a step (1-based) of a cosine decay from `peak` to 0 over `total`. */
export function cosineRate(peak: number, step: number, total: number): number {
  return peak * 0.5 * (1 + Math.cos(Math.PI * (step - 1) / total));
}

/** One Adam step's settings, the same for every range of parameters it is applied to. */
export interface AdamStep {
  /** 1-based count of steps taken, this one included. */
  step: number;
  learningRate: number;
  /** Divides the summed gradient into the batch's mean gradient. */
  batchSize: number;
}

/**
 * Moves parameters [start, end) one step against the batch's mean gradient, which is the sum
 * of `slots` taken in slot order (so that the result never depends on who runs the step),
 * divided by the batch size. The slots are zeroed on the way, ready for the next batch.
 */
export function adamStep(
  parameters: Float32Array,
  slots: Float32Array[],
  firstMoment: Float32Array,
  secondMoment: Float32Array,
  { step, learningRate, batchSize }: AdamStep,
  start: number,
  end: number,
): void {
  const correction1 = 1 - BETA1 ** step;
  const correction2 = 1 - BETA2 ** step;

  for (let k = start; k < end; k++) {
    let sum = 0;
    for (const slot of slots) {
      sum += slot[k];
      slot[k] = 0;
    }
    const g = sum / batchSize;

    const m = BETA1 * firstMoment[k] + (1 - BETA1) * g;
    const v = BETA2 * secondMoment[k] + (1 - BETA2) * g * g;
    firstMoment[k] = m;
    secondMoment[k] = v;
    parameters[k] -= learningRate * (m / correction1) / (Math.sqrt(v / correction2) + EPSILON);
  }
}
