// `npm run evaluate`: the command line of an evaluation. It is the only layer that reads
// process.argv or prints: results to stdout, progress and errors to stderr.

import { evaluate, evaluateShard } from '../evaluation.js';
import { formatConsoleSummary, formatShardSummary } from './console-summary.js';
import { evaluateCommand, normalizeEvaluateOptions } from './evaluate-options.js';
import { createProgress } from './progress.js';
import { exitOnInterrupt, parseCommandLine, runCommand } from './run-command.js';

void runCommand(async () => {
  const options = normalizeEvaluateOptions(parseCommandLine(evaluateCommand()));
  const progress = await createProgress(options.quiet);
  exitOnInterrupt(() => progress.stop());
  const request = {
    ...options,
    onStart: (count: number) => progress.start(count, 'classifying'),
    onBatchDone: (images: number) => progress.advance(images),
    onRetry: (message: string) => process.stderr.write(`${message}\n`),
  };

  let output;
  try {
    if (options.shard === null) {
      const result = await evaluate(request);
      output = options.json ? `${JSON.stringify(result.summary, null, 2)}\n` :
        formatConsoleSummary(result.summary, result.reportPaths);
    } else {
      const { partial, path } = await evaluateShard(request, options.shard);
      output = formatShardSummary(partial, path, options.json);
    }
  } finally {
    progress.stop();
  }
  process.stdout.write(output);
});
