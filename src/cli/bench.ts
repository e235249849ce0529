// `npm run bench`: measures the project against its targets and against numpy and
// onnxruntime-node, prints one table on stdout and writes the same as JSON to
// reports/bench.json.

import { Command, Option } from 'commander';

import { runBench, type BenchResult, type ClassificationTime } from '../bench/run-bench.js';
import { checkOutputFile, replaceFile } from '../io/atomic-files.js';
import { TOOL } from '../tool.js';
import { parseCount } from './common-options.js';
import { plural, withThousands } from './number-words.js';
import { parseCommandLine, runCommand } from './run-command.js';

/** A target of the project, measured as a ratio in one run. */
interface Target {
  name: string;
  ratio: number | null;
  limit: string;
  isMet: boolean | null;
}

void runCommand(async () => {
  const program = parseCommandLine(new Command('npm run bench --')
    .description('Measure classification speed, whole-command time and memory, beside ' +
      'numpy where python3 with numpy is present and onnxruntime-node where it is installed.')
    .version(TOOL.version)
    .addOption(new Option('--runs <count>', 'timed runs of each measurement').default('15', '15'))
    .addOption(new Option('--out <file>', 'where the JSON goes')
      .default('reports/bench.json', 'reports/bench.json')));
  const runs = parseCount(program.opts().runs, '--runs');
  const out = String(program.opts().out);
  await checkOutputFile(out, '--out');

  const result = await runBench({
    runs,
    onStep: (step) => process.stderr.write(`measuring ${step}\n`),
  });
  const targets = checkTargets(result);
  await replaceFile(out, `${JSON.stringify({ ...result, targets }, null, 2)}\n`);
  process.stdout.write(formatTable(result, targets, out));
});

function checkTargets(result: BenchResult): Target[] {
  // the kernel that the evaluate command runs by default, as beside the peers
  const ratios = result.ratios.find((entry) => entry.kernel === result.sideBySide.kernel);
  const numpy = 'computeMs' in result.numpy ? result.numpy : null;
  const onnx = 'computeMs' in result.onnxruntime ? result.onnxruntime : null;
  const memory = (workers: number) =>
    result.peakMemory.find((entry) => entry.workers === workers)?.peakMiB ?? NaN;
  const target = (name: string, ratio: number | null, limit: number, isAtMost = true) => ({
    name,
    ratio: ratio === null ? null : Math.round(ratio * 100) / 100,
    limit: `${isAtMost ? '≤' : '≥'} ${limit}`,
    isMet: ratio === null ? null : isAtMost ? ratio <= limit : ratio >= limit,
  });

  return [
    target('classifying the test split: this project ÷ numpy batch-100 loop',
      numpy?.computeRatio ?? null, 1),
    target('classifying the test split: this project ÷ onnxruntime-node\'s best',
      onnx?.computeRatio ?? null, 1),
    target('whole command (2 workers) ÷ python3 running the notebook\'s batch code',
      numpy?.wholeRatio ?? null, 1),
    ...(result.withoutExtraCaCerts === null ? [] : [
      target('whole command (2 workers) ÷ python3, NODE_EXTRA_CA_CERTS unset',
        numpy?.wholeRatioWithoutExtraCaCerts ?? null, 1)]),
    target('train split, 1 worker ÷ 2 workers', ratios?.trainOneOverTwo ?? null, 1.8, false),
    target('train split, 8 workers ÷ 2 workers', ratios?.trainEightOverTwo ?? null, 1.1),
    target('peak memory per extra worker, MiB (1 → 8 workers)', (memory(8) - memory(1)) / 7, 15),
    target('train split ÷ test split (6× the images)', ratios?.trainOverTest ?? null, 6.5),
  ];
}

function formatTable(result: BenchResult, targets: Target[], out: string): string {
  const { machine, settings, sideBySide, numpy, onnxruntime } = result;
  const extraCaCerts = result.withoutExtraCaCerts;
  const row = (entry: ClassificationTime) => [entry.split.padEnd(6), entry.kernel.padEnd(9),
    String(entry.workers).padStart(7), entry.medianMs.toFixed(1).padStart(9),
    withThousands(entry.imagesPerSecond).padStart(12)].join('');
  const mark = (target: Target) => target.isMet === null ? 'not measured' :
    target.isMet ? 'met' : 'NOT MET';

  return [
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node.js ${machine.node}`,
    '',
    `classification, compute only (median of ${settings.runs} runs, batch size ` +
      `${settings.batchSize}, ${settings.weights})`,
    'split kernel     workers       ms    images/s',
    ...result.classification.map(row),
    ...result.kernelsNotRun.map(({ kernel, reason }) => `${kernel} not measured: ${reason}`),
    '',
    `peak memory: ${result.peakMemory
      .map((entry) => `${plural(entry.workers, 'worker')} ${entry.peakMiB} MiB`).join(', ')}`,
    '',
    `side by side, one run of each in turn, medians of ${sideBySide.rounds} rounds on the ` +
      `${sideBySide.split} split:`,
    `  this project, ${sideBySide.kernel} kernel, ${plural(sideBySide.workers, 'worker')}: ` +
      `${sideBySide.medianMs.toFixed(1)} ms, ${withThousands(sideBySide.correct)} correct`,
    'computeMs' in numpy ?
      `  numpy ${numpy.version}, the notebook's batch-100 loop: ` +
        `${numpy.computeMs.toFixed(1)} ms, ${withThousands(numpy.correct)} correct` :
      `  numpy: ${numpy.missing}; its comparisons are not measured`,
    'computeMs' in onnxruntime ?
      `  onnxruntime-node ${onnxruntime.version}, ${plural(onnxruntime.threads, 'thread')}, ` +
        `its best batch size (${withThousands(onnxruntime.batchSize)}): ` +
        `${onnxruntime.computeMs.toFixed(1)} ms, ${withThousands(onnxruntime.correct)} correct` :
      `  onnxruntime-node: ${onnxruntime.missing.replace(/^onnxruntime-node /, '')}; its ` +
        'comparison is not measured',
    `  whole evaluate command, node on the build: ${result.wholeCommand
      .map((entry) => `${plural(entry.workers, 'worker')} ${entry.medianMs.toFixed(0)} ms`)
      .join(', ')}${'computeMs' in numpy ? `; python3 running the notebook's batch code ` +
        `end to end: ${numpy.wholeProcessMs.toFixed(0)} ms` : ''}`,
    `  node -e 0: ${result.nodeStartMs.toFixed(0)} ms`,
    ...(extraCaCerts === null ? [] : [
      `  NODE_EXTRA_CA_CERTS is set (${extraCaCerts.file}): Node.js 20 loads it at every ` +
        'start, though the command makes no TLS connection (Node.js 22 does not). Without it:',
      `    node -e 0: ${extraCaCerts.nodeStartMs.toFixed(0)} ms, whole evaluate command, ` +
        `2 workers: ${extraCaCerts.wholeCommandMs.toFixed(0)} ms`]),
    '',
    'targets',
    ...targets.map((target) => `  ${target.name.padEnd(70)}${(target.ratio === null ? '–' :
      target.ratio.toFixed(2)).padStart(7)}  ${target.limit.padEnd(7)}${mark(target)}`),
    '',
    `written to ${out}`,
    '',
  ].join('\n');
}
