// The report files a run writes and the kind of --format each belongs to, apart from the code
// that builds them: the command line and the checks of --out need only the names, and they
// are read before the builders are loaded.

/** The kinds of report --format chooses from. */
export const REPORT_FORMATS = ['csv', 'json', 'html', 'png'] as const;
export type ReportFormat = typeof REPORT_FORMATS[number];

/** Every report file with its kind, in the order they are listed and written. */
export const REPORT_FILES = [
  ['summary.json', 'json'],
  ['confusion-matrix.csv', 'csv'],
  ['confusion-matrix-normalized.csv', 'csv'],
  ['confusion-matrix.json', 'json'],
  ['per-class.csv', 'csv'],
  ['predictions.csv', 'csv'],
  ['misclassified.csv', 'csv'],
  ['misclassified.png', 'png'],
  ['report.html', 'html'],
] as const satisfies readonly (readonly [string, ReportFormat])[];

/** The name of one report file. */
export type ReportName = typeof REPORT_FILES[number][0];

/** Names of the files a run writes for `formats`, in the order they are listed. */
export function reportFileNames(formats: readonly ReportFormat[] = REPORT_FORMATS):
  ReportName[] {
  return REPORT_FILES.filter(([, format]) => formats.includes(format)).map(([name]) => name);
}
