// Hostile and broken input, and outputs that cannot be written. Pickles that would run code
// in Python are built here, byte by byte, and must be refused by name without anything
// running; headers that claim huge sizes must be refused from the file's real size before
// anything that large is allocated (an allocation of gigabytes would fail with a
// RangeError, not the InputError asserted); and a report that cannot be written must end in
// one clear line with no partial file.

import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { readIdx } from '../src/data/idx.js';
import { InputError, type InputErrorCode } from '../src/errors.js';
import { readPickleTensors } from '../src/model/pickle.js';
import { readSafetensors } from '../src/model/safetensors.js';
import { reportFileNames } from '../src/report/report-names.js';
import { encodeIdx } from './helpers/idx-bytes.js';
import { pickleBytes, pickleText, protocol3Array } from './helpers/pickle-bytes.js';
import { temporaryFolder, writeRandomWeights } from './helpers/random-network.js';
import { runCli, runShell, type CommandResult } from './helpers/run-cli.js';
import { smallTrainingFiles } from './helpers/training-files.js';

const folder = await temporaryFolder();
const SUBJECT = 'hostile/input';
const FAULTS = 'MNIST_EVAL_TEST_FAULTS';

function refusal(read: () => unknown): InputError {
  try {
    read();
  } catch (error) {
    if (error instanceof InputError) {
      assert.ok(error.message.startsWith(`${SUBJECT}: `), error.message);
      assert.not.match(error.message, /\n/);
      return error;
    }
    throw error;
  }
  assert.unreachable('the input was accepted');
  throw new Error('unreachable');
}

function assertRefused(read: () => unknown, code: InputErrorCode, ...fragments: RegExp[]): void {
  const error = refusal(read);
  assert.is(error.code, code, error.message);
  for (const fragment of fragments) assert.match(error.message, fragment);
}

function assertExit(result: CommandResult, code: number): void {
  assert.is(result.exitCode, code, `exit code ${result.exitCode}, stderr: ${result.stderr}`);
}

// ---

const pickles = suite('pickles that would run code in Python');

// Each would run `touch MARKER` if unpickled by Python; the marker proves nothing ran here.
const marker = join(folder, 'pickle-ran-code');
const COMMAND = `touch ${marker}`;
const CODE_GLOBALS = [
  ['os', 'system'], ['posix', 'system'], ['nt', 'system'], ['builtins', 'eval'],
  ['builtins', 'exec'], ['__builtin__', 'eval'], ['subprocess', 'Popen'],
  ['subprocess', 'check_output'], ['builtins', '__import__'], ['builtins', 'getattr'],
  ['importlib', 'import_module'], ['pickle', 'loads'], ['numpy', 'load'],
  ['numpy.testing._private.utils', 'runstring'], ['torch', 'load'],
];

for (const [module, name] of CODE_GLOBALS) {
  pickles(`should refuse ${module}.${name} by name, named by GLOBAL or STACK_GLOBAL`, () => {
    const short = (text: string) => pickleBytes('\x8c', Uint8Array.of(text.length), text);
    const viaGlobal = pickleBytes('\x80\x02c', `${module}\n${name}\n`, pickleText(COMMAND),
      '\x85R.');
    const viaStack = pickleBytes('\x80\x04', short(module), short(name), '\x93',
      pickleText(COMMAND), '\x85R.');
    // inside a dict of arrays, after a valid array, as a real attack would hide it
    const hidden = pickleBytes('\x80\x03}(', pickleText('W1'), protocol3Array({ key: 'W1',
      code: 'f4', byteOrder: '<', shape: [1], values: [1], isFortran: false }),
    pickleText('b1'), 'c', `${module}\n${name}\n`, pickleText(COMMAND), '\x85Ru.');

    for (const bytes of [viaGlobal, viaStack, hidden]) {
      assertRefused(() => readPickleTensors(bytes, SUBJECT), 'ERR_PICKLE_GLOBAL',
        new RegExp(`global ${module.replace(/\./g, '\\.')}\\.${name} at byte \\d+ is not ` +
          'allowed'));
    }
    assert.not.ok(existsSync(marker), 'the pickle ran code');
  });
}

pickles('should refuse a reduce of anything but numpy array reconstruction', () => {
  const CASES: [string, Uint8Array, RegExp][] = [
    ['_codecs.encode with a codec other than latin1',
      pickleBytes('\x80\x02c_codecs\nencode\n', pickleText('x'), pickleText('rot13'), '\x86R.'),
      /_codecs\.encode\(\) at byte \d+ is not a call we read/],
    ['a str called as a function',
      pickleBytes('\x80\x03', pickleText('os.system'), pickleText(COMMAND), '\x85R.'),
      /REDUCE at byte \d+ got a str with a 1-item tuple, expected an allowed global/],
    ['_reconstruct of something other than numpy.ndarray',
      pickleBytes('\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\ndtype\nK\x00\x85C' +
        '\x01b\x87R.'),
      /_reconstruct\(\) at byte \d+ got the global numpy\.dtype, expected numpy\.ndarray/],
  ];
  for (const [name, bytes, message] of CASES) {
    const error = refusal(() => readPickleTensors(bytes, SUBJECT));
    assert.is(error.code, 'ERR_PICKLE_FORMAT', name);
    assert.match(error.message, message);
  }
});

pickles('should refuse the other opcodes that build or call objects, by name', () => {
  const CASES: [string, string][] = [
    ['INST', `\x80\x02(i${'os'}\nsystem\n.`], ['OBJ', '\x80\x02(o.'],
    ['NEWOBJ', '\x80\x02N)\x81.'], ['PERSID', '\x80\x02Pid\n.'], ['BINPERSID', '\x80\x02NQ.'],
    ['EXT1', '\x80\x02\x82\x01.'],
  ];
  for (const [opcode, text] of CASES) {
    assertRefused(() => readPickleTensors(pickleBytes(text), SUBJECT), 'ERR_PICKLE_FORMAT',
      new RegExp(`opcode ${opcode} \\(0x[0-9a-f]{2}\\) at byte \\d+ is not supported`));
  }
});

pickles.run();

// ---

const huge = suite('headers that claim huge sizes');

huge('should refuse an IDX file claiming 2^31 images, plain or gzip', () => {
  const header = encodeIdx([3, 28, 28], new Uint8Array(3 * 784));
  new DataView(header.buffer).setUint32(4, 2 ** 31, false);
  assertRefused(() => readIdx(header, SUBJECT, { rank: 3, itemName: 'image' }),
    'ERR_TRUNCATED', /file ends after 3 of the 2147483648 images/);
  assertRefused(() => readIdx(gzipSync(header), SUBJECT, { rank: 3, itemName: 'image' }),
    'ERR_UNSUPPORTED', /header declares 1683627180048 bytes once inflated, more than/);
});

huge('should refuse a gzip IDX file claiming more than its compressed bytes can hold', () => {
  const header = encodeIdx([1_000_000], []);
  assertRefused(() => readIdx(gzipSync(header), SUBJECT, { rank: 1, itemName: 'label' }),
    'ERR_TRUNCATED', /header declares 1000008 bytes once inflated, but \d+ bytes of gzip data/);
});

huge('should stop inflating a gzip bomb one byte past what its header declares', () => {
  // 64 MiB of zeros behind a header for three 2×2 images
  const bomb = new Uint8Array(16 + 64 * 2 ** 20);
  bomb.set(encodeIdx([3, 2, 2], new Uint8Array(12)));
  const compressed = gzipSync(bomb, { level: 9 });
  assertRefused(() => readIdx(compressed, SUBJECT, { rank: 3, itemName: 'image' }),
    'ERR_NOT_IDX', /inflates to more than the 28 bytes its header declares/);
});

huge('should refuse a safetensors header length of 2^60 and a tensor of 2^42 bytes', () => {
  const lying = new Uint8Array(64);
  new DataView(lying.buffer).setBigUint64(0, 2n ** 60n, true);
  assertRefused(() => readSafetensors(lying, SUBJECT), 'ERR_SAFETENSORS_FORMAT',
    /header length 1152921504606846976 exceeds the limit/);

  const json = '{"W":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4398046511104]}}';
  const file = new Uint8Array(8 + json.length + 16);
  new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
  file.set(Buffer.from(json), 8);
  assertRefused(() => readSafetensors(file, SUBJECT), 'ERR_SAFETENSORS_FORMAT',
    /should fill 4398046511104 bytes after byte \d+, found only 16/);
});

huge('should refuse a pickle declaring a 40 GB array, or 1 TB of bytes', () => {
  const array = protocol3Array({ key: 'W', code: 'f4', byteOrder: '<', shape: [2],
    values: [1, 2], isFortran: false });
  // the shape's two BININT sizes follow '(K\x01(' in numpy's layout
  const at = Buffer.from(array).indexOf(Buffer.from('(K\x01(', 'latin1')) + 4;
  const claimed = pickleBytes(array.subarray(0, at), 'J\xa0\x86\x01\x00J\xa0\x86\x01\x00',
    array.subarray(at + 5));
  assertRefused(() => readPickleTensors(pickleBytes('\x80\x03}(', pickleText('W'), claimed,
    'u.'), SUBJECT), 'ERR_PICKLE_FORMAT',
  /of shape \[100000, 100000\] and dtype f4 needs 40000000000 bytes, found 8/);

  const terabyte = pickleBytes('\x80\x05\x8e', new Uint8Array(Buffer.from(
    BigUint64Array.of(2n ** 40n).buffer)), 'abc');
  assertRefused(() => readPickleTensors(terabyte, SUBJECT), 'ERR_PICKLE_FORMAT',
    /BINBYTES8 at byte 2 claims 1099511627776 bytes, but only 3 remain/);
});

huge.run();

// ---

const outputs = suite('outputs that cannot be written');

const weights = await writeRandomWeights(folder);
const EVALUATE = ['--weights', weights, '--workers', '2', '--batch-size', '1000', '--quiet'];

outputs('should end in one line when the out folder cannot be made, even as root', async () => {
  // /proc refuses new folders with ENOENT and /sys with EPERM, whoever asks
  for (const [parent, code] of [['/proc', 'ENOENT'], ['/sys', 'EPERM']]) {
    const out = `${parent}/mnist-eval-reports`;
    const result = await runCli('evaluate', [...EVALUATE, '--out', out]);
    assertExit(result, 1);
    assert.is(result.stdout, '');
    assert.is(result.stderr, `error: ${out}: cannot write ${reportFileNames().join(', ')} ` +
      `(${code}); nothing was replaced\n`);
  }
});

outputs('should refuse, before any work, an out folder under a file', async () => {
  const file = join(folder, 'a-file');
  await writeFile(file, 'x');
  const result = await runCli('evaluate', [...EVALUATE, '--out', join(file, 'reports')]);
  assertExit(result, 2);
  assert.is(result.stderr, `--out: ${file} is a file, expected a folder to write ` +
    `${join(file, 'reports')} in\n`);
});

for (const [fault, name] of [['enospc', 'predictions.csv'], ['eio', 'summary.json']]) {
  outputs(`should keep the previous reports when writing ${name} fails (${fault})`,
    async () => {
      const out = join(folder, `full-${fault}`);
      assertExit(await runCli('evaluate', [...EVALUATE, '--out', out]), 0);
      const before = await Promise.all((await readdir(out)).sort().map(async (file) =>
        [file, await readFile(join(out, file), 'utf8')]));

      const result = await runCli('evaluate', [...EVALUATE, '--out', out],
        { [FAULTS]: `${fault}@file:${name}` });
      assertExit(result, 1);
      assert.is(result.stderr, `error: ${out}: cannot write ${name} ` +
        `(${fault.toUpperCase()}); nothing was replaced\n`);
      const after = await Promise.all((await readdir(out)).sort().map(async (file) =>
        [file, await readFile(join(out, file), 'utf8')]));
      assert.equal(after, before, 'the folder is as it was, with no temporary file');
      assertExit(await runCli('verify', [out]), 0);
    });
}

outputs('should say so, with exit code 1, when stdout is a full disk', async () => {
  const out = join(folder, 'stdout-full');
  const result = await runShell(`node dist/src/cli/evaluate.js ${EVALUATE.join(' ')} ` +
    `--json --out ${out} > /dev/full`);
  assertExit(result, 1);
  assert.is(result.stderr, 'error: standard output: cannot write the results (ENOSPC)\n');
});

outputs('should keep the last checkpoint when the weights file cannot be written',
  async () => {
    const data = await smallTrainingFiles(folder);
    const settings = [...data, '--epochs', '1', '--validation', '500', '--hidden', '10',
      '--quiet'];
    const out = join(folder, 'train-full', 'net.safetensors');
    const result = await runCli('train', [...settings, '--out', out],
      { [FAULTS]: 'enospc@file:net.safetensors' });

    assertExit(result, 1);
    assert.match(result.stderr,
      /\nerror: \S+train-full: cannot write net\.safetensors \(ENOSPC\); nothing was replaced\n$/);
    assert.equal(await readdir(join(folder, 'train-full')), ['net.checkpoint.safetensors']);
  });

outputs.run();
