// The calibration figures as inline SVG, drawn here so that they need no script and print
// sharply: a reliability diagram (each confidence bin's accuracy beside the diagonal of
// perfect calibration) and histograms of confidence for correct and wrong predictions,
// each on its own scale since the wrong ones are a few per cent of the others.

import type { CalibrationBin } from '../probability-figures.js';
import type { Summary } from '../summary.js';
import { countOf, escapeHtml, percent, thousands } from './html-text.js';

const WIDTH = 360;
const PLOT = { left: 44, top: 12, width: 300, height: 240 };
const HISTOGRAM_HEIGHT = 110;

/** The reliability diagram and the two confidence histograms. */
export function calibrationCharts(summary: Summary): string {
  const { bins } = summary.calibration;
  return `<div class="charts">
<figure>${reliabilityDiagram(bins)}
<figcaption>Reliability: each bar is the accuracy of the images whose confidence falls in its
bin; the outline is their mean confidence. Bars below the diagonal are over-confident.
</figcaption></figure>
<figure>${histogram(bins, 'correct', (bin) => bin.correct)}
${histogram(bins, 'wrong', (bin) => bin.count - bin.correct)}
<figcaption>Confidence of correct and of wrong predictions, one bar per bin, each histogram
on its own scale.</figcaption></figure>
</div>`;
}

function reliabilityDiagram(bins: CalibrationBin[]): string {
  const x = (value: number) => PLOT.left + value * PLOT.width;
  const y = (value: number) => PLOT.top + (1 - value) * PLOT.height;
  const height = PLOT.top + PLOT.height + 34;

  const bars = bins.filter((bin) => bin.count > 0).map((bin) => {
    const title = `confidence ${bin.lower.toFixed(3)} to ${bin.upper.toFixed(3)}: ` +
      `${countOf(bin.count, 'image')}, accuracy ${percent(bin.accuracy)}, mean confidence ` +
      `${percent(bin.meanConfidence)}`;
    const left = x(bin.lower) + 1;
    const barWidth = x(bin.upper) - x(bin.lower) - 2;
    return `<g><title>${escapeHtml(title)}</title>` +
      `<rect class="accuracy" x="${left.toFixed(1)}" y="${y(bin.accuracy).toFixed(1)}" ` +
      `width="${barWidth.toFixed(1)}" height="${(y(0) - y(bin.accuracy)).toFixed(1)}"/>` +
      `<rect class="confidence" x="${left.toFixed(1)}" y="${y(bin.meanConfidence).toFixed(1)}" ` +
      `width="${barWidth.toFixed(1)}" height="${(y(0) - y(bin.meanConfidence)).toFixed(1)}"/>` +
      '</g>';
  });

  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" ` +
    `height="${height}" role="img" aria-label="reliability diagram">
${axes(x, y, PLOT.top + PLOT.height, [0, 0.5, 1].map((value) => [value, percent(value, 0)]))}
<line class="ideal" x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}"/>
${bars.join('\n')}
<text class="axis-title" x="${x(0.5)}" y="${height - 2}">confidence</text>
<text class="axis-title" transform="rotate(-90)" x="${-y(0.5)}" y="11">accuracy</text>
</svg>`;
}

function histogram(
  bins: CalibrationBin[],
  name: string,
  countOfBin: (bin: CalibrationBin) => number,
): string {
  const counts = bins.map(countOfBin);
  const largest = Math.max(1, ...counts);
  const total = counts.reduce((sum, count) => sum + count, 0);
  const plotHeight = HISTOGRAM_HEIGHT - 40;
  const x = (value: number) => PLOT.left + value * PLOT.width;
  const y = (value: number) => PLOT.top + (1 - value / largest) * plotHeight;

  const bars = bins.map((bin, index) => {
    if (counts[index] === 0) return '';
    const title = `${name}, confidence ${bin.lower.toFixed(3)} to ${bin.upper.toFixed(3)}: ` +
      `${countOf(counts[index], 'image')}`;
    const barWidth = x(bin.upper) - x(bin.lower) - 2;
    return `<rect class="${name}" x="${(x(bin.lower) + 1).toFixed(1)}" ` +
      `y="${y(counts[index]).toFixed(1)}" width="${barWidth.toFixed(1)}" ` +
      `height="${(y(0) - y(counts[index])).toFixed(1)}"><title>${escapeHtml(title)}</title></rect>`;
  }).filter((bar) => bar !== '');

  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HISTOGRAM_HEIGHT}" width="${WIDTH}" ` +
    `height="${HISTOGRAM_HEIGHT}" role="img" aria-label="confidence of ${name} predictions">
${axes(x, (value) => y(value * largest), PLOT.top + plotHeight, [[0, '0%'], [0.5, '50%'],
    [1, '100%']], [[0, '0'], [1, thousands(largest)]])}
${bars.join('\n')}
<text class="label" x="${x(0.02)}" y="${PLOT.top + 10}">${name}: ${thousands(total)}</text>
</svg>`;
}

// An x axis from 0 to 1 at `baseline`, a y axis, and their tick labels.
function axes(
  x: (value: number) => number,
  y: (value: number) => number,
  baseline: number,
  xTicks: [number, string][],
  yTicks: [number, string][] = [[0, '0%'], [0.5, '50%'], [1, '100%']],
): string {
  const xLabels = xTicks.map(([value, text]) =>
    `<text class="tick" x="${x(value)}" y="${baseline + 13}">${text}</text>`);
  const yLabels = yTicks.map(([value, text]) =>
    `<text class="tick y" x="${x(0) - 4}" y="${(y(value) + 4).toFixed(1)}">${text}</text>`);

  return `<line class="axis" x1="${x(0)}" y1="${baseline}" x2="${x(1)}" y2="${baseline}"/>` +
    `<line class="axis" x1="${x(0)}" y1="${baseline}" x2="${x(0)}" y2="${y(1).toFixed(1)}"/>` +
    `${xLabels.join('')}${yLabels.join('')}`;
}
