// The gallery of misclassified digits. Their pixels travel as one PNG sprite of digits only
// (dark on white, in gallery order), embedded as a data URL: deflate makes that a fraction
// of the raw bytes, and the browser decodes it natively. The page's script draws each digit
// from the sprite onto its own canvas, beside its index, labels and top-3 probabilities,
// which travel as a compact JSON array.

import type { ImageSet } from '../image-set.js';
import { encodeGrayPng } from '../gray-png.js';
import type { Mistake } from '../mistakes.js';

/** Digits per row of the sprite. */
export const SPRITE_COLUMNS = 50;

// How many of the most frequent (true, predicted) pairs get a button.
const PAIRS_SHOWN = 6;

/** The gallery's controls, its empty container, the sprite and the data the script reads. */
export async function gallery(mistakes: Mistake[], images: ImageSet, classCount: number):
  Promise<string> {
  const options = (pick: (mistake: Mistake) => number) => {
    const counts = new Array<number>(classCount).fill(0);
    for (const mistake of mistakes) counts[pick(mistake)]++;
    return ['<option value="">any</option>', ...counts.map((count, label) =>
      `<option value="${label}"${count === 0 ? ' disabled' : ''}>${label} (${count})</option>`)]
      .join('');
  };
  const data = {
    rows: images.rows,
    columns: images.columns,
    spriteColumns: SPRITE_COLUMNS,
    // index, true label, the top three classes and their probabilities, then the true
    // class's probability; probabilities in per cent
    items: mistakes.map((mistake) => [mistake.index, mistake.label,
      ...mistake.top.flatMap((entry) => [entry.label, asPercent(entry.probability)]),
      asPercent(mistake.labelProbability)]),
  };
  const sprite = mistakes.length === 0 ? '' : `<img id="digit-sprite" hidden alt="" ` +
    `src="data:image/png;base64,${Buffer.from(await digitSprite(mistakes, images))
      .toString('base64')}">`;

  return `${frequentPairs(mistakes)}
<div class="switch filters">
<label>true class <select id="filter-true">${options((mistake) => mistake.label)}</select></label>
<label>predicted <select id="filter-predicted">${options((mistake) => mistake.predicted)}` +
    `</select></label>
<button type="button" id="filter-clear">show all</button>
<span id="gallery-count" aria-live="polite"></span>
</div>
<noscript><p>The gallery needs JavaScript; misclassified.png holds the same digits.</p></noscript>
<div class="gallery" id="gallery"></div>
${sprite}
<script type="application/json" id="mistake-data">${JSON.stringify(data)}</script>`;
}

function asPercent(probability: number): number {
  return Number((probability * 100).toFixed(1));
}

// Buttons that show the most frequent confusions, most images first, then by class.
function frequentPairs(mistakes: Mistake[]): string {
  const counts = new Map<string, { label: number; predicted: number; count: number }>();
  for (const { label, predicted } of mistakes) {
    const key = `${label} ${predicted}`;
    const pair = counts.get(key) ?? { label, predicted, count: 0 };
    pair.count++;
    counts.set(key, pair);
  }
  const pairs = [...counts.values()].sort((a, b) => b.count - a.count || a.label - b.label ||
    a.predicted - b.predicted).slice(0, PAIRS_SHOWN);
  if (pairs.length === 0) return '';

  return '<div class="pairs">most frequent: ' + pairs.map((pair) => `<button type="button" ` +
    `data-true="${pair.label}" data-predicted="${pair.predicted}" title="show the ` +
    `${pair.count} images of ${pair.label} taken for ${pair.predicted}">${pair.label} → ` +
    `${pair.predicted} ×${pair.count}</button>`).join(' ') + '</div>';
}

/** The misclassified digits in gallery order, `SPRITE_COLUMNS` to a row, dark on white. */
export function digitSprite(mistakes: Mistake[], images: ImageSet): Promise<Uint8Array> {
  const { rows, columns } = images;
  const perRow = Math.min(SPRITE_COLUMNS, mistakes.length);
  const width = perRow * columns;
  const height = Math.ceil(mistakes.length / perRow) * rows;
  const data = new Uint8Array(width * height);

  mistakes.forEach((mistake, position) => {
    const left = (position % perRow) * columns;
    const top = Math.floor(position / perRow) * rows;
    const pixels = images.pixelsOf(mistake.index);
    for (let row = 0; row < rows; row++) {
      data.set(pixels.subarray(row * columns, (row + 1) * columns), (top + row) * width + left);
    }
  });
  invert(data);
  return encodeGrayPng({ width, height, data });
}

// 255 - value for every byte, which is value XOR 0xff: four bytes at a time, whatever the
// byte order, then the few left over.
function invert(data: Uint8Array): void {
  const words = new Uint32Array(data.buffer, data.byteOffset, Math.floor(data.length / 4));
  for (let i = 0; i < words.length; i++) words[i] = ~words[i];
  for (let i = words.length * 4; i < data.length; i++) data[i] = 255 - data[i];
}
