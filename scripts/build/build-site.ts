/**
 * One site, one environment: sources → Eleventy → output steps → build record →
 * atomic swap into `dist/<env>/<domain>/`. Each step is named so a failure says
 * where it happened; nothing replaces the previous output unless every step passed.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { EleventyResult } from '@11ty/eleventy';
import { environmentOf, isProduction, placeholdersIn, type SiteConfig, type Workspace } from '../config/sites.ts';
import { displayPath, type BuildContext, type Logger } from './context.ts';
import { createEleventy } from './eleventy-config.ts';
import { forgetCachedTemplates } from './eleventy-caches.ts';
import { translateForContext } from './eleventy-errors.ts';
import { loadFacts, unfilledFacts } from './facts.ts';
import { gitState } from './git-state.ts';
import { layoutLookup } from './layout-lookup.ts';
import { BUILD_RECORD_VERSION, buildRecordPath, hashBytes, hashOutputTree, writeBuildRecord, type BuildRecord, type OutputFile } from './build-record.ts';
import { abandonOutput, commitOutput, startOutput } from './output-tree.ts';
import { outputSteps, type BuiltPage } from './output-steps.ts';
import { buildIdFor, sourceInventory } from './source-digest.ts';
import { currentInputs, filesToReuse, nextManifest, parseReuseManifest, planReuse, reuseManifestPath, type CurrentInputs, type ReusePlan } from './render-reuse.ts';
import { newPageIdToken } from './page-id.ts';
import { BuildError } from '../errors.ts';
import { checkWhatShips, refuseUnsafeSources, replaceOutputLinks } from './what-may-ship.ts';

export interface BuildOptions {
  workspace: Workspace;
  site: SiteConfig;
  envName: string;
  /** Defaults to `<root>/dist`. */
  distDir?: string;
  logger: Logger;
  /** Render every page, even where the previous tree could be reused (`build --full`). */
  full?: boolean;
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
  /** How many pages were rendered and how many taken from the previous tree, or why every page was rendered. */
  reuse: { rendered: number; reused: number } | { reason: string };
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
  const outcome = await attemptOnce(options);
  if (!('retry' in outcome)) return outcome;
  // The previous tree could not be reused after all (see verifyReuse): build it whole.
  const warning = `${options.site.domain}: ${outcome.retry}; rendered every page instead`;
  options.logger.warn(warning);
  const again = await attemptOnce({ ...options, full: true });
  if ('retry' in again) throw new Error(`a full build asked to be retried: ${again.retry}`); // cannot happen: a full build reuses nothing
  (again.ok ? again.result : again.failure).warnings.unshift(warning);
  return again;
}

async function attemptOnce(options: BuildOptions): Promise<SiteBuild | { retry: string }> {
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
  // The same pass hashes each input for render reuse, which Eleventy's
  // preprocessor waits for before the first page renders.
  const inventory = sourceInventory(workspace, site);
  const identity = Promise.all([inventory.then((found) => found.digest), gitState(workspace.root)]);
  identity.catch(() => undefined); // awaited below; a failure surfaces there
  const final = finalOutputDir(options);
  const manifestFile = reuseManifestPath(workspace.cacheDir, site.domain, envName);
  const current = inventory.then(currentInputs);
  current.catch(() => undefined); // awaited below (and by the plan); a failure surfaces there
  const planned: Promise<LoadedPlan> = options.full ? Promise.resolve({ plan: { reuse: false, reason: 'every page rendered (--full)' } }) : current.then((inputs) => loadReusePlan(manifestFile, final, inputs));
  const reusePlan = planned.then((loaded) => loaded.plan);
  const independentPages = current.then((inputs) => inputs.collectionUsers.length === 0);
  // Awaited below (or by Eleventy); a failure surfaces there, never as an unhandled rejection.
  for (const promise of [planned, reusePlan, independentPages]) promise.catch(() => undefined);
  const { facts, file: factsFile } = await timed('prepare', () => loadFacts(site.dir, workspace.root));
  const sourceFolders = [site.dir, workspace.sharedLayoutsDir, workspace.widgetsDir];
  const shown = (file: string) => path.relative(workspace.root, file) || '.';
  const nameRoots = ['content', 'assets', 'images'].map((folder) => path.join(site.dir, folder)).concat(path.join(workspace.sharedLayoutsDir, 'assets'));
  refuseUnsafeSources(sourceFolders, nameRoots, shown);

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
    previousRecordFile: buildRecordPath(final),
    logger,
    templateErrors: [],
    produced: new Map(),
    reuse: reusePlan,
    independentPages,
  };

  let pages: BuiltPage[] = [];
  try {
    pages = await timed('eleventy', () => runEleventy(context));
    const { plan, live } = await planned;
    if (plan.reuse) {
      const problem = await timed('reuse', async () => reuseFiles(context, final, filesToReuse(plan), live ?? new Map()));
      if (problem) {
        await abandonOutput(pending);
        return { retry: problem };
      }
      const rendered = new Set(pages.map((page) => page.path));
      pages = [...pages, ...plan.previous.outputs.filter((output) => plan.reused.has(output.source) && !rendered.has(output.path))].sort((a, b) => (a.path < b.path ? -1 : 1));
    }
    for (const step of outputSteps) {
      await timed(step.name, () => step.run(context, pages));
    }
    await timed('output-links', async () => {
      replaceOutputLinks(pending.temporary, sourceFolders);
    });
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
    await timed('what-may-ship', async () => {
      checkWhatShips({
        dir: pending.temporary,
        files: record.files,
        allowFiles: site.build.allowFiles,
        limits: { fileWarningMiB: site.build.fileSize.warningMiB, fileLimitMiB: site.build.fileSize.limitMiB, siteWarningMiB: site.build.siteSize.warningMiB, siteLimitMiB: site.build.siteSize.limitMiB },
        sourceOf: (file) => assetSource(workspace, site, file),
        configFile: site.configFile,
        warn: (message) => logger.warn(`${site.domain}: ${message}`),
        refuser: 'build',
        error: BuildError,
      });
    });
    const recordFile = buildRecordPath(final);
    const inputs = await current;
    await timed('commit', async () => {
      // The old record goes first: a crash between these steps leaves a tree
      // without a record (publish refuses it), never a record describing another tree.
      await rm(recordFile, { force: true });
      await commitOutput(pending);
      const written = await writeBuildRecord(recordFile, record);
      // After the record: a manifest naming another record's hash is never used.
      await writeReuseManifest(manifestFile, { record: written, current: inputs, outputs: pages, produced: context.produced, plan });
    });
    if (production) warnAboutUnfinishedSetup(context, logger);
    const reuse = plan.reuse ? { rendered: plan.render.size, reused: Object.keys(plan.previous.pages).length - plan.render.size } : { reason: plan.reason };
    return { ok: true, result: { site, envName, outputDir: final, recordFile, record, pages, warnings, timings, reuse } };
  } catch (error) {
    await abandonOutput(pending);
    return { ok: false, failure: { site, envName, outputDir: final, error: translateForContext(error, context), pages, warnings, timings } };
  }
}

/** The plan, and the files of the live tree's record (to check what is taken from it). */
interface LoadedPlan {
  plan: ReusePlan;
  live?: ReadonlyMap<string, OutputFile>;
}

async function loadReusePlan(manifestFile: string, final: string, inputs: CurrentInputs): Promise<LoadedPlan> {
  const [manifestText, recordText] = await Promise.all([readFile(manifestFile, 'utf8').catch(() => undefined), readFile(buildRecordPath(final), 'utf8').catch(() => undefined)]);
  let manifest;
  try {
    manifest = manifestText === undefined ? undefined : parseReuseManifest(JSON.parse(manifestText));
  } catch {
    manifest = undefined; // a damaged manifest is no manifest: a full build
  }
  const plan = planReuse(manifest, recordText === undefined ? undefined : sha256(recordText), inputs);
  if (!plan.reuse) return { plan };
  let record: BuildRecord;
  try {
    record = JSON.parse(recordText!) as BuildRecord;
    if (!Array.isArray(record.files)) throw new Error('no files');
  } catch {
    return { plan: { reuse: false, reason: 'the build record of the earlier output is damaged' } };
  }
  return { plan, live: new Map(record.files.map((file) => [file.path, file])) };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Hard links (a copy where the file system refuses one) from the live tree
 * into the new one, for each file the changed pages did not write. Nothing
 * writes into a finished tree, so sharing the bytes is safe; the old tree's
 * name is deleted later and the new one keeps them.
 *
 * Each file taken must still hash to what the live tree's record says (an
 * edited dist/ is not trusted), and its hash goes into the new record from
 * here, with the page id the old record gave it (the id is a hash of the
 * same bytes). Returns why the tree cannot be reused, if it cannot.
 */
function reuseFiles(context: BuildContext, final: string, files: readonly string[], live: ReadonlyMap<string, OutputFile>): string | undefined {
  const made = new Set<string>();
  for (const file of files) {
    const target = path.join(context.outputDir, file);
    if (existsSync(target)) continue; // written by this build
    const then = live.get(file);
    if (!then) return `${file} is not in the build record of the previous output`;
    const source = path.join(final, file);
    if (!existsSync(source)) return `${file} is missing from ${displayPath(context, final)}`;
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    try {
      linkSync(source, target);
    } catch {
      copyFileSync(source, target);
    }
    const hashed = hashBytes(file, readFileSync(target));
    if (hashed.sha256 !== then.sha256) return `${file} in the previous output no longer matches its build record`;
    context.renderedFiles.set(file, then.pageId ? { ...hashed, pageId: then.pageId } : hashed);
  }
  return undefined;
}

async function writeReuseManifest(file: string, options: Parameters<typeof nextManifest>[0]): Promise<void> {
  const manifest = nextManifest(options);
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(manifest));
  await rename(temporary, file);
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
  return builtPages(context, templates);
}

/** The pages Eleventy wrote (its write() results), as the output steps see them. */
export function builtPages(context: Pick<BuildContext, 'outputDir' | 'workspace'>, templates: readonly EleventyResult[]): BuiltPage[] {
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

/** The source a copied file came from (the site's folder first, then shared-layouts/), relative to the repository. */
function assetSource(workspace: Workspace, site: SiteConfig, file: string): string | undefined {
  for (const dir of [site.dir, workspace.sharedLayoutsDir]) {
    const candidate = path.join(dir, file);
    if (existsSync(candidate)) return path.relative(workspace.root, candidate);
  }
  return undefined;
}
