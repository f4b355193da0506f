/**
 * The checks as a build output step: they run on the finished tree before it
 * is swapped into `dist/`, so every build — and so every publish — is checked,
 * and a failure leaves the previous output untouched.
 *
 * The full report of the latest run (every problem, waiver and external link)
 * is written to `.cache/checks/<domain>/<env>.report.json`: outside `dist/`,
 * so a failed build leaves `dist/` exactly as it was, and never published.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { displayPath, type BuildContext } from '../build/context.ts';
import type { EleventyUserConfig } from '../build/eleventy-config.ts';
import type { BuiltPage, OutputStep } from '../build/output-steps.ts';
import { CheckError } from '../errors.ts';
import type { CheckSettings, PageWeightOptions } from './check.ts';
import { formatKiB, KIB } from './page-weight.ts';
import { CheckSession } from './check-session.ts';
import { formatProblem } from './problem.ts';
import { excerpt } from './problem-report.ts';
import { widgetsFor } from '../widgets/add-widgets.ts';
import { runChecks, type CheckReport } from './run-checks.ts';
import { unusedWaivers, type Waivers } from './waivers.ts';
import { sharedWorkerPool } from './worker-pool.ts';

/** How many problems the error message lists before pointing at the report file. */
const LISTED = 40;

const waiversByBuild = new WeakMap<BuildContext, Map<string, Waivers>>();
const reportsByBuild = new WeakMap<readonly BuiltPage[], CheckReport>();
const sessionsByBuild = new WeakMap<BuildContext, CheckSession>();

/**
 * The checks' part of the Eleventy recipe. It records each page's `waive:`
 * front matter (validated by page-data.ts). In a build that runs the checks
 * step (not the dev server) it also offers the check workers each page the
 * cache cannot vouch for from Eleventy's last transform — after every other
 * transform, without changing a byte — so the checking overlaps Eleventy's
 * rendering and writing and the other output steps (CheckSession decides when
 * workers start).
 */
export function prepareChecks(config: EleventyUserConfig, context: BuildContext): void {
  const waivers = new Map<string, Waivers>();
  waiversByBuild.set(context, waivers);
  config.addPreprocessor('collect-waivers', 'md,njk', (data) => {
    const waive = data['waive'] as Waivers | undefined;
    const inputPath = data['page']?.inputPath;
    if (waive && typeof inputPath === 'string') waivers.set(displayPath(context, path.resolve(inputPath)), waive);
    return undefined;
  });
  const pool = sharedWorkerPool();
  const session = new CheckSession({ settings: checkSettingsFor(context), cacheFile: checkCacheFile(context) });
  let building = false;
  // Only a build that runs the checks step checks early; the dev server never starts a worker.
  config.on('eleventy.before', async ({ runMode }: { runMode?: string }) => {
    // The dev server builds again and again with one context: each build collects its pages' waivers afresh,
    // so a waiver taken out of a page's front matter stops applying.
    waivers.clear();
    // Imported here, not at the top: output-steps.ts imports this module.
    const { outputSteps } = await import('../build/output-steps.ts');
    building = runMode === 'build' && outputSteps.includes(checkStep);
    if (!building) return;
    sessionsByBuild.set(context, session);
  });
  config.addTransform('checks-early', async function (content) {
    const outputPath = this.page.outputPath;
    if (building && typeof outputPath === 'string' && outputPath.endsWith('.html') && typeof content === 'string') {
      const file = path.relative(context.outputDir, path.resolve(outputPath)).split(path.sep).join('/');
      await session.offer(file, content, pool);
    }
    return content;
  });
}

/** The check report of a build, looked up by the build's page list (the same array BuildResult carries). */
export function checkReportOf(pages: readonly BuiltPage[]): CheckReport | undefined {
  return reportsByBuild.get(pages);
}

export function checkSettingsFor(context: BuildContext): CheckSettings {
  const productionUrl = context.site.environments['production']?.url ?? `https://${context.site.domain}`;
  return {
    environment: context.envName,
    production: context.production,
    productionOrigin: new URL(productionUrl).origin,
    environmentOrigin: new URL(context.env.url).origin,
    analyticsId: context.site.analytics.measurementId,
    widgets: [...widgetsFor(context).values()].map(({ name, version, sha256, folder }) => ({ name, version, sha256, folder })),
    redirects: context.site.redirects.map(({ from, to }) => ({ from, to })),
  };
}

/** site.yaml's build.pageWeight, in bytes, with the record to compare with. */
export function pageWeightFor(context: BuildContext): PageWeightOptions {
  const { budgetKiB, warningKiB } = context.site.build.pageWeight;
  return {
    budget: Math.round(budgetKiB * KIB),
    warning: Math.round(warningKiB * KIB),
    configFile: context.site.configFile,
    ...(context.previousRecordFile ? { previousRecordFile: context.previousRecordFile } : {}),
  };
}

/** `.cache/checks/<domain>/<env>.report.json`: the full report of the latest run. */
export function checkReportPath(workspaceRoot: string, domain: string, envName: string): string {
  return path.join(workspaceRoot, '.cache', 'checks', domain, `${envName}.report.json`);
}

export function checkReportFile(context: BuildContext): string {
  return checkReportPath(context.workspace.root, context.site.domain, context.envName);
}

export function checkCacheFile(context: BuildContext): string {
  return path.join(context.workspace.cacheDir, 'checks', context.site.domain, `${context.envName}.json`);
}

export async function describeFailure(context: BuildContext, report: CheckReport, reportFile: string): Promise<string> {
  const failed = report.checks.filter((check) => !check.passed).map((check) => `${check.name} (${check.problems})`);
  // The failed tree is still on disk: show each listed problem's line, so the
  // reader sees what is wrong without opening a file that is about to be deleted.
  const texts = new Map<string, Promise<string | undefined>>();
  const textOf = (file: string) => {
    if (!texts.has(file)) texts.set(file, readFile(path.join(context.outputDir, file), 'utf8').catch(() => undefined));
    return texts.get(file)!;
  };
  const listed = await Promise.all(
    report.problems.slice(0, LISTED).map(async (problem) => {
      const text = problem.line > 0 ? await textOf(problem.file) : undefined;
      return `  ${formatProblem(problem)}${text === undefined ? '' : `\n${excerpt(text, problem.line, problem.column)}`}`;
    }),
  );
  const more = report.problems.length > LISTED ? [`  … and ${report.problems.length - LISTED} more`] : [];
  return [
    `${context.site.domain} (${context.envName}): ${report.problems.length} check problem${report.problems.length === 1 ? '' : 's'} in the built pages — failed: ${failed.join(', ')}. Nothing in dist/ was replaced.`,
    ...listed,
    ...more,
    `Every problem is in ${path.relative(context.workspace.root, reportFile)}. Fix the source page named after each problem; a page can waive a page-level rule in its front matter with a reason (waive: { rule-name: "why" }).`,
  ].join('\n');
}

/**
 * Every check over a built tree, with the build's waivers; warns about unused
 * waivers and a discarded cache. Both the build's checks step and the dev
 * server (which keeps its own cache file, see dev-server.ts) run the checks
 * through here.
 */
export async function checkBuiltPages(context: BuildContext, pages: readonly BuiltPage[], options: { cacheFile: string }): Promise<CheckReport> {
  const report = await runChecks({
    outputDir: context.outputDir,
    sources: new Map(pages.map((page) => [page.path, page.source])),
    settings: checkSettingsFor(context),
    cacheFile: options.cacheFile,
    waivers: waiversByBuild.get(context),
    session: sessionsByBuild.get(context),
    pageWeight: pageWeightFor(context),
  });
  reportsByBuild.set(pages, report);
  for (const { source, rule } of unusedWaivers(waiversByBuild.get(context) ?? new Map(), report.waived)) {
    context.logger.warn(`${source}: waive: ${rule} did not apply (the page has no ${rule} problem); remove it from the front matter so it cannot excuse a later one`);
  }
  const heavy = report.weights?.pages.filter((page) => page.over === 'warning') ?? [];
  if (heavy.length) {
    const listed = [...heavy].sort((a, b) => b.bytes - a.bytes).slice(0, 5).map((page) => `${page.file} ${formatKiB(page.bytes)}`);
    context.logger.warn(
      `${context.site.domain}: ${heavy.length} page${heavy.length === 1 ? '' : 's'} over the page-weight warning of ${formatKiB(report.weights!.warning)} (the build fails at ${formatKiB(report.weights!.budget)}): ${listed.join(', ')}${heavy.length > 5 ? ', …' : ''}; every figure is in ${path.relative(context.workspace.root, checkReportFile(context))}`,
    );
  }
  if (report.cache.discarded) context.logger.warn(`${context.site.domain}: check cache ${report.cache.discarded}; every page was checked again`);
  return report;
}

export const checkStep: OutputStep = {
  name: 'checks',
  async run(context, pages) {
    const report = await checkBuiltPages(context, pages, { cacheFile: checkCacheFile(context) });
    const reportFile = checkReportFile(context);
    await mkdir(path.dirname(reportFile), { recursive: true });
    await writeFile(reportFile, JSON.stringify({ site: context.site.domain, environment: context.envName, ...report }, null, 2) + '\n');
    if (!report.passed) throw new CheckError(await describeFailure(context, report, reportFile));
  },
};
