// The benchmark's numpy peer: a python3 process that classifies the test set once for every
// request, the way the notebook does, and that says in one line why it cannot run.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { startNumpyPeer } from '../src/bench/numpy-peer.js';
import { countCorrect } from '../src/bench/peer.js';
import { classify } from '../src/coordinator.js';
import { loadDataset } from '../src/data/dataset.js';
import { mnistPaths } from '../src/data/mnist-files.js';
import { loadWeights } from '../src/model/load-weights.js';
import { shareNetwork } from '../src/model/network.js';
import { DEFAULT_WEIGHTS } from '../src/project-files.js';

const paths = mnistPaths('test');
const FILES = [DEFAULT_WEIGHTS.path, paths.images, paths.labels];

const peers = suite('the numpy peer');

peers('should say that python3 is missing when it is not on the PATH', async () => {
  const path = process.env.PATH;
  process.env.PATH = '/nowhere';
  try {
    assert.is(await startNumpyPeer(FILES), 'python3 is not on the PATH');
  } finally {
    process.env.PATH = path;
  }
});

const started = await startNumpyPeer(FILES);
if (typeof started === 'string') {
  console.log(`skipped: ${started}`);
  peers.skip('should name a file it cannot read', () => {});
  peers.skip('should classify as many correctly as this project, run after run', () => {});
} else {
  await started.close();

  peers('should name a file it cannot read', async () => {
    const peer = await startNumpyPeer([DEFAULT_WEIGHTS.path, '/nowhere/images', paths.labels]);
    assert.type(peer, 'string');
    assert.match(peer as string, /^python3 with numpy did not run \(.*\/nowhere\/images/);
  });

  peers('should classify as many correctly as this project, run after run', async () => {
    const dataset = await loadDataset(paths);
    const network = shareNetwork((await loadWeights(DEFAULT_WEIGHTS.path)).network);
    const ours = await classify(dataset, network, { workers: 2, batchSize: 1000,
      kernel: 'js' });
    const correct = countCorrect(ours.predictions, dataset.labels);

    const peer = await startNumpyPeer(FILES);
    assert.type(peer, 'object');
    if (typeof peer === 'string') return;
    try {
      for (let run = 0; run < 2; run++) {
        const result = await peer.run();
        assert.is(result.correct, correct);
        assert.ok(result.ms > 0, `${result.ms} ms`);
      }
    } finally {
      await peer.close();
    }
  });
}

peers.run();
