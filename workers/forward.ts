// The forward pass of a dense network on typed arrays, one function per step.
//
// Notation, used throughout this file:
//   B      images in a block, processed together
//   n, m   a layer's input and output widths
//   x      (B, n) activations entering a layer, row-major Float32Array
//   W      (n, m) weights, row-major: W[i * m + j] joins input i to output j
//   b      (m) biases
//   z      (B, m) a layer's output, row-major Float32Array
//
// Values are stored as float32, as in the float32 numpy network this reproduces; sums and
// transcendental functions are computed in float64 and rounded once when stored, which is
// at least as accurate as numpy's float32 kernels.

import type { DenseLayer, HiddenActivation, Network } from '../src/model/network.js';

/** Pixel byte to network input, exactly numpy's `x.astype(float32) / 255.0`. */
export const PIXEL_VALUES = Float32Array.from({ length: 256 }, (_, pixel) => pixel / 255);

/** Buffers a worker allocates once and reuses for every block. */
export interface Scratch {
  blockSize: number;
  input: Float32Array;
  layerOutputs: Float32Array[];
  sums: Float64Array;
}

/** Allocates the buffers for blocks of up to `blockSize` images. */
export function createScratch(network: Network, blockSize: number): Scratch {
  const widths = network.layers.map((layer) => layer.outputs);

  return {
    blockSize,
    input: new Float32Array(blockSize * network.layers[0].inputs),
    layerOutputs: widths.map((width) => new Float32Array(blockSize * width)),
    sums: new Float64Array(Math.max(...widths)),
  };
}

/** Scales B images of n pixels, starting at image `first`, into the input buffer x. */
export function pixelsToInputs(
  pixels: Uint8Array,
  first: number,
  B: number,
  n: number,
  x: Float32Array,
): void {
  const start = first * n;
  for (let k = 0; k < B * n; k++) x[k] = PIXEL_VALUES[pixels[start + k]];
}

/** z = x·W + b for B rows; x (B, n), z (B, m). */
export function dense(
  x: Float32Array,
  B: number,
  layer: DenseLayer,
  z: Float32Array,
  sums: Float64Array,
): void {
  const { inputs: n, outputs: m, weights: W, biases: b } = layer;

  for (let row = 0; row < B; row++) {
    sums.fill(0, 0, m);

    // x·W as a sum of the rows of W scaled by the inputs. Zero inputs are skipped: about 81%
    // of MNIST pixels are zero, and adding zero to a sum never changes it.
    for (let i = 0; i < n; i++) {
      const xi = x[row * n + i];
      if (xi === 0) continue;
      const offset = i * m;
      for (let j = 0; j < m; j++) sums[j] += xi * W[offset + j];
    }

    // + b, rounded as numpy rounds: the product to float32, then the float32 sum
    for (let j = 0; j < m; j++) z[row * m + j] = Math.fround(sums[j]) + b[j];
  }
}

/** Applies a hidden activation in place to the first `length` values of z. */
export function activate(activation: HiddenActivation, z: Float32Array, length: number): void {
  if (activation === 'sigmoid') {
    for (let k = 0; k < length; k++) z[k] = 1 / (1 + Math.exp(-z[k]));
  } else if (activation === 'relu') {
    // NaN passes through, as in numpy's np.maximum(x, 0): a broken value must not look valid
    for (let k = 0; k < length; k++) z[k] = z[k] > 0 || Number.isNaN(z[k]) ? z[k] : 0;
  } else {
    for (let k = 0; k < length; k++) z[k] = z[k] > 0 ? 1 : 0;
  }
}

/** Softmax of each of B rows of K values, from z into p; z (B, K), p (B, K). */
export function softmaxRows(z: Float32Array, B: number, K: number, p: Float32Array): void {
  for (let row = 0; row < B; row++) {
    const start = row * K;

    // subtract the row's maximum so that exp never overflows: softmax is unchanged by it
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[start + k]);

    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(z[start + k] - max);

    for (let k = 0; k < K; k++) p[start + k] = Math.exp(z[start + k] - max) / sum;
  }
}

/** Index of each row's largest value; a tie goes to the lower index, as numpy's argmax. */
export function argmaxRows(p: Float32Array, B: number, K: number, classes: Uint8Array): void {
  for (let row = 0; row < B; row++) {
    let best = 0;
    for (let k = 1; k < K; k++) {
      if (p[row * K + k] > p[row * K + best]) best = k;
    }
    classes[row] = best;
  }
}

/** Runs the network on B inputs already in `scratch.input`; returns (B, K) probabilities. */
export function forwardBlock(network: Network, B: number, scratch: Scratch): Float32Array {
  const { layers, activation } = network;
  let x = scratch.input;

  // hidden layers: affine, then the activation
  for (let l = 0; l < layers.length - 1; l++) {
    const z = scratch.layerOutputs[l];
    dense(x, B, layers[l], z, scratch.sums);
    activate(activation, z, B * layers[l].outputs);
    x = z;
  }

  // output layer: affine, then a stable softmax written over its own logits
  const last = layers[layers.length - 1];
  const logits = scratch.layerOutputs[layers.length - 1];
  dense(x, B, last, logits, scratch.sums);
  softmaxRows(logits, B, last.outputs, logits);
  return logits;
}
