import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, ModelError, ShapeError, listModels, loadModel } from '@nucleilens/pipeline';
import { REPO_ROOT, TINY_CHECK, TINY_ONNX } from './tiny-model.js';

// The repository installs onnxruntime-node without its CUDA provider library (README);
// where someone installed it anyway these two tests do not apply.
const CUDA_INSTALLED = existsSync(
  join(REPO_ROOT, 'node_modules/onnxruntime-node/bin/napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'),
);

test("'auto' on a CPU-only install falls back to the CPU and says why", { skip: CUDA_INSTALLED && 'CUDA provider installed' }, async () => {
  const model = await loadModel(TINY_ONNX, { executionProvider: 'auto', threads: 1 });
  assert.equal(model.provider, 'cpu');
  assert.match(model.fallbackReason ?? '', /CUDA unavailable/);
  assert.equal(model.threads, 1);
});

test("'cuda' where CUDA cannot load is a ModelError, 'cpu' never falls back", { skip: CUDA_INSTALLED && 'CUDA provider installed' }, async () => {
  await assert.rejects(loadModel(TINY_ONNX, { executionProvider: 'cuda', threads: 1 }), (err: unknown) => err instanceof ModelError && /CUDA/.test(err.message));
  const cpu = await loadModel(TINY_ONNX, { executionProvider: 'cpu', threads: 1 });
  assert.equal(cpu.provider, 'cpu');
  assert.equal(cpu.fallbackReason, null);
});

test('one session per model file: loading twice returns the same handle', async () => {
  const a = await loadModel(TINY_ONNX, { executionProvider: 'cpu', threads: 1 });
  const b = await loadModel(TINY_ONNX, { executionProvider: 'cpu', threads: 1 });
  assert.equal(a, b);
});

test('a file that is not ONNX is a ModelError', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nl-onnx-'));
  const path = join(dir, 'fake.onnx');
  await writeFile(path, 'this is not a protobuf');
  await assert.rejects(loadModel(path, { threads: 1 }), (err: unknown) => err instanceof ModelError && /not an ONNX model/.test(err.message));
  await assert.rejects(loadModel(path, { executionProvider: 'cpu', threads: 1 }), ModelError);
});

test('a card whose names do not match the graph is a ModelError', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nl-io-'));
  await copyFile(TINY_ONNX, join(dir, 'm.onnx'));
  const card = JSON.parse(await readFile(TINY_ONNX.replace(/\.onnx$/, '.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'm.json'), JSON.stringify({ ...card, file: 'm.onnx', input: { ...(card.input as object), name: 'pixels' } }));
  await assert.rejects(loadModel(join(dir, 'm.json'), { threads: 1 }), (err: unknown) => err instanceof ModelError && /"pixels"/.test(err.message));
});

test('bad options are InvalidArgumentErrors', async () => {
  await assert.rejects(loadModel(TINY_ONNX, { threads: 0 }), InvalidArgumentError);
  await assert.rejects(loadModel(TINY_ONNX, { executionProvider: 'tpu' as 'cpu' }), InvalidArgumentError);
});

function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** Runs a model on its export check fixture; returns max |onnxruntime - PyTorch| and the fixture's tolerance. */
async function checkAgainstFixture(modelPath: string, checkPath: string): Promise<{ worst: number; tolerance: number }> {
  const check = JSON.parse(await readFile(checkPath, 'utf8')) as {
    tolerance: number;
    input: { shape: number[]; data: string };
    output: { data: string };
  };
  const model = await loadModel(modelPath, { executionProvider: 'cpu', threads: 1 });
  const [n, , height, width] = check.input.shape;
  const got = await model.run({ data: decode(check.input.data), n, height, width });
  const expected = decode(check.output.data);
  assert.equal(got.length, expected.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
  return { worst, tolerance: check.tolerance };
}

test('onnxruntime-node reproduces PyTorch on the export check fixture (tolerance from the fixture, 1e-4)', async () => {
  const { worst, tolerance } = await checkAgainstFixture(TINY_ONNX, TINY_CHECK);
  assert.ok(worst < tolerance, `max |onnx - torch| = ${worst}`);
});

test('every shipped model in models/ loads and reproduces its PyTorch check fixture', async (t) => {
  const shipped = (await listModels()).filter((m) => !('error' in m.model) && existsSync(m.cardPath.replace(/\.json$/, '.check.json')));
  if (shipped.length === 0) {
    t.skip('no model with a check fixture in models/ yet');
    return;
  }
  for (const m of shipped) {
    const { worst, tolerance } = await checkAgainstFixture(m.cardPath, m.cardPath.replace(/\.json$/, '.check.json'));
    t.diagnostic(`${m.name}: max |onnxruntime - PyTorch| ${worst.toExponential(2)}`);
    assert.ok(worst < tolerance, `${m.name}: max |onnx - torch| = ${worst}`);
  }
});

test('run() refuses sides that are not multiples of 32 before onnxruntime sees them', async () => {
  const model = await loadModel(TINY_ONNX, { executionProvider: 'cpu', threads: 1 });
  await assert.rejects(model.run({ data: new Float32Array(3 * 50 * 50), n: 1, height: 50, width: 50 }), ShapeError);
  await assert.rejects(model.run({ data: new Float32Array(10), n: 1, height: 32, width: 32 }), ShapeError);
});

test('release() drops the cached session; the next load opens a new one', async () => {
  const a = await loadModel(TINY_ONNX, { executionProvider: 'cpu', threads: 2 });
  await a.release();
  const b = await loadModel(TINY_ONNX, { executionProvider: 'cpu', threads: 2 });
  assert.notEqual(a, b);
  const out = await b.run({ data: new Float32Array(3 * 32 * 32), n: 1, height: 32, width: 32 });
  assert.equal(out.length, 2 * 32 * 32);
});
