// The network as an ONNX model, for the benchmark's onnxruntime peer: Gemm and Sigmoid per
// hidden layer, then Gemm and Softmax, over float32 inputs of shape (N, inputs).
//
// An ONNX model is a protobuf message. This writes the handful of fields such a model needs
// by hand, rather than pulling in a protobuf library and ONNX's schema for one file that the
// benchmark builds in memory: a field is a tag, then a varint or a length and its bytes.

import type { Network } from '../model/network.js';

// ONNX's numbers for the fields and values used (onnx/onnx.proto)
const FLOAT = 1;
const ATTRIBUTE_INT = 2;
const IR_VERSION = 8;
const OPSET = 13;

/** The bytes of an ONNX model computing the network's softmax probabilities. */
export function onnxModel(network: Network): Uint8Array {
  const nodes: Uint8Array[] = [];
  const initializers: Uint8Array[] = [];
  let input = 'x';

  network.layers.forEach((layer, index) => {
    const [W, b, z, a] = [`W${index + 1}`, `b${index + 1}`, `z${index + 1}`, `a${index + 1}`];
    initializers.push(tensor(W, [layer.inputs, layer.outputs], layer.weights));
    initializers.push(tensor(b, [layer.outputs], layer.biases));
    nodes.push(node('Gemm', [input, W, b], z));

    const isLast = index === network.layers.length - 1;
    const activation = isLast ? 'Softmax' : 'Sigmoid';
    const output = isLast ? 'probabilities' : a;
    nodes.push(node(activation, [z], output,
      isLast ? [message(string(1, 'axis'), varint(3, 1), varint(20, ATTRIBUTE_INT))] : []));
    input = output;
  });

  const classes = network.layers[network.layers.length - 1].outputs;
  const graph = message(...nodes.map((entry) => bytes(1, entry)), string(2, 'mlp'),
    ...initializers.map((entry) => bytes(5, entry)),
    bytes(11, valueInfo('x', network.layers[0].inputs)),
    bytes(12, valueInfo('probabilities', classes)));
  return message(varint(1, IR_VERSION), string(2, 'mnist-batch-eval'), bytes(7, graph),
    bytes(8, message(string(1, ''), varint(2, OPSET))));
}

function node(operator: string, inputs: string[], output: string,
  attributes: Uint8Array[] = []): Uint8Array {
  return message(...inputs.map((name) => string(1, name)), string(2, output),
    string(4, operator), ...attributes.map((attribute) => bytes(5, attribute)));
}

function tensor(name: string, dims: number[], values: Float32Array): Uint8Array {
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return message(...dims.map((dim) => varint(1, dim)), varint(2, FLOAT), string(8, name),
    bytes(9, raw));
}

// a float32 tensor of shape (N, width), N left free
function valueInfo(name: string, width: number): Uint8Array {
  const shape = message(bytes(1, string(2, 'N')), bytes(1, varint(1, width)));
  return message(string(1, name), bytes(2, bytes(1, message(varint(1, FLOAT), bytes(2, shape)))));
}

function message(...fields: Uint8Array[]): Uint8Array {
  return Buffer.concat(fields);
}

function varint(field: number, value: number): Uint8Array {
  return Buffer.concat([encodeVarint(field << 3), encodeVarint(value)]);
}

function string(field: number, text: string): Uint8Array {
  return bytes(field, Buffer.from(text, 'utf8'));
}

function bytes(field: number, content: Uint8Array): Uint8Array {
  return Buffer.concat([encodeVarint((field << 3) | 2), encodeVarint(content.length), content]);
}

function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}
