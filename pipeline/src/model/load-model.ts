/**
 * Loading a USE-Net ONNX model into onnxruntime-node: one InferenceSession per model file
 * (and provider and thread count), created once and reused by every later call. The
 * execution provider is chosen at start-up: `'auto'` tries CUDA and falls back to the CPU,
 * recording why, because onnxruntime-node installed without its CUDA libraries (this
 * repository skips its install script, which downloads them from a host CI cannot reach) fails to
 * create a CUDA session with "Failed to load shared library". Node-only.
 */
import { availableParallelism } from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import { InvalidArgumentError, ModelError, ShapeError } from '../errors/index.js';
import type { ModelCard } from './model-card.js';
import { DEFAULT_MODEL_NAME, resolveModel } from './resolve-model.js';

/** Which execution provider to ask onnxruntime for. */
export type ExecutionProviderPreference = 'auto' | 'cuda' | 'cpu';

/** The provider a loaded model actually runs on. */
export type ExecutionProviderName = 'cuda' | 'cpu';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Default `'auto'`: CUDA when it can be loaded, else CPU. */
  readonly executionProvider?: ExecutionProviderPreference;
  /** Intra-op threads of the CPU provider. Default: the machine's available parallelism. */
  readonly threads?: number;
  /** Folders to look model names up in; default `defaultModelDirs()`. */
  readonly modelDirs?: readonly string[];
}

/** A batch of images in the network's layout: float32 [n, 3, height, width], RGB in [0, 1]. */
export interface NchwBatch {
  readonly data: Float32Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
}

/**
 * A loaded model. The session underneath is shared by every handle that loads the same ONNX
 * file with the same provider preference and thread count; each handle carries its card.
 */
export interface UsenetModel {
  readonly card: ModelCard;
  /** Absolute path of the ONNX file. */
  readonly onnxPath: string;
  /** The provider the session runs on. */
  readonly provider: ExecutionProviderName;
  /** Why a CUDA request ended on the CPU (`'auto'` only); `null` when nothing fell back. */
  readonly fallbackReason: string | null;
  /** Intra-op threads the session was created with. */
  readonly threads: number;
  /**
   * Runs the graph on one batch.
   * @returns float32 [n, 2, height, width]: channel `card.outputs.maskChannel` is the nucleus
   *   probability, `card.outputs.markerChannel` the shape-marker probability.
   * @throws {ShapeError} when the sides are not multiples of `card.input.sideMultiple` or the
   *   data length is wrong; {@link ModelError} when onnxruntime fails.
   */
  run(batch: NchwBatch): Promise<Float32Array>;
  /**
   * Releases the shared session and drops it from the cache: every handle on the same
   * file, provider and thread count stops working; a later `loadModel` creates a new one.
   */
  release(): Promise<void>;
}

type OrtModule = typeof import('onnxruntime-node');

let ortModule: Promise<OrtModule> | undefined;

// Loaded on first use so that importing the pipeline (for I/O or post-processing alone)
// does not load the 30 MB native runtime.
function ort(): Promise<OrtModule> {
  ortModule ??= import('onnxruntime-node').then((m) => {
    const mod = ((m as { default?: OrtModule }).default ?? m) as OrtModule;
    // On a CPU-only install onnxruntime's process-wide logger prints "Failed to load library
    // libonnxruntime_providers_shared.so" at error level after a CUDA probe, although the
    // probe's failure is handled; real failures still reach callers as exceptions. The
    // level must be set before the first session creates the environment.
    mod.env.logLevel = 'fatal';
    return mod;
  });
  return ortModule;
}

const cache = new Map<string, Promise<SharedSession>>();

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}

function describe(source: string | Uint8Array): string {
  return typeof source === 'string' ? source : `<${source.length}-byte model>`;
}

const CUDA_HINT =
  'onnxruntime-node has no usable CUDA provider here (its install script, which downloads the CUDA libraries, ' +
  'was skipped, keeping the CPU library only, or no CUDA 12 runtime is present)';

async function createSession(
  onnxPath: string | Uint8Array,
  provider: ExecutionProviderName,
  threads: number,
): Promise<InferenceSession> {
  const { InferenceSession } = await ort();
  const options: InferenceSession.SessionOptions = {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // A failed CUDA attempt is expected on CPU-only installs; onnxruntime would print it
    // to stderr at error level although the caller handles it.
    logSeverityLevel: provider === 'cuda' ? 4 : 3,
  };
  return typeof onnxPath === 'string' ? InferenceSession.create(onnxPath, options) : InferenceSession.create(onnxPath, options);
}

async function cpuSession(onnxPath: string | Uint8Array, threads: number): Promise<InferenceSession> {
  try {
    return await createSession(onnxPath, 'cpu', threads);
  } catch (err) {
    throw new ModelError(`${describe(onnxPath)}: not an ONNX model onnxruntime can load (${firstLine(err)})`, { cause: err });
  }
}

async function openSession(
  onnxPath: string | Uint8Array,
  preference: ExecutionProviderPreference,
  threads: number,
): Promise<SharedSession> {
  let fallbackReason: string | null = null;
  if (preference !== 'cpu') {
    try {
      return { session: await createSession(onnxPath, 'cuda', threads), provider: 'cuda', fallbackReason, handles: new Map() };
    } catch (err) {
      const reason = `CUDA unavailable: ${firstLine(err)}`;
      if (preference === 'cuda') throw new ModelError(`${reason}; ${CUDA_HINT}`, { cause: err });
      // A file that is not a model fails on every provider: the CPU attempt reports that.
      fallbackReason = `${reason} (${CUDA_HINT})`;
    }
  }
  return { session: await cpuSession(onnxPath, threads), provider: 'cpu', fallbackReason, handles: new Map() };
}

function checkIo(session: InferenceSession, card: ModelCard, onnxPath: string): void {
  if (!session.inputNames.includes(card.input.name)) {
    throw new ModelError(
      `${onnxPath}: the graph has inputs [${session.inputNames.join(', ')}], the card expects "${card.input.name}"`,
    );
  }
  if (!session.outputNames.includes(card.outputs.name)) {
    throw new ModelError(
      `${onnxPath}: the graph has outputs [${session.outputNames.join(', ')}], the card expects "${card.outputs.name}"`,
    );
  }
}

interface SharedSession {
  readonly session: InferenceSession;
  readonly provider: ExecutionProviderName;
  readonly fallbackReason: string | null;
  /** One handle per card path (a bare .onnx has none), so repeated loads return the same object. */
  readonly handles: Map<string, UsenetModel>;
}

function wrap(key: string, shared: SharedSession, card: ModelCard, onnxPath: string, threads: number, Tensor: OrtModule['Tensor']): UsenetModel {
  const { session, provider, fallbackReason } = shared;
  const m = card.input.sideMultiple;
  return {
    card,
    onnxPath,
    provider,
    fallbackReason,
    threads,
    async run(batch: NchwBatch): Promise<Float32Array> {
      const { n, height, width, data } = batch;
      if (!(n >= 1) || height <= 0 || width <= 0 || height % m !== 0 || width % m !== 0) {
        throw new ShapeError(`model input must be n>=1 and sides that are positive multiples of ${m}, got ${n}x3x${height}x${width}`);
      }
      if (data.length !== n * 3 * height * width) {
        throw new ShapeError(`batch ${n}x3x${height}x${width} needs ${n * 3 * height * width} floats, data has ${data.length}`);
      }
      let outputs: InferenceSession.OnnxValueMapType;
      try {
        outputs = await session.run({ [card.input.name]: new Tensor('float32', data, [n, 3, height, width]) });
      } catch (err) {
        throw new ModelError(`${card.name}: inference failed on ${n}x3x${height}x${width} (${firstLine(err)})`, { cause: err });
      }
      const out = outputs[card.outputs.name] as { data: unknown; dims: readonly number[] };
      const dims = out.dims;
      const channels = Math.max(card.outputs.maskChannel, card.outputs.markerChannel) + 1;
      if (!(out.data instanceof Float32Array) || dims.length !== 4 || dims[0] !== n || dims[1] < channels || dims[2] !== height || dims[3] !== width) {
        throw new ModelError(`${card.name}: expected float32 output [${n},>=${channels},${height},${width}], got [${dims.join(',')}]`);
      }
      return out.data;
    },
    async release(): Promise<void> {
      if (!cache.has(key)) return;
      cache.delete(key);
      await session.release();
    },
  };
}

/**
 * Loads a model once: later calls with the same file, provider preference and thread count
 * reuse its InferenceSession (and return the very same handle for the same card).
 * @param pathOrName a model name (`models/<name>.json`), a card path or an `.onnx` path;
 *   default {@link DEFAULT_MODEL_NAME}
 * @throws {NotFoundError} no such model; {@link ModelError} a file that is not ONNX, a
 *   malformed card, a graph whose input/output names differ from the card's, or
 *   `executionProvider: 'cuda'` where CUDA cannot be loaded; {@link InvalidArgumentError}
 *   for a bad thread count or provider.
 * @example
 * const model = await loadModel('default', { executionProvider: 'auto' });
 * console.log(model.provider, model.fallbackReason); // 'cpu', 'CUDA unavailable: ...'
 */
export async function loadModel(pathOrName: string = DEFAULT_MODEL_NAME, options: LoadModelOptions = {}): Promise<UsenetModel> {
  const preference = options.executionProvider ?? 'auto';
  if (preference !== 'auto' && preference !== 'cuda' && preference !== 'cpu') {
    throw new InvalidArgumentError(`executionProvider must be auto, cuda or cpu, got "${String(preference)}"`);
  }
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new InvalidArgumentError(`threads must be a positive integer, got ${threads}`);
  const { card, cardPath, onnxPath } = await resolveModel(pathOrName, options.modelDirs);
  const key = `${onnxPath}|${preference}|${threads}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = openSession(onnxPath, preference, threads);
    cache.set(key, pending);
    // A failed load must not poison the cache for a later, fixed attempt.
    pending.catch(() => cache.delete(key));
  }
  const shared = await pending;
  const handleKey = cardPath ?? '';
  let model = shared.handles.get(handleKey);
  if (!model) {
    checkIo(shared.session, card, onnxPath);
    model = wrap(key, shared, card, onnxPath, threads, (await ort()).Tensor);
    shared.handles.set(handleKey, model);
  }
  return model;
}

// The smallest valid ONNX graph (opset 13, y = Identity(x) on float[1]), so the provider
// can be probed before any model is installed.
const PROBE_MODEL_BASE64 = 'CAcSCm51Y2xlaWxlbnM6OwoQCgF4EgF5IghJZGVudGl0eRIFcHJvYmVaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAN';

/** What {@link probeExecutionProvider} found. */
export interface ProviderProbe {
  readonly provider: ExecutionProviderName;
  readonly fallbackReason: string | null;
  /** onnxruntime-node's version. */
  readonly onnxruntimeVersion: string;
}

/**
 * Which provider `loadModel` would run on with this preference, found by opening a tiny
 * built-in graph the same way (so it needs no installed model).
 * @throws {ModelError} for `'cuda'` where CUDA cannot be loaded.
 * @example
 * const { provider, fallbackReason } = await probeExecutionProvider('auto');
 */
export async function probeExecutionProvider(preference: ExecutionProviderPreference = 'auto'): Promise<ProviderProbe> {
  const mod = await ort();
  const shared = await openSession(Buffer.from(PROBE_MODEL_BASE64, 'base64'), preference, 1);
  await shared.session.release();
  return { provider: shared.provider, fallbackReason: shared.fallbackReason, onnxruntimeVersion: mod.env.versions.node ?? 'unknown' };
}
