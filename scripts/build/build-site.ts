/**
 * One site, one environment: sources → Eleventy → output steps → build record →
 * atomic swap into `dist/<env>/<domain>/`. Each step is named so a failure says
 * where it happened; nothing replaces the previous output unless every step passed.
 */
import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { EleventyResult } from '@11ty/eleventy';
import { environmentOf, isProduction, placeholdersIn, type SiteConfig, type Workspace } from '../config/sites.ts';
import { displayPath, type BuildContext, type Logger } from './context.ts';
import { createEleventy } from './eleventy-config.ts';
import { forgetCachedTemplates } from './eleventy-caches.ts';
import { translateForContext } from './eleventy-errors.ts';
import { loadFacts, unfilledFacts } from './facts.ts';
import { gitState } from './git-state.ts';
import { layoutLookup } from './layout-lookup.ts';
import { BUILD_RECORD_VERSION, buildRecordPath, hashOutputTree, writeBuildRecord, type BuildRecord } from './build-record.ts';
import { abandonOutput, commitOutput, startOutput } from './output-tree.ts';
import { outputSteps, type BuiltPage } from './output-steps.ts';
import { buildIdFor, sourceDigest } from './source-digest.ts';
import { newPageIdToken } from './page-id.ts';

export interface BuildOptions {
  workspace: Workspace;
  site: SiteConfig;
  envName: string;
  /** Defaults to `<root>/dist`. */
  distDir?: string;
  logger: Logger;
}

export interface BuildResult {
  site: SiteConfig;
  envName: string;
  outputDir: string;
  recordFile: string;
  record: BuildRecord;
  pages: BuiltPage[];
  warnings: string[];
  timings: Record<string, number>;
}

/**
 * A site whose build failed, with what it got as far as: the pages Eleventy
 * wrote (empty when Eleventy itself failed), so the summary can still show
 * the checks' report, and the error the build stopped on.
 */
export interface FailedBuild {
  site: SiteConfig;
  envName: string;
  /** The output the failure left untouched (it may not exist yet). */
  outputDir: string;
  error: unknown;
  pages: BuiltPage[];
  warnings: string[];
  timings: Record<string, number>;
}

export type SiteBuild = { ok: true; result: BuildResult } | { ok: false; failure: FailedBuild };

export function outputDirFor(distDir: string, envName: string, site: SiteConfig): string {
  return path.join(distDir, envName, site.domain);
}

/**
 * Builds one site and returns the failure as a value, for callers that
 * report several sites. It never throws: a failure before Eleventy starts
 * (facts, the output folder) is a failed build with no pages.
 */
export async function attemptSite(options: BuildOptions): Promise<SiteBuild> {
  return attempt(options).catch(
    (error: unknown): SiteBuild => ({
      ok: false,
      failure: { site: options.site, envName: options.envName, outputDir: finalOutputDir(options), error, pages: [], warnings: [], timings: {} },
    }),
  );
}

function finalOutputDir(options: BuildOptions): string {
  return outputDirFor(options.distDir ?? path.join(options.workspace.root, 'dist'), options.envName, options.site);
}

async function attempt(options: BuildOptions): Promise<SiteBuild> {
  const { workspace, site, envName } = options;
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await step();
    } finally {
      timings[name] = performance.now() - start;
    }
  };

  const env = environmentOf(site, envName);
  const production = isProduction(envName);
  const warnings: string[] = [];
  const logger: Logger = {
    info: (message) => options.logger.info(message),
    warn: (message) => {
      warnings.push(message);
      options.logger.warn(message);
    },
  };

  // The digest and git state are only needed for the record: they are taken
  // while Eleventy renders (mostly file reads, which the main thread does not wait on).
  const identity = Promise.all([sourceDigest(workspace, site), gitState(workspace.root)]);
  identity.catch(() => undefined); // awaited below; a failure surfaces there
  const { facts, file: factsFile } = await timed('prepare', () => loadFacts(site.dir, workspace.root));

  const final = finalOutputDir(options);
  const pending = await startOutput(final);
  const context: BuildContext = {
    workspace,
    site,
    envName,
    env,
    production,
    pageIdToken: newPageIdToken(),
    renderedFiles: new Map(),
    facts,
    factsFile,
    lookup: layoutLookup(site.dir, workspace.sharedLayoutsDir),
    contentDir: path.join(site.dir, 'content'),
    outputDir: pending.temporary,
    logger,
    templateErrors: [],
  };

  let pages: BuiltPage[] = [];
  try {
    pages = await timed('eleventy', () => runEleventy(context));
    for (const step of outputSteps) {
      await timed(step.name, () => step.run(context, pages));
    }
    const [files, [digest, git]] = await timed('hash', () => Promise.all([hashOutputTree(pending.temporary, context.renderedFiles), identity]));
    const sources = new Map(pages.map((page) => [page.path, page.source]));
    const record: BuildRecord = {
      version: BUILD_RECORD_VERSION,
      site: site.domain,
      shortName: site.shortName,
      environment: envName,
      buildId: buildIdFor(digest, envName),
      sourceDigest: digest,
      git,
      builtAt: new Date().toISOString(),
      files: files.map((file) => (sources.has(file.path) ? { ...file, source: sources.get(file.path) } : file)),
    };
    const recordFile = buildRecordPath(final);
    await timed('commit', async () => {
      // The old record goes first: a crash between these steps leaves a tree
      // without a record (publish refuses it), never a record describing another tree.
      await rm(recordFile, { force: true });
      await commitOutput(pending);
      await writeBuildRecord(recordFile, record);
    });
    if (production) warnAboutUnfinishedSetup(context, logger);
    return { ok: true, result: { site, envName, outputDir: final, recordFile, record, pages, warnings, timings } };
  } catch (error) {
    await abandonOutput(pending);
    return { ok: false, failure: { site, envName, outputDir: final, error: translateForContext(error, context), pages, warnings, timings } };
  }
}

async function runEleventy(context: BuildContext): Promise<BuiltPage[]> {
  await forgetCachedTemplates([context.contentDir, ...context.lookup.searchDirs]);
  const eleventy = await createEleventy(context);
  // Eleventy prints its own error reports and a "Wrote N files" line; the
  // pipeline reports errors itself, so Eleventy's console is captured and
  // only its warnings are passed on.
  (eleventy as unknown as { logger: { overrideLogger(logger: unknown): void } }).logger.overrideLogger({
    log() {},
    info() {},
    error() {},
    warn(message: string) {
      context.logger.warn(`eleventy: ${message}`);
    },
  });
  const [, templates] = (await eleventy.write()) as [unknown, EleventyResult[]];
  return templates
    .filter((result): result is EleventyResult & { outputPath: string } => typeof result.outputPath === 'string')
    .map((result) => ({
      path: path.relative(context.outputDir, path.resolve(result.outputPath)).split(path.sep).join('/'),
      url: result.url || '',
      source: displayPath(context, path.resolve(result.inputPath)),
    }));
}

function warnAboutUnfinishedSetup(context: BuildContext, logger: Logger): void {
  const unfilled = unfilledFacts(context.facts);
  if (unfilled.length) {
    logger.warn(
      `${context.site.domain}: ${unfilled.length} business fact${unfilled.length === 1 ? '' : 's'} still unfilled in ${context.factsFile} (pages show the neutral wording until then): ${unfilled.map(([name]) => name).join(', ')}`,
    );
  }
  const placeholders = placeholdersIn(context.site, context.envName);
  if (placeholders.length) {
    logger.warn(`${context.site.domain}: placeholders in ${context.site.configFile} (publishing will refuse them): ${placeholders.join(', ')}`);
  }
}
