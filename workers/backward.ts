// Backpropagation for the dense network of forward.ts, one image at a time, accumulating
// gradients into a slice of shared memory.
//
// Notation, as in forward.ts:
//   n, m   a layer's input and output widths
//   x      (n) the activations entering a layer for one image
//   W      (n, m) weights, row-major; b (m) biases
//   a      (m) the layer's output after its activation
//   δ      (m) ∂loss/∂z, the gradient with respect to the layer's affine output z = x·W + b
//   dW, db the gradients of W and b, summed over the images of a chunk
//
// The loss is the cross-entropy of the softmax output, whose δ is simply p - onehot(label).

import type { DenseLayer, HiddenActivation, Network } from '../src/model/network.js';
import { forwardBlock, type Scratch } from './forward.js';

/** Gradients of one layer: views into a gradient slot, laid out like the weights. */
export interface LayerGradients {
  weights: Float32Array;
  biases: Float32Array;
}

/** Two buffers of the widest layer's width, which the backward pass swaps between layers. */
export interface DeltaBuffers {
  delta: Float64Array;
  deltaIn: Float64Array;
}

/** Allocates the δ buffers for a network; the input's own δ is never needed. */
export function createDeltaBuffers(network: Network): DeltaBuffers {
  const width = Math.max(...network.layers.map((layer) => layer.outputs));
  return { delta: new Float64Array(width), deltaIn: new Float64Array(width) };
}

/**
 * Adds the gradients of one image's loss to `gradients` and returns that loss. The image
 * must already be in `scratch.input`.
 */
export function addImageGradients(
  network: Network,
  scratch: Scratch,
  label: number,
  gradients: LayerGradients[],
  buffers: DeltaBuffers,
): number {
  const { layers, activation } = network;
  const depth = layers.length;
  let { delta, deltaIn } = buffers;

  const p = forwardBlock(network, 1, scratch);
  const loss = softmaxCrossEntropyDelta(p, layers[depth - 1].outputs, label, delta);

  // from the output layer down: each layer adds its gradients and hands δ to the one below
  for (let l = depth - 1; l >= 0; l--) {
    const input = l === 0 ? scratch.input : scratch.layerOutputs[l - 1];
    denseBackward(input, delta, layers[l], gradients[l], l === 0 ? null : deltaIn);
    if (l === 0) break;

    activationBackward(activation, input, deltaIn, layers[l].inputs);
    [delta, deltaIn] = [deltaIn, delta];
  }
  return loss;
}

/** δ of the output layer from its softmax probabilities p (K); returns the image's loss. */
export function softmaxCrossEntropyDelta(
  p: Float32Array,
  K: number,
  label: number,
  delta: Float64Array,
): number {
  for (let k = 0; k < K; k++) delta[k] = p[k];
  delta[label] -= 1;

  // the smallest positive float32 keeps the loss finite when p rounds to zero
  return -Math.log(Math.max(p[label], 1.4e-45));
}

/** dW += xᵀ·δ and db += δ; when `deltaIn` is given, also ∂loss/∂x = δ·Wᵀ into it. */
export function denseBackward(
  x: Float32Array,
  delta: Float64Array,
  layer: DenseLayer,
  gradients: LayerGradients,
  deltaIn: Float64Array | null,
): void {
  const { inputs: n, outputs: m, weights: W } = layer;
  const { weights: dW, biases: db } = gradients;

  for (let j = 0; j < m; j++) db[j] += delta[j];

  // The first layer needs no ∂loss/∂x, and zero inputs add nothing to dW: most of its
  // input pixels are zero.
  if (deltaIn === null) {
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const offset = i * m;
      for (let j = 0; j < m; j++) dW[offset + j] += xi * delta[j];
    }
    return;
  }

  // Both products walk row i of W and dW, so one pass serves them.
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const offset = i * m;
    let sum = 0;
    for (let j = 0; j < m; j++) {
      dW[offset + j] += xi * delta[j];
      sum += W[offset + j] * delta[j];
    }
    deltaIn[i] = sum;
  }
}

/** Turns dloss/da into δ = dloss/dz in place, given the activation's output a (n values). */
export function activationBackward(
  activation: HiddenActivation,
  a: Float32Array,
  gradient: Float64Array,
  n: number,
): void {
  if (activation === 'sigmoid') {
    for (let i = 0; i < n; i++) gradient[i] *= a[i] * (1 - a[i]);
  } else if (activation === 'relu') {
    for (let i = 0; i < n; i++) if (a[i] <= 0) gradient[i] = 0;
  } else {
    throw new RangeError(`activation ${activation} has no gradient to train with`);
  }
}
