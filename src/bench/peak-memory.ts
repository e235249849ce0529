// Runs the evaluate command in this process and then reports its peak resident memory on
// stderr, so that the benchmark can compare worker counts. The workers are threads of this
// process, so the peak includes them.

await import('../cli/evaluate.js');
process.stderr.write(`peak-rss-kb=${process.resourceUsage().maxRSS}\n`);
