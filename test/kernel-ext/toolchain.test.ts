/**
 * tslab brings its own TypeScript 5.0 and puts its `tsc` in node_modules/.bin; the build must
 * keep running the repository's pinned TypeScript 5.9 by path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const json = (path: string) => JSON.parse(readFileSync(`${ROOT}${path}`, 'utf8')) as Record<string, unknown>;

test('the build runs the pinned TypeScript by path, not whichever tsc is in node_modules/.bin', () => {
  const scripts = json('package.json').scripts as Record<string, string>;
  assert.match(scripts.build, /^node node_modules\/typescript\/bin\/tsc -b/);
  const version = String(json('node_modules/typescript/package.json').version);
  assert.match(version, /^5\.9\./, `node_modules/typescript is ${version}`);
  assert.equal(json('node_modules/tslab/package.json').version, '1.0.22');
});
