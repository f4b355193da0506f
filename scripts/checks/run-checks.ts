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
import type { Check, CheckSettings, PageResult, SitePage } from './check.ts';
import { CheckSession } from './check-session.ts';
import type { ImagesSiteData } from './images.ts';
import type { ExternalLink, LinksSiteData } from './links.ts';
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
  buildId: string;
  cacheFile: string;
  /** Source file → its front matter waivers. */
  waivers?: ReadonlyMap<string, Waivers>;
  /** Site paths that are declared redirects. */
  redirects?: ReadonlySet<string>;
  checks?: readonly Check[];
  /** `auto` picks by page count; tests force one or the other. */
  parallel?: 'auto' | 'inline' | 'workers';
  pool?: WorkerPool;
  /** The build's session, holding pages offered early (see prepareChecks); one is made if absent. */
  session?: CheckSession;
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
  // A worker already warmed up (see prepareChecks) is cheaper than loading
  // html-validate on this thread, even for one page.
  const useWorkers = mode === 'workers' || (mode === 'auto' && (many || pool.started > 0));
  if (!useWorkers) return { results: runPageJobs(jobs, options.settings), threads: 'inline' };
  return { results: await pool.run(jobs, options.settings, many ? pool.size : 1), threads: 'workers' };
}

export async function runChecks(options: RunChecksOptions): Promise<CheckReport> {
  const start = performance.now();
  const session = options.session ?? new CheckSession({ settings: options.settings, buildId: options.buildId, cacheFile: options.cacheFile, checks: options.checks });
  const pool = options.pool ?? sharedWorkerPool();
  const { checks, pageChecks } = session;
  if (options.parallel !== 'inline') session.flush(pool);
  const allFiles = (await glob('**/*', { cwd: options.outputDir, onlyFiles: true, dot: true })).sort();
  const htmlFiles = allFiles.filter((file) => file.endsWith('.html'));
  const pages = readPages(options.outputDir, htmlFiles);

  const results = new Map<string, Map<string, PageResult>>(pageChecks.map((check) => [check.name, new Map()]));
  const jobs: PageJob[] = [];
  const jobKeys = new Map<string, string>();
  const early: Array<{ file: string; key: string; result: Promise<PageJobResult> }> = [];
  for (const page of pages) {
    const found = await session.lookup(page.file, page.html);
    for (const [name, result] of found.cached) results.get(name)!.set(page.file, result);
    if (found.needed.length === 0) continue;
    const inProgress = session.inProgress(found.key);
    if (inProgress) {
      early.push({ file: page.file, key: found.key, result: inProgress });
    } else {
      jobs.push({ file: page.file, html: page.html, checks: found.needed });
      jobKeys.set(page.file, found.key);
    }
  }

  // Pages offered early may still be queued for the one worker that started
  // with the build: with much left to do, the other cores join in.
  if (options.parallel !== 'inline' && early.length + jobs.length >= WORKER_THRESHOLD) pool.grow(pool.size);
  const [{ results: computedNow, threads }, computedEarly] = await Promise.all([
    runJobs(jobs, options, pool),
    Promise.all(early.map(async (entry) => ({ ...(await entry.result), file: entry.file, key: entry.key }))),
  ]);
  const computed: Array<PageJobResult & { key: string }> = [...computedNow.map((job) => ({ ...job, key: jobKeys.get(job.file)! })), ...computedEarly];
  const pageMs = new Map<string, number>();
  let parseMs = 0;
  for (const job of computed) {
    parseMs += job.ms['parse'] ?? 0;
    await session.record(job.key, job);
    for (const [name, result] of Object.entries(job.results)) {
      results.get(name)!.set(job.file, result);
      pageMs.set(name, (pageMs.get(name) ?? 0) + (job.ms[name] ?? 0));
    }
  }
  await session.save();
  const cache = await session.cache();

  const files = new Set(allFiles);
  const sourceOf = (file: string) => options.sources.get(file);
  const problems: Problem[] = [];
  const summaries: Array<CheckSummary & { all: Problem[] }> = [];
  let externalLinks: ExternalLink[] = [];
  let images = 0;
  for (const check of checks) {
    const own: Problem[] = [];
    const byPage = results.get(check.name);
    for (const page of pages) {
      for (const problem of byPage?.get(page.file)?.problems ?? []) own.push({ ...problem, file: page.file, source: sourceOf(page.file) });
    }
    let siteMs = 0;
    if (check.site) {
      const siteStart = performance.now();
      const sitePages: SitePage[] = pages.map((page) => ({ file: page.file, source: sourceOf(page.file), data: byPage?.get(page.file)?.data }));
      const site = await check.site({ outputDir: options.outputDir, settings: options.settings, files, pages: sitePages, redirects: options.redirects ?? new Set() });
      siteMs = performance.now() - siteStart;
      for (const problem of site.problems) own.push({ ...problem, source: problem.source ?? sourceOf(problem.file) });
      if (check.name === 'links') externalLinks = (site.data as LinksSiteData).external;
      if (check.name === 'images') images = (site.data as ImagesSiteData).files;
    }
    const jobsOfCheck = computed.filter((job) => check.name in job.results).length;
    summaries.push({
      name: check.name,
      passed: false,
      problems: 0,
      waived: 0,
      ms: (pageMs.get(check.name) ?? 0) + siteMs,
      checked: check.page ? jobsOfCheck : 0,
      cached: check.page ? pages.length - jobsOfCheck : 0,
      all: own,
    });
    problems.push(...own);
  }

  const { kept, waived } = applyWaivers(problems, options.waivers ?? new Map());
  const keptSet = new Set(kept);
  const checkSummaries: CheckSummary[] = summaries.map(({ all, ...summary }) => {
    const failing = all.filter((problem) => keptSet.has(problem)).length;
    return { ...summary, problems: failing, waived: all.length - failing, passed: failing === 0 };
  });
  return {
    passed: kept.length === 0,
    checks: checkSummaries,
    problems: kept.sort(byPosition),
    waived: waived.sort(byPosition),
    pages: pages.length,
    images,
    externalLinks,
    cache: { hits: cache.hits, misses: cache.misses, ...(cache.discarded ? { discarded: cache.discarded } : {}) },
    parseMs,
    ms: performance.now() - start,
    threads: computedEarly.length && threads === 'none' ? 'workers' : threads,
    early: computedEarly.length,
  };
}
