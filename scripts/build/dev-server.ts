/**
 * `npm run dev:<site>`: Eleventy's own watch + dev server with live reload,
 * through the same configuration as the real build, listening on 127.0.0.1
 * only (a preview of unpublished pages has no business on the LAN).
 *
 * After each build the output steps run on the pages Eleventy wrote, the
 * checks too, as in a real build. A build that fails, or pages that fail a
 * check, do not stop the server: the problems are printed on stderr and every
 * page it sends shows them on top (dev-problems.ts) until a build passes.
 * Eleventy's reload is a full page reload here (no DOM diffing), also after a
 * failed build, so an open tab shows the box, and loses it, by itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import DevServer from '@11ty/eleventy-dev-server';
import type { Eleventy, EleventyResult } from '@11ty/eleventy';
import { environmentOf, isProduction, loadAllSites, selectSites, type Workspace } from '../config/sites.ts';
import type { BuildContext, Logger } from './context.ts';
import { createEleventy } from './eleventy-config.ts';
import { translateForContext } from './eleventy-errors.ts';
import { loadFacts } from './facts.ts';
import { layoutLookup } from './layout-lookup.ts';
import { newPageIdToken } from './page-id.ts';
import { builtPages } from './build-site.ts';
import { outputSteps, type BuiltPage } from './output-steps.ts';
import { checkBuiltPages, checkStep } from '../checks/check-step.ts';
import { buildFailureReport, checkProblemsReport, clearLine, formatDevReport, injectOverlay, overlayHtml, type DevReport } from './dev-problems.ts';

export interface DevServerOptions {
  workspace: Workspace;
  site: string;
  envName: string;
  port?: number;
  logger: Logger;
}

// @11ty/eleventy-dev-server listens on every interface and has no host option;
// Eleventy loads this same module, so binding it to loopback here applies there.
const serverPrototype = (DevServer as unknown as { prototype: { server: { listen(options: object): void }; _serverListen(port: number): void } }).prototype;
serverPrototype._serverListen = function (this: { server: { listen(options: object): void } }, port: number) {
  this.server.listen({ port, host: '127.0.0.1' });
};

/** `.cache/dev/<env>/<domain>/`: what the dev server serves, rebuilt from scratch at each start. */
export function devOutputDir(workspace: Workspace, envName: string, domain: string): string {
  return path.join(workspace.root, '.cache', 'dev', envName, domain);
}

export async function startDevServer(options: DevServerOptions): Promise<void> {
  const { workspace, envName } = options;
  const [site] = selectSites(await loadAllSites(workspace), [options.site]);
  if (!site) return;
  const env = environmentOf(site, envName);
  const { facts, file: factsFile } = await loadFacts(site.dir, workspace.root);
  // Not dist/<env>/<domain>/: the dev server rewrites pages one by one, in
  // place, and that tree belongs to the last real build and its build record.
  const outputDir = devOutputDir(workspace, envName, site.domain);
  await rm(outputDir, { recursive: true, force: true });
  const port = options.port ?? (Number.parseInt(new URL(env.url).port, 10) || 8080);
  const context: BuildContext = {
    workspace,
    site,
    envName,
    env,
    production: isProduction(envName),
    pageIdToken: newPageIdToken(),
    renderedFiles: new Map(),
    facts,
    factsFile,
    lookup: layoutLookup(site.dir, workspace.sharedLayoutsDir),
    contentDir: path.join(site.dir, 'content'),
    outputDir,
    logger: options.logger,
    templateErrors: [],
    produced: new Map(),
  };
  const status = new DevStatus(site.domain, options.logger);
  try {
    const eleventy = await createEleventy(context, {
      runMode: 'serve',
      extra: (config) => config.setServerOptions({ port, showVersion: false, domDiff: false, middleware: [overlayMiddleware(() => status.overlay)] }),
    });
    checkEachBuild(eleventy, context, status);
    await eleventy.init();
    const watchRun: unknown = await eleventy.watch();
    rebuildOnDelete(eleventy, watchRun);
    await eleventy.serve(port);
  } catch (error) {
    throw translateForContext(error, context);
  }
  options.logger.info(`Serving ${site.domain} (${envName}) at http://127.0.0.1:${port}/ — edits reload the page. Ctrl-C stops.`);
}

/** `.cache/checks/<domain>/<env>.dev.json`: the dev server's check cache, apart from the build's (half-typed pages would push its entries out). */
export function devCheckCacheFile(context: Pick<BuildContext, 'workspace' | 'site' | 'envName'>): string {
  return path.join(context.workspace.cacheDir, 'checks', context.site.domain, `${context.envName}.dev.json`);
}

/** What the last build found, printed once per build and shown on every page until a build passes. */
class DevStatus {
  private report: DevReport | undefined;
  /** The box pages carry while the report stands. */
  overlay: string | undefined;

  constructor(
    private readonly domain: string,
    private readonly logger: Logger,
  ) {}

  update(report: DevReport | undefined): void {
    if (report) {
      const text = formatDevReport(report);
      if (this.logger.error) this.logger.error(text);
      else this.logger.warn(text);
    } else if (this.report) {
      this.logger.info(clearLine(this.domain));
    }
    this.report = report;
    this.overlay = report && overlayHtml(report);
  }
}

/**
 * Eleventy's watch calls write() for the first build and for each rebuild.
 * Wrapped here, each build also runs the output steps and the checks on the
 * pages it wrote, and a failure becomes the status instead of an error:
 * Eleventy then carries on watching (even when the very first build fails)
 * and asks open pages to reload, as after a build that worked. Eleventy's
 * own report of a failed build is left out of the terminal: the status says
 * it with the file and line.
 */
function checkEachBuild(eleventy: Eleventy, context: BuildContext, status: DevStatus): void {
  const write = eleventy.write.bind(eleventy);
  let building = false;
  const consoleLogger = { log: console.log, info: console.info, warn: console.warn, error: (message: string) => (building ? undefined : console.error(message)) };
  (eleventy as unknown as { logger: { overrideLogger(logger: unknown): void } }).logger.overrideLogger(consoleLogger);
  let written = new Set<string>();
  eleventy.write = async () => {
    building = true;
    // One context serves every build: a shortcode's error belongs to the build it happened in.
    context.templateErrors.length = 0;
    let result: Array<EleventyResult | EleventyResult[]> = [[], []];
    let report: DevReport | undefined;
    try {
      result = await write();
      const pages = builtPages(context, (result[1] ?? []) as EleventyResult[]);
      // Eleventy writes in place: a page renamed or deleted since the last build would still be served, and checked.
      const now = new Set(pages.map((page) => page.path));
      await Promise.all([...written].filter((file) => !now.has(file)).map((file) => rm(path.join(context.outputDir, file), { force: true })));
      written = now;
      report = await checkBuild(context, pages);
    } catch (error) {
      report = buildFailureReport(context.site.domain, context.workspace.root, translateForContext(error, context));
    } finally {
      building = false;
    }
    status.update(report);
    return result;
  };
}

/** The build's output steps in order, the checks with the dev cache; the report when the checks fail. */
async function checkBuild(context: BuildContext, pages: readonly BuiltPage[]): Promise<DevReport | undefined> {
  for (const step of outputSteps) {
    if (step !== checkStep) {
      await step.run(context, pages);
      continue;
    }
    const report = await checkBuiltPages(context, pages, { cacheFile: devCheckCacheFile(context) });
    if (!report.passed) return checkProblemsReport({ domain: context.site.domain, root: context.workspace.root, outputDir: context.outputDir }, report);
  }
  return undefined;
}

/**
 * Eleventy does not build again when a file is deleted, and takes it out of
 * its file list by the path its watcher reports — absolute, where the list
 * holds paths relative to the working directory when the site is outside it
 * (any --root but the repository) — so a deleted page would go on being
 * built from Eleventy's cache, served and checked. Here every file no longer
 * on disk leaves the list, and the site is built again (Eleventy's watch()
 * returns the function its watcher calls on a change).
 */
function rebuildOnDelete(eleventy: Eleventy, watchRun: unknown): void {
  const internals = eleventy as unknown as {
    watcher?: { on(event: 'unlink', listener: (file: string) => void): void; options?: { cwd?: string } };
    fileSystemSearch?: { outputs?: Record<string, Set<string> | undefined> };
  };
  const { watcher, fileSystemSearch } = internals;
  if (!watcher || !fileSystemSearch?.outputs || typeof watchRun !== 'function') return;
  const outputs = fileSystemSearch.outputs;
  watcher.on('unlink', (file) => {
    for (const files of Object.values(outputs)) {
      for (const listed of files ?? []) if (!existsSync(path.resolve(listed))) files!.delete(listed);
    }
    void (watchRun as (file: string) => Promise<void>)(path.resolve(watcher.options?.cwd ?? process.cwd(), file));
  });
}

/**
 * Adds the box to every page a browser navigates to — the same requests
 * Eleventy gives its live-reload client — while a report stands.
 */
function overlayMiddleware(overlay: () => string | undefined) {
  return function (request: IncomingMessage, response: ServerResponse, next: () => void): void {
    const box = overlay();
    const mode = request.headers['sec-fetch-mode'];
    if (box && (!mode || mode === 'navigate')) {
      const end = response.end;
      response.end = function (this: ServerResponse, data?: unknown, ...rest: unknown[]) {
        const type = String(response.getHeader('content-type') ?? '');
        const body = typeof data === 'string' && type.startsWith('text/html') ? injectOverlay(data, box) : data;
        return (end as (...args: unknown[]) => ServerResponse).call(this, body, ...rest);
      } as ServerResponse['end'];
    }
    next();
  };
}
