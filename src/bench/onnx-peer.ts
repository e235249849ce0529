// onnxruntime-node as the benchmark's second peer, where it is installed: the same network
// and images through ONNX Runtime's CPU kernels, compute only, the pixels already converted
// to float32 as numpy converts them. It is an optional peer dependency, so nothing here
// names its types: the few calls used are declared below.

import { availableParallelism } from 'node:os';

import type { Dataset } from '../data/dataset.js';
import type { Network } from '../model/network.js';
import { PIXEL_VALUES } from '../../workers/forward.js';
import { onnxModel } from './onnx-model.js';

/** One onnxruntime measurement: its best setting, and what it found. */
export interface OnnxTime {
  version: string;
  threads: number;
  batchSize: number;
  computeMs: number;
  correct: number;
}

interface OnnxTensor { data: Float32Array }

interface OnnxSession {
  run(feeds: Record<string, OnnxTensor>): Promise<Record<string, OnnxTensor>>;
  release(): Promise<void>;
}

interface OnnxRuntime {
  env: { versions: { node?: string; common?: string } };
  InferenceSession: { create(model: Uint8Array, options: object): Promise<OnnxSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OnnxTensor;
}

const PACKAGE = 'onnxruntime-node';
const WARM_UP_RUNS = 2;
// how a user adds the peer: its install script fetches GPU libraries unless told not to
export const ONNX_INSTALL = `ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save ${PACKAGE}@1.30`;

/** Loads onnxruntime-node, or returns why it cannot be. */
export async function loadOnnxRuntime(): Promise<OnnxRuntime | string> {
  try {
    // a variable, so that the type checker does not look for a package that may be absent
    const name: string = PACKAGE;
    return (await import(name)) as OnnxRuntime;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ERR_MODULE_NOT_FOUND' ? `${PACKAGE} is not installed (${ONNX_INSTALL})` :
      `${PACKAGE} did not load (${(error as Error).message.split('\n')[0]})`;
  }
}

/**
 * Times the network on onnxruntime with every core, in one batch of all the images and in
 * the notebook's batches of 100, and returns the faster.
 */
export async function timeOnnx(runtime: OnnxRuntime, network: Network, dataset: Dataset,
  runs: number): Promise<OnnxTime> {
  const threads = availableParallelism();
  const session = await runtime.InferenceSession.create(onnxModel(network), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const inputs = Float32Array.from(dataset.pixels, (pixel) => PIXEL_VALUES[pixel]);

  try {
    const timings = [];
    for (const batchSize of [dataset.count, 100]) {
      timings.push(await timeBatches(runtime, session, dataset, inputs, batchSize, runs));
    }
    const best = timings.reduce((a, b) => (b.computeMs < a.computeMs ? b : a));
    return { version: runtime.env.versions.node ?? runtime.env.versions.common ?? 'unknown',
      threads, ...best };
  } finally {
    await session.release();
  }
}

async function timeBatches(runtime: OnnxRuntime, session: OnnxSession, dataset: Dataset,
  inputs: Float32Array, batchSize: number, runs: number) {
  const { count, pixelsPerImage, labels } = dataset;
  const tensors: OnnxTensor[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(start + batchSize, count);
    tensors.push(new runtime.Tensor('float32',
      inputs.subarray(start * pixelsPerImage, end * pixelsPerImage), [end - start, pixelsPerImage]));
  }

  const times: number[] = [];
  let outputs: OnnxTensor[] = [];
  for (let attempt = -WARM_UP_RUNS; attempt < runs; attempt++) {
    outputs = [];
    const startedAt = performance.now();
    for (const x of tensors) outputs.push((await session.run({ x })).probabilities);
    if (attempt >= 0) times.push(performance.now() - startedAt);
  }
  times.sort((a, b) => a - b);

  // the last run's predictions, counted outside the clock
  let correct = 0;
  let image = 0;
  for (const { data } of outputs) {
    for (let row = 0; row * 10 < data.length; row++, image++) {
      if (argmax(data, row) === labels[image]) correct++;
    }
  }
  return { batchSize, computeMs: Math.round(times[Math.floor(runs / 2)] * 10) / 10, correct };
}

function argmax(probabilities: Float32Array, row: number): number {
  let best = 0;
  for (let k = 1; k < 10; k++) {
    if (probabilities[row * 10 + k] > probabilities[row * 10 + best]) best = k;
  }
  return best;
}
