// The project's own name and version, as recorded in every summary. The manifest is found by
// walking up from this module, which sits deeper when run from the build in dist/; the
// package.json there only marks the build as CommonJS and names no package.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest package.json above `start` that names a package. */
export function findManifest(start: string): string {
  for (let folder = start; ; folder = dirname(folder)) {
    const candidate = join(folder, 'package.json');
    if (existsSync(candidate) && namesPackage(candidate)) return candidate;
    if (dirname(folder) === folder) throw new Error(`no package.json above ${start}`);
  }
}

function namesPackage(manifest: string): boolean {
  return typeof (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name ===
    'string';
}

const manifest = JSON.parse(readFileSync(findManifest(
  dirname(fileURLToPath(import.meta.url))), 'utf8')) as { name: string; version: string };

/** Name and version of this package, from its package.json. */
export const TOOL = { name: manifest.name, version: manifest.version };
