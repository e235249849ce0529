// `npm run convert -- IN OUT.safetensors`: rewrites a weights file (such as the book's
// pickle) as safetensors, the project's own format, after the same checks evaluate makes.

import { basename } from 'node:path';

import { Command, Option } from 'commander';

import { checkOutputFile, replaceFile } from '../io/atomic-files.js';
import { loadWeights } from '../model/load-weights.js';
import { HIDDEN_ACTIVATIONS, networkWidths, type HiddenActivation } from '../model/network.js';
import { networkToSafetensors } from '../model/save-weights.js';
import { parseCommandLine, runCommand } from './run-command.js';

void runCommand(async () => {
  const program = new Command('npm run convert --')
    .description('Convert a weights file (a pickle of numpy arrays, or safetensors) to ' +
      'safetensors, checking it as evaluate does.')
    .argument('<input>', 'weights file to read')
    .argument('<output>', 'safetensors file to write')
    .addOption(new Option('--activation <name>', 'hidden-layer activation to record; ' +
      'default: the one the input records, or sigmoid for a pickle').choices(HIDDEN_ACTIVATIONS));
  parseCommandLine(program);

  const [input, output] = program.args;
  const { activation } = program.opts<{ activation?: HiddenActivation }>();
  const weights = await loadWeights(input);
  await checkOutputFile(output, output);
  const network = { ...weights.network, activation: activation ?? weights.network.activation };

  const bytes = networkToSafetensors(network, {
    ...weights.metadata,
    source: weights.metadata.source ?? `converted from ${basename(input)} ` +
      `(sha256 ${weights.file.sha256})`,
  });
  await replaceFile(output, bytes);

  process.stdout.write(`${output}: ${networkWidths(network).join('-')} ` +
    `${network.activation} network, ${bytes.length} bytes\n`);
});
