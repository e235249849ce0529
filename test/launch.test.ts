// The launcher that every command's entry is: it runs the command's bundle from V8's code
// cache, which must never run the code of an earlier build, and never cost a run its result.

import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { temporaryFolder } from './helpers/random-network.js';
import { buildOnce, commandEnvironment, PROJECT_ROOT } from './helpers/run-cli.js';

const run = promisify(execFile);

buildOnce();
const folder = await temporaryFolder();
let probes = 0;

// A build of its own, laid out as dist/ is: the launcher as dist/src/cli/probe.js, a command
// bundle beside it that prints a word, its arguments and the file it runs as, and exits
// with the code its first argument names.
async function probeBuild(): Promise<{ root: string; entry: string; cache: string }> {
  const root = join(folder, `probe-${++probes}`);
  const cli = join(root, 'dist', 'src', 'cli');
  await mkdir(cli, { recursive: true });
  await copyFile(join(PROJECT_ROOT, 'dist', 'src', 'cli', 'evaluate.js'), join(cli, 'probe.js'));
  await writeBundle(root, 'first');
  return { root, entry: join(cli, 'probe.js'), cache: join(root, 'dist', 'code-cache') };
}

async function writeBundle(root: string, word: string): Promise<void> {
  await writeFile(join(root, 'dist', 'src', 'cli', 'probe.bundle.js'), [
    `const name = require('node:path').basename(__filename);`,
    `console.log('${word}', name, process.argv.slice(2).join(' '));`,
    'process.exitCode = Number(process.argv[2]);',
    '',
  ].join('\n'));
}

// What the probe printed and its exit code; it must print nothing on stderr.
async function runProbe(entry: string, args: string[]): Promise<{ code: number; out: string }> {
  const finished = await run(process.execPath, [entry, ...args], { env: commandEnvironment() })
    .then((result) => ({ ...result, code: 0 }),
      (error: { code: number; stdout: string; stderr: string }) => error);
  assert.is(finished.stderr, '');
  return { code: finished.code, out: finished.stdout.trim() };
}

async function cacheFiles(cache: string): Promise<string[]> {
  try {
    return (await readdir(cache)).sort();
  } catch {
    return [];
  }
}

test('a command runs from its bundle, and its first successful run writes the cache', async () => {
  const { entry, cache } = await probeBuild();

  assert.equal(await runProbe(entry, ['3', 'a']), { code: 3, out: 'first probe.bundle.js 3 a' });
  assert.equal(await cacheFiles(cache), [], 'a failed run writes no cache');
  assert.equal(await runProbe(entry, ['0', '--help']),
    { code: 0, out: 'first probe.bundle.js 0 --help' });
  assert.equal(await cacheFiles(cache), [], 'a run that only prints help writes no cache');

  assert.equal(await runProbe(entry, ['0', 'b']), { code: 0, out: 'first probe.bundle.js 0 b' });
  const written = await cacheFiles(cache);
  assert.is(written.length, 1);
  const version = process.version.replaceAll('.', '\\.');
  assert.match(written[0], new RegExp(`^probe\\.bundle\\.js\\.${version}\\.[0-9a-f]{16}\\.bin$`));
});

test('a cache that V8 accepts is used as it is, not written again', async () => {
  const { entry, cache } = await probeBuild();
  await runProbe(entry, ['0']);
  const [name] = await cacheFiles(cache);
  const before = await stat(join(cache, name));

  // V8 rejects a cache it cannot use, and the launcher then writes a new one in its place
  assert.equal(await runProbe(entry, ['0', 'c']), { code: 0, out: 'first probe.bundle.js 0 c' });
  const after = await stat(join(cache, name));
  assert.is(after.ino, before.ino);
  assert.is(after.mtimeMs, before.mtimeMs);
});

test('a rebuilt bundle of the same length runs its own code, not the cached one', async () => {
  const { root, entry, cache } = await probeBuild();
  await runProbe(entry, ['0']);
  const [earlier] = await cacheFiles(cache);

  // V8 itself compares only the length of the source with the cache's
  await writeBundle(root, 'again');
  assert.equal(await runProbe(entry, ['0']), { code: 0, out: 'again probe.bundle.js 0' });
  const now = await cacheFiles(cache);
  assert.is(now.length, 1, 'the earlier build\'s cache is removed');
  assert.is.not(now[0], earlier);
});

test('a cache that cannot be written costs the run nothing', async () => {
  const { root, entry } = await probeBuild();
  await writeFile(join(root, 'dist', 'code-cache'), 'a file where the folder would go\n');

  assert.equal(await runProbe(entry, ['0', 'd']), { code: 0, out: 'first probe.bundle.js 0 d' });
  const listed = async (...path: string[]) => (await readdir(join(root, ...path))).sort();
  assert.equal(await listed('dist'), ['code-cache', 'src'], 'nothing staged is left behind');
  assert.equal(await listed('dist', 'src', 'cli'), ['probe.bundle.js', 'probe.js']);
});

test('no command bundle keeps an import(), which would fail once read from the cache', async () => {
  const cli = join(PROJECT_ROOT, 'dist', 'src', 'cli');
  const bundles = (await readdir(cli)).filter((name) => name.endsWith('.bundle.js'));
  assert.ok(bundles.length >= 6, `found only ${bundles.join(', ')}`);
  for (const name of bundles) {
    const text = await readFile(join(cli, name), 'utf8');
    assert.not.match(text, /\bimport\(/, `${name} calls import()`);
  }
});

test.run();
