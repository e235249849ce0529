// The benchmark's ONNX model of the network: read back field by field with a small protobuf
// reader, and, where onnxruntime-node is installed, run against the reference kernel.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { onnxModel } from '../src/bench/onnx-model.js';
import { loadOnnxRuntime, ONNX_INSTALL } from '../src/bench/onnx-peer.js';
import { createJsKernel } from '../workers/kernels.js';
import { PIXEL_VALUES } from '../workers/forward.js';
import { randomNetwork, seededRandom } from './helpers/random-network.js';

type Field = { number: number; value: number | Uint8Array };

// Every field of one protobuf message: varints as numbers, length-delimited ones as bytes.
function fields(bytes: Uint8Array): Field[] {
  const found: Field[] = [];
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const tag = varint();
    const wireType = tag & 7;
    if (wireType === 0) {
      found.push({ number: tag >>> 3, value: varint() });
    } else if (wireType === 2) {
      const length = varint();
      found.push({ number: tag >>> 3, value: bytes.subarray(at, at + length) });
      at += length;
    } else {
      throw new Error(`unexpected wire type ${wireType} at byte ${at}`);
    }
  }
  return found;
}

const all = (message: Uint8Array, number: number) =>
  fields(message).filter((field) => field.number === number).map((field) => field.value);
const one = (message: Uint8Array, number: number) => all(message, number)[0];
const text = (value: unknown) => Buffer.from(value as Uint8Array).toString('utf8');

const network = randomNetwork([6, 5, 4, 10], 31, 'sigmoid');
const model = onnxModel(network);
const graph = one(model, 7) as Uint8Array;

const onnx = suite('onnxModel');

onnx('should name the IR version and opset 13', () => {
  assert.is(one(model, 1), 8);
  assert.is(one(one(model, 8) as Uint8Array, 2), 13);
});

onnx('should chain Gemm and Sigmoid per hidden layer, then Gemm and Softmax on axis 1', () => {
  const nodes = all(graph, 1) as Uint8Array[];
  assert.equal(nodes.map((node) => text(one(node, 4))),
    ['Gemm', 'Sigmoid', 'Gemm', 'Sigmoid', 'Gemm', 'Softmax']);
  assert.equal(all(nodes[0], 1).map(text), ['x', 'W1', 'b1']);
  assert.equal(all(nodes[2], 1).map(text), ['a1', 'W2', 'b2']);
  assert.is(text(one(nodes[5], 2)), 'probabilities');

  const axis = one(nodes[5], 5) as Uint8Array;
  assert.is(text(one(axis, 1)), 'axis');
  assert.is(one(axis, 3), 1);
});

onnx('should hold every weight as float32 raw data of its shape', () => {
  const tensors = all(graph, 5) as Uint8Array[];
  assert.equal(tensors.map((tensor) => text(one(tensor, 8))), ['W1', 'b1', 'W2', 'b2', 'W3',
    'b3']);
  tensors.forEach((tensor, index) => {
    const layer = network.layers[Math.floor(index / 2)];
    const values = index % 2 === 0 ? layer.weights : layer.biases;
    assert.equal(all(tensor, 1), index % 2 === 0 ? [layer.inputs, layer.outputs] :
      [layer.outputs]);
    assert.is(one(tensor, 2), 1);
    assert.equal(Array.from(new Float32Array(Uint8Array.from(one(tensor, 9) as Uint8Array)
      .buffer)), Array.from(values));
  });
});

onnx('should take (N, inputs) float32 and give (N, 10)', () => {
  const shapeOf = (info: Uint8Array) => {
    const tensorType = one(one(info, 2) as Uint8Array, 1) as Uint8Array;
    assert.is(one(tensorType, 1), 1);
    return (all(one(tensorType, 2) as Uint8Array, 1) as Uint8Array[]).map((dim) =>
      fields(dim).map((field) => (field.number === 2 ? text(field.value) : field.value))[0]);
  };
  assert.equal(shapeOf(one(graph, 11) as Uint8Array), ['N', 6]);
  assert.equal(shapeOf(one(graph, 12) as Uint8Array), ['N', 10]);
});

const runtime = await loadOnnxRuntime();
if (typeof runtime === 'string') {
  console.log(`skipped: ${runtime}`);
  onnx.skip('should compute what the reference kernel computes', () => {});
} else {
  onnx('should compute what the reference kernel computes', async () => {
    const random = seededRandom(32);
    const count = 50;
    const pixels = Uint8Array.from({ length: count * 6 }, () => Math.floor(random() * 256));
    const expected = createJsKernel(network, count, 6).classifyBlock(pixels, 0, count);

    const session = await runtime.InferenceSession.create(model, {});
    const x = new runtime.Tensor('float32', Float32Array.from(pixels,
      (pixel) => PIXEL_VALUES[pixel]), [count, 6]);
    const { probabilities } = await session.run({ x });
    await session.release();

    let largest = 0;
    probabilities.data.forEach((p, i) => {
      largest = Math.max(largest, Math.abs(p - expected[i]));
    });
    assert.ok(largest <= 1e-6, `largest probability difference ${largest} (${ONNX_INSTALL})`);
  });
}

onnx.run();
