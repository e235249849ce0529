// onnxruntime-node as the benchmark's second peer, where it is installed: the same network
// and images through ONNX Runtime's CPU kernels, compute only, the pixels already converted
// to float32 as numpy converts them. It is an optional peer dependency, so nothing here
// names its types: the few calls used are declared below.

import { availableParallelism } from 'node:os';

import { CLASS_COUNT } from '../classes.js';
import type { Dataset } from '../data/dataset.js';
import type { Network } from '../model/network.js';
import { argmaxRows, PIXEL_VALUES } from '../../workers/forward.js';
import { onnxModel } from './onnx-model.js';
import { countCorrect, type Peer, type PeerRun } from './peer.js';

/** onnxruntime-node ready to classify the images again and again, at its best setting. */
export interface OnnxPeer extends Peer {
  version: string;
  threads: number;
  batchSize: number;
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
// runs of each batch size that choose the faster one, the first of them warming up
const TRIAL_RUNS = 4;
// how a user adds the peer: its install script fetches GPU libraries unless told not to
export const ONNX_INSTALL = `ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save ${PACKAGE}@1.30`;

/** Loads onnxruntime-node, or returns why it cannot be. */
export async function loadOnnxRuntime(): Promise<OnnxRuntime | string> {
  try {
    // a variable, so that the type checker does not look for a package that may be absent
    const name: string = PACKAGE;
    return (await import(name)) as OnnxRuntime;
  } catch (error) {
    // import() says ERR_MODULE_NOT_FOUND; in the build's bundles it becomes require(), which
    // says MODULE_NOT_FOUND
    const code = (error as NodeJS.ErrnoException).code;
    const isMissing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    return isMissing ? `${PACKAGE} is not installed (${ONNX_INSTALL})` :
      `${PACKAGE} did not load (${(error as Error).message.split('\n')[0]})`;
  }
}

/**
 * Starts a session of the network on onnxruntime with every core, and picks the faster of
 * its two usual ways: one batch of all the images, or the notebook's batches of 100.
 */
export async function startOnnxPeer(runtime: OnnxRuntime, network: Network, dataset: Dataset):
  Promise<OnnxPeer> {
  const threads = availableParallelism();
  const session = await runtime.InferenceSession.create(onnxModel(network), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const inputs = Float32Array.from(dataset.pixels, (pixel) => PIXEL_VALUES[pixel]);

  let best: { batchSize: number; run: () => Promise<PeerRun>; ms: number } | undefined;
  for (const batchSize of [dataset.count, 100]) {
    const run = batchRunner(runtime, session, dataset, inputs, batchSize);
    const times: number[] = [];
    for (let trial = 0; trial < TRIAL_RUNS; trial++) times.push((await run()).ms);
    const ms = Math.min(...times.slice(1));
    if (best === undefined || ms < best.ms) best = { batchSize, run, ms };
  }

  const { batchSize, run } = best as NonNullable<typeof best>;
  return {
    version: runtime.env.versions.node ?? runtime.env.versions.common ?? 'unknown',
    threads,
    batchSize,
    run,
    close: () => session.release(),
  };
}

// Classifies every image in batches of `batchSize`; the predictions are counted after the
// clock stops.
function batchRunner(runtime: OnnxRuntime, session: OnnxSession, dataset: Dataset,
  inputs: Float32Array, batchSize: number): () => Promise<PeerRun> {
  const { count, pixelsPerImage, labels } = dataset;
  const tensors: OnnxTensor[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(start + batchSize, count);
    const pixels = inputs.subarray(start * pixelsPerImage, end * pixelsPerImage);
    tensors.push(new runtime.Tensor('float32', pixels, [end - start, pixelsPerImage]));
  }

  return async () => {
    const outputs: OnnxTensor[] = [];
    const startedAt = performance.now();
    for (const x of tensors) outputs.push((await session.run({ x })).probabilities);
    const ms = performance.now() - startedAt;

    const predictions = new Uint8Array(count);
    let image = 0;
    for (const { data } of outputs) {
      const rows = data.length / CLASS_COUNT;
      argmaxRows(data, rows, CLASS_COUNT, predictions.subarray(image, image + rows));
      image += rows;
    }
    return { ms, correct: countCorrect(predictions, labels) };
  };
}
