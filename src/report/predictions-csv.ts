// predictions.csv, one row per image, written as bytes without csv-stringify. For 10,000
// images the library takes about 50 ms, and so do strings joined with toFixed, a sixth of the
// whole command; writing the digits straight into one buffer takes about 8 the first time
// (2 once warm), a probability's six decimals copied as two runs of three from a table of
// 000 to 999. Every field is a number or the word true or false, so no field ever needs
// quoting and the output is exactly what csv-stringify writes for the same rows; a test holds
// them equal.
//
// Probabilities are printed as toFixed(6) prints them: n / 10^6 for the integer n nearest to
// p·10^6, the larger on a tie. For a float32 p, p·10^6 is exact in float64 (24 significant
// bits times the 14 of 15625, with 10^6 = 15625·2^6), and adding 0.5 before flooring cannot
// round across an integer, so floor(p·10^6 + 0.5) is that n; checked against toFixed(6) on
// every one of the 1,065,353,217 float32 values from 0 to 1.

import type { PredictionTable } from './tables.js';

const ZERO = 0x30;
const COMMA = 0x2c;
const DOT = 0x2e;
const NEWLINE = 0x0a;
const WORDS = { true: bytesOf('true'), false: bytesOf('false') };
// "000" to "999", three bytes each: a probability's six decimals are two of them
const THREE_DIGITS = bytesOf(Array.from({ length: 1000 },
  (_, value) => String(value).padStart(3, '0')).join(''));
// "0.123456"
const PROBABILITY_BYTES = 8;
// an index of up to 16 digits, a label and a prediction of up to 3, the word false, commas
const MOST_BYTES_BEFORE_PROBABILITIES = 16 + 3 + 3 + 5 + 4;

/** predictions.csv: index, label, predicted, confidence, correct and every probability. */
export function predictionsCsv(table: PredictionTable): Uint8Array {
  const { labels, predictions, probabilities, classCount } = table;
  const probabilityColumns = Array.from({ length: classCount }, (_, label) => `p${label}`);
  const header = bytesOf(`${['index', 'label', 'predicted', 'confidence', 'correct',
    ...probabilityColumns].join(',')}\n`);

  const mostRowBytes = MOST_BYTES_BEFORE_PROBABILITIES +
    (classCount + 1) * (PROBABILITY_BYTES + 1) + 1;
  const bytes = new Uint8Array(header.length + labels.length * mostRowBytes);
  bytes.set(header);
  let at = header.length;

  for (let index = 0; index < labels.length; index++) {
    const start = index * classCount;
    const label = labels[index];
    const predicted = predictions[index];
    at = writeInteger(bytes, at, index);
    bytes[at++] = COMMA;
    at = writeInteger(bytes, at, label);
    bytes[at++] = COMMA;
    at = writeInteger(bytes, at, predicted);
    bytes[at++] = COMMA;
    at = writeProbability(bytes, at, probabilities[start + predicted], index);
    bytes[at++] = COMMA;
    const word = label === predicted ? WORDS.true : WORDS.false;
    bytes.set(word, at);
    at += word.length;

    for (let k = 0; k < classCount; k++) {
      bytes[at++] = COMMA;
      at = writeProbability(bytes, at, probabilities[start + k], index);
    }
    bytes[at++] = NEWLINE;
  }
  return bytes.subarray(0, at);
}

// The decimal digits of a non-negative integer at `at`; returns where they end.
function writeInteger(bytes: Uint8Array, at: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;

  let rest = value;
  for (let position = at + digits - 1; position >= at; position--) {
    bytes[position] = ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}

// A probability's eight characters at `at`, as toFixed(6) writes them; returns where they end.
function writeProbability(bytes: Uint8Array, at: number, value: number, index: number): number {
  // every path here checks its probabilities first; this only guards the buffer's size
  if (!(value >= 0 && value <= 1)) {
    throw new RangeError(`predictions.csv: image ${index} has probability ${value}, ` +
      'expected one from 0 to 1');
  }

  const millionths = Math.floor(value * 1e6 + 0.5);
  const thousands = Math.floor(millionths / 1000);
  // 1 has thousands 1000, whose last three digits are those of 0
  const high = 3 * (thousands % 1000);
  const low = 3 * (millionths - 1000 * thousands);
  bytes[at] = millionths === 1e6 ? ZERO + 1 : ZERO;
  bytes[at + 1] = DOT;
  bytes[at + 2] = THREE_DIGITS[high];
  bytes[at + 3] = THREE_DIGITS[high + 1];
  bytes[at + 4] = THREE_DIGITS[high + 2];
  bytes[at + 5] = THREE_DIGITS[low];
  bytes[at + 6] = THREE_DIGITS[low + 1];
  bytes[at + 7] = THREE_DIGITS[low + 2];
  return at + PROBABILITY_BYTES;
}

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
