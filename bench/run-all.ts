/**
 * Runs every benchmark under bench/ in sequence, each in its own Node process so one
 * bench's JIT state and heap do not colour the next. Add new benches to BENCHES.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = ['postprocess-vs-skimage.js', 'inference.js', 'measure-vs-skimage.js', 'server-nuclei.js', 'server-load.js', 'viewer-redraw.js', 'viewer-pan.js'];

let failed = 0;
for (const file of BENCHES) {
  console.log(`\n== ${file}`);
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(file, import.meta.url))], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`${file} exited with ${r.status ?? r.signal}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
