/**
 * One build's page checking. Pages can be offered early — from the last
 * transform, before Eleventy writes them — so workers check them while
 * Eleventy is still at work and the other output steps run (with independent
 * pages each page's transforms run as soon as its content is rendered, see
 * renderLayoutsEarly in build/eleventy-config.ts; otherwise Eleventy runs them
 * in one burst at the end). The checks step then looks each file up by the
 * key of its bytes on disk. Results are addressed by that key only, so an
 * early result is used exactly when the file on disk is what was checked:
 * anything that changed the page after it was offered makes it a new page.
 */
import type { Check, CheckSettings, PageResult } from './check.ts';
import { CheckCache, pageKey, settingsHash } from './check-cache.ts';
import type { PageJob, PageJobResult } from './page-jobs.ts';
import { checks as registeredChecks } from './registry.ts';
import type { WorkerPool } from './worker-pool.ts';

export interface SessionOptions {
  settings: CheckSettings;
  cacheFile: string;
  checks?: readonly Check[];
}

export interface PageLookup {
  key: string;
  /** Check name → result, from the cache. */
  cached: Map<string, PageResult>;
  /** Checks whose page part still has to run. */
  needed: string[];
}

/** Pages an early batch collects before it goes to a worker. */
const EARLY_BATCH = 8;
/**
 * Pages needing a check before the first worker starts. Starting one costs
 * about a second of CPU (loading the check libraries), taken from Eleventy on
 * a two-core machine: an edit to a page or two is checked on the main thread
 * by the checks step instead, and a build whose pages all come from the cache
 * starts nothing.
 */
const EARLY_START = 8;
/**
 * Early pages needing a check beyond which every core gets a worker: a build
 * with this many changed pages is a cold one, and spreading its pages while
 * Eleventy renders keeps the workers' shares even. Below it, one warm worker
 * is plenty and the others would only take CPU from Eleventy.
 */
const EARLY_ALL_CORES = 48;

export class CheckSession {
  readonly checks: readonly Check[];
  readonly pageChecks: readonly Check[];
  readonly settingsHashes: Map<string, string>;
  private cachePromise: Promise<CheckCache> | undefined;
  private readonly lookups = new Map<string, PageLookup>();
  private readonly computing = new Map<string, Promise<PageJobResult>>();
  private batch: Array<{ job: PageJob; settle: (result: Promise<PageJobResult>) => void }> = [];
  /** Pages checked from an early offer. */
  early = 0;
  /** Pages needing a check, held until there are enough to start a worker for. */
  private waiting: Array<{ file: string; html: string; found: PageLookup }> = [];

  constructor(readonly options: SessionOptions) {
    this.checks = options.checks ?? registeredChecks;
    this.pageChecks = this.checks.filter((check) => check.page);
    this.settingsHashes = new Map(this.pageChecks.map((check) => [check.name, settingsHash(check, options.settings)]));
  }

  cache(): Promise<CheckCache> {
    this.cachePromise ??= CheckCache.load(this.options.cacheFile);
    return this.cachePromise;
  }

  async lookup(file: string, html: string): Promise<PageLookup> {
    const key = pageKey(file, html);
    const known = this.lookups.get(key);
    if (known) return known;
    const cache = await this.cache();
    const found: PageLookup = { key, cached: new Map(), needed: [] };
    for (const check of this.pageChecks) {
      const result = cache.get(check, key, this.settingsHashes.get(check.name)!);
      if (result) found.cached.set(check.name, result);
      else found.needed.push(check.name);
    }
    this.lookups.set(key, found);
    return found;
  }

  /** A result being computed for this key (from an early offer), if any. */
  inProgress(key: string): Promise<PageJobResult> | undefined {
    return this.computing.get(key);
  }

  /**
   * Called as Eleventy is about to write a page: checks it on a worker if the
   * cache cannot vouch for it — once enough pages need it (EARLY_START); pages
   * held back are left to the checks step.
   */
  async offer(file: string, html: string, pool: WorkerPool): Promise<void> {
    const found = await this.lookup(file, html);
    if (found.needed.length === 0 || this.computing.has(found.key)) return;
    this.waiting.push({ file, html, found });
    if (pool.started === 0 && this.waiting.length < EARLY_START) return;
    for (const entry of this.waiting.splice(0)) this.queue(entry.file, entry.html, entry.found, pool);
  }

  private queue(file: string, html: string, found: PageLookup, pool: WorkerPool): void {
    if (this.computing.has(found.key)) return;
    this.early += 1;
    let settle!: (result: Promise<PageJobResult>) => void;
    const result = new Promise<PageJobResult>((resolve, reject) => {
      settle = (promise) => promise.then(resolve, reject);
    });
    // A failure surfaces when the checks step awaits it, not as an unhandled rejection here.
    result.catch(() => {});
    this.computing.set(found.key, result);
    this.batch.push({ job: { file, html, checks: found.needed }, settle });
    if (this.early === EARLY_ALL_CORES) pool.grow(pool.size);
    if (this.batch.length >= EARLY_BATCH) this.flush(pool);
  }

  /** Sends early pages still waiting for a full batch. */
  flush(pool: WorkerPool): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    const results = pool.submit(
      batch.map((entry) => entry.job),
      this.options.settings,
    );
    batch.forEach((entry, index) =>
      entry.settle(
        results.then((all) => {
          const result = all[index];
          if (!result) throw new Error(`a check worker returned no result for ${entry.job.file}`);
          return result;
        }),
      ),
    );
  }

  /** Records computed results in the cache. */
  async record(key: string, result: PageJobResult): Promise<void> {
    const cache = await this.cache();
    for (const [name, pageResult] of Object.entries(result.results)) {
      const check = this.pageChecks.find((candidate) => candidate.name === name);
      if (check) cache.set(check, key, pageResult);
    }
  }

  async save(): Promise<void> {
    await (await this.cache()).save(this.pageChecks, this.settingsHashes);
  }
}
