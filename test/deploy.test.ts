// The deployment examples cannot run here (no Kubernetes, AWS Batch, Slurm or Docker engine),
// but what they ask of this project can be checked: every command they run exists, and every
// option they pass is one that command knows.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { PROJECT_ROOT, runCli } from './helpers/run-cli.js';

const DEPLOY = join(PROJECT_ROOT, 'deploy');

async function deployFiles(): Promise<string[]> {
  const files: string[] = [join(PROJECT_ROOT, 'Dockerfile')];
  for (const engine of await readdir(DEPLOY)) {
    for (const name of await readdir(join(DEPLOY, engine))) files.push(join(DEPLOY, engine, name));
  }
  return files;
}

const deploy = suite('deploy/ and the Dockerfile');

deploy('should run only commands that exist, with options they accept', async () => {
  const helps = new Map<string, string>();
  let commandsSeen = 0;
  const optionsSeen = new Set<string>();
  for (const file of await deployFiles()) {
    const text = await readFile(file, 'utf8');
    // an invocation runs to the end of its list, or of its line unless the line goes on
    // (a shell line ending in a backslash, a list item ending in a comma)
    const invocations = /dist\/src\/cli\/(\w+)\.js(?:[^\n\]\\]|\\\n|\\|(?<=,)\s*\n)*/g;
    for (const [invocation, command] of text.matchAll(invocations)) {
      if (!helps.has(command)) {
        const help = await runCli(command, ['--help']);
        assert.is(help.exitCode, 0, `${file}: ${command} --help: ${help.stderr}`);
        helps.set(command, help.stdout);
      }
      for (const [option] of invocation.matchAll(/--[a-z][a-z-]*/g)) {
        assert.ok(helps.get(command)!.includes(option), `${file}: ${command} has no ${option}`);
        optionsSeen.add(option);
      }
      commandsSeen++;
    }
  }
  assert.ok(commandsSeen >= 6, `only ${commandsSeen} commands found in deploy/`);
  // the options on the lines that continue an invocation are read too
  for (const option of ['--shard-count', '--shard', '--workers', '--out', '--quiet']) {
    assert.ok(optionsSeen.has(option), `${option} was never found in deploy/`);
  }
});

deploy.run();
