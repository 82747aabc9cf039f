/**
 * Whole-slide runs: tissue detection on a low level, then every tissue compute tile
 * through the same path as `/nuclei` (inference at background priority, post-processing,
 * measurement, ownership), each finished tile written to the slide's result database in
 * one transaction. Progress is published to listeners (SSE) and persisted, so a run
 * interrupted by a restart is picked up again and skips the tiles already written.
 * One run per slide at a time.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AbortedError, NotFoundError, cellKey, isNucleiLensError } from '@nucleilens/pipeline';
import type { NucleiEngine } from '../nuclei/nuclei-engine.js';
import { postprocessFromQuery } from '../nuclei/postprocess-query.js';
import { slideAnalysis } from '../nuclei/slide-analysis.js';
import { tissueCells } from '../nuclei/tissue.js';
import type { ServerLogger } from '../options.js';
import type { SlideLibrary } from '../slide-library.js';

/** Where a run stands. */
export type JobStatus = 'queued' | 'running' | 'done' | 'cancelled' | 'failed';

/** A run as `GET /jobs/:id` shows it. */
export interface JobSummary {
  readonly id: string;
  readonly slide: string;
  readonly status: JobStatus;
  /** Post-processing overrides the run was started with (query names). */
  readonly params: Readonly<Record<string, string>>;
  /** Tissue compute tiles in the slide (known once the run has started). */
  readonly tilesTotal: number;
  /** Tiles finished, including those found finished when the run (re)started. */
  readonly tilesDone: number;
  /** Tiles found finished by an earlier, interrupted run and not redone. */
  readonly tilesResumed: number;
  /** Nuclei stored so far. */
  readonly nuclei: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Running time of this process's part of the run, ms. */
  readonly elapsedMs: number;
  /** Estimated time left, ms (null until a tile has finished). */
  readonly etaMs: number | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(['done', 'cancelled', 'failed']);

/** Whether a status is final. */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

/** One run. Emits `update` with its {@link JobSummary} on every change. */
export class Job extends EventEmitter<{ update: [JobSummary] }> {
  private state: JobSummary;
  readonly controller = new AbortController();
  private runStarted = 0;
  private tilesThisRun = 0;
  /** Set when the server is closing: the run stops but stays resumable. */
  suspended = false;
  done: Promise<void> = Promise.resolve();

  constructor(initial: JobSummary) {
    super();
    this.setMaxListeners(0);
    this.state = initial;
  }

  get summary(): JobSummary {
    return this.state;
  }

  get id(): string {
    return this.state.id;
  }

  /** Applies a change and tells listeners. */
  update(change: Partial<JobSummary>): void {
    const now = performance.now();
    let next = { ...this.state, ...change };
    if (change.status === 'running' && this.state.status !== 'running') this.runStarted = now;
    const elapsedMs = this.runStarted ? now - this.runStarted : 0;
    const left = next.tilesTotal - next.tilesDone;
    const etaMs = this.tilesThisRun > 0 && next.status === 'running' ? (elapsedMs / this.tilesThisRun) * left : null;
    next = { ...next, elapsedMs: Math.round(elapsedMs), etaMs: etaMs === null ? null : Math.round(etaMs) };
    this.state = next;
    this.emit('update', next);
  }

  /** Counts a tile finished in this process (for the ETA). */
  tileFinished(nuclei: number): void {
    this.tilesThisRun++;
    this.update({ tilesDone: this.state.tilesDone + 1, nuclei: this.state.nuclei + nuclei });
  }
}

/** Options of {@link JobManager}. */
export interface JobManagerOptions {
  readonly library: SlideLibrary;
  readonly engine: NucleiEngine;
  /** Where job records are kept; in memory only when undefined. */
  readonly cacheDir?: string;
  readonly logger: ServerLogger;
  /** Compute tiles a run keeps in flight. Default 2 (one inferring, one being read or post-processed). */
  readonly concurrency?: number;
}

/**
 * @example
 * const jobs = new JobManager({ library, engine, cacheDir, logger });
 * const { job } = await jobs.start('slide-1', {});
 * job.on('update', (s) => console.log(s.tilesDone, s.tilesTotal));
 */
export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private closing = false;
  // Job look-ups wait for the records of a previous run to be read, so a client polling a
  // job across a restart never sees a 404 for it.
  private restoring: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: JobManagerOptions) {}

  private get dir(): string | undefined {
    return this.o.cacheDir ? join(this.o.cacheDir, 'jobs') : undefined;
  }

  /**
   * Starts a run on slide `slideId` with post-processing overrides `params` (query names),
   * or returns the slide's run in progress.
   * @returns the job, and whether it was created by this call
   * @throws {NotFoundError} unknown slide or no model; {@link InvalidArgumentError} bad parameters.
   */
  async start(slideId: string, params: Readonly<Record<string, string>>): Promise<{ job: Job; created: boolean }> {
    await this.restoring;
    const slide = await this.o.library.get(slideId);
    // Validate now, so a bad parameter is a 400 for this request rather than a failed job.
    postprocessFromQuery(params, (await this.o.engine.model()).card);
    for (const job of this.jobs.values()) {
      if (job.summary.slide === slide.id && !isTerminal(job.summary.status)) return { job, created: false };
    }
    const job = new Job({
      id: `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
      slide: slide.id,
      status: 'queued',
      params: { ...params },
      tilesTotal: 0,
      tilesDone: 0,
      tilesResumed: 0,
      nuclei: 0,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      elapsedMs: 0,
      etaMs: null,
      error: null,
    });
    this.launch(job);
    return { job, created: true };
  }

  /**
   * The job `id`.
   * @throws {NotFoundError} when there is none.
   */
  async get(id: string): Promise<Job> {
    await this.restoring;
    const job = this.jobs.get(id);
    if (!job) throw new NotFoundError(`no job "${id.slice(0, 60)}"`);
    return job;
  }

  /** Every job this process knows, newest first. */
  async list(): Promise<JobSummary[]> {
    await this.restoring;
    return [...this.jobs.values()].map((j) => j.summary).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }

  /**
   * Cancels job `id` (finished tiles stay stored; a later run with the same parameters resumes them).
   * @throws {NotFoundError} when there is none.
   */
  async cancel(id: string): Promise<JobSummary> {
    const job = await this.get(id);
    if (!isTerminal(job.summary.status)) job.controller.abort(new AbortedError('cancelled'));
    return job.summary;
  }

  /**
   * Reads the job records of a previous run (a restart) and starts again those still marked
   * queued or running; finished ones are listed as they ended.
   * @returns how many runs were resumed
   */
  resumeUnfinished(): Promise<number> {
    const p = this.restore();
    this.restoring = p.catch(() => undefined);
    return p;
  }

  private async restore(): Promise<number> {
    const dir = this.dir;
    if (!dir) return 0;
    const files = await readdir(dir).catch(() => [] as string[]);
    let n = 0;
    for (const f of files.filter((x) => x.endsWith('.json')).sort()) {
      let s: JobSummary;
      try {
        s = JSON.parse(await readFile(join(dir, f), 'utf8')) as JobSummary;
      } catch {
        continue;
      }
      if (this.jobs.has(s.id)) continue;
      const job = new Job({ ...s, status: isTerminal(s.status) ? s.status : 'queued', etaMs: null });
      if (isTerminal(s.status)) {
        this.jobs.set(job.id, job);
        continue;
      }
      this.o.logger.info(`resuming job ${s.id} on slide "${s.slide}" (${s.tilesDone}/${s.tilesTotal} tiles were done)`);
      this.launch(job);
      n++;
    }
    return n;
  }

  /** Stops running jobs without cancelling them (they resume on the next start). */
  async close(): Promise<void> {
    this.closing = true;
    const running = [...this.jobs.values()].filter((j) => !isTerminal(j.summary.status));
    for (const j of running) {
      j.suspended = true;
      j.controller.abort(new AbortedError('server stopping'));
    }
    await Promise.all(running.map((j) => j.done));
  }

  private launch(job: Job): void {
    this.jobs.set(job.id, job);
    let last = 0;
    job.on('update', (s) => {
      // Persist state changes at once and progress at most every 500 ms.
      const now = performance.now();
      if (s.status !== 'running' || now - last > 500 || s.tilesDone === s.tilesTotal) {
        last = now;
        void this.persist(s);
      }
    });
    void this.persist(job.summary);
    job.done = this.run(job).catch((err: unknown) => this.o.logger.error(`job ${job.id}: ${(err as Error)?.stack ?? String(err)}`));
  }

  private async persist(s: JobSummary): Promise<void> {
    const dir = this.dir;
    if (!dir) return;
    try {
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${s.id}.json`);
      const tmp = `${file}.${randomBytes(3).toString('hex')}.tmp`;
      await writeFile(tmp, JSON.stringify(s));
      await rename(tmp, file);
    } catch (err) {
      this.o.logger.warn(`job ${s.id}: could not save its state (${(err as Error).message})`);
    }
  }

  private async run(job: Job): Promise<void> {
    const signal = job.controller.signal;
    const { engine, library } = this.o;
    try {
      if (this.closing) throw new AbortedError('server stopping');
      job.update({ status: 'running', startedAt: job.summary.startedAt ?? new Date().toISOString() });
      const slide = await library.get(job.summary.slide);
      const pp = postprocessFromQuery(job.summary.params, (await engine.model()).card);
      const [identity, analysis, grid] = await Promise.all([engine.runIdentity(slide, pp), slideAnalysis(slide), engine.grid(slide)]);
      const store = engine.store(slide);
      store.beginRun(identity);
      const cells = tissueCells(grid, analysis.tissue);
      const done = store.doneTiles();
      const todo = cells.filter((c) => !done.has(cellKey(c.col, c.row)));
      const resumed = cells.length - todo.length;
      job.update({ tilesTotal: cells.length, tilesDone: resumed, tilesResumed: resumed, nuclei: store.counts().nuclei });
      let next = 0;
      // One lane failing stops the others before their next tile.
      const stop = new AbortController();
      const laneSignal = AbortSignal.any([signal, stop.signal]);
      const worker = async () => {
        try {
          while (next < todo.length) {
            if (laneSignal.aborted) throw new AbortedError('cancelled', { cause: laneSignal.reason });
            const cell = todo[next++];
            const t = await engine.tileNuclei(slide, cell, pp, laneSignal, 'background');
            store.writeTile(cell.col, cell.row, t.instances);
            job.tileFinished(t.instances.length);
          }
        } catch (err) {
          stop.abort(err);
          throw err;
        }
      };
      const lanes = Math.max(1, this.o.concurrency ?? 2);
      const settled = await Promise.allSettled(Array.from({ length: Math.min(lanes, todo.length) }, worker));
      // Report the first real failure, not the aborts it caused in the other lanes.
      const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      const failure = failures.find((e) => !(e instanceof AbortedError)) ?? failures[0];
      if (failure !== undefined) throw failure;
      job.update({ status: 'done', finishedAt: new Date().toISOString() });
    } catch (err) {
      if (job.suspended) {
        // Keep the record as running: the next start resumes it.
        job.removeAllListeners();
        return;
      }
      if (err instanceof AbortedError || signal.aborted) {
        job.update({ status: 'cancelled', finishedAt: new Date().toISOString() });
        return;
      }
      const error = isNucleiLensError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: (err as Error)?.message ?? String(err) };
      if (!isNucleiLensError(err)) this.o.logger.error(`job ${job.id}: ${(err as Error)?.stack ?? String(err)}`);
      job.update({ status: 'failed', finishedAt: new Date().toISOString(), error });
    }
  }
}
