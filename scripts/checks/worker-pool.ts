/**
 * Worker threads for page checks, at most one per core, shared by every build
 * in the process (the three sites of `npm run build` reuse the same warm
 * workers). Batches of pages wait in one queue and each worker takes the next
 * batch when it is free, so a slow batch does not hold up a whole share, and
 * batches can be submitted while Eleventy is still writing pages.
 *
 * Idle workers do not keep the process alive (they are unref'd when idle); a
 * worker that dies fails its batch with an error, and the pool replaces it the
 * next time it grows.
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

interface Task {
  jobs: PageJob[];
  settings: CheckSettings;
  resolve(results: PageJobResult[]): void;
  reject(error: Error): void;
}

class CheckWorker {
  private readonly worker: Worker;
  private current: Task | undefined;
  private nextId = 0;
  dead = false;

  constructor(
    private readonly takeNext: () => Task | undefined,
    private readonly onDeath: (error: Error) => void,
  ) {
    this.worker = new Worker(BOOTSTRAP, { eval: true });
    this.worker.on('message', (response: WorkerResponse) => this.settle(response));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`check worker exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.worker.unref();
  }

  get idle(): boolean {
    return !this.dead && this.current === undefined;
  }

  /** Takes the next task from the queue if free. */
  pull(): void {
    if (!this.idle) return;
    const task = this.takeNext();
    if (!task) {
      this.worker.unref();
      return;
    }
    this.current = task;
    // Referenced while work is outstanding, so the process waits for the answer.
    this.worker.ref();
    const request: WorkerRequest = { id: this.nextId++, jobs: task.jobs, settings: task.settings };
    this.worker.postMessage(request);
  }

  terminate(): Promise<number> {
    this.dead = true;
    return this.worker.terminate();
  }

  private settle(response: WorkerResponse): void {
    const task = this.current;
    this.current = undefined;
    if (task) {
      if ('error' in response) task.reject(new Error(`a page check failed in a worker thread: ${response.error}`));
      else task.resolve(response.results);
    }
    this.pull();
  }

  private fail(error: Error): void {
    if (this.dead && this.current === undefined) return;
    this.dead = true;
    this.current?.reject(error);
    this.current = undefined;
    this.onDeath(error);
  }
}

export class WorkerPool {
  private workers: CheckWorker[] = [];
  private readonly queue: Task[] = [];

  constructor(readonly size: number) {}

  /** Starts up to `count` workers ahead of need: they load the check libraries while the caller does other work. */
  grow(count = this.size): void {
    this.workers = this.workers.filter((worker) => !worker.dead);
    while (this.workers.length < Math.min(count, this.size)) this.workers.push(new CheckWorker(() => this.queue.shift(), (error) => this.lost(error)));
    this.kick();
  }

  /** Live workers (started, and not dead). */
  get started(): number {
    return this.workers.filter((worker) => !worker.dead).length;
  }

  /** Queues one batch; it runs on the first free worker (start one with `grow` first). */
  submit(jobs: PageJob[], settings: CheckSettings): Promise<PageJobResult[]> {
    return new Promise<PageJobResult[]>((resolve, reject) => {
      this.queue.push({ jobs, settings, resolve, reject });
      if (this.started === 0) this.grow(1);
      else this.kick();
    });
  }

  /** Runs the jobs in batches on the started workers, growing to `workers` first. */
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

  /** When the last worker dies, the batches still queued fail too rather than wait forever. */
  private lost(error: Error): void {
    if (this.started > 0) return;
    for (const task of this.queue.splice(0)) task.reject(error);
  }

  private kick(): void {
    for (const worker of this.workers) if (worker.idle && this.queue.length) worker.pull();
  }
}

let shared: WorkerPool | undefined;

/** The process-wide pool: at most one worker per core. */
export function sharedWorkerPool(): WorkerPool {
  shared ??= new WorkerPool(os.availableParallelism());
  return shared;
}
