import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLabels, readRgb, writeLabels, writeRgb } from '@nucleilens/pipeline';
import type { NucleusFeatureCollection } from '@nucleilens/pipeline';

/** The built CLI, found from build/test/unit/ (never from the working directory). */
const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));

function nucleilens(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A user error: exit 2 and exactly one line on stderr, naming the command. */
async function assertUserError(args: string[], pattern: RegExp): Promise<void> {
  const run = await nucleilens(args);
  assert.equal(run.code, 2, `${args.join(' ')}: exit ${run.code}, stderr ${run.stderr}`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${run.stderr}`);
  assert.match(lines[0], new RegExp(`^nucleilens ${args[0]}: `));
  assert.match(lines[0], pattern);
}

/** Runs `fn` in a fresh temporary folder, removed afterwards whatever happens. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nucleilens-gt-measure-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const SIZE = 40;

// Two square nuclei, 8x8 px at (4, 4) and (20, 12) in XML pixel coordinates.
const XML = `<Annotations MicronsPerPixel="0.25"><Annotation Id="1"><Regions>
<Region Id="1"><Vertices><Vertex X="4" Y="4"/><Vertex X="12" Y="4"/><Vertex X="12" Y="12"/><Vertex X="4" Y="12"/></Vertices></Region>
<Region Id="2"><Vertices><Vertex X="20" Y="12"/><Vertex X="28" Y="12"/><Vertex X="28" Y="20"/><Vertex X="20" Y="20"/></Vertices></Region>
</Regions></Annotation></Annotations>`;

/** H&E-like picture: white glass, pink (eosin) tissue, purple (hematoxylin) where the nuclei are. */
function synthetic(): { width: number; height: number; data: Uint8Array } {
  const h = [0.65, 0.7, 0.29];
  const e = [0.07, 0.99, 0.11];
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const nucleus = (x >= 4 && x < 12 && y >= 4 && y < 12) || (x >= 20 && x < 28 && y >= 12 && y < 20);
      const glass = y >= 32;
      // A little texture, so the fit has spread to work with.
      const t = ((x * 7 + y * 13) % 10) / 10;
      const ch = nucleus ? 1 + 0.5 * t : 0.1 * t;
      const ce = glass ? 0 : 0.3 + 0.3 * t;
      for (let c = 0; c < 3; c++) data[(y * SIZE + x) * 3 + c] = Math.round(255 * Math.exp(-(ch * h[c] + ce * e[c]) * (glass ? 0 : 1)));
    }
  }
  return { width: SIZE, height: SIZE, data };
}

test('gt, normalize and measure on small generated files', async () => {
  await inTempDir(async (dir) => {
    const xml = join(dir, 'a.xml');
    const image = join(dir, 'a.png');
    const gt = join(dir, 'gt.png');
    await writeFile(xml, XML);
    await writeRgb(image, synthetic());

    const gtRun = await nucleilens(['gt', '--xml', xml, '--width', String(SIZE), '--height', String(SIZE), '--out', gt]);
    assert.equal(gtRun.code, 0, gtRun.stderr);
    assert.match(gtRun.stdout, /wrote 2 regions/);
    const labels = await readLabels(gt);
    assert.equal(labels.width, SIZE);
    const count = (v: number) => labels.data.filter((x) => x === v).length;
    assert.equal(count(1), 64);
    assert.equal(count(2), 64);
    assert.equal(labels.data[4 * SIZE + 4], 1);
    assert.equal(labels.data[12 * SIZE + 20], 2);
    const centre = await nucleilens(['gt', '--xml', xml, '--width', String(SIZE), '--height', String(SIZE), '--out', gt, '--rule', 'pixel-centre']);
    assert.equal(centre.code, 0, centre.stderr);

    const normalized = join(dir, 'n.png');
    const norm = await nucleilens(['normalize', '--in', image, '--out', normalized]);
    assert.equal(norm.code, 0, norm.stderr);
    const params = JSON.parse(norm.stderr.trim()) as { source: { method: string }; target: { method: string } };
    assert.equal(params.source.method, 'vahadane');
    assert.equal(norm.stdout, '');
    const out = await readRgb(normalized);
    assert.deepEqual([out.width, out.height], [SIZE, SIZE]);
    const json = await nucleilens(['normalize', '--in', image, '--out', normalized, '--method', 'macenko', '--target', image, '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout.trim().split('\n').length, 1);
    assert.equal((JSON.parse(json.stdout) as { target: { method: string } }).target.method, 'macenko');

    const geojson = join(dir, 'a.geojson');
    const csv = join(dir, 'a.csv');
    const measure = await nucleilens(['measure', '--labels', gt, '--image', image, '--geojson', geojson, '--csv', csv, '--mpp', '0.25']);
    assert.equal(measure.code, 0, measure.stderr);
    assert.match(measure.stdout, /measured 2 nuclei/);
    const fc = JSON.parse(await readFile(geojson, 'utf8')) as NucleusFeatureCollection;
    assert.equal(fc.type, 'FeatureCollection');
    assert.equal(fc.features.length, 2);
    const first = fc.features[0];
    assert.equal(first.properties.objectType, 'detection');
    assert.deepEqual(first.geometry.coordinates[0], [[4, 4], [12, 4], [12, 12], [4, 12], [4, 4]]);
    assert.equal(first.properties.measurements['Area'], 64);
    assert.equal(first.properties.measurements['Area µm^2'], 4);
    assert.ok((first.properties.measurements['Hematoxylin OD mean'] as number) > 0.5);
    const rows = (await readFile(csv, 'utf8')).trimEnd().split('\n');
    assert.equal(rows.length, 3);
    assert.match(rows[0], /^id,centroid_x,centroid_y,/);
    assert.match(rows[1], /^1,8,8,4,4,8,8,64,4,/);
  });
});

test('gt, normalize and measure: user errors are one line and exit 2', async () => {
  await inTempDir(async (dir) => {
    const xml = join(dir, 'a.xml');
    const image = join(dir, 'a.png');
    const small = join(dir, 'small.png');
    const notImage = join(dir, 'notes.png');
    await writeFile(xml, XML);
    await writeFile(notImage, 'these are notes, not a picture\n');
    await writeRgb(image, synthetic());
    await writeLabels(small, { width: 30, height: SIZE, data: new Int32Array(30 * SIZE) });
    const missing = join(dir, 'missing.xml');
    const size = ['--width', '40', '--height', '40'];

    await assertUserError(['gt', '--xml', missing, ...size, '--out', join(dir, 'o.png')], /no such file/);
    await assertUserError(['gt', '--xml', image, ...size, '--out', join(dir, 'o.png')], /a\.png: annotation XML/);
    await assertUserError(['gt', '--xml', xml, ...size, '--out', join(dir, 'o.png'), '--rule', 'nearest'], /--rule must be one of/);
    await assertUserError(['gt', '--xml', xml, '--width', '0', '--height', '40', '--out', join(dir, 'o.png')], /--width/);
    await assertUserError(['gt', '--xml', xml, ...size, '--out', join(dir, 'no-such-folder', 'o.png')], /does not exist/);
    await assertUserError(['normalize', '--in', join(dir, 'missing.png'), '--out', join(dir, 'o.png')], /no such file/);
    await assertUserError(['normalize', '--in', notImage, '--out', join(dir, 'o.png')], /not an image/);
    await assertUserError(['normalize', '--in', image, '--out', join(dir, 'o.png'), '--method', 'reinhard'], /--method must be one of/);
    await assertUserError(['measure', '--labels', small, '--image', image, '--geojson', join(dir, 'o.geojson')], /30x40 but image .* 40x40/);
    await assertUserError(['measure', '--labels', notImage, '--image', image, '--geojson', join(dir, 'o.geojson')], /not an image/);
    await assertUserError(['measure', '--labels', small, '--image', image], /missing required option --geojson/);
  });
});
