// `npm run build`: bundles each command and each worker entry into one CommonJS file under
// dist/, with esbuild. Node.js 20 loads one CommonJS file about 10 ms sooner than the ES
// modules it was built from. piscina stays outside, since it starts its threads from its own
// files. Each command is built twice: dist/src/cli/<command>.bundle.js holds the command,
// and dist/src/cli/<command>.js, the file users run, is the launcher (src/cli/launch.ts) that
// runs the bundle from V8's code cache.

import { writeFile } from 'node:fs/promises';

import { build } from 'esbuild';

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
  external: ['piscina'],
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // the sources are ES modules; in a CommonJS bundle import.meta.url is this file's URL
  define: { 'import.meta.url': 'importMetaUrl' },
  // and import() becomes require(): the launcher compiles a bundle with node:vm, which gives
  // import() no loader unless asked, and Node.js 20 loses that loader with the code cache
  supported: { 'dynamic-import': false },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// the project's package.json says "module"; the bundles are CommonJS
await writeFile('dist/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
