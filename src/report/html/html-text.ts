// Text as report.html writes it: escaped for HTML, and numbers with a fixed number of
// decimals, so that the same inputs always give the same bytes.

const ESCAPES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;',
};

/** `text` safe inside an element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

/** A ratio as a percentage: 0.97764 → "97.76%" with two decimals. */
export function percent(ratio: number, decimals = 2): string {
  return `${(ratio * 100).toFixed(decimals)}%`;
}

/** A whole number with commas between thousands: 19471 → 19,471. */
export function thousands(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `count` and `noun`, the noun with an s unless the count is one. */
export function countOf(count: number, noun: string): string {
  return `${thousands(count)} ${noun}${count === 1 ? '' : 's'}`;
}
