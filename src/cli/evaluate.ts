// `npm run evaluate`: the command line of an evaluation. It is the only layer that reads
// process.argv or prints: results to stdout, progress and errors to stderr.

import { evaluate } from '../evaluation.js';
import { formatConsoleSummary } from './console-summary.js';
import { evaluateCommand, normalizeEvaluateOptions } from './evaluate-options.js';
import { createProgress } from './progress.js';
import { exitOnInterrupt, parseCommandLine, runCommand } from './run-command.js';

await runCommand(async () => {
  const options = normalizeEvaluateOptions(parseCommandLine(evaluateCommand()));
  const progress = createProgress(options.quiet);
  exitOnInterrupt(() => progress.stop());

  let result;
  try {
    result = await evaluate({
      ...options,
      onStart: (count) => progress.start(count, 'classifying'),
      onBatchDone: (images) => progress.advance(images),
      onRetry: (message) => process.stderr.write(`${message}\n`),
    });
  } finally {
    progress.stop();
  }

  const output = options.json ? `${JSON.stringify(result.summary, null, 2)}\n` :
    formatConsoleSummary(result.summary, result.reportPaths);
  process.stdout.write(output);
});
