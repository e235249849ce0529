// The progress bar, drawn on stderr only when stderr is a terminal, so that logs and pipes
// receive nothing of it. cli-progress is loaded only then: a run into a pipe or a log, or
// with --quiet, does not spend its start-up on it.

/** Receives the run's progress; the silent one is used with --quiet or off a terminal. */
export interface Progress {
  start(total: number, label: string): void;
  advance(images: number): void;
  stop(): void;
}

/** A bar on stderr when it is a terminal and not `isQuiet`; otherwise one that draws nothing. */
export async function createProgress(isQuiet: boolean): Promise<Progress> {
  if (isQuiet || !process.stderr.isTTY) {
    return { start() {}, advance() {}, stop() {} };
  }

  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: '{label} [{bar}] {percentage}% | {value}/{total} images | {eta_formatted} left',
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);

  return {
    start: (total, label) => bar.start(total, 0, { label }),
    advance: (images) => bar.increment(images),
    stop: () => bar.stop(),
  };
}
