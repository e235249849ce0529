// Colours of the heatmap: the diagonal (correct) in blue and the other cells (mistakes) in
// red, each scaled by the largest value of its own kind, so that a handful of mistakes
// stays visible beside a diagonal a hundred times larger.

type Rgb = [number, number, number];

const PAPER: Rgb = [255, 255, 255];
const CORRECT: Rgb = [29, 78, 216];
const MISTAKE: Rgb = [200, 30, 30];

/** Background and text colour of a cell whose value is `strength` (0 to 1) of its scale. */
export function heatColor(strength: number, isDiagonal: boolean): { background: string;
  color: string } {
  const clamped = Math.min(1, Math.max(0, strength));
  const full = isDiagonal ? CORRECT : MISTAKE;
  const mixed = PAPER.map((paper, channel) =>
    Math.round(paper + (full[channel] - paper) * clamped));

  return {
    background: `rgb(${mixed.join(',')})`,
    color: clamped > 0.5 ? '#fff' : clamped === 0 ? '#9aa1ab' : '#111',
  };
}
