// The dense network the workers run, checked once at the boundary: tensors named W1, b1,
// W2, b2, … whose shapes chain from the input size to one output per digit, every value
// finite. Workers receive it packed in one SharedArrayBuffer and read it in place.

import { CLASS_COUNT } from '../classes.js';
import { inputError } from '../errors.js';
import type { Tensor } from './tensor.js';

/** Activations a hidden layer may use; the output layer is always softmax. */
export const HIDDEN_ACTIVATIONS = ['sigmoid', 'relu', 'step'] as const;

/** One of the hidden-layer activations. */
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];

/** A fully connected layer: weights row-major (inputs, outputs), one bias per output. */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  weights: Float32Array;
  biases: Float32Array;
}

/** A stack of dense layers with one hidden activation and a softmax output. */
export interface Network {
  layers: DenseLayer[];
  activation: HiddenActivation;
}

/** A network packed for `workerData`: shared memory plus what it takes to find each tensor. */
export interface SharedNetwork {
  buffer: SharedArrayBuffer;
  widths: number[];
  activation: HiddenActivation;
}

/** Layer widths from input to output, e.g. [784, 50, 100, 10]. */
export function networkWidths(network: Network): number[] {
  return [network.layers[0].inputs, ...network.layers.map((layer) => layer.outputs)];
}

/** Builds a network from named tensors, refusing any that do not form one. */
export function networkFromTensors(
  tensors: ReadonlyMap<string, Tensor>,
  activation: HiddenActivation,
  subject: string,
): Network {
  const depth = countLayers(tensors, subject);
  const layers: DenseLayer[] = [];

  for (let index = 1; index <= depth; index++) {
    const weights = tensors.get(`W${index}`) as Tensor;
    const biases = tensors.get(`b${index}`) as Tensor;
    const previous = layers.at(-1);
    checkLayerShapes(weights, biases, index, previous?.outputs, subject);

    layers.push({
      inputs: weights.shape[0],
      outputs: weights.shape[1],
      weights: toFiniteFloat32(weights, `W${index}`, subject),
      biases: toFiniteFloat32(biases, `b${index}`, subject),
    });
  }

  const outputs = layers[depth - 1].outputs;
  if (outputs !== CLASS_COUNT) {
    const shape = tensors.get(`W${depth}`)?.shape;
    throw inputError('ERR_SHAPE_MISMATCH', subject, `W${depth} has shape ${formatShape(shape)}, ` +
      `expected ${CLASS_COUNT} outputs in the last layer, one per digit`);
  }
  return { layers, activation };
}

/** Copies a network into one SharedArrayBuffer: each layer's weights, then its biases. */
export function shareNetwork(network: Network): SharedNetwork {
  const widths = networkWidths(network);
  const buffer = new SharedArrayBuffer(4 * parameterCount(widths));
  const values = new Float32Array(buffer);

  let offset = 0;
  for (const layer of network.layers) {
    values.set(layer.weights, offset);
    offset += layer.weights.length;
    values.set(layer.biases, offset);
    offset += layer.biases.length;
  }
  return { buffer, widths, activation: network.activation };
}

/** Views a shared network in place; no value is copied. */
export function networkFromShared(shared: SharedNetwork): Network {
  return { layers: layerViews(shared.buffer, 0, shared.widths), activation: shared.activation };
}

/**
 * Views float32 values laid out as shareNetwork lays out parameters, starting at
 * `byteOffset`: each layer's weights, then its biases. Gradients use the same layout.
 */
export function layerViews(
  buffer: ArrayBufferLike,
  byteOffset: number,
  widths: readonly number[],
): DenseLayer[] {
  const layers: DenseLayer[] = [];

  let offset = byteOffset / 4;
  for (let index = 1; index < widths.length; index++) {
    const inputs = widths[index - 1];
    const outputs = widths[index];
    const weights = new Float32Array(buffer, 4 * offset, inputs * outputs);
    offset += inputs * outputs;
    const biases = new Float32Array(buffer, 4 * offset, outputs);
    offset += outputs;
    layers.push({ inputs, outputs, weights, biases });
  }
  return layers;
}

/** Formats a shape the way numpy users write it: [784, 50]. */
export function formatShape(shape: readonly number[] | undefined): string {
  return shape === undefined ? 'none' : `[${shape.join(', ')}]`;
}

/** Number of weights and biases of a network of these widths. */
export function parameterCount(widths: readonly number[]): number {
  let count = 0;
  for (let index = 1; index < widths.length; index++) {
    count += widths[index - 1] * widths[index] + widths[index];
  }
  return count;
}

// The names must be exactly W1…Wn and b1…bn, so that a misnamed or missing tensor is caught
// here rather than silently leaving a layer out.
function countLayers(tensors: ReadonlyMap<string, Tensor>, subject: string): number {
  let depth = 0;
  while (tensors.has(`W${depth + 1}`)) depth++;

  const found = [...tensors.keys()].join(', ') || 'none';
  if (depth === 0) {
    throw inputError('ERR_SHAPE_MISMATCH', subject,
      `expected tensors W1, b1, W2, b2, … for a dense network, found ${found}`);
  }
  for (let index = 1; index <= depth; index++) {
    if (!tensors.has(`b${index}`)) {
      throw inputError('ERR_SHAPE_MISMATCH', subject,
        `W${index} has no bias b${index} beside it (tensors found: ${found})`);
    }
  }
  const expectedCount = 2 * depth;
  if (tensors.size !== expectedCount) {
    const extra = [...tensors.keys()].filter((name) => !/^[Wb][1-9]\d*$/.test(name) ||
      Number(name.slice(1)) > depth);
    throw inputError('ERR_SHAPE_MISMATCH', subject, `unexpected tensor ${extra.join(', ')}, ` +
      `expected only W1…W${depth} and b1…b${depth}`);
  }
  return depth;
}

function checkLayerShapes(
  weights: Tensor,
  biases: Tensor,
  index: number,
  previousOutputs: number | undefined,
  subject: string,
): void {
  if (weights.shape.length !== 2 || weights.shape.some((size) => size === 0)) {
    throw inputError('ERR_SHAPE_MISMATCH', subject, `W${index} has shape ` +
      `${formatShape(weights.shape)}, expected a non-empty matrix [inputs, outputs]`);
  }

  const [inputs, outputs] = weights.shape;
  if (previousOutputs !== undefined && inputs !== previousOutputs) {
    throw inputError('ERR_SHAPE_MISMATCH', subject, `W${index} has shape ` +
      `${formatShape(weights.shape)}, expected ${previousOutputs} rows to take the ` +
      `${previousOutputs} outputs of layer ${index - 1}`);
  }
  if (biases.shape.length !== 1 || biases.shape[0] !== outputs) {
    throw inputError('ERR_SHAPE_MISMATCH', subject, `b${index} has shape ` +
      `${formatShape(biases.shape)}, expected [${outputs}] to match W${index}'s outputs`);
  }
}

// Float64 weights are rounded to float32 here; a value that is not finite, before or after
// that rounding, would turn every prediction downstream of it into NaN.
function toFiniteFloat32(tensor: Tensor, name: string, subject: string): Float32Array {
  const values = new Float32Array(tensor.values);

  // a plain loop rather than findIndex, which calls a function per weight in code that runs
  // once, cold
  let index = 0;
  while (index < values.length && Number.isFinite(values[index])) index++;
  if (index < values.length) {
    const original = tensor.values[index];
    const rounded = Number.isFinite(original) ? ` (${original} overflows float32)` : '';
    throw inputError('ERR_NON_FINITE', subject, `${name}${formatIndex(tensor.shape, index)} ` +
      `is ${values[index]}${rounded}, expected finite values`);
  }
  return values;
}

function formatIndex(shape: readonly number[], flatIndex: number): string {
  const position: number[] = [];
  let rest = flatIndex;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    position.unshift(rest % shape[axis]);
    rest = Math.floor(rest / shape[axis]);
  }
  return `[${position.join(', ')}]`;
}
