// Report folders that record their own integrity: summary.json lists every other file the
// run wrote with its size and sha256, and `verify` says which files no longer match.

import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile, appendFile, cp } from 'node:fs/promises';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { reportFileNames } from '../src/report/report-names.js';
import { temporaryFolder, writeRandomWeights } from './helpers/random-network.js';
import { runCli, type CommandResult } from './helpers/run-cli.js';

const folder = await temporaryFolder();
const weights = await writeRandomWeights(folder);
const reports = join(folder, 'reports');

function assertExit(result: CommandResult, code: number): void {
  assert.is(result.exitCode, code, `exit code ${result.exitCode}, stderr: ${result.stderr}`);
}

interface Summary {
  files: string[];
  integrity: { algorithm: string; files: { name: string; bytes: number; sha256: string }[] };
}

async function readSummary(out: string): Promise<Summary> {
  return JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary;
}

// A copy of the pristine reports to damage.
async function copyOfReports(name: string): Promise<string> {
  const copy = join(folder, name);
  await cp(reports, copy, { recursive: true });
  return copy;
}

assertExit(await runCli('evaluate', ['--weights', weights, '--batch-size', '1000',
  '--workers', '2', '--quiet', '--out', reports]), 0);

// ---

const record = suite('summary.json: the integrity record');

record('should list every other file written, with its size and sha256 on disk', async () => {
  const summary = await readSummary(reports);
  assert.is(summary.integrity.algorithm, 'sha256');
  const names = summary.integrity.files.map(({ name }) => name);
  assert.equal(names, summary.files.filter((name) => name !== 'summary.json'));
  assert.equal([...names, 'summary.json'].sort(), (await readdir(reports)).sort());

  for (const { name, bytes, sha256 } of summary.integrity.files) {
    const content = await readFile(join(reports, name));
    assert.is(bytes, content.length, name);
    assert.is(sha256, createHash('sha256').update(content).digest('hex'), name);
  }
});

record('should come before the run section, which stays last', async () => {
  const keys = Object.keys(await readSummary(reports));
  assert.equal(keys.slice(-2), ['integrity', 'run']);
});

record.run();

// ---

const verify = suite('verify');

verify('should find every file intact right after a run, with exit code 0', async () => {
  const result = await runCli('verify', [reports]);
  assertExit(result, 0);
  assert.is(result.stderr, '');
  const lines = result.stdout.trim().split('\n');
  assert.match(lines[0]!, /^summary\.json: holds the record/);
  const recorded = reportFileNames().filter((name) => name !== 'summary.json');
  assert.equal(lines.slice(1, -1), recorded.map((name) => `${name}: ok`));
  assert.is(lines.at(-1), `${reports}: all ${recorded.length} recorded files are intact`);
});

verify('should name a changed and a missing file, with exit code 1', async () => {
  const damaged = await copyOfReports('damaged');
  await appendFile(join(damaged, 'per-class.csv'), '9,1,1,1,1,1\n');
  const predictions = join(damaged, 'predictions.csv');
  const bytes = await readFile(predictions);
  bytes[5000] ^= 1;
  await writeFile(predictions, bytes);
  await rm(join(damaged, 'misclassified.csv'));

  const result = await runCli('verify', [damaged]);
  assertExit(result, 1);
  assert.match(result.stdout,
    /^per-class\.csv: DIFFERS: \d+ bytes, sha256 [0-9a-f]{64}; recorded/m);
  assert.match(result.stdout, /^predictions\.csv: DIFFERS: /m);
  assert.match(result.stdout, /^misclassified\.csv: MISSING$/m);
  assert.match(result.stdout, /^confusion-matrix\.csv: ok$/m);
  const recorded = reportFileNames().length - 1;
  assert.is(result.stderr, `error: ${damaged}: 3 of ${recorded} recorded files differ or are ` +
    'missing: per-class.csv, predictions.csv, misclassified.csv\n');
});

verify('should list, not judge, a file the run did not write', async () => {
  const extra = await copyOfReports('extra');
  await writeFile(join(extra, 'notes.txt'), 'mine');
  const result = await runCli('verify', [extra]);
  assertExit(result, 0);
  assert.match(result.stdout, /^notes\.txt: not written by the run \(not checked\)$/m);
});

const UNUSABLE: [string, (path: string) => Promise<void>, RegExp][] = [
  ['no summary.json', (path) => rm(join(path, 'summary.json')), /summary\.json: cannot be read/],
  ['a summary.json that is not JSON', (path) => appendFile(join(path, 'summary.json'), '}'),
    /summary\.json: is not valid JSON/],
  ['a summary.json with no integrity section', async (path) => {
    const { integrity, ...rest } = await readSummary(path);
    assert.ok(integrity);
    await writeFile(join(path, 'summary.json'), JSON.stringify(rest));
  }, /summary\.json: has no integrity section/],
  ['a recorded name that leads out of the folder', async (path) => {
    const summary = await readSummary(path);
    summary.integrity.files[0]!.name = '../../etc/passwd';
    await writeFile(join(path, 'summary.json'), JSON.stringify(summary));
  }, /summary\.json: integrity entry 0 is not a file name/],
];

for (const [name, damage, message] of UNUSABLE) {
  verify(`should refuse ${name} with one line and exit code 2`, async () => {
    const copy = await copyOfReports(`unusable-${name.replace(/\W+/g, '-')}`);
    await damage(copy);
    const result = await runCli('verify', [copy]);
    assertExit(result, 2);
    assert.is(result.stdout, '');
    assert.is(result.stderr.split('\n').length, 2, result.stderr);
    assert.match(result.stderr, message);
  });
}

verify.run();
