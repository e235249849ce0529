// Reads a folder of reports for comparing runs: every file but the parts that say how the run
// went, which differ between runs by design.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import * as assert from 'uvu/assert';

interface Integrity {
  files: { name: string; sha256: string; bytes: number }[];
}

// The integrity record, but for report.html's digest, which its line about the run changes.
function withoutHtmlDigest(integrity: Integrity | undefined): unknown {
  if (integrity === undefined) return undefined;
  return { ...integrity, files: integrity.files.map((file) =>
    (file.name === 'report.html' ? { name: file.name } : file)) };
}

// report.html's one line about the run, which summary.json's run section also holds.
const HTML_RUN_LINE = /<p class="run" id="run-section">([^<]*)<\/p>/g;

// Every report file of a folder, with the run's own section taken out of summary.json and
// its line out of report.html (and so report.html's digest); the PNG as base64.
export async function readReports(out: string): Promise<Map<string, string>> {
  const reports = new Map<string, string>();
  const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
  for (const name of (await readdir(out)).sort()) {
    const bytes = await readFile(join(out, name));
    const content = bytes.toString(name.endsWith('.png') ? 'base64' : 'utf8');
    if (name === 'report.html') {
      const runLines = [...content.matchAll(HTML_RUN_LINE)];
      assert.is(runLines.length, 1, 'report.html has one line about the run');
      assert.ok(runLines[0][1].startsWith(`Ran ${summary.run.startedAt.slice(0, 10)}`),
        runLines[0][1]);
      reports.set(name, content.replace(HTML_RUN_LINE, ''));
    } else if (name === 'summary.json') {
      const { run, integrity, ...rest } = summary as { run: unknown; integrity?: Integrity };
      assert.type(run, 'object');
      reports.set(name, JSON.stringify({ ...rest, integrity: withoutHtmlDigest(integrity) },
        null, 2));
    } else {
      reports.set(name, content);
    }
  }
  return reports;
}
