// The project's own name and version, as recorded in every summary. The manifest is found by
// walking up from this module, which sits deeper when run from the build in dist/; the
// package.json there only marks the build as CommonJS and names no package.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's package.json: where it is, and the name and version it gives. */
export interface Manifest {
  path: string;
  name: string;
  version: string;
}

/** The nearest package.json above `start` that names a package, read once. */
export function findManifest(start: string): Manifest {
  for (let folder = start; ; folder = dirname(folder)) {
    const path = join(folder, 'package.json');
    if (existsSync(path)) {
      const { name, version } = JSON.parse(readFileSync(path, 'utf8')) as Partial<Manifest>;
      if (typeof name === 'string') return { path, name, version: version as string };
    }
    if (dirname(folder) === folder) throw new Error(`no package.json above ${start}`);
  }
}

/** The project's package.json, found once for every module that needs it. */
export const MANIFEST = findManifest(dirname(fileURLToPath(import.meta.url)));

/** Name and version of this package, from its package.json. */
export const TOOL = { name: MANIFEST.name, version: MANIFEST.version };
