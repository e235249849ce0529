// The notebook's small networks, run through the same dense-layer code as MNIST.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import type { DenseLayer, HiddenActivation } from '../src/model/network.js';
import {
  activate,
  argmaxRows,
  dense,
  PIXEL_VALUES,
  softmaxRows,
} from '../workers/forward.js';

function layer(inputs: number, outputs: number, weights: number[], biases: number[]): DenseLayer {
  return {
    inputs,
    outputs,
    weights: Float32Array.from(weights),
    biases: Float32Array.from(biases),
  };
}

// Runs one input row through layers, each followed by an activation or none (identity).
function run(input: number[], steps: [DenseLayer, HiddenActivation | null][]): number[] {
  let x = Float32Array.from(input);
  for (const [step, activation] of steps) {
    const z = new Float32Array(step.outputs);
    dense(x, 1, step, z, new Float64Array(step.outputs));
    if (activation !== null) activate(activation, z, z.length);
    x = z;
  }
  return Array.from(x);
}

function assertClose(actual: number[], expected: number[], tolerance: number): void {
  const differences = actual.map((value, index) => Math.abs(value - expected[index]));
  const largest = Math.max(...differences);
  assert.ok(actual.length === expected.length && largest <= tolerance,
    `largest difference ${largest} exceeds ${tolerance}: got ${actual}, expected ${expected}`);
}

// ---

const threeLayer = suite('dense + activate: the notebook\'s 2-3-2-2 network');

threeLayer('should map [1.0, 0.5] to [0.31682708, 0.69627909]', () => {
  const output = run([1.0, 0.5], [
    [layer(2, 3, [0.1, 0.3, 0.5, 0.2, 0.4, 0.6], [0.1, 0.2, 0.3]), 'sigmoid'],
    [layer(3, 2, [0.1, 0.4, 0.2, 0.5, 0.3, 0.6], [0.1, 0.2]), 'sigmoid'],
    [layer(2, 2, [0.1, 0.3, 0.2, 0.4], [0.1, 0.2]), null],
  ]);
  assertClose(output, [0.31682708, 0.69627909], 1e-6);
});

threeLayer('should skip zero inputs without changing the result', () => {
  const step = layer(3, 2, [1, 2, 3, 4, 5, 6], [0.5, -0.5]);
  assertClose(run([0, 1, 0], [[step, null]]), [3.5, 3.5], 0);
  assertClose(run([2, 0, 1], [[step, null]]), [7.5, 9.5], 0);
});

threeLayer.run();

// ---

const gates = suite('dense + step: the notebook\'s perceptron gates');

const AND = layer(2, 1, [0.5, 0.5], [-0.7]);
const NAND = layer(2, 1, [-0.5, -0.5], [0.7]);
const OR = layer(2, 1, [1, 1], [-0.5]);
const NAND_AND_OR = layer(2, 2, [-0.5, 1, -0.5, 1], [0.7, -0.5]);
const INPUTS = [[0, 0], [1, 0], [0, 1], [1, 1]];

function truthTable(steps: [DenseLayer, HiddenActivation | null][]): number[] {
  return INPUTS.map((input) => run(input, steps)[0]);
}

gates('should give the truth table of AND', () => {
  assert.equal(truthTable([[AND, 'step']]), [0, 0, 0, 1]);
});

gates('should give the truth table of NAND', () => {
  assert.equal(truthTable([[NAND, 'step']]), [1, 1, 1, 0]);
});

gates('should give the truth table of OR', () => {
  assert.equal(truthTable([[OR, 'step']]), [0, 1, 1, 1]);
});

gates('should give XOR from NAND and OR feeding AND', () => {
  assert.equal(truthTable([[NAND_AND_OR, 'step'], [AND, 'step']]), [0, 1, 1, 0]);
});

gates.run();

// ---

const activations = suite('activate');

activations('should apply relu and sigmoid elementwise', () => {
  const relu = Float32Array.from([-2, 0, 3]);
  activate('relu', relu, 3);
  assert.equal(Array.from(relu), [0, 0, 3]);

  const sigmoid = Float32Array.from([0, 100, -100]);
  activate('sigmoid', sigmoid, 3);
  assert.equal(Array.from(sigmoid), [0.5, 1, Math.fround(1 / (1 + Math.exp(100)))]);
});

activations('should let NaN through relu, as numpy\'s np.maximum does', () => {
  const values = Float32Array.from([NaN, -1]);
  activate('relu', values, 2);
  assert.ok(Number.isNaN(values[0]), `got ${values[0]}`);
  assert.is(values[1], 0);
});

activations('should leave values past `length` alone', () => {
  const values = Float32Array.from([-1, -1]);
  activate('relu', values, 1);
  assert.equal(Array.from(values), [0, -1]);
});

activations.run();

// ---

const softmax = suite('softmaxRows');

softmax('should give the notebook\'s values for [1010, 1000, 990] without overflow', () => {
  const p = new Float32Array(3);
  softmaxRows(Float32Array.from([1010, 1000, 990]), 1, 3, p);
  const expected = [9.99954600e-01, 4.53978686e-05, 2.06106005e-09];
  const relative = Array.from(p).map((value, k) => Math.abs(value - expected[k]) / expected[k]);
  assert.ok(Math.max(...relative) < 1e-6, `relative differences ${relative}`);
});

softmax('should underflow tiny probabilities to zero rather than NaN', () => {
  const p = new Float32Array(2);
  softmaxRows(Float32Array.from([0, -1000]), 1, 2, p);
  assert.equal(Array.from(p), [1, 0]);
});

softmax('should propagate NaN rather than hide it', () => {
  const p = new Float32Array(2);
  softmaxRows(Float32Array.from([NaN, 1]), 1, 2, p);
  assert.ok(Number.isNaN(p[0]) && Number.isNaN(p[1]), `got ${p}`);
});

softmax('should treat each row on its own', () => {
  const p = new Float32Array(4);
  softmaxRows(Float32Array.from([0, 0, 1000, 1000]), 2, 2, p);
  assert.equal(Array.from(p), [0.5, 0.5, 0.5, 0.5]);
});

softmax.run();

// ---

const argmax = suite('argmaxRows');

argmax('should pick the largest value of each row', () => {
  const classes = new Uint8Array(2);
  argmaxRows(Float32Array.from([0.1, 0.7, 0.2, 0.6, 0.3, 0.1]), 2, 3, classes);
  assert.equal(Array.from(classes), [1, 0]);
});

argmax('should give a tie to the lower index, as numpy does', () => {
  const classes = new Uint8Array(1);
  argmaxRows(Float32Array.from([0.2, 0.4, 0.4]), 1, 3, classes);
  assert.is(classes[0], 1);
});

argmax.run();

// ---

const pixels = suite('PIXEL_VALUES');

pixels('should scale bytes exactly as numpy\'s x.astype(float32) / 255.0', () => {
  // values printed by numpy 2.4 for those pixels
  const numpy: [number, number][] = [
    [0, 0], [1, 0.003921568859368563], [3, 0.0117647061124444], [77, 0.3019607961177826],
    [128, 0.501960813999176], [254, 0.9960784316062927], [255, 1],
  ];
  for (const [pixel, expected] of numpy) assert.is(PIXEL_VALUES[pixel], expected, `pixel ${pixel}`);
});

pixels.run();
