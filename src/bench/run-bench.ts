// The benchmark: this project's classification time for each kernel and worker count, the
// whole command's time, peak memory by worker count, and its peers on the same data and
// weights: the notebook's numpy code where python3 with numpy is present, and onnxruntime-node
// where it is installed. Every figure is a median of
// repeated runs measured in one sitting, so the ratios between them are what matter.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { startClassifierPool } from '../coordinator.js';
import { loadDataset, type Dataset } from '../data/dataset.js';
import { mnistPaths, type MnistSplit } from '../data/mnist-files.js';
import { KERNELS, defaultKernel, type KernelName } from '../kernels/kernel-names.js';
import { loadWeights } from '../model/load-weights.js';
import { shareNetwork, type SharedNetwork } from '../model/network.js';
import { DEFAULT_WEIGHTS, PROJECT_ROOT } from '../project-files.js';
import { loadOnnxRuntime, timeOnnx, type OnnxTime } from './onnx-peer.js';

const run = promisify(execFile);

/** One classification measurement: compute only, on a pool already started. */
export interface ClassificationTime {
  split: MnistSplit;
  kernel: KernelName;
  workers: number;
  medianMs: number;
  imagesPerSecond: number;
}

/** Everything the benchmark measured. */
export interface BenchResult {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string };
  settings: { runs: number; batchSize: number; weights: string };
  classification: ClassificationTime[];
  wholeCommand: { workers: number; medianMs: number }[];
  peakMemory: { workers: number; peakMiB: number }[];
  numpy: { version: string; computeMs: number; wholeProcessMs: number } | { missing: string };
  onnxruntime: OnnxTime | { missing: string };
}

/** How long to measure, and whom to tell what is being measured. */
export interface BenchOptions {
  runs: number;
  onStep?: (description: string) => void;
}

// Large enough that the pool's cost per task (about 0.3 ms here) stays small beside the work.
const BATCH_SIZE = 1000;
const WARM_UP_RUNS = 2;
const PROCESS_RUNS = 5;

/** Runs every measurement in turn. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const cores = availableParallelism();
  const workerCounts = [...new Set([1, 2, cores, 8])].sort((a, b) => a - b);
  const kernels = KERNELS.filter((kernel) => kernel === 'js' || defaultKernel() === 'wasm');
  const weights = await loadWeights(DEFAULT_WEIGHTS.path);
  const network = shareNetwork(weights.network);

  const classification: ClassificationTime[] = [];
  const testSet = await loadDataset(mnistPaths('test'));
  for (const split of ['test', 'train'] as const) {
    const dataset = split === 'test' ? testSet : await loadDataset(mnistPaths(split));
    for (const kernel of kernels) {
      for (const workers of workerCounts) {
        options.onStep?.(`classifying the ${split} split: ${kernel} kernel, ${workers} workers`);
        classification.push(await timeClassification(dataset, network, split, kernel, workers,
          options.runs));
      }
    }
  }

  const wholeCommand = [];
  for (const workers of [...new Set([2, 8])]) {
    options.onStep?.(`the whole evaluate command with ${workers} workers`);
    wholeCommand.push({ workers, medianMs: await timeWholeCommand(workers) });
  }

  const peakMemory = [];
  for (const workers of workerCounts) {
    options.onStep?.(`peak memory with ${workers} workers`);
    peakMemory.push({ workers, peakMiB: await peakMemoryMiB(workers) });
  }

  options.onStep?.('the notebook\'s numpy code');
  const numpy = await timeNumpy(options.runs);
  options.onStep?.('onnxruntime-node');
  const runtime = await loadOnnxRuntime();
  const onnxruntime = typeof runtime === 'string' ? { missing: runtime } :
    await timeOnnx(runtime, weights.network, testSet, options.runs);
  return {
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    settings: { runs: options.runs, batchSize: BATCH_SIZE, weights: DEFAULT_WEIGHTS.display },
    classification,
    wholeCommand,
    peakMemory,
    numpy,
    onnxruntime,
  };
}

async function timeClassification(
  dataset: Dataset,
  network: SharedNetwork,
  split: MnistSplit,
  kernel: KernelName,
  workers: number,
  runs: number,
): Promise<ClassificationTime> {
  const pool = startClassifierPool(network, { workers, batchSize: BATCH_SIZE, kernel });
  try {
    for (let warmUp = 0; warmUp < WARM_UP_RUNS; warmUp++) await pool.run(dataset);
    // the pool's own clock: from the first batch handed out, the images already in place
    const times: number[] = [];
    for (let attempt = 0; attempt < runs; attempt++) {
      times.push((await pool.run(dataset)).elapsedMs);
    }
    const medianMs = middle(times);
    return { split, kernel, workers, medianMs,
      imagesPerSecond: Math.round(dataset.count / (medianMs / 1000)) };
  } finally {
    await pool.close();
  }
}

async function timeWholeCommand(workers: number): Promise<number> {
  const out = await mkdtemp(join(tmpdir(), 'mnist-eval-bench-'));
  try {
    const args = ['dist/src/cli/evaluate.js', '--workers', String(workers), '--quiet',
      '--out', out];
    return await median(PROCESS_RUNS, () => run(process.execPath, args, { cwd: PROJECT_ROOT }));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function peakMemoryMiB(workers: number): Promise<number> {
  const out = await mkdtemp(join(tmpdir(), 'mnist-eval-bench-'));
  try {
    const { stderr } = await run(process.execPath, ['dist/src/bench/peak-memory.js',
      '--workers', String(workers), '--quiet', '--out', out], { cwd: PROJECT_ROOT });
    const kilobytes = Number(/peak-rss-kb=(\d+)/.exec(stderr)?.[1]);
    return Math.round(kilobytes / 1024 * 10) / 10;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function timeNumpy(runs: number): Promise<BenchResult['numpy']> {
  const paths = mnistPaths('test');
  const script = join(PROJECT_ROOT, 'src', 'bench', 'numpy-peer.py');
  const args = [DEFAULT_WEIGHTS.path, paths.images, paths.labels];

  try {
    const { stdout } = await run('python3', [script, 'compute', ...args, String(runs)]);
    const { medianMs, numpy } = JSON.parse(stdout) as { medianMs: number; numpy: string };
    const wholeProcessMs = await median(PROCESS_RUNS,
      () => run('python3', [script, 'whole', ...args]));
    return { version: numpy, computeMs: medianMs, wholeProcessMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { missing: 'python3 is not on the PATH' };
    }
    const reason = (error as { stderr?: string }).stderr?.trim().split('\n').at(-1) ||
      (error as Error).message;
    return { missing: `python3 with numpy did not run (${reason})` };
  }
}

async function median(runs: number, body: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let attempt = 0; attempt < runs; attempt++) {
    const startedAt = performance.now();
    await body();
    times.push(performance.now() - startedAt);
  }
  return middle(times);
}

function middle(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] * 10) / 10;
}
