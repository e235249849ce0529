// The entry of every command. The build puts a copy of it at dist/src/cli/<command>.js and the
// command itself beside it, as <command>.bundle.js; this runs the bundle with the bytecode
// that V8 compiled for it on an earlier run, kept in dist/code-cache. Compiling the evaluate
// command's 340 KB and the functions a run calls cost about 5 ms of its start; Node.js 22 can
// keep such a cache itself, Node.js 20 cannot, so this does it with node:vm on both.
//
// V8 checks a cache against its source's length only, and would run stale code for a rebuilt
// bundle of the same length, so each cache is named by the sha256 of its bundle's text and
// the Node.js version that wrote it. A cache is written once, after the first run that ends
// with exit code 0 and did more than print help or the version (the functions a run calls are
// compiled lazily, and those of a help run would leave most of a real run's to compile every
// time); it is written beside its final name and renamed there, so that no run reads half of
// one. Where dist/ cannot be written, commands simply compile as they would without it. The
// build turns every import() into require(): node:vm gives a script's import() no loader
// unless asked, through an experimental option whose loader Node.js 20 drops from a script
// read from the cache, so an import() would work on a command's first run and fail after.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const entry = fileURLToPath(import.meta.url);
const bundle = entry.replace(/\.js$/, '.bundle.js');
const cacheFolder = join(dirname(entry), '..', '..', 'code-cache');
const INFORMATION_ONLY = new Set(['--help', '-h', '--version', '-V']);

const text = readFileSync(bundle);
const cachePrefix = `${basename(bundle)}.${process.version}.`;
const cacheFile = join(cacheFolder,
  `${cachePrefix}${createHash('sha256').update(text).digest('hex').slice(0, 16)}.bin`);
const cached = readCache(cacheFile);

const script = new Script(wrap(text.toString('utf8')), { filename: bundle, cachedData: cached });
if (cached === undefined || script.cachedDataRejected === true) {
  process.once('exit', (code) => {
    const informationOnly = process.argv.slice(2).some((arg) => INFORMATION_ONLY.has(arg));
    if (code === 0 && !informationOnly) writeCache(script.createCachedData());
  });
}

const commandModule = { exports: {}, filename: bundle, id: bundle, loaded: false };
script.runInThisContext()(commandModule.exports, createRequire(bundle), commandModule, bundle,
  dirname(bundle));

function readCache(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

// Writes the cache under its final name by a rename, then removes the caches that this
// Node.js version wrote for earlier builds of the same bundle. It runs as the process exits,
// so it throws nothing: a cache that cannot be written is simply not there next time.
function writeCache(data: Buffer): void {
  const staged = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(cacheFolder, { recursive: true });
    writeFileSync(staged, data);
    renameSync(staged, cacheFile);
    for (const name of readdirSync(cacheFolder)) {
      const isEarlier = name.startsWith(cachePrefix) && name.endsWith('.bin') &&
        name !== basename(cacheFile);
      if (isEarlier) rmSync(join(cacheFolder, name), { force: true });
    }
  } catch {
    try {
      rmSync(staged, { force: true });
    } catch {
      // nothing was staged, or the folder cannot be written to at all
    }
  }
}
