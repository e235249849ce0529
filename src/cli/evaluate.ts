// `npm run evaluate`: the command line of an evaluation. It is the only layer that reads
// process.argv or prints: results to stdout, progress and errors to stderr.

import { evaluate } from '../evaluation.js';
import { formatConsoleSummary } from './console-summary.js';
import { evaluateCommand, normalizeEvaluateOptions } from './options.js';
import { createProgress, type Progress } from './progress.js';
import { EXIT_CODES, runCommand } from './run-command.js';

await runCommand(async () => {
  const program = evaluateCommand()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(oneLine(text)) });
  program.parse(process.argv);
  const options = normalizeEvaluateOptions(program);

  const progress = createProgress(options.quiet);
  stopOnInterrupt(progress);
  let result;
  try {
    result = await evaluate({
      ...options,
      onStart: (count) => progress.start(count),
      onBatchDone: (images) => progress.advance(images),
    });
  } finally {
    progress.stop();
  }

  const output = options.json ? `${JSON.stringify(result.summary, null, 2)}\n` :
    formatConsoleSummary(result.summary, result.reportPaths);
  process.stdout.write(output);
});

// Ctrl-C or a termination request ends the run at once, without reports; the progress bar
// is closed first, so that the terminal gets its cursor back.
function stopOnInterrupt(progress: Progress): void {
  const signals = { SIGINT: EXIT_CODES.interrupted, SIGTERM: EXIT_CODES.terminated };
  for (const [signal, code] of Object.entries(signals)) {
    process.once(signal, () => {
      progress.stop();
      process.stderr.write(`stopped by ${signal}\n`);
      process.exit(code);
    });
  }
}

// commander sometimes adds a second line (a suggestion); keep each error on one line.
function oneLine(text: string): string {
  return `${text.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}
