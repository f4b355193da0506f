/**
 * Running page parts on a batch of pages: the same function on the main
 * thread (small builds) and in worker threads (large ones).
 */
import { pageInput, type CheckSettings, type PageResult } from './check.ts';
import { checkNamed } from './registry.ts';

export interface PageJob {
  file: string;
  html: string;
  /** Names of the checks whose page part must run (the others came from the cache). */
  checks: string[];
}

export interface PageJobResult {
  file: string;
  results: Record<string, PageResult>;
  /** Milliseconds per check on this page (parsing is counted under "parse"). */
  ms: Record<string, number>;
}

export function runPageJobs(jobs: readonly PageJob[], settings: CheckSettings): PageJobResult[] {
  return jobs.map((job) => {
    const input = pageInput(job.file, job.html);
    const ms: Record<string, number> = {};
    const parseStart = performance.now();
    if (job.checks.some((name) => name !== 'html-validate')) input.parsed();
    ms['parse'] = performance.now() - parseStart;
    const results: Record<string, PageResult> = {};
    for (const name of job.checks) {
      const check = checkNamed(name);
      if (!check.page) continue;
      const start = performance.now();
      try {
        results[name] = check.page(input, settings);
      } catch (error) {
        throw new Error(`check "${name}" crashed on ${job.file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      ms[name] = performance.now() - start;
    }
    return { file: job.file, results, ms };
  });
}
