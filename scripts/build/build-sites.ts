/** The `build` command: every selected site for one environment, side by side. */
import { loadAllSites, selectSites, environmentOf, type Workspace } from '../config/sites.ts';
import { BuildError, CheckError, isUserError } from '../errors.ts';
import type { Logger } from './context.ts';
import { attemptSite, type BuildResult, type FailedBuild, type SiteBuild } from './build-site.ts';

export interface BuildSitesOptions {
  workspace: Workspace;
  envName: string;
  /** Short names or domains; empty means every site. */
  sites: readonly string[];
  distDir?: string;
  logger: Logger;
  /** Render every page instead of reusing the previous tree's unchanged ones. */
  full?: boolean;
}

export async function buildSites(options: BuildSitesOptions): Promise<BuildResult[]> {
  const outcomes = await attemptSites(options);
  const failure = buildFailure(outcomes);
  if (failure) throw failure;
  return outcomes.flatMap((outcome) => (outcome.ok ? [outcome.result] : []));
}

/**
 * Every selected site, each built or failed, in site order: the CLI prints
 * the summary of all of them before it reports the failures.
 */
export async function attemptSites(options: BuildSitesOptions): Promise<SiteBuild[]> {
  // Every config is loaded and the environment checked for every site before
  // the first build starts, so a typo fails in milliseconds, not after a build.
  const selected = selectSites(await loadAllSites(options.workspace), options.sites);
  for (const site of selected) environmentOf(site, options.envName);
  // Sites build side by side: Eleventy renders on the main thread while another
  // site's images encode and its pages are checked on the other cores. Each
  // site's output is still swapped in on its own, only when its build passed.
  return Promise.all(selected.map((site) => attemptSite({ workspace: options.workspace, site, envName: options.envName, distDir: options.distDir, logger: options.logger, full: options.full })));
}

/**
 * The one error for every failed site: a single failure as it is; several
 * as one message with each site's error under its domain. A bug in any site
 * wins, so its stack is shown.
 */
export function buildFailure(outcomes: readonly SiteBuild[]): unknown {
  const failures = outcomes.flatMap((outcome): FailedBuild[] => (outcome.ok ? [] : [outcome.failure]));
  if (failures.length === 0) return undefined;
  if (failures.length === 1) return failures[0]!.error;
  const bug = failures.find((failure) => !isUserError(failure.error));
  if (bug) return bug.error;
  const errors = failures.map((failure) => failure.error as Error);
  const Kind = errors.every((error) => error instanceof CheckError) ? CheckError : BuildError;
  const sections = failures.map(({ site, error }) => {
    const message = (error as Error).message;
    return message.startsWith(site.domain) ? message : `${site.domain}: ${message}`;
  });
  return new Kind(`${failures.length} sites failed to build:\n\n${sections.join('\n\n')}`, {
    cause: new AggregateError(errors),
    exitCode: Math.max(...errors.map((error) => (isUserError(error) ? error.exitCode : 1))),
  });
}
