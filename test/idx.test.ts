import { gzipSync } from 'node:zlib';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { readIdx } from '../src/data/idx.js';
import { InputError } from '../src/errors.js';
import { encodeIdx, TINY_IMAGES, TINY_LABELS } from './helpers/idx-bytes.js';

const IMAGES = { rank: 3, itemName: 'image' };
const LABELS = { rank: 1, itemName: 'label' };

function refusal(bytes: Uint8Array, subject: string, expected = IMAGES): InputError {
  try {
    readIdx(bytes, subject, expected);
  } catch (error) {
    assert.instance(error, InputError);
    return error as InputError;
  }
  assert.unreachable(`${subject} was read, expected a refusal`);
  throw new Error('unreachable');
}

// ---

const plain = suite('readIdx: plain files');

plain('should read the dimensions and pixels of an images file', () => {
  const images = readIdx(TINY_IMAGES, 'tiny-images', IMAGES);
  assert.equal(images.dimensions, [3, 2, 2]);
  assert.equal(Array.from(images.data), [0, 255, 128, 1, 2, 3, 4, 5, 250, 0, 0, 7]);
});

plain('should read a labels file', () => {
  const labels = readIdx(TINY_LABELS, 'tiny-labels', LABELS);
  assert.equal(labels.dimensions, [3]);
  assert.equal(Array.from(labels.data), [7, 2, 1]);
});

plain('should read an empty set of images', () => {
  const images = readIdx(encodeIdx([0, 28, 28], []), 'empty', IMAGES);
  assert.equal(images.dimensions, [0, 28, 28]);
  assert.is(images.data.length, 0);
});

plain.run();

// ---

const gzip = suite('readIdx: gzip files');

gzip('should inflate a gzip file recognised by its first bytes', () => {
  const images = readIdx(gzipSync(TINY_IMAGES), 'tiny-images', IMAGES);
  assert.equal(Array.from(images.data), Array.from(TINY_IMAGES.subarray(16)));
});

gzip('should inflate a gzip file named .gz', () => {
  const labels = readIdx(gzipSync(TINY_LABELS), 'labels.gz', LABELS);
  assert.equal(Array.from(labels.data), [7, 2, 1]);
});

gzip('should refuse a .gz file that holds no gzip data', () => {
  const error = refusal(TINY_IMAGES, 'images.gz');
  assert.is(error.code, 'ERR_BAD_GZIP');
  assert.match(error.message, /^images\.gz: expected gzip data/);
});

gzip('should refuse a truncated gzip stream', () => {
  const compressed = gzipSync(TINY_IMAGES);
  const error = refusal(compressed.subarray(0, compressed.length - 6), 'images.gz');
  assert.is(error.code, 'ERR_BAD_GZIP');
  assert.match(error.message, /^images\.gz: gzip data is corrupt or truncated/);
});

gzip.run();

// ---

const refusals = suite('readIdx: refusals');

refusals('should refuse a file that is not IDX', () => {
  const error = refusal(new TextEncoder().encode('hello, world'), 'notes.txt');
  assert.is(error.code, 'ERR_NOT_IDX');
  assert.is(error.message, 'notes.txt: expected an IDX file starting with two zero bytes, ' +
    'found 0x68 0x65 0x6c 0x6c');
});

refusals('should refuse an empty file', () => {
  const error = refusal(new Uint8Array(0), 'empty');
  assert.is(error.code, 'ERR_NOT_IDX');
  assert.match(error.message, /found an empty file$/);
});

refusals('should refuse a type code that IDX does not define', () => {
  const bytes = TINY_IMAGES.slice();
  bytes[2] = 0x0a;
  const error = refusal(bytes, 'images');
  assert.is(error.code, 'ERR_NOT_IDX');
  assert.match(error.message, /type code 0x0a at byte 2/);
});

refusals('should refuse a labels file given as images, naming both magic numbers', () => {
  const error = refusal(TINY_LABELS, 't10k-labels-idx1-ubyte', IMAGES);
  assert.is(error.code, 'ERR_BAD_MAGIC');
  assert.is(error.message, 't10k-labels-idx1-ubyte: magic number 2049, expected 2051 ' +
    '(is this a labels file?)');
});

refusals('should refuse an images file given as labels', () => {
  const error = refusal(TINY_IMAGES, 't10k-images-idx3-ubyte', LABELS);
  assert.is(error.code, 'ERR_BAD_MAGIC');
  assert.match(error.message, /magic number 2051, expected 2049 \(is this an images file\?\)/);
});

refusals('should say that float images are not supported yet', () => {
  const bytes = TINY_IMAGES.slice();
  bytes[2] = 0x0d;
  const error = refusal(bytes, 'images');
  assert.is(error.code, 'ERR_UNSUPPORTED');
  assert.match(error.message, /elements of type float .* not supported yet/);
});

refusals('should refuse a header cut short', () => {
  const error = refusal(TINY_IMAGES.subarray(0, 10), 'images');
  assert.is(error.code, 'ERR_TRUNCATED');
  assert.match(error.message, /header of 16 bytes/);
});

refusals('should name the image, its byte offset and how much of it is there', () => {
  const error = refusal(TINY_IMAGES.subarray(0, 16 + 4 + 3), 'images');
  assert.is(error.code, 'ERR_TRUNCATED');
  assert.is(error.message, 'images: image 1 at byte 20 is truncated (3 of 4 bytes)');
});

refusals('should count the images present when a file ends between two images', () => {
  const error = refusal(TINY_IMAGES.subarray(0, 16 + 8), 'images');
  assert.is(error.code, 'ERR_TRUNCATED');
  assert.match(error.message, /file ends after 2 of the 3 images/);
});

refusals('should refuse a header claiming 2^31 images without allocating them', () => {
  const bytes = TINY_IMAGES.slice();
  new DataView(bytes.buffer).setUint32(4, 2 ** 31, false);
  const error = refusal(bytes, 'images');
  assert.is(error.code, 'ERR_TRUNCATED');
  assert.match(error.message, /of the 2147483648 images/);
});

refusals('should refuse bytes after the declared data', () => {
  const bytes = new Uint8Array(TINY_LABELS.length + 2);
  bytes.set(TINY_LABELS);
  const error = refusal(bytes, 'labels', LABELS);
  assert.is(error.code, 'ERR_NOT_IDX');
  assert.match(error.message, /^labels: file has 2 bytes after the 3 labels/);
});

refusals.run();
