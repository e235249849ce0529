import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { consecutiveImages } from '../src/report/image-set.js';
import { reportHtml, RUN_SECTION_ID } from '../src/report/html/report-html.js';
import { computeMetrics, confusionMatrix } from '../src/report/metrics.js';
import { mistakesByConfidence } from '../src/report/mistakes.js';
import { computeProbabilityFigures } from '../src/report/probability-figures.js';
import { buildSummary, type RunDescription } from '../src/report/summary.js';
import { smallTable } from './helpers/small-table.js';

const IMAGES = consecutiveImages(2, 2, new Uint8Array(6 * 4).fill(7));
const RUN: RunDescription = {
  workers: 2, batchSize: 100, kernel: 'js', startedAt: '2026-01-02T03:04:05.678Z',
  classifyMs: 12.5, wallTimeMs: 40, retries: 2, batchesRetried: 0,
};

function page(run: RunDescription = RUN, weightsPath = 'weights/w.safetensors'):
  Promise<string> {
  const table = smallTable();
  const metrics = computeMetrics(confusionMatrix(table.labels, table.predictions, 3));
  const file = (path: string) => ({ path, sha256: 'ab'.repeat(32), bytes: 1234 });
  const summary = buildSummary(metrics, computeProbabilityFigures(table), {
    tool: { name: 'mnist-batch-eval', version: '1.2.3' },
    data: { split: null, images: file('images.idx'), labels: file('labels.idx'), count: 6,
      imageShape: [2, 2] },
    weights: { file: file(weightsPath), format: 'safetensors', widths: [4, 3],
      hiddenActivation: 'sigmoid', metadata: {} },
    run,
    files: ['report.html'],
  });
  return reportHtml({ summary, mistakes: mistakesByConfidence(table), images: IMAGES });
}

// the page of the default run, which most tests read
const PAGE = await page();

// ---

const html = suite('reportHtml');

html('should refer to nothing outside the file, and forbid requests', () => {
  const text = PAGE;
  assert.not.match(text, /\b(src|href)="(?!data:|#)/);
  assert.not.match(text, /url\(|@import|<link\b/);
  assert.match(text, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
});

html('should differ between runs only in the run section', async () => {
  const other = await page({ ...RUN, workers: 8, batchSize: 7,
    startedAt: '2027-05-06T07:08:09.000Z', classifyMs: 99 });
  const runSection = new RegExp(`<p class="run" id="${RUN_SECTION_ID}">[^<]*</p>`, 'g');
  assert.is(PAGE.match(runSection)?.length, 1);
  assert.is(PAGE.replace(runSection, ''), other.replace(runSection, ''));
  assert.match(PAGE, 'Ran 2026-01-02 03:04:05 UTC on 2 workers, batches of 100, js kernel');
});

html('should escape the paths it shows', async () => {
  const text = await page(RUN, 'we<i>ghts & "more".safetensors');
  assert.match(text, 'we&lt;i&gt;ghts &amp; &quot;more&quot;.safetensors');
  assert.not.match(text, 'we<i>ghts');
});

html('should carry each mistake with its top-3 and true-class probabilities', () => {
  const json = /<script type="application\/json" id="mistake-data">([^<]*)<\/script>/
    .exec(PAGE)?.[1];
  const data = JSON.parse(json ?? 'null');
  assert.equal(data.items, [
    [2, 2, 1, 60, 2, 30, 0, 10, 30],
    [1, 1, 0, 55, 1, 30, 2, 15, 30],
    [3, 2, 0, 45, 1, 35, 2, 20, 20],
    [4, 2, 0, 40, 1, 30, 2, 30, 30],
  ]);
});

html('should write 9 heatmap cells for 3 classes, each with its three views', () => {
  const cells = [...PAGE.matchAll(/<td class="(diagonal|other)"[^>]*data-text="([^"]*)"/g)];
  assert.is(cells.length, 9);
  // true 2 predicted 1: 1 image, a third of the true 2s, half of the two predicted 1
  assert.is(cells[7][2], '1|33.3|50.0');
});

html.run();
