// Files that ship inside the project, located from this module rather than from the current
// folder, so that the commands find them wherever they are run from.

import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { MANIFEST } from './tool.js';

/** The project's root folder: the one holding its package.json. */
export const PROJECT_ROOT = dirname(MANIFEST.path);

// Under tsx the modules run from their TypeScript sources; otherwise from the build in dist/,
// where the command-line entries are bundled and no longer sit beside the workers, and where
// import.meta.url, which CommonJS lacks, is the build's name for the bundle's own file.
const IS_SOURCE = import.meta.url.endsWith('.ts');

/** The file of a worker entry in workers/, as source or as built. */
export function workerFile(name: string): string {
  return IS_SOURCE ? join(PROJECT_ROOT, 'workers', `${name}.ts`) :
    join(PROJECT_ROOT, 'dist', 'workers', `${name}.js`);
}

const DEFAULT_WEIGHTS_PATH = join(PROJECT_ROOT, 'weights', 'mnist-mlp.safetensors');

/** The network the project trained and ships, used when no --weights is given. */
export const DEFAULT_WEIGHTS = {
  path: DEFAULT_WEIGHTS_PATH,
  /** The path as a user in the current folder would type it. */
  display: relative(process.cwd(), DEFAULT_WEIGHTS_PATH),
  exists: () => existsSync(DEFAULT_WEIGHTS_PATH),
};
