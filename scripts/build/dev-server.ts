/**
 * `npm run dev:<site>`: Eleventy's own watch + dev server with live reload,
 * through the same configuration as the real build, listening on 127.0.0.1
 * only (a preview of unpublished pages has no business on the LAN).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import DevServer from '@11ty/eleventy-dev-server';
import { environmentOf, isProduction, loadAllSites, selectSites, type Workspace } from '../config/sites.ts';
import type { BuildContext, Logger } from './context.ts';
import { displayPath } from './context.ts';
import { createEleventy } from './eleventy-config.ts';
import { translateForContext } from './eleventy-errors.ts';
import { loadFacts } from './facts.ts';
import { layoutLookup } from './layout-lookup.ts';
import { newPageIdToken } from './page-id.ts';

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
  try {
    const eleventy = await createEleventy(context, { runMode: 'serve', extra: (config) => config.setServerOptions({ port, showVersion: false }) });
    await eleventy.init();
    await eleventy.watch();
    await eleventy.serve(port);
  } catch (error) {
    throw translateForContext(error, context);
  }
  options.logger.info(`Serving ${site.domain} (${envName}) at http://127.0.0.1:${port}/ — edits reload the page. Ctrl-C stops.`);
}
