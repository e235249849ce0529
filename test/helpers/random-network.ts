// Networks made up by tests: seeded, so every run of the tests sees the same weights.

import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { HiddenActivation, Network } from '../../src/model/network.js';
import { networkToSafetensors } from '../../src/model/save-weights.js';

/** A small, fast pseudo-random generator (mulberry32) giving numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** A network of the given widths with weights uniform in ±scale/√inputs. */
export function randomNetwork(
  widths: number[],
  seed: number,
  activation: HiddenActivation = 'sigmoid',
): Network {
  const random = seededRandom(seed);
  const layers = widths.slice(1).map((outputs, index) => {
    const inputs = widths[index];
    const scale = 3 / Math.sqrt(inputs);
    return {
      inputs,
      outputs,
      weights: Float32Array.from({ length: inputs * outputs }, () => (2 * random() - 1) * scale),
      biases: Float32Array.from({ length: outputs }, () => 2 * random() - 1),
    };
  });
  return { layers, activation };
}

// One exit listener removes them all: uvu runs every test file in one process, and a
// listener per folder passed Node.js's warning limit of ten.
const temporaryFolders: string[] = [];
process.once('exit', () => {
  for (const folder of temporaryFolders) rmSync(folder, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export async function temporaryFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'mnist-eval-test-'));
  temporaryFolders.push(folder);
  return folder;
}

/** Writes a seeded 784-50-100-10 network as safetensors and returns its path. */
export async function writeRandomWeights(folder: string, seed = 1): Promise<string> {
  const path = join(folder, `random-${seed}.safetensors`);
  const bytes = networkToSafetensors(randomNetwork([784, 50, 100, 10], seed), {
    source: 'random weights made by the tests',
  });
  await writeFile(path, bytes);
  return path;
}
