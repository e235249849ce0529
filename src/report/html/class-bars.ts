// Per-class precision, recall and F1 as horizontal bars on a 0 to 1 scale, with support and
// predicted count, then the macro and weighted averages. Plain HTML and CSS widths: they
// print as they show, and need no script.

import type { AverageMetrics, ClassMetrics } from '../metrics.js';
import type { Summary } from '../summary.js';
import { thousands } from './html-text.js';

const MEASURES = ['precision', 'recall', 'f1'] as const;

/** The per-class table. */
export function classBars(summary: Summary): string {
  const rows = summary.perClass.map((entry) => row(String(entry.label), entry, entry));
  const averages = [
    row('macro avg', summary.macroAverage),
    row('weighted avg', summary.weightedAverage),
  ];

  return `<table class="bars">
<thead><tr><th scope="col">class</th><th scope="col">precision</th><th scope="col">recall</th>` +
    `<th scope="col">F1</th><th scope="col" class="number">support</th>` +
    `<th scope="col" class="number">predicted</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
<tbody class="averages">
${averages.join('\n')}
</tbody>
</table>`;
}

function row(name: string, values: AverageMetrics | ClassMetrics, entry?: ClassMetrics): string {
  const bars = MEASURES.map((measure) => bar(values[measure], `${measure} of ${name}`)).join('');
  const predicted = entry === undefined ? '' : thousands(entry.predicted);
  return `<tr><th scope="row">${name}</th>${bars}<td class="number">` +
    `${thousands(values.support)}</td><td class="number">${predicted}</td></tr>`;
}

function bar(value: number, title: string): string {
  const width = (value * 100).toFixed(2);
  return `<td class="bar" title="${title}: ${value.toFixed(4)}"><span class="track">` +
    `<span class="fill" style="width:${width}%"></span></span>` +
    `<span class="value">${value.toFixed(4)}</span></td>`;
}
