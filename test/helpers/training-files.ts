// A small slice of the MNIST training split as IDX files, so that training tests run in
// seconds.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { mnistPaths } from '../../src/data/mnist-files.js';
import { encodeIdx } from './idx-bytes.js';

/** Writes the first `count` training images and labels into `folder`; returns their flags. */
export async function smallTrainingFiles(folder: string, count = 2000): Promise<string[]> {
  const paths = mnistPaths('train');
  const images = (await readFile(paths.images)).subarray(16, 16 + count * 784);
  const labels = (await readFile(paths.labels)).subarray(8, 8 + count);
  const imagesPath = join(folder, 'small-images');
  const labelsPath = join(folder, 'small-labels');
  await writeFile(imagesPath, encodeIdx([count, 28, 28], images));
  await writeFile(labelsPath, encodeIdx([count], labels));
  return ['--images', imagesPath, '--labels', labelsPath];
}
