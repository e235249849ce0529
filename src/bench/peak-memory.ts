// Runs the evaluate command in this process and, as the process exits, reports its peak
// resident memory on stderr, so that the benchmark can compare worker counts. The workers are
// threads of this process, so the peak includes them.

import '../cli/evaluate.js';

process.on('exit', () => {
  process.stderr.write(`peak-rss-kb=${process.resourceUsage().maxRSS}\n`);
});
