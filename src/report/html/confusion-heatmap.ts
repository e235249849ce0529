// The confusion matrix as a heatmap table, one cell per (true, predicted) pair. Every cell
// carries its text and colours for the three views (counts, rates by true class, rates by
// predicted class), so that the page's script only swaps them; the counts view is written
// in place, and reads without the script and in print.

import type { Summary } from '../summary.js';
import { heatColor } from './heat-color.js';
import { escapeHtml, percent, thousands } from './html-text.js';

/** The views the switch offers, in the order of each cell's data. */
export const HEATMAP_VIEWS = [
  { id: 'counts', label: 'counts' },
  { id: 'by-true', label: 'rates by true class (rows sum to 100%)' },
  { id: 'by-predicted', label: 'rates by predicted class (columns sum to 100%)' },
] as const;

interface View {
  values: number[][];
  text: (value: number) => string;
}

/** The confusion matrix section: the switch, then the table. */
export function confusionHeatmap(matrix: Summary['confusionMatrix']): string {
  const { labels, counts, normalizedByTrueClass, normalizedByPredictedClass } = matrix;
  const views: View[] = [
    { values: counts, text: (value) => thousands(value) },
    { values: normalizedByTrueClass, text: (value) => rateText(value) },
    { values: normalizedByPredictedClass, text: (value) => rateText(value) },
  ];
  const scales = views.map((view) => scaleOf(view.values));

  const switches = HEATMAP_VIEWS.map((view, index) => `<label><input type="radio" ` +
    `name="heatmap-view" value="${index}"${index === 0 ? ' checked' : ''}> ${view.label}` +
    '</label>').join('\n');
  const header = labels.map((label) => `<th scope="col">${label}</th>`).join('');
  const rowTotals = counts.map((row) => row.reduce((sum, count) => sum + count, 0));
  const columnTotals = labels.map((_, column) =>
    counts.reduce((sum, row) => sum + row[column], 0));
  const rows = labels.map((label, row) => `<tr><th scope="row">${label}</th>` +
    labels.map((_, column) => cell(views, scales, row, column, counts, labels)).join('') +
    `<th class="total" title="${thousands(rowTotals[row])} images of class ${label}">` +
    `${thousands(rowTotals[row])}</th></tr>`).join('\n');
  const footer = `<tr><th scope="row" class="total">all</th>${columnTotals.map((total, column) =>
    `<th class="total" title="${thousands(total)} images predicted ${labels[column]}">` +
    `${thousands(total)}</th>`).join('')}<th class="total"></th></tr>`;

  return `<div class="switch" role="radiogroup" aria-label="values shown">
${switches}
</div>
<div class="scroll">
<table class="heatmap" id="heatmap">
<caption><span id="heatmap-view-name">${HEATMAP_VIEWS[0].label}</span> · rows: true class ·
columns: predicted class · <span class="key key-correct">correct</span>
<span class="key key-mistake">mistakes</span>, each shaded against its own largest value</caption>
<thead><tr><th class="corner" scope="col">true \\ predicted</th>${header}` +
    `<th scope="col" class="total">all</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot>${footer}</tfoot>
</table>
</div>`;
}

function cell(
  views: View[],
  scales: { diagonal: number; other: number }[],
  row: number,
  column: number,
  counts: number[][],
  labels: number[],
): string {
  const isDiagonal = row === column;
  const styles = views.map((view, index) => {
    const value = view.values[row][column];
    const scale = isDiagonal ? scales[index].diagonal : scales[index].other;
    return { text: view.text(value), ...heatColor(scale === 0 ? 0 : value / scale, isDiagonal) };
  });
  const [first] = styles;
  const data = (pick: (style: typeof first) => string) => styles.map(pick).join('|');

  const count = counts[row][column];
  const byTrue = views[1].values[row][column];
  const byPredicted = views[2].values[row][column];
  const title = `true ${labels[row]}, predicted ${labels[column]}: ` +
    `${thousands(count)} image${count === 1 ? '' : 's'}, ${percent(byTrue)} of the true ` +
    `${labels[row]}s, ${percent(byPredicted)} of the images predicted ${labels[column]}` +
    (isDiagonal || count === 0 ? '' : ' (click to see them)');

  return `<td class="${isDiagonal ? 'diagonal' : 'other'}" data-row="${row}" ` +
    `data-column="${column}" data-text="${data((style) => style.text)}" ` +
    `data-background="${data((style) => style.background)}" ` +
    `data-color="${data((style) => style.color)}" title="${escapeHtml(title)}" ` +
    `style="background:${first.background};color:${first.color}">${first.text}</td>`;
}

// The largest value on the diagonal and off it.
function scaleOf(values: number[][]): { diagonal: number; other: number } {
  let diagonal = 0;
  let other = 0;
  values.forEach((row, rowIndex) => row.forEach((value, column) => {
    if (rowIndex === column) diagonal = Math.max(diagonal, value);
    else other = Math.max(other, value);
  }));
  return { diagonal, other };
}

function rateText(value: number): string {
  return value === 0 ? '0' : (value * 100).toFixed(1);
}
