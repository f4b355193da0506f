/** The `build` command: every selected site for one environment, one after another. */
import { loadAllSites, selectSites, environmentOf, type Workspace } from '../config/sites.ts';
import type { Logger } from './context.ts';
import { buildSite, type BuildResult } from './build-site.ts';

export interface BuildSitesOptions {
  workspace: Workspace;
  envName: string;
  /** Short names or domains; empty means every site. */
  sites: readonly string[];
  distDir?: string;
  logger: Logger;
}

export async function buildSites(options: BuildSitesOptions): Promise<BuildResult[]> {
  // Every config is loaded and the environment checked for every site before
  // the first build starts, so a typo fails in milliseconds, not after a build.
  const selected = selectSites(await loadAllSites(options.workspace), options.sites);
  for (const site of selected) environmentOf(site, options.envName);
  // Sites build side by side: Eleventy renders on the main thread while another
  // site's images encode and its pages are checked on the other cores. Each
  // site's output is still swapped in on its own, only when its build passed.
  const settled = await Promise.allSettled(
    selected.map((site) => buildSite({ workspace: options.workspace, site, envName: options.envName, distDir: options.distDir, logger: options.logger })),
  );
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<BuildResult>).value);
}
