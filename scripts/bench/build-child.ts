/**
 * One measured build, run in its own process by scripts/bench/build.ts so each
 * variant starts cold and its peak memory (max RSS, worker threads included)
 * is its own. Prints one JSON line on stdout.
 *
 *   tsx scripts/bench/build-child.ts bare <workspace> <plain-layouts>
 *   tsx scripts/bench/build-child.ts pipeline <workspace> <domain> [--no-checks]
 *   tsx scripts/bench/build-child.ts sites <workspace> <env>      (every site, cold then warm)
 */
import path from 'node:path';
import { Eleventy } from '@11ty/eleventy';
import MarkdownIt from 'markdown-it';
import nunjucks from 'nunjucks';
import { workspaceAt } from '../config/sites.ts';
import { buildSites } from '../build/build-sites.ts';
import { outputSteps } from '../build/output-steps.ts';
import type { BuildResult } from '../build/build-site.ts';
import { checkReportOf } from '../checks/check-step.ts';

export interface ChildFigures {
  wallMs: number;
  cpuMs: number;
  maxRssKb: number;
  pages: number;
  /** Per pipeline step, for pipeline variants. */
  timings?: Record<string, number>;
  /** Per check: time spent and pages re-checked (not served from the cache). */
  checks?: Array<{ name: string; ms: number; checked: number; cached: number }>;
  /** For the `sites` variant: the second, warm, pass in the same process. */
  warmMs?: number;
  /** Pages rendered and taken from the previous output, or why every page rendered. */
  reuse?: BuildResult['reuse'];
}

const quiet = { info() {}, warn() {} };

async function measure(run: () => Promise<Omit<ChildFigures, 'wallMs' | 'cpuMs' | 'maxRssKb'>>): Promise<ChildFigures> {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const figures = await run();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  return { ...figures, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb: process.resourceUsage().maxRSS };
}

async function bare(root: string, plainLayouts: string): Promise<ChildFigures> {
  const input = path.join(root, 'sites', 'stress.test', 'content');
  const output = path.join(root, 'dist-bare');
  return measure(async () => {
    const eleventy = new Eleventy(input, output, {
      quietMode: true,
      config: (config: any) => {
        config.setLibrary('njk', new nunjucks.Environment(new nunjucks.FileSystemLoader(plainLayouts)));
        config.setLibrary('md', new MarkdownIt({ html: true, typographer: true }));
        config.setTemplateFormats(['md', 'njk']);
        config.setIncludesDirectory(path.relative(input, plainLayouts));
      },
    });
    await eleventy.initializeConfig({ markdownTemplateEngine: 'njk', htmlTemplateEngine: 'njk' });
    const written = (await eleventy.write()) as [unknown, unknown[]];
    return { pages: written[1].length };
  });
}

function checkFigures(result: BuildResult): ChildFigures['checks'] {
  const report = checkReportOf(result.pages);
  if (!report) return undefined;
  return [
    { name: 'parse (shared)', ms: report.parseMs, checked: 0, cached: 0 },
    ...report.checks.map(({ name, ms, checked, cached }) => ({ name, ms, checked, cached })),
    { name: `checks step wall (${report.early} pages checked while Eleventy rendered)`, ms: report.ms, checked: 0, cached: 0 },
  ];
}

async function pipeline(root: string, domain: string, withChecks: boolean): Promise<ChildFigures> {
  if (!withChecks) {
    const index = outputSteps.findIndex((step) => step.name === 'checks');
    if (index >= 0) outputSteps.splice(index, 1);
  }
  return measure(async () => {
    const [result] = await buildSites({ workspace: workspaceAt(root), envName: 'production', sites: [domain], logger: quiet });
    return { pages: result!.pages.length, timings: result!.timings, checks: checkFigures(result!), reuse: result!.reuse };
  });
}

async function sites(root: string, envName: string): Promise<ChildFigures> {
  const build = () => buildSites({ workspace: workspaceAt(root), envName, sites: [], logger: quiet });
  const cold = await measure(async () => {
    const results = await build();
    return { pages: results.reduce((sum, result) => sum + result.pages.length, 0) };
  });
  const start = performance.now();
  await build();
  return { ...cold, warmMs: performance.now() - start, maxRssKb: process.resourceUsage().maxRSS };
}

const [variant, root, third, flag] = process.argv.slice(2);
if (!variant || !root || !third) throw new Error('usage: build-child.ts bare|pipeline|sites <workspace> <arg>');
const figures =
  variant === 'bare' ? await bare(root, third) : variant === 'pipeline' ? await pipeline(root, third, flag !== '--no-checks') : await sites(root, third);
process.stdout.write(JSON.stringify(figures) + '\n');
// Check workers are idle by now; exiting here keeps the figure free of their shutdown.
process.exit(0);
