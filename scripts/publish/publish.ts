/**
 * `npm run publish -- --env <name>`, as a recipe of named steps:
 *
 *   resolve targets   config, environment, placeholders, shared buckets — no disk, no network
 *   build             every selected site for the environment, with every check (a failure stops here)
 *   plan              per site: local files × remote listing → a plan value (reads only)
 *   guard             any refusal in any plan stops everything before the first write
 *   confirm           production, on a terminal, unless --yes
 *   apply             per site: assets, pages, deletions, one invalidation per distribution, deploy record
 *
 * `--dry-run` returns after guard. Every step before apply only reads, so a
 * bad input anywhere leaves every bucket untouched.
 */
import type { BuildRecord } from '../build/build-record.ts';
import { buildSites } from '../build/build-sites.ts';
import type { Logger } from '../build/context.ts';
import type { EnvironmentConfig } from '../config/schema.ts';
import { environmentOf, isProduction, loadAllSites, placeholdersIn, selectSites, type SiteConfig, type Workspace } from '../config/sites.ts';
import { ConfigError, PublishError } from '../errors.ts';
import { applyPlan, type ProgressSink, type PublishReport } from './apply.ts';
import { cloudFrontCdn } from './cloudfront-cdn.ts';
import { localFiles } from './local-files.ts';
import { planPublish, type Plan } from './plan.ts';
import type { Ports } from './ports.ts';
import { readRemote, type RemoteState } from './remote.ts';
import { s3Store } from './s3-store.ts';

export interface PublishTarget {
  site: SiteConfig;
  envName: string;
  env: EnvironmentConfig;
}

/** A finished build: the tree and its record. */
export interface BuiltSite {
  outputDir: string;
  record: BuildRecord;
}

export interface PublishOptions {
  workspace: Workspace;
  envName: string;
  /** Short names or domains; empty means every site. */
  sites: readonly string[];
  dryRun?: boolean;
  allowDeletes?: boolean;
  logger: Logger;
  /** The adapters for a site; by default the AWS SDK ones its config describes. */
  connect?: (target: PublishTarget) => Ports;
  /** Told every plan as soon as all are known (to print them before anything is written). */
  onPlanned?: (sites: readonly SitePublish[]) => void;
  /** Asked once, with every plan, before the first write; false cancels. */
  confirm?: (sites: readonly SitePublish[]) => Promise<boolean>;
  progress?: (plan: Plan) => ProgressSink | undefined;
  distDir?: string;
  concurrency?: number;
  now?: () => Date;
}

export interface SitePublish {
  plan: Plan;
  /** Requests spent reading the remote state, anything worth saying about it, and the deploy record it started from. */
  read: RemoteState['requests'] & { notes: string[]; previousRecordKey?: string };
  /** Absent for a dry run. */
  report?: PublishReport;
}

export interface PublishOutcome {
  environment: string;
  dryRun: boolean;
  sites: SitePublish[];
}

export async function publishSites(options: PublishOptions): Promise<PublishOutcome> {
  const targets = await resolveTargets(options.workspace, options.envName, options.sites);

  const builds = await buildSites({
    workspace: options.workspace,
    envName: options.envName,
    sites: targets.map((target) => target.site.domain),
    distDir: options.distDir,
    logger: options.logger,
  });

  const connect = options.connect ?? connectToAws;
  const prepared: Array<{ target: PublishTarget; build: BuiltSite; ports: Ports; publish: SitePublish }> = [];
  for (const [index, target] of targets.entries()) {
    const build = builds[index]!;
    const ports = connect(target);
    const publish = await planSite(target, build, ports, options);
    prepared.push({ target, build, ports, publish });
  }

  const outcome: PublishOutcome = { environment: options.envName, dryRun: Boolean(options.dryRun), sites: prepared.map((entry) => entry.publish) };
  options.onPlanned?.(outcome.sites);
  const refusals = prepared.flatMap((entry) => entry.publish.plan.refusals);
  if (options.dryRun) return outcome;
  if (refusals.length > 0) throw new PublishError(`Nothing was published:\n${refusals.join('\n')}`);

  if (options.confirm && !(await options.confirm(outcome.sites))) {
    throw new PublishError('Publishing cancelled; nothing was changed.');
  }

  for (const entry of prepared) {
    options.logger.info(`${entry.target.site.domain} → ${options.envName}: applying`);
    entry.publish.report = await applyPlan({
      plan: entry.publish.plan,
      outputDir: entry.build.outputDir,
      build: entry.build.record,
      ports: entry.ports,
      logger: options.logger,
      progress: options.progress?.(entry.publish.plan),
      concurrency: options.concurrency,
      now: options.now,
    });
  }
  return outcome;
}

/**
 * One site's plan from a finished build. Exported for what builds on
 * publishing (rollback publishes an earlier build through here).
 */
export async function planSite(
  target: PublishTarget,
  build: BuiltSite,
  ports: Ports,
  options: Pick<PublishOptions, 'allowDeletes' | 'logger'>,
): Promise<SitePublish> {
  const { site, env, envName } = target;
  const local = localFiles(build.record, { prefix: env.prefix, publish: site.publish, directoryIndexKeys: env.directoryIndexKeys });
  options.logger.info(`${site.domain} → ${envName}: reading s3://${env.bucket}/${env.prefix}${env.endpoint ? ` at ${env.endpoint}` : ''}`);
  const remote = await readRemote(ports.store, env.prefix, local.files, options.logger);
  const plan = planPublish({
    site: site.domain,
    environment: envName,
    bucket: env.bucket,
    prefix: env.prefix,
    buildId: build.record.buildId,
    local,
    remote,
    publish: site.publish,
    distributions: env.distributions,
    allowDeletes: Boolean(options.allowDeletes),
    configFile: site.configFile,
  });
  return { plan, read: { ...remote.requests, notes: remote.notes, previousRecordKey: remote.previous?.key } };
}

/** Everything about the config that can be wrong, found before any build or request. */
export async function resolveTargets(workspace: Workspace, envName: string, names: readonly string[]): Promise<PublishTarget[]> {
  const all = await loadAllSites(workspace);
  const selected = selectSites(all, names);
  const targets = selected.map((site) => ({ site, envName, env: environmentOf(site, envName) }));
  const problems = [...targets.flatMap((target) => placeholderProblem(target)), ...targets.flatMap((target) => sharedBucketProblems(target, all))];
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return targets;
}

/**
 * Issue-wide preflight (credentials, reachability) comes later; what can be
 * refused from the config alone is refused here. Resource ids are refused in
 * every environment; production also refuses unfinished analytics and
 * booking settings, which other environments may preview without.
 */
function placeholderProblem(target: PublishTarget): string[] {
  const keys = placeholdersIn(target.site, target.envName).filter((key) => isProduction(target.envName) || key.startsWith('environments.'));
  if (keys.length === 0) return [];
  return [
    `${target.site.configFile}: ${keys.join(', ')} ${keys.length === 1 ? 'is a placeholder' : 'are placeholders'}, so ${target.site.domain} cannot be published to ${target.envName}; put the real resource names there first.`,
  ];
}

/**
 * Two sites in one bucket must not own overlapping prefixes, or the outer
 * site's publish deletes the inner site as "no longer built" — unless the
 * outer site declares the inner prefix protected.
 */
function sharedBucketProblems(target: PublishTarget, all: readonly SiteConfig[]): string[] {
  const problems: string[] = [];
  for (const other of all) {
    if (other === target.site) continue;
    const otherEnv = other.environments[target.envName];
    if (!otherEnv || otherEnv.bucket !== target.env.bucket || (otherEnv.endpoint ?? '') !== (target.env.endpoint ?? '')) continue;
    const mine = target.env.prefix;
    const theirs = otherEnv.prefix;
    const where = `s3://${target.env.bucket}/${mine}`;
    if (mine === theirs) {
      problems.push(`${target.site.configFile} and ${other.configFile} both publish ${target.envName} to ${where}; give each site its own bucket or prefix.`);
    } else if (theirs.startsWith(mine) && !target.site.publish.protectedPrefixes.some((prefix) => theirs.slice(mine.length).startsWith(prefix))) {
      problems.push(
        `${other.domain} publishes ${target.envName} inside ${target.site.domain}'s ${where} (at "${theirs}"), so publishing ${target.site.domain} would delete it; add "${theirs.slice(mine.length)}" to publish.protectedPrefixes in ${target.site.configFile}, or move one of them.`,
      );
    }
  }
  return problems;
}

/** The SDK adapters an environment's config describes. */
export function connectToAws(target: PublishTarget): Ports {
  const { env } = target;
  return {
    store: s3Store({ bucket: env.bucket, region: env.region, endpoint: env.endpoint, checksums: env.checksums }),
    cdn: env.distributions.length > 0 ? cloudFrontCdn() : undefined,
  };
}
