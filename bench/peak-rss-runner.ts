/**
 * Runs `nucleilens <args>` inside this process and prints its peak resident set size, so
 * bench/inference.ts can measure the CLI's memory without a platform-specific `time -v`.
 * Prints `PEAK_RSS_KB <n>` on stderr at exit.
 */
const CLI_MAIN = new URL('../../cli/dist/main.js', import.meta.url);

process.on('exit', () => process.stderr.write(`PEAK_RSS_KB ${process.resourceUsage().maxRSS}\n`));
// main.js reads its arguments from process.argv.slice(2), as when run as `nucleilens ...`.
process.argv = [process.argv[0], CLI_MAIN.pathname, ...process.argv.slice(2)];
await import(CLI_MAIN.href);
