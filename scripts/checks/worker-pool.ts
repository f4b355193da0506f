/**
 * Worker threads for page checks, one per core, shared by every build in the
 * process (the three sites of `npm run build` reuse the same warm workers).
 * Pages go out in small batches and each worker takes the next batch when it
 * is done, so a slow page does not hold up a whole share.
 *
 * Idle workers do not keep the process alive (they are unref'd between runs);
 * a worker that dies takes its pending batches down with an error, and the
 * pool starts fresh workers next time.
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
  resolve(results: PageJobResult[]): void;
  reject(error: Error): void;
}

class CheckWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  dead = false;

  constructor() {
    this.worker = new Worker(BOOTSTRAP, { eval: true });
    this.worker.unref();
    this.worker.on('message', (response: WorkerResponse) => this.settle(response));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`check worker exited with code ${code}`)));
  }

  run(jobs: PageJob[], settings: CheckSettings): Promise<PageJobResult[]> {
    if (this.dead) return Promise.reject(new Error('check worker is not running'));
    const id = this.nextId++;
    const request: WorkerRequest = { id, jobs, settings };
    return new Promise<PageJobResult[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Referenced while work is outstanding, so the process waits for the answer.
      this.worker.ref();
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
    if (this.pending.size === 0) this.worker.unref();
    if ('error' in response) pending.reject(new Error(`a page check failed in a worker thread: ${response.error}`));
    else pending.resolve(response.results);
  }

  private fail(error: Error): void {
    this.dead = true;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

export class WorkerPool {
  private workers: CheckWorker[] = [];

  constructor(readonly size: number) {}

  /** Starts the workers ahead of need (they load the check libraries while the caller does other work). */
  warm(): void {
    this.workers = this.workers.filter((worker) => !worker.dead);
    while (this.workers.length < this.size) this.workers.push(new CheckWorker());
  }

  async run(jobs: readonly PageJob[], settings: CheckSettings, batchSize = 16): Promise<PageJobResult[]> {
    this.warm();
    const batches: PageJob[][] = [];
    for (let start = 0; start < jobs.length; start += batchSize) batches.push(jobs.slice(start, start + batchSize));
    const results: PageJobResult[][] = new Array(batches.length);
    let next = 0;
    await Promise.all(
      this.workers.map(async (worker) => {
        while (next < batches.length) {
          const index = next++;
          results[index] = await worker.run(batches[index]!, settings);
        }
      }),
    );
    return results.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers = [];
  }
}

let shared: WorkerPool | undefined;

/** The process-wide pool: one worker per core. */
export function sharedWorkerPool(): WorkerPool {
  shared ??= new WorkerPool(os.availableParallelism());
  return shared;
}
