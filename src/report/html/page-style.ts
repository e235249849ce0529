// The style sheet report.html carries inline: the system's own fonts (nothing to fetch),
// a single column that reflows on narrow screens, and a print layout that keeps the
// heatmap's colours and drops the controls.

/** The style sheet's source, placed in a <style> element in the page's head. */
export const PAGE_STYLE = `
:root { --ink: #1f2328; --muted: #5b636e; --line: #d8dee4; --panel: #f6f8fa;
  --correct: #1d4ed8; --wrong: #c81e1e; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1120px; padding: 24px 28px 48px; color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; background: #fff; }
h1 { font-size: 24px; margin: 0 0 2px; }
h2 { font-size: 18px; margin: 0 0 10px; }
code, .hash { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 12px; }
.hash { color: var(--muted); word-break: break-all; }
.subtitle, .run, .note { color: var(--muted); margin: 2px 0; }
nav { margin: 12px 0 18px; display: flex; gap: 14px; flex-wrap: wrap; }
nav a { color: var(--correct); text-decoration: none; }
section { border-top: 1px solid var(--line); padding: 18px 0 8px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 10px;
  margin: 16px 0 12px; }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 12px; }
.tile .value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.tile .name { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.inputs { width: 100%; margin-top: 10px; }
.inputs th { text-align: left; font-weight: 600; padding: 3px 12px 3px 0; vertical-align: top;
  white-space: nowrap; }
.inputs td { padding: 3px 0; }
.switch { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center;
  margin: 0 0 10px; }
.switch label { cursor: pointer; }
.scroll { overflow-x: auto; }
.heatmap th { font-weight: 600; padding: 4px 6px; color: var(--muted); }
.heatmap .corner { font-size: 11px; font-weight: 400; white-space: nowrap; }
.heatmap td { width: 62px; height: 40px; text-align: center; border: 1px solid #fff;
  font-size: 13px; cursor: default; }
.heatmap td.other { cursor: pointer; }
.heatmap td:hover { outline: 2px solid var(--ink); outline-offset: -2px; }
.heatmap .total { font-weight: 400; font-size: 12px; text-align: center; }
.heatmap caption { caption-side: bottom; text-align: left; color: var(--muted);
  padding-top: 8px; font-size: 12px; }
.key { padding: 0 6px; border-radius: 3px; color: #fff; }
.key-correct { background: var(--correct); }
.key-mistake { background: var(--wrong); }
.bars { width: 100%; }
.bars th, .bars td { padding: 3px 8px; text-align: left; }
.bars th { white-space: nowrap; }
.bars thead th { color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); }
.bars .averages th, .bars .averages td { border-top: 1px solid var(--line); }
.bars .number { text-align: right; }
.bar { width: 26%; white-space: nowrap; }
.track { display: inline-block; width: calc(100% - 56px); height: 12px;
  background: var(--panel); border: 1px solid var(--line); vertical-align: middle; }
.fill { display: block; height: 100%; background: #4b77d6; }
.bar .value { display: inline-block; width: 52px; text-align: right; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; }
.charts figure { margin: 0; max-width: 380px; }
.charts figcaption { color: var(--muted); font-size: 12px; }
.chart { display: block; overflow: visible; }
.chart .axis { stroke: #8c959f; }
.chart .ideal { stroke: #8c959f; stroke-dasharray: 4 3; }
.chart .accuracy { fill: #4b77d6; }
.chart .confidence { fill: none; stroke: var(--wrong); stroke-width: 1.2; }
.chart .correct { fill: #4b77d6; }
.chart .wrong { fill: var(--wrong); }
.chart text { font-size: 11px; fill: var(--muted); }
.chart .tick { text-anchor: middle; }
.chart .tick.y { text-anchor: end; }
.chart .axis-title { text-anchor: middle; }
.chart .label { fill: var(--ink); font-weight: 600; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(118px, 1fr));
  gap: 8px; }
.mistake { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 6px;
  break-inside: avoid; }
.mistake[hidden] { display: none; }
.mistake canvas { display: block; width: 84px; height: 84px; image-rendering: pixelated;
  border: 1px solid var(--line); margin: 0 auto 4px; }
.mistake .labels { display: flex; gap: 4px; align-items: baseline; font-size: 15px; }
.mistake .wrong { color: var(--wrong); }
.mistake .index { margin-left: auto; color: var(--muted); font-size: 11px; }
.mistake ol { margin: 0; padding: 0; list-style: none; font-size: 11px; color: var(--muted);
  font-variant-numeric: tabular-nums; }
.mistake li.true-class { color: var(--correct); font-weight: 600; }
#gallery-count { color: var(--muted); }
.pairs { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 0 0 10px;
  color: var(--muted); }
.pairs button { font: inherit; font-size: 12px; border: 1px solid var(--line);
  background: var(--panel); border-radius: 12px; padding: 1px 9px; cursor: pointer;
  color: var(--ink); }
.pairs button:hover { border-color: var(--wrong); }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav, .switch, .pairs { display: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section { break-inside: avoid-page; }
  #mistakes { break-inside: auto; }
  .heatmap td:hover { outline: none; }
}
`;
