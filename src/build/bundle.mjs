// `npm run build`: bundles each command and each worker entry into one CommonJS file under
// dist/, with esbuild. Node.js 20 loads one CommonJS file about 10 ms sooner than the ES
// modules it was built from. Each command is built twice: dist/src/cli/<command>.bundle.js
// holds the command, and dist/src/cli/<command>.js, the file users run, is the launcher
// (src/cli/launch.ts) that runs the bundle from V8's code cache.
//
// piscina's pool is bundled with the commands too: loaded from its own 14 files, it held back
// the start of the evaluate command's threads by about 7 ms. Its threads still run piscina's
// own worker.js, which the pool finds beside itself through __dirname; in a bundle __dirname
// is the bundle's folder, so the build replaces that one expression with the file's path as
// the bundle resolves it when it runs, once (resolving the package took 2.4 ms the first time
// and 0.6 the next). A piscina without that expression fails the build.

import { readFile, writeFile } from 'node:fs/promises';

import { build } from 'esbuild';

const PISCINA_WORKER_PATH = "(0, node_path_1.resolve)(__dirname, 'worker.js')";
// node_path_1 is piscina's own node:path, which the expression replaced already uses
const PISCINA_WORKER_PATH_IN_BUNDLE = '(piscinaWorkerFile ??= ' +
  "(0, node_path_1.resolve)((0, node_path_1.dirname)(require.resolve('piscina')), 'worker.js'))";

const piscinaWorkerPath = {
  name: 'piscina-worker-path',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]piscina[\\/]dist[\\/]index\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (!source.includes(PISCINA_WORKER_PATH)) {
        throw new Error(`${path}: expected the expression ${PISCINA_WORKER_PATH}, with which ` +
          'piscina finds its worker file, found none; a bundle without it could not start threads');
      }
      return {
        // a var, hoisted, so that the module's "use strict" stays its first statement
        contents: `${source.replace(PISCINA_WORKER_PATH, PISCINA_WORKER_PATH_IN_BUNDLE)}\n` +
          'var piscinaWorkerFile;\n',
        loader: 'js',
      };
    });
  },
};

const COMMANDS = ['evaluate', 'merge', 'train', 'convert', 'bench', 'verify'];

await build({
  entryPoints: [
    ...COMMANDS.flatMap((command) => [
      { in: 'src/cli/launch.ts', out: `src/cli/${command}` },
      { in: `src/cli/${command}.ts`, out: `src/cli/${command}.bundle` },
    ]),
    { in: 'src/bench/peak-memory.ts', out: 'src/bench/peak-memory' },
    { in: 'workers/evaluate.ts', out: 'workers/evaluate' },
    { in: 'workers/train.ts', out: 'workers/train' },
  ],
  outdir: 'dist',
  bundle: true,
  plugins: [piscinaWorkerPath],
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // the bundle's require.resolve('piscina') is meant to find the installed package at run time
  logOverride: { 'require-resolve-not-external': 'silent' },
  // the sources are ES modules; in a CommonJS bundle import.meta.url is this file's URL
  define: { 'import.meta.url': 'importMetaUrl' },
  // and import() becomes require(): the launcher compiles a bundle with node:vm, which gives
  // import() no loader unless asked, and Node.js 20 loses that loader with the code cache
  supported: { 'dynamic-import': false },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// the project's package.json says "module"; the bundles are CommonJS
await writeFile('dist/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
