/**
 * Worker threads for page checks, at most one per core, shared by every build
 * in the process (the three sites of `npm run build` reuse the same warm
 * workers).
 *
 * Batches are pushed to a worker as soon as they are submitted, to the one
 * with the fewest pages outstanding, and wait in that worker's own message
 * queue. A worker so never waits for the main thread between batches — which
 * matters while Eleventy renders, because Eleventy keeps the main thread busy
 * for seconds at a time and a worker that had to ask for its next batch would
 * sit idle until then.
 *
 * Idle workers do not keep the process alive (they are unref'd when idle); a
 * worker that dies fails its batches with an error, and the pool starts a new
 * one the next time it needs one.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CheckSettings } from './check.ts';
import type { PageJob, PageJobResult } from './page-jobs.ts';
import type { WorkerRequest, WorkerResponse } from './page-worker.ts';

const WORKER_MODULE = new URL('./page-worker.ts', import.meta.url).href;

// Workers do not inherit the TypeScript loader the CLI runs under, so each one
// registers it before importing the worker module.
const BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_MODULE)}); });`;

interface Pending {
  pages: number;
  resolve(results: PageJobResult[]): void;
  reject(error: Error): void;
}

class CheckWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Pages sent and not yet answered. */
  outstanding = 0;
  dead = false;

  constructor() {
    this.worker = new Worker(BOOTSTRAP, { eval: true });
    this.worker.on('message', (response: WorkerResponse) => this.settle(response));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`check worker exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.worker.unref();
  }

  run(jobs: PageJob[], settings: CheckSettings): Promise<PageJobResult[]> {
    if (this.dead) return Promise.reject(new Error('check worker is not running'));
    const id = this.nextId++;
    return new Promise<PageJobResult[]>((resolve, reject) => {
      this.pending.set(id, { pages: jobs.length, resolve, reject });
      this.outstanding += jobs.length;
      // Referenced while work is outstanding, so the process waits for the answer.
      this.worker.ref();
      const request: WorkerRequest = { id, jobs, settings };
      this.worker.postMessage(request);
    });
  }

  terminate(): Promise<number> {
    this.dead = true;
    return this.worker.terminate();
  }

  private settle(response: WorkerResponse): void {
    const pending = this.pending.get(response.id);
    if (!pending) return;
    this.pending.delete(response.id);
    this.outstanding -= pending.pages;
    if (this.pending.size === 0) this.worker.unref();
    if ('error' in response) pending.reject(new Error(`a page check failed in a worker thread: ${response.error}`));
    else pending.resolve(response.results);
  }

  private fail(error: Error): void {
    this.dead = true;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.outstanding = 0;
  }
}

export class WorkerPool {
  private workers: CheckWorker[] = [];

  constructor(readonly size: number) {}

  /** Starts up to `count` workers ahead of need: they load the check libraries while the caller does other work. */
  grow(count = this.size): void {
    this.workers = this.workers.filter((worker) => !worker.dead);
    while (this.workers.length < Math.min(count, this.size)) this.workers.push(new CheckWorker());
  }

  /** Live workers (started, and not dead). */
  get started(): number {
    return this.workers.filter((worker) => !worker.dead).length;
  }

  /** Sends one batch to the worker with the fewest pages outstanding (starting one if none runs). */
  submit(jobs: PageJob[], settings: CheckSettings): Promise<PageJobResult[]> {
    if (this.started === 0) this.grow(1);
    const live = this.workers.filter((worker) => !worker.dead);
    const worker = live.reduce((least, candidate) => (candidate.outstanding < least.outstanding ? candidate : least));
    return worker.run(jobs, settings);
  }

  /** Runs the jobs in batches, growing to `workers` workers first. */
  async run(jobs: readonly PageJob[], settings: CheckSettings, workers = this.size, batchSize = 16): Promise<PageJobResult[]> {
    this.grow(workers);
    const batches: Array<Promise<PageJobResult[]>> = [];
    for (let start = 0; start < jobs.length; start += batchSize) batches.push(this.submit(jobs.slice(start, start + batchSize), settings));
    return (await Promise.all(batches)).flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers = [];
  }
}

let shared: WorkerPool | undefined;

/** The process-wide pool: at most one worker per core. */
export function sharedWorkerPool(): WorkerPool {
  shared ??= new WorkerPool(os.availableParallelism());
  return shared;
}
