// `npm run merge`: joins the partial results of a split evaluation into the reports a whole
// run writes. Results go to stdout, errors to stderr as one line with a documented exit code.

import { Command, Option } from 'commander';

import { checkOutputFolder } from '../io/atomic-files.js';
import { reportFileNames } from '../report/report-names.js';
import { writeReports } from '../report/write-reports.js';
import { mergePartials, readPartials } from '../shards/merge.js';
import { TOOL } from '../tool.js';
import { formatConsoleSummary } from './console-summary.js';
import { formatOption, parseFormats, refuseEmptyPaths } from './common-options.js';
import { exitOnInterrupt, parseCommandLine, runCommand } from './run-command.js';

const DEFAULT_OUT = 'reports';

function mergeCommand(): Command {
  return new Command('npm run merge --')
    .description('Merge the partial results of evaluate --shard-index/--shard-count into the ' +
      'reports of one whole run.')
    .version(TOOL.version)
    .argument('<partials...>', 'shard-I-of-N.json files, or folders holding them')
    .addOption(new Option('--out <folder>', 'folder the reports are written to')
      .default(DEFAULT_OUT, DEFAULT_OUT))
    .addOption(formatOption())
    .option('--json', 'print summary.json to stdout instead of the text summary')
    .showHelpAfterError(false);
}

void runCommand(async () => {
  const program = parseCommandLine(mergeCommand());
  const options = program.opts<{ out: string; format: string; json?: boolean }>();
  refuseEmptyPaths(options, ['out']);
  const formats = parseFormats(options.format);
  exitOnInterrupt(() => {});
  await checkOutputFolder(options.out, reportFileNames(formats), '--out');

  const set = mergePartials(await readPartials(program.args));
  const result = await writeReports(set, options.out, formats);

  process.stdout.write(options.json ? `${JSON.stringify(result.summary, null, 2)}\n` :
    formatConsoleSummary(result.summary, result.reportPaths));
});
