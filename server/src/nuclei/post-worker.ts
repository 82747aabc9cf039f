/**
 * A post-processing worker thread: runs {@link computeTileNuclei} for the server so that
 * compute tiles of one request are post-processed in parallel and the event loop keeps
 * serving tiles meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import { isNucleiLensError, type NucleusInstance, type SerializedError } from '@nucleilens/pipeline';
import { computeTileNuclei, type TileNucleiInput } from './tile-nuclei-compute.js';

/** Main thread to worker. */
export interface PostRequest {
  readonly id: number;
  readonly input: TileNucleiInput;
}

/** Worker to main thread. */
export type PostReply =
  | { readonly id: number; readonly ok: true; readonly instances: NucleusInstance[] }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

parentPort?.on('message', (msg: PostRequest) => {
  let reply: PostReply;
  try {
    reply = { id: msg.id, ok: true, instances: computeTileNuclei(msg.input) };
  } catch (err) {
    const error: SerializedError = isNucleiLensError(err)
      ? err.toJSON()
      : { name: 'Error', code: 'INVALID_ARGUMENT', message: `post-processing failed: ${(err as Error)?.message ?? String(err)}` };
    reply = { id: msg.id, ok: false, error };
  }
  parentPort!.postMessage(reply);
});
