#!/usr/bin/env node
// The installed `nucleilens` command. A checked-in file rather than the compiled dist/main.js:
// npm links (and marks executable) a package's bin at install time, before `npm run build`
// has made dist/, and tsc writes its outputs without the executable bit.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('nucleilens: not built yet; run `npm run build` in the repository first\n');
  process.exit(2);
}
await import(main.href);
