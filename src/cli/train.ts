// `npm run train`: the command line of a training run. Each epoch's loss, validation
// accuracy and time go to stderr as they happen; the weights file and its figures to stdout
// at the end.

import { networkWidths } from '../model/network.js';
import { runTraining } from '../training/run-training.js';
import type { EpochReport } from '../training/trainer.js';
import { plural } from './number-words.js';
import { createProgress } from './progress.js';
import { exitOnInterrupt, parseCommandLine, runCommand } from './run-command.js';
import { normalizeTrainOptions, reproducingCommand, trainCommand } from './train-options.js';

void runCommand(async () => {
  const options = normalizeTrainOptions(parseCommandLine(trainCommand()));
  const progress = await createProgress(options.quiet);
  // Checkpoints are replaced atomically, so the last complete one survives an interruption;
  // until the first is written there is nothing to resume.
  let advice = 'no epoch was complete, so there is no checkpoint to resume from';
  exitOnInterrupt(() => progress.stop(), () => advice);

  let result;
  try {
    result = await runTraining({
      ...options,
      command: (settings) => reproducingCommand(options, settings),
      onEpochStart: (epoch, images) => progress.start(images, `epoch ${epoch}`),
      onBatchDone: (images) => progress.advance(images),
      onRetry: (message) => {
        progress.stop();
        process.stderr.write(`${message}\n`);
      },
      onEpochDone: (report, checkpoint) => {
        progress.stop();
        process.stderr.write(`${formatEpoch(report)}\n`);
        advice = `continue with: npm run train -- --resume ${checkpoint}`;
      },
    });
  } finally {
    progress.stop();
  }

  const last = result.epochs.at(-1);
  const widths = networkWidths(result.network);
  process.stdout.write(`${result.out}: ${widths.join('-')} ${result.network.activation} ` +
    `network, validation accuracy ${last?.validationAccuracy.toFixed(4)} after ` +
    `${plural(result.hyperparameters.epochs, 'epoch')}, ` +
    `${(result.elapsedMs / 1000).toFixed(1)} s\n`);
});

function formatEpoch(report: EpochReport): string {
  const width = String(report.epochs).length;
  return `epoch ${String(report.epoch).padStart(width)}/${report.epochs}: ` +
    `loss ${report.trainingLoss.toFixed(4)}, ` +
    `validation accuracy ${report.validationAccuracy.toFixed(4)}, ` +
    `${(report.elapsedMs / 1000).toFixed(1)} s`;
}
