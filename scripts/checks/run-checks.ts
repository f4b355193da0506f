/**
 * The check runner: every HTML file of a built tree through every check.
 *
 *   list the tree → read and hash each page → take what the cache still
 *   vouches for → run the rest (worker threads for large builds, this thread
 *   for small ones, where starting workers would cost more than it saves) →
 *   save the cache → site parts → waivers → one report value.
 *
 * Every HTML file in the tree is checked, not only those Eleventy reports, so
 * a page copied in some other way cannot slip past.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';
import type { Check, CheckSettings, PageResult, PageWeightOptions, SitePage } from './check.ts';
import { CheckSession } from './check-session.ts';
import type { ImagesSiteData } from './images.ts';
import type { ExternalLink, LinksSiteData } from './links.ts';
import type { WeightSiteData } from './page-weight.ts';
import { runPageJobs, type PageJob, type PageJobResult } from './page-jobs.ts';
import { byPosition, type Problem } from './problem.ts';
import { applyWaivers, type WaivedProblem, type Waivers } from './waivers.ts';
import { sharedWorkerPool, type WorkerPool } from './worker-pool.ts';

/** Below this many pages to check, this thread is faster than starting workers (about 0.7 s each to load). */
export const WORKER_THRESHOLD = 120;

export interface RunChecksOptions {
  outputDir: string;
  /** Output file → the source file it was rendered from. */
  sources: ReadonlyMap<string, string>;
  settings: CheckSettings;
  /** Masked out of the content hash (see check-cache.ts). */
  cacheFile: string;
  /** Source file → its front matter waivers. */
  waivers?: ReadonlyMap<string, Waivers>;
  checks?: readonly Check[];
  /** `auto` picks by page count; tests force one or the other. */
  parallel?: 'auto' | 'inline' | 'workers';
  pool?: WorkerPool;
  /** The build's session, holding pages offered early (see prepareChecks); one is made if absent. */
  session?: CheckSession;
  /** The page-weight budget (site.yaml build.pageWeight); the defaults when absent. */
  pageWeight?: PageWeightOptions;
}

export interface CheckSummary {
  name: string;
  passed: boolean;
  problems: number;
  waived: number;
  /** Time spent in this check: its page part summed over pages (across threads) plus its site part. */
  ms: number;
  /** Pages whose page part ran in this build. */
  checked: number;
  /** Pages whose result came from the cache. */
  cached: number;
}

export interface CheckReport {
  passed: boolean;
  checks: CheckSummary[];
  problems: Problem[];
  waived: WaivedProblem[];
  pages: number;
  images: number;
  externalLinks: ExternalLink[];
  /** Each page's weight against the budget (the weight check's figures); absent when that check did not run. */
  weights?: WeightSiteData;
  cache: { hits: number; misses: number; discarded?: string };
  /** Time spent parsing pages for the checks that share a parse. */
  parseMs: number;
  /** Wall time of the whole run. */
  ms: number;
  threads: 'inline' | 'workers' | 'none';
  /** Pages checked while Eleventy was still writing. */
  early: number;
}

interface PageFile {
  file: string;
  html: string;
}

/** Read in one go: synchronous reads of a few thousand small files beat as many promises by several times. */
function readPages(outputDir: string, files: readonly string[]): PageFile[] {
  return files.map((file) => ({ file, html: readFileSync(path.join(outputDir, file), 'utf8') }));
}

async function runJobs(jobs: PageJob[], options: RunChecksOptions, pool: WorkerPool): Promise<{ results: PageJobResult[]; threads: CheckReport['threads'] }> {
  if (jobs.length === 0) return { results: [], threads: 'none' };
  const mode = options.parallel ?? 'auto';
  const many = jobs.length >= WORKER_THRESHOLD;
  // A worker already running (started for early pages, see CheckSession) is
  // cheaper than loading html-validate on this thread, even for one page.
  const useWorkers = mode === 'workers' || (mode === 'auto' && (many || pool.started > 0));
  if (!useWorkers) return { results: runPageJobs(jobs, options.settings), threads: 'inline' };
  return { results: await pool.run(jobs, options.settings, many ? pool.size : 1), threads: 'workers' };
}

interface Sorted {
  /** Check name → output file → result. */
  results: Map<string, Map<string, PageResult>>;
  /** Pages no result exists for yet. */
  jobs: PageJob[];
  jobKeys: Map<string, string>;
  /** Pages a worker is already checking (offered while Eleventy wrote them). */
  early: Array<{ file: string; key: string; result: Promise<PageJobResult> }>;
}

/** Each page's results from the cache, from early work in progress, or a job to run. */
async function sortPages(session: CheckSession, pages: readonly PageFile[]): Promise<Sorted> {
  const sorted: Sorted = { results: new Map(session.pageChecks.map((check) => [check.name, new Map()])), jobs: [], jobKeys: new Map(), early: [] };
  for (const page of pages) {
    const found = await session.lookup(page.file, page.html);
    for (const [name, result] of found.cached) sorted.results.get(name)!.set(page.file, result);
    if (found.needed.length === 0) continue;
    const inProgress = session.inProgress(found.key);
    if (inProgress) {
      sorted.early.push({ file: page.file, key: found.key, result: inProgress });
    } else {
      sorted.jobs.push({ file: page.file, html: page.html, checks: found.needed });
      sorted.jobKeys.set(page.file, found.key);
    }
  }
  return sorted;
}

interface Computed {
  jobs: Array<PageJobResult & { key: string }>;
  threads: CheckReport['threads'];
  early: number;
}

/** Runs what the cache could not answer, waits for early work, and records both in the cache. */
async function computeMissing(session: CheckSession, sorted: Sorted, options: RunChecksOptions, pool: WorkerPool): Promise<Computed> {
  // Pages offered early may still be queued for the first worker that started
  // with the build: with much left to do, the other cores join in.
  if (options.parallel !== 'inline' && sorted.early.length + sorted.jobs.length >= WORKER_THRESHOLD) pool.grow(pool.size);
  const [now, early] = await Promise.all([
    runJobs(sorted.jobs, options, pool),
    Promise.all(sorted.early.map(async (entry) => ({ ...(await entry.result), file: entry.file, key: entry.key }))),
  ]);
  const jobs = [...now.results.map((job) => ({ ...job, key: sorted.jobKeys.get(job.file)! })), ...early];
  for (const job of jobs) {
    await session.record(job.key, job);
    for (const [name, result] of Object.entries(job.results)) sorted.results.get(name)!.set(job.file, result);
  }
  await session.save();
  return { jobs, threads: early.length && now.threads === 'none' ? 'workers' : now.threads, early: early.length };
}

interface CheckOutcome {
  summary: Omit<CheckSummary, 'passed' | 'problems' | 'waived'>;
  problems: Problem[];
  siteData?: unknown;
}

/** One check's problems over the whole build: its page parts' results, then its site part. */
async function outcomeOf(check: Check, pages: readonly PageFile[], sorted: Sorted, computed: Computed, options: RunChecksOptions, files: ReadonlySet<string>): Promise<CheckOutcome> {
  const sourceOf = (file: string) => options.sources.get(file);
  const byPage = sorted.results.get(check.name);
  const problems: Problem[] = [];
  for (const page of pages) {
    for (const problem of byPage?.get(page.file)?.problems ?? []) problems.push({ ...problem, file: page.file, source: sourceOf(page.file) });
  }
  let siteMs = 0;
  let siteData: unknown;
  if (check.site) {
    const siteStart = performance.now();
    const sitePages: SitePage[] = pages.map((page) => ({ file: page.file, source: sourceOf(page.file), data: byPage?.get(page.file)?.data }));
    const site = await check.site({ outputDir: options.outputDir, ...(options.pageWeight ? { pageWeight: options.pageWeight } : {}), settings: options.settings, files, pages: sitePages, redirects: new Map(options.settings.redirects.map((redirect) => [redirect.from, redirect.to])) });
    siteMs = performance.now() - siteStart;
    siteData = site.data;
    for (const problem of site.problems) problems.push({ ...problem, source: problem.source ?? sourceOf(problem.file) });
  }
  const ran = computed.jobs.filter((job) => check.name in job.results);
  const pageMs = ran.reduce((sum, job) => sum + (job.ms[check.name] ?? 0), 0);
  return {
    summary: { name: check.name, ms: pageMs + siteMs, checked: check.page ? ran.length : 0, cached: check.page ? pages.length - ran.length : 0 },
    problems,
    siteData,
  };
}

export async function runChecks(options: RunChecksOptions): Promise<CheckReport> {
  const start = performance.now();
  const session = options.session ?? new CheckSession({ settings: options.settings, cacheFile: options.cacheFile, checks: options.checks });
  const pool = options.pool ?? sharedWorkerPool();
  if (options.parallel !== 'inline') session.flush(pool);
  const allFiles = (await glob('**/*', { cwd: options.outputDir, onlyFiles: true, dot: true })).sort();
  const pages = readPages(options.outputDir, allFiles.filter((file) => file.endsWith('.html')));

  const sorted = await sortPages(session, pages);
  const computed = await computeMissing(session, sorted, options, pool);
  const files = new Set(allFiles);
  const outcomes: CheckOutcome[] = [];
  for (const check of session.checks) outcomes.push(await outcomeOf(check, pages, sorted, computed, options, files));

  const { kept, waived } = applyWaivers(
    outcomes.flatMap((outcome) => outcome.problems),
    options.waivers ?? new Map(),
  );
  const keptSet = new Set(kept);
  const cache = await session.cache();
  const siteData = (name: string) => outcomes.find((outcome) => outcome.summary.name === name)?.siteData;
  return {
    passed: kept.length === 0,
    checks: outcomes.map(({ summary, problems }) => {
      const failing = problems.filter((problem) => keptSet.has(problem)).length;
      return { ...summary, passed: failing === 0, problems: failing, waived: problems.length - failing };
    }),
    problems: kept.sort(byPosition),
    waived: waived.sort(byPosition),
    pages: pages.length,
    images: (siteData('images') as ImagesSiteData | undefined)?.files ?? 0,
    externalLinks: (siteData('links') as LinksSiteData | undefined)?.external ?? [],
    ...(siteData('weight') ? { weights: siteData('weight') as WeightSiteData } : {}),
    cache: { hits: cache.hits, misses: cache.misses, ...(cache.discarded ? { discarded: cache.discarded } : {}) },
    parseMs: computed.jobs.reduce((sum, job) => sum + (job.ms['parse'] ?? 0), 0),
    ms: performance.now() - start,
    threads: computed.threads,
    early: computed.early,
  };
}
