/**
 * The Python training side (models/training/) run end to end at toy size: target rules,
 * network shapes, a 3-step training run, ONNX export and, where onnxruntime-node loads,
 * ONNX-vs-PyTorch agreement on export.py's check fixture. Needs Debian's python3-torch at
 * /usr/bin/python3; skips with the reason when it is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
// build/test/unit/ -> repository root
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const TRAINING = join(REPO, 'models', 'training');
const RUN_TIMEOUT_MS = 180_000;

interface PyRun {
  status: number | null;
  output: string;
}

function python(args: readonly string[]): PyRun {
  const r = spawnSync(PYTHON, args, {
    cwd: REPO,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function missingTorchReason(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (install python3-torch)`;
  const r = python(['-c', 'import torch, numpy, scipy, PIL']);
  return r.status === 0 ? null : `${PYTHON} cannot import torch/numpy/scipy/PIL: ${r.output.trim().split('\n').pop() ?? ''}`;
}

const skipReason = missingTorchReason();

function decodeF32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

test('training targets: marker erosion table, cut between touching nuclei, aligned crops', (t) => {
  if (skipReason) return t.skip(skipReason);
  const r = python([join(TRAINING, 'test_targets.py')]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /targets ok/);
});

test('model card of a run without validation is strict JSON (bestValLoss null, not Infinity)', (t) => {
  if (skipReason) return t.skip(skipReason);
  const r = python([join(TRAINING, 'test_export_card.py')]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /export card ok/);
});

test('cross-validation: explicit validation stems, a run without validation, out-of-fold maps, the fold rule', (t) => {
  if (skipReason) return t.skip(skipReason);
  const r = python([join(TRAINING, 'test_cv.py')]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /cv ok/);
});

test('se_resnet50 and se_resnet18 map [1,3,64,64] to [1,2,64,64] probabilities', (t) => {
  if (skipReason) return t.skip(skipReason);
  const r = python([join(TRAINING, 'test_shapes.py'), 'se_resnet50', 'se_resnet18']);
  assert.equal(r.status, 0, r.output);
  const rows = r.output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { arch: string; shape: number[]; parameters: number; min: number; max: number });
  assert.deepEqual(rows.map((row) => row.arch), ['se_resnet50', 'se_resnet18']);
  for (const row of rows) {
    assert.deepEqual(row.shape, [1, 2, 64, 64]);
    assert.ok(row.min >= 0 && row.max <= 1, `${row.arch}: probabilities in [0,1], got [${row.min}, ${row.max}]`);
    t.diagnostic(`${row.arch}: ${row.parameters} parameters`);
  }
});

test('smoke training run prints a finite loss and exports ONNX, card and check fixture', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const out = mkdtempSync(join(tmpdir(), 'nucleilens-smoke-'));
  try {
    const run = python([join(TRAINING, 'train.py'), '--smoke', '--out', out]);
    assert.equal(run.status, 0, run.output);
    const loss = /smoke: loss (\S+);/.exec(run.output);
    assert.ok(loss, `no "smoke: loss" line in:\n${run.output}`);
    assert.ok(Number.isFinite(Number(loss[1])), `loss ${loss[1]} is not finite`);
    assert.ok(statSync(join(out, 'smoke.onnx')).size > 0);

    const onnx = join(out, 'exported.onnx');
    const exp = python([join(TRAINING, 'export.py'), '--checkpoint', join(out, 'last.pt'), '--out', onnx, '--fp16']);
    assert.equal(exp.status, 0, exp.output);
    const card = JSON.parse(readFileSync(join(out, 'exported.json'), 'utf8')) as {
      arch: string;
      input: { name: string; sideMultiple: number; normalization: { insideGraph: boolean } };
      outputs: { name: string; channels: { index: number; name: string }[] };
      format: { weights: string; sizeBytes: number };
      training: { steps: number };
    };
    assert.equal(card.arch, 'se_resnet18');
    assert.equal(card.input.name, 'image');
    assert.equal(card.input.sideMultiple, 32);
    assert.equal(card.input.normalization.insideGraph, true);
    assert.equal(card.outputs.name, 'probs');
    assert.deepEqual(card.outputs.channels, [{ index: 0, name: 'mask' }, { index: 1, name: 'marker' }]);
    assert.equal(card.format.weights, 'float16');
    assert.equal(card.format.sizeBytes, statSync(onnx).size);
    assert.equal(card.training.steps, 3);

    const check = JSON.parse(readFileSync(join(out, 'exported.check.json'), 'utf8')) as {
      tolerance: number;
      input: { name: string; shape: number[]; data: string };
      output: { name: string; shape: number[]; data: string };
    };
    assert.deepEqual(check.input.shape, [1, 3, 64, 64]);
    assert.deepEqual(check.output.shape, [1, 2, 64, 64]);

    let ort: typeof import('onnxruntime-node');
    try {
      ort = await import('onnxruntime-node');
    } catch (err) {
      t.diagnostic(`ONNX-vs-PyTorch comparison skipped: onnxruntime-node does not load (${(err as Error).message})`);
      return;
    }
    const session = await ort.InferenceSession.create(onnx);
    const x = new ort.Tensor('float32', decodeF32(check.input.data), check.input.shape);
    const result = await session.run({ [check.input.name]: x });
    const got = result[check.output.name];
    assert.ok(got, `ONNX output "${check.output.name}" missing`);
    assert.deepEqual(got.dims, check.output.shape);
    const data = got.data as Float32Array;
    const expected = decodeF32(check.output.data);
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(data[i] - expected[i]));
    t.diagnostic(`ONNX vs PyTorch max abs diff ${maxDiff.toExponential(2)}`);
    assert.ok(maxDiff < check.tolerance, `ONNX and PyTorch differ by ${maxDiff} (tolerance ${check.tolerance})`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('GPU-run path: crops from loader processes and bf16 autocast, then the checkpoint split into float16 parts and joined back', (t) => {
  if (skipReason) return t.skip(skipReason);
  const out = mkdtempSync(join(tmpdir(), 'nucleilens-gpu-path-'));
  try {
    const run = python([join(TRAINING, 'train.py'), '--smoke', '--loader-workers', '1', '--amp', 'bf16', '--out', out]);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /smoke: loss \d/);
    const roundTrip = python([join(TRAINING, 'test_gpu_weights.py'), join(out, 'last.pt')]);
    assert.equal(roundTrip.status, 0, roundTrip.output);
    assert.match(roundTrip.output, /gpu weights ok \(\d+ parts\)/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
