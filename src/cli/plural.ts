// Counts in the commands' output read as English: 1 epoch, 2 epochs.

/** `count` and `noun`, the noun with an s unless the count is one. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
