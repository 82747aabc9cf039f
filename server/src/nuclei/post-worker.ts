/**
 * A post-processing worker thread: runs {@link computeTileNuclei} for the server so that
 * compute tiles of one request are post-processed in parallel and the event loop keeps
 * serving tiles meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import { isNucleiLensError, type SerializedError } from '@nucleilens/pipeline';
import { computeTileNuclei, type TileNucleiInput, type TileNucleiOutput } from './tile-nuclei-compute.js';

/** Main thread to worker. */
export interface PostRequest {
  readonly id: number;
  readonly input: TileNucleiInput;
}

/** Worker to main thread. */
export type PostReply =
  | { readonly id: number; readonly ok: true; readonly output: TileNucleiOutput }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

parentPort?.on('message', (msg: PostRequest) => {
  let reply: PostReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const output = computeTileNuclei(msg.input);
    const lines = output.markerCut?.lines;
    if (lines) transfer.push(lines.buffer as ArrayBuffer);
    reply = { id: msg.id, ok: true, output };
  } catch (err) {
    const error: SerializedError = isNucleiLensError(err)
      ? err.toJSON()
      : { name: 'Error', code: 'INVALID_ARGUMENT', message: `post-processing failed: ${(err as Error)?.message ?? String(err)}` };
    reply = { id: msg.id, ok: false, error };
  }
  parentPort!.postMessage(reply, transfer);
});
