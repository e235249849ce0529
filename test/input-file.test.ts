import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { InputError } from '../src/errors.js';
import { readInputFile } from '../src/io/input-file.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// ---

const read = suite('readInputFile');

read('should read a file whole, with its sha256', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'mnist-eval-input-'));
  try {
    const path = join(folder, 'bytes');
    const content = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 251);
    await writeFile(path, content);

    for (const isShared of [false, true]) {
      const file = await readInputFile(path, isShared);
      assert.equal(Array.from(file.bytes), Array.from(content));
      assert.is(file.sha256, sha256(content));
      assert.is(file.bytes.buffer instanceof SharedArrayBuffer, isShared);
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

read('should read into shared memory a file whose size is not known in advance', async () => {
  // /proc files report a size of 0 and still have content
  const expected = await readFile('/proc/self/mountinfo');
  const file = await readInputFile('/proc/self/mountinfo', true);
  assert.ok(file.bytes.buffer instanceof SharedArrayBuffer);
  assert.ok(file.bytes.length > 0, 'the content was read');
  assert.equal(Array.from(file.bytes), Array.from(expected));
});

read('should refuse a file larger than readFile reads, before reading it', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'mnist-eval-input-'));
  try {
    // sparse: it takes no room on disk
    const path = join(folder, 'huge');
    await writeFile(path, '');
    await truncate(path, 2 ** 31);
    try {
      await readInputFile(path, true);
      assert.unreachable('read a file of 2 GiB');
    } catch (error) {
      assert.is((error as InputError).code, 'ERR_FILE_UNREADABLE');
      assert.match((error as Error).message, /: cannot read file \(ERR_FS_FILE_TOO_LARGE\)$/);
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

read('should name a missing file and say why it cannot be read', async () => {
  try {
    await readInputFile('/nowhere/images', true);
    assert.unreachable('read a missing file');
  } catch (error) {
    assert.instance(error, InputError);
    assert.is((error as InputError).code, 'ERR_FILE_UNREADABLE');
    assert.match((error as Error).message, /^\/nowhere\/images: cannot read file \(no such file\)/);
  }
});

read.run();
