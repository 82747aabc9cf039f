/**
 * Messages between the server and its inference worker threads. Pixel buffers travel as
 * transferred ArrayBuffers (moved, not copied); errors as `SerializedError`.
 */
import {
  AbortedError,
  CorruptInputError,
  InvalidArgumentError,
  ModelError,
  NotFoundError,
  OutOfBoundsError,
  ShapeError,
  UnsupportedFormatError,
  deserializeError,
  type ExecutionProviderName,
  type ExecutionProviderPreference,
  type ModelCard,
  type NucleiLensError,
  type SerializedError,
  type StainParams,
} from '@nucleilens/pipeline';

const ERROR_CLASSES: Partial<Record<SerializedError['code'], new (message: string) => NucleiLensError>> = {
  SHAPE: ShapeError,
  INVALID_ARGUMENT: InvalidArgumentError,
  UNSUPPORTED_FORMAT: UnsupportedFormatError,
  OUT_OF_BOUNDS: OutOfBoundsError,
  NOT_FOUND: NotFoundError,
  MODEL: ModelError,
  CORRUPT_INPUT: CorruptInputError,
  ABORTED: AbortedError,
};

/**
 * Rebuilds a worker's error as the class its code names, so the server's edge maps it to
 * the right HTTP status (`instanceof` checks) as if it had been thrown on the main thread.
 */
export function reviveError(plain: SerializedError): NucleiLensError {
  const Cls = ERROR_CLASSES[plain.code];
  if (!Cls) return deserializeError(plain);
  const err = new Cls(plain.message);
  err.name = plain.name;
  return err;
}

/** What a worker needs to load its model. */
export interface WorkerInit {
  /** Model name or path, as `loadModel` takes it. */
  readonly model: string;
  readonly executionProvider: ExecutionProviderPreference;
  readonly threads: number;
}

/** One compute tile's raw pixels and the slide's stain parameters. */
export interface WindowMessage {
  readonly width: number;
  readonly height: number;
  /** RGB, interleaved uint8, width x height x 3. */
  readonly rgb: ArrayBuffer;
  /** Source stain parameters; `null` feeds the pixels as they are. */
  readonly stain: StainParams | null;
}

/** Main thread to worker. */
export type ToWorker =
  | { readonly type: 'run'; readonly id: number; readonly windows: readonly WindowMessage[]; readonly target: StainParams }
  /** Finish the batch in progress, release the session, exit. */
  | { readonly type: 'close' };

/** Worker to main thread. */
export type FromWorker =
  | {
      readonly type: 'ready';
      readonly card: ModelCard;
      readonly onnxPath: string;
      readonly provider: ExecutionProviderName;
      readonly fallbackReason: string | null;
    }
  | { readonly type: 'init-failed'; readonly error: SerializedError }
  | {
      readonly type: 'result';
      readonly id: number;
      /** Per window: mask and marker probability x 255, width x height each. */
      readonly outputs: readonly { readonly mask: ArrayBuffer; readonly marker: ArrayBuffer }[];
      /** Time in the network (normalization excluded), ms. */
      readonly inferenceMs: number;
    }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerializedError };
