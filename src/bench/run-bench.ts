// The benchmark: this project's classification time for each kernel and worker count, the
// whole command's time, peak memory by worker count, and its peers on the same data and
// weights: the notebook's numpy code where python3 with numpy is present, and onnxruntime-node
// where it is installed. Every figure is a median of repeated runs measured in one sitting.
// Everything that a target compares is timed side by side, one run of each in turn, round
// after round: the pools of each worker count on both splits, and the pool beside its peers.
// On a shared machine whose speed drifts, each ratio is then the median of ratios taken
// moments apart, not of medians taken minutes apart.

import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { startClassifierPool, type BatchSize } from '../coordinator.js';
import { loadDataset, type Dataset } from '../data/dataset.js';
import { mnistPaths, type MnistSplit } from '../data/mnist-files.js';
import {
  availableKernels,
  defaultKernel,
  kernelUnavailable,
  KERNELS,
  type KernelName,
} from '../kernels/kernel-names.js';
import { loadWeights } from '../model/load-weights.js';
import { shareNetwork, type SharedNetwork } from '../model/network.js';
import { DEFAULT_WEIGHTS, PROJECT_ROOT } from '../project-files.js';
import { NUMPY_SCRIPT, startNumpyPeer } from './numpy-peer.js';
import { loadOnnxRuntime, startOnnxPeer } from './onnx-peer.js';
import { countCorrect, type Peer } from './peer.js';

const run = promisify(execFile);

/** One classification measurement: compute only, on a pool already started. */
export interface ClassificationTime {
  split: MnistSplit;
  kernel: KernelName;
  workers: number;
  medianMs: number;
  imagesPerSecond: number;
}

/**
 * Ratios between one kernel's own runs, each the median of ratios taken round by round: the
 * runs they compare take turns, so that the machine's drift from minute to minute falls on
 * both sides of each ratio alike.
 */
export interface KernelRatios {
  kernel: KernelName;
  /** The train split: 1 worker's time ÷ 2 workers'. */
  trainOneOverTwo: number;
  /** The train split: 8 workers' time ÷ 2 workers'. */
  trainEightOverTwo: number;
  /** Every core: the train split's time ÷ the test split's. */
  trainOverTest: number;
}

/** Everything the benchmark measured. */
export interface BenchResult {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string };
  settings: { runs: number; batchSize: BatchSize; weights: string };
  classification: ClassificationTime[];
  /** The kernels that cannot run on this Node.js or installation, and why. */
  kernelsNotRun: { kernel: KernelName; reason: string }[];
  ratios: KernelRatios[];
  wholeCommand: { workers: number; medianMs: number }[];
  /** `node -e 0`: Node.js starting and ending with nothing to run. */
  nodeStartMs: number;
  /** Where the environment sets NODE_EXTRA_CA_CERTS, the same two runs without it. */
  withoutExtraCaCerts: ExtraCaCertsResult | null;
  peakMemory: { workers: number; peakMiB: number }[];
  /** The pool that the peers are timed beside: every core, the default kernel. */
  sideBySide: { split: MnistSplit; kernel: KernelName; workers: number; rounds: number;
    medianMs: number; correct: number };
  numpy: NumpyResult | { missing: string };
  onnxruntime: OnnxResult | { missing: string };
}

/** Timed side by side with the pool; each ratio is this project's time over the peer's. */
export interface NumpyResult {
  version: string;
  computeMs: number;
  computeRatio: number;
  correct: number;
  wholeProcessMs: number;
  /** The whole evaluate command with 2 workers over python3 running the notebook's code. */
  wholeRatio: number;
  /** The same, NODE_EXTRA_CA_CERTS left out of the command's environment, where it is set. */
  wholeRatioWithoutExtraCaCerts: number | null;
}

/**
 * Node.js 20 loads every certificate of the file that NODE_EXTRA_CA_CERTS names as it starts,
 * whether or not the process ever makes a TLS connection: 30 to 35 ms on a 2-core machine
 * for the 144 of Debian's bundle, where Node.js 22 takes no measurable time for it. Where a
 * machine sets it for every process, the whole command is also timed without it.
 */
export interface ExtraCaCertsResult {
  file: string;
  nodeStartMs: number;
  wholeCommandMs: number;
}

export interface OnnxResult {
  version: string;
  threads: number;
  batchSize: number;
  computeMs: number;
  computeRatio: number;
  correct: number;
}

/** How long to measure, and whom to tell what is being measured. */
export interface BenchOptions {
  runs: number;
  onStep?: (description: string) => void;
}

// the evaluate command's default
const BATCH_SIZE: BatchSize = 'auto';
const WARM_UP_RUNS = 2;
const PROCESS_RUNS = 7;
// Between one contender's run and the next. The peers' threads (OpenBLAS's under numpy,
// onnxruntime's own pool) spin a while after their work in case more comes: measured here,
// the pool's run 20 ms after a peer's took almost twice as long as one 200 ms after.
const SETTLE_MS = 200;

/** Runs every measurement in turn. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const cores = availableParallelism();
  const workerCounts = [...new Set([1, 2, cores, 8])].sort((a, b) => a - b);
  const kernels = availableKernels();
  const weights = await loadWeights(DEFAULT_WEIGHTS.path);
  const network = shareNetwork(weights.network);

  const sets = {
    test: await loadDataset(mnistPaths('test')),
    train: await loadDataset(mnistPaths('train')),
  };
  const measured: KernelTimes[] = [];
  for (const kernel of kernels) {
    options.onStep?.(`classifying the test and train splits: ${kernel} kernel, ` +
      `${workerCounts.join(', ')} workers in turn`);
    measured.push(await timeKernel(sets, network, kernel, workerCounts, options.runs));
  }
  const classification = (['test', 'train'] as const).flatMap((split) =>
    measured.flatMap((kernel) => kernel.times.filter((entry) => entry.split === split)));

  const peakMemory = [];
  for (const workers of workerCounts) {
    options.onStep?.(`peak memory with ${workers} workers`);
    peakMemory.push({ workers, peakMiB: await peakMemoryMiB(workers) });
  }

  options.onStep?.('the peers: starting the notebook\'s numpy code and onnxruntime-node');
  const paths = mnistPaths('test');
  const numpyPeer = await startNumpyPeer([DEFAULT_WEIGHTS.path, paths.images, paths.labels]);
  const runtime = await loadOnnxRuntime();
  const onnxPeer = typeof runtime === 'string' ? runtime :
    await startOnnxPeer(runtime, weights.network, sets.test);

  const kernel = defaultKernel();
  options.onStep?.(`the test split beside the peers, ${options.runs} rounds`);
  const rounds = await timeSideBySide(sets.test, network, { workers: cores, kernel }, [
    typeof numpyPeer === 'string' ? null : numpyPeer,
    typeof onnxPeer === 'string' ? null : onnxPeer,
  ], options.runs);
  await Promise.all([numpyPeer, onnxPeer].map((peer) =>
    (typeof peer === 'string' ? undefined : peer.close())));

  options.onStep?.('the whole evaluate command beside python3 running the notebook\'s code');
  const whole = await timeWholeCommands(typeof numpyPeer !== 'string');

  const compute = (peer: number) => ({
    computeMs: middle(rounds.map((round) => round.peers[peer]?.ms ?? NaN)),
    computeRatio: ratioOf(rounds.map((round) => round.project / (round.peers[peer]?.ms ?? NaN))),
    correct: rounds[0]?.peers[peer]?.correct ?? 0,
  });
  const numpy = typeof numpyPeer === 'string' ? { missing: numpyPeer } : {
    version: numpyPeer.version,
    ...compute(0),
    wholeProcessMs: middle(whole.map((round) => round.python ?? NaN)),
    wholeRatio: ratioOf(whole.map((round) => round.project[0] / (round.python ?? NaN))),
    wholeRatioWithoutExtraCaCerts: EXTRA_CA_CERTS === undefined ? null :
      ratioOf(whole.map((round) => (round.withoutCerts?.command ?? NaN) / (round.python ?? NaN))),
  };
  const onnxruntime = typeof onnxPeer === 'string' ? { missing: onnxPeer } : {
    version: onnxPeer.version,
    threads: onnxPeer.threads,
    batchSize: onnxPeer.batchSize,
    ...compute(1),
  };
  return {
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    settings: { runs: options.runs, batchSize: BATCH_SIZE, weights: DEFAULT_WEIGHTS.display },
    classification,
    kernelsNotRun: KERNELS.filter((kernel) => !kernels.includes(kernel))
      .map((kernel) => ({ kernel, reason: kernelUnavailable(kernel) ?? 'unknown' })),
    ratios: measured.map((kernel) => kernel.ratios),
    wholeCommand: WHOLE_COMMAND_WORKERS.map((workers, index) =>
      ({ workers, medianMs: middle(whole.map((round) => round.project[index])) })),
    nodeStartMs: middle(whole.map((round) => round.nodeStart)),
    withoutExtraCaCerts: EXTRA_CA_CERTS === undefined ? null : {
      file: EXTRA_CA_CERTS,
      nodeStartMs: middle(whole.map((round) => round.withoutCerts?.nodeStart ?? NaN)),
      wholeCommandMs: middle(whole.map((round) => round.withoutCerts?.command ?? NaN)),
    },
    peakMemory,
    sideBySide: { split: 'test', kernel, workers: cores, rounds: rounds.length,
      medianMs: middle(rounds.map((round) => round.project)), correct: rounds[0]?.correct ?? 0 },
    numpy,
    onnxruntime,
  };
}

// One run of the pool and then of each peer present, round after round.
async function timeSideBySide(dataset: Dataset, network: SharedNetwork,
  pool: { workers: number; kernel: KernelName }, peers: (Peer | null)[], rounds: number) {
  const started = startClassifierPool(network, { ...pool, batchSize: BATCH_SIZE });
  const contenders = [() => started.run(dataset),
    ...peers.map((peer) => (peer === null ? null : () => peer.run()))];
  try {
    for (let warmUp = 0; warmUp < WARM_UP_RUNS; warmUp++) {
      for (const contender of contenders) await contender?.();
    }
    const results = [];
    for (let round = 0; round < rounds; round++) {
      const project = await started.run(dataset);
      await sleep(SETTLE_MS);
      const peerRuns = [];
      for (const peer of peers) {
        peerRuns.push(peer === null ? null : await peer.run());
        await sleep(SETTLE_MS);
      }
      const correct = countCorrect(project.predictions, dataset.labels);
      results.push({ project: project.elapsedMs, correct, peers: peerRuns });
    }
    return results;
  } finally {
    await started.close();
  }
}

const WHOLE_COMMAND_WORKERS = [2, 8];
const EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS || undefined;

interface WholeRound {
  project: number[];
  nodeStart: number;
  withoutCerts: { command: number; nodeStart: number } | null;
  python: number | null;
}

// The whole evaluate command with each worker count and Node.js starting with nothing to
// run; where NODE_EXTRA_CA_CERTS is set, the 2-worker command and the bare start again
// without it; then python3 running the notebook's batch code end to end where it can; round
// after round.
async function timeWholeCommands(withPython: boolean): Promise<WholeRound[]> {
  const out = await mkdtemp(join(tmpdir(), 'mnist-eval-bench-'));
  const paths = mnistPaths('test');
  const withoutCerts = { ...process.env };
  delete withoutCerts.NODE_EXTRA_CA_CERTS;
  const timed = async (command: string, args: string[], env = process.env) => {
    const startedAt = performance.now();
    await run(command, args, { cwd: PROJECT_ROOT, env });
    return performance.now() - startedAt;
  };
  const evaluate = (workers: number, env = process.env) => timed(process.execPath,
    ['dist/src/cli/evaluate.js', '--workers', String(workers), '--quiet', '--out', out], env);
  const nodeStart = (env = process.env) => timed(process.execPath, ['-e', '0'], env);

  try {
    const rounds: WholeRound[] = [];
    for (let round = 0; round < PROCESS_RUNS; round++) {
      const project = [];
      for (const workers of WHOLE_COMMAND_WORKERS) project.push(await evaluate(workers));
      const started = await nodeStart();
      const unset = EXTRA_CA_CERTS === undefined ? null : {
        command: await evaluate(WHOLE_COMMAND_WORKERS[0], withoutCerts),
        nodeStart: await nodeStart(withoutCerts),
      };
      const python = withPython ? await timed('python3', [NUMPY_SCRIPT, 'whole',
        DEFAULT_WEIGHTS.path, paths.images, paths.labels]) : null;
      rounds.push({ project, nodeStart: started, withoutCerts: unset, python });
    }
    return rounds;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

// the median ratio, to two decimals
function ratioOf(ratios: number[]): number {
  return Math.round(median(ratios) * 100) / 100;
}

interface KernelTimes {
  times: ClassificationTime[];
  ratios: KernelRatios;
}

// Every split on a pool of each worker count, one run of each in turn, round after round.
// The pools stay open side by side; the ones waiting hold idle threads, which cost nothing.
async function timeKernel(
  sets: Record<MnistSplit, Dataset>,
  network: SharedNetwork,
  kernel: KernelName,
  workerCounts: number[],
  runs: number,
): Promise<KernelTimes> {
  const pools = workerCounts.map((workers) =>
    ({ workers, pool: startClassifierPool(network, { workers, batchSize: BATCH_SIZE, kernel }) }));
  const splits = Object.keys(sets) as MnistSplit[];
  try {
    const runAll = async (record?: (split: MnistSplit, workers: number, ms: number) => void) => {
      for (const split of splits) {
        for (const { workers, pool } of pools) {
          // the pool's own clock: from the batches put out, the images already in place
          record?.(split, workers, (await pool.run(sets[split])).elapsedMs);
        }
      }
    };
    for (let warmUp = 0; warmUp < WARM_UP_RUNS; warmUp++) await runAll();
    const times = new Map<string, number[]>();
    const key = (split: MnistSplit, workers: number) => `${split} ${workers}`;
    for (let round = 0; round < runs; round++) {
      await runAll((split, workers, ms) => {
        const list = times.get(key(split, workers)) ?? [];
        list.push(ms);
        times.set(key(split, workers), list);
      });
    }

    const timesOf = (split: MnistSplit, workers: number) => times.get(key(split, workers)) ?? [];
    const over = (a: number[], b: number[]) => ratioOf(a.map((ms, round) => ms / b[round]));
    const cores = availableParallelism();
    return {
      times: splits.flatMap((split) => workerCounts.map((workers) => {
        const medianMs = middle(timesOf(split, workers));
        return { split, kernel, workers, medianMs,
          imagesPerSecond: Math.round(sets[split].count / (medianMs / 1000)) };
      })),
      ratios: {
        kernel,
        trainOneOverTwo: over(timesOf('train', 1), timesOf('train', 2)),
        trainEightOverTwo: over(timesOf('train', 8), timesOf('train', 2)),
        trainOverTest: over(timesOf('train', cores), timesOf('test', cores)),
      },
    };
  } finally {
    await Promise.all(pools.map(({ pool }) => pool.close()));
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

// the median time, to a tenth of a millisecond
function middle(times: number[]): number {
  return Math.round(median(times) * 10) / 10;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
