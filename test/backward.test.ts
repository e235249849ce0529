// Backpropagation against finite differences, on small networks where every weight and bias
// can be checked.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { layerViews, parameterCount, type Network } from '../src/model/network.js';
import { initialParameters } from '../src/training/initialize.js';
import { seededRandom } from '../src/training/random.js';
import { addImageGradients, createDeltaBuffers } from '../workers/backward.js';
import { createScratch, forwardBlock } from '../workers/forward.js';

const WIDTHS = [6, 5, 4, 3];
const LABEL = 2;

function smallNetwork(activation: 'sigmoid' | 'relu'): { network: Network; values: Float32Array } {
  const values = initialParameters(WIDTHS, activation, 11);
  // non-zero biases, so that their gradients are tested away from the starting point
  const random = seededRandom(5);
  const network = { layers: layerViews(values.buffer, 0, WIDTHS), activation };
  for (const layer of network.layers) {
    for (let j = 0; j < layer.biases.length; j++) layer.biases[j] = random() - 0.5;
  }
  return { network, values };
}

function loss(network: Network, input: Float32Array): number {
  const scratch = createScratch(network, 1);
  scratch.input.set(input);
  const p = forwardBlock(network, 1, scratch);
  return -Math.log(p[LABEL]);
}

function checkGradients(activation: 'sigmoid' | 'relu'): void {
  const { network, values } = smallNetwork(activation);
  const random = seededRandom(3);
  const input = Float32Array.from({ length: WIDTHS[0] }, (_, i) => (i === 1 ? 0 : random()));

  const gradientValues = new Float32Array(parameterCount(WIDTHS));
  const gradients = layerViews(gradientValues.buffer, 0, WIDTHS);
  const scratch = createScratch(network, 1);
  scratch.input.set(input);
  const analyticLoss = addImageGradients(network, scratch, LABEL, gradients,
    createDeltaBuffers(network));
  assert.ok(Math.abs(analyticLoss - loss(network, input)) < 1e-7, 'the loss it returns');

  // central differences; the step is what float32 actually stored, not the intended 1e-3
  let largest = 0;
  for (let k = 0; k < values.length; k++) {
    const original = values[k];
    values[k] = original + 1e-3;
    const up = values[k];
    const lossUp = loss(network, input);
    values[k] = original - 1e-3;
    const down = values[k];
    const lossDown = loss(network, input);
    values[k] = original;

    const numeric = (lossUp - lossDown) / (up - down);
    largest = Math.max(largest, Math.abs(numeric - gradientValues[k]));
  }
  assert.ok(largest < 1e-4, `largest difference from finite differences: ${largest}`);
  assert.ok(gradientValues.some((value) => Math.abs(value) > 1e-2), 'gradients are not all ~0');
}

// ---

const gradients = suite('addImageGradients');

gradients('should agree with finite differences for a sigmoid network', () => {
  checkGradients('sigmoid');
});

gradients('should agree with finite differences for a relu network', () => {
  checkGradients('relu');
});

gradients('should add to the gradients already there rather than replace them', () => {
  const { network } = smallNetwork('sigmoid');
  const once = new Float32Array(parameterCount(WIDTHS));
  const twice = new Float32Array(parameterCount(WIDTHS));
  const scratch = createScratch(network, 1);
  scratch.input.fill(0.5);
  const buffers = createDeltaBuffers(network);

  addImageGradients(network, scratch, LABEL, layerViews(once.buffer, 0, WIDTHS), buffers);
  for (let pass = 0; pass < 2; pass++) {
    addImageGradients(network, scratch, LABEL, layerViews(twice.buffer, 0, WIDTHS), buffers);
  }
  assert.equal(Array.from(twice), Array.from(once, (value) => Math.fround(2 * value)));
});

gradients.run();
