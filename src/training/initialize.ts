// Starting weights: Xavier (Glorot) uniform for sigmoid layers, He uniform for relu layers,
// so that activations neither vanish nor saturate at the start; biases start at zero.

import { parameterCount, type HiddenActivation } from '../model/network.js';
import { seededRandom } from './random.js';

// Distinguishes the initialisation's random stream from the epochs' shuffles.
const INITIALIZATION_STREAM = 0x1a17;

/** Initial parameters for a network of `widths`, laid out as shareNetwork lays them out. */
export function initialParameters(
  widths: readonly number[],
  activation: HiddenActivation,
  seed: number,
): Float32Array {
  const random = seededRandom(seed, INITIALIZATION_STREAM);
  const parameters = new Float32Array(parameterCount(widths));

  let offset = 0;
  for (let layer = 1; layer < widths.length; layer++) {
    const inputs = widths[layer - 1];
    const outputs = widths[layer];
    const isRelu = activation === 'relu' && layer < widths.length - 1;
    const limit = isRelu ? Math.sqrt(6 / inputs) : Math.sqrt(6 / (inputs + outputs));

    for (let k = 0; k < inputs * outputs; k++) parameters[offset + k] = (2 * random() - 1) * limit;
    offset += inputs * outputs + outputs;
  }
  return parameters;
}
