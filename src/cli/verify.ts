// `npm run verify -- FOLDER`: checks a folder of reports against the sizes and sha256 digests
// its summary.json recorded when the run wrote it. One line per file on stdout, then a
// verdict; exit code 0 when every recorded file is intact, 1 when one differs or is missing,
// 2 when the folder has no readable record.

import { Command } from 'commander';

import { RunError } from '../errors.js';
import { SUMMARY_FILE } from '../io/file-digests.js';
import { verifyReports, type FileCheck } from '../verify-reports.js';
import { parseCommandLine, runCommand } from './run-command.js';

void runCommand(async () => {
  const program = new Command('npm run verify --')
    .description('Check that the reports in a folder are the files its summary.json ' +
      'recorded: same size and sha256.')
    .argument('[folder]', 'folder of reports written by npm run evaluate', 'reports')
    .showHelpAfterError(false);
  parseCommandLine(program);

  const folder = program.processedArgs[0] as string;
  const { checks, isIntact } = await verifyReports(folder);

  const lines = [`${SUMMARY_FILE}: holds the record (no file can hold its own digest)`,
    ...checks.map((check) => `${check.name}: ${describeCheck(check)}`)];
  const recorded = checks.filter(({ status }) => status !== 'unlisted');
  if (isIntact) lines.push(`${folder}: all ${recorded.length} recorded files are intact`);
  process.stdout.write(`${lines.join('\n')}\n`);

  // runCommand turns this into one line on stderr and exit code 1
  if (!isIntact) {
    const bad = recorded.filter(({ status }) => status !== 'ok');
    throw new RunError(`${folder}: ${bad.length} of ${recorded.length} recorded files ` +
      `differ or are missing: ${bad.map(({ name }) => name).join(', ')}`);
  }
});

function describeCheck(check: FileCheck): string {
  if (check.status === 'ok') return 'ok';
  if (check.status === 'missing') return 'MISSING';
  if (check.status === 'unlisted') return 'not written by the run (not checked)';
  const { expected, found } = check;
  return `DIFFERS: ${found.bytes} bytes, sha256 ${found.sha256}; recorded ${expected.bytes} ` +
    `bytes, sha256 ${expected.sha256}`;
}
