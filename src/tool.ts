// The project's own name and version, as recorded in every summary. The manifest is found by
// walking up from this module, which sits one folder deeper when run from the build in dist/.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package.json nearest above `start`. */
export function findManifest(start: string): string {
  for (let folder = start; ; folder = dirname(folder)) {
    const candidate = join(folder, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(folder) === folder) throw new Error(`no package.json above ${start}`);
  }
}

const manifest = JSON.parse(readFileSync(findManifest(
  dirname(fileURLToPath(import.meta.url))), 'utf8')) as { name: string; version: string };

/** Name and version of this package, from its package.json. */
export const TOOL = { name: manifest.name, version: manifest.version };
