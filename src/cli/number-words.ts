// Numbers in the commands' output as people read them: 1 epoch, 2 epochs, 19,471 images.

/** `count` and `noun`, the noun with an s unless the count is one. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A whole number with commas between thousands: 19471 → 19,471. */
export function withThousands(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
