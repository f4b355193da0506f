/**
 * `npm run publish -- --env <name>`, as a recipe of named steps:
 *
 *   resolve targets   config, environment, placeholders, shared buckets — no disk, no network
 *   preflight         credentials (expiry), caller identity, buckets, distributions (preflight.ts)
 *   build             every selected site for the environment, with every check (a failure stops here)
 *   contact           production only: pages that ask visitors to contact the site need a filled contact fact
 *   staging gate      production only: staging must serve this source (staging-gate.ts)
 *   lock              one publish per site and environment (lock.ts; not for a dry run)
 *   plan              per site: local files × remote listing (× invalidations in progress) → a plan value (reads only)
 *   guard             any refusal in any plan stops everything before the first write
 *   confirm           production, on a terminal, unless --yes
 *   apply             per site: archive, assets, pages, deletions, one invalidation per distribution, deploy record
 *   release           the locks, also after an error or Ctrl-C
 *   verify            --wait: invalidations completed, the public page serves what was sent (verify.ts)
 *
 * `--dry-run` returns after guard. Every step before apply only reads (the
 * lock aside, which is removed again on the way out), so a bad input
 * anywhere leaves every bucket untouched. Rollback (rollback.ts) runs the
 * same steps from lock on, with an earlier deploy in place of a build.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildRecord } from '../build/build-record.ts';
import { buildSites } from '../build/build-sites.ts';
import { contactProblem, contactRequestsIn } from '../build/contact.ts';
import { loadFacts } from '../build/facts.ts';
import type { Logger } from '../build/context.ts';
import { isPlaceholder, type EnvironmentConfig } from '../config/schema.ts';
import { environmentOf, isProduction, loadAllSites, placeholdersIn, selectSites, type SiteConfig, type Workspace } from '../config/sites.ts';
import { ConfigError, PublishError } from '../errors.ts';
import { applyPlan, type ProgressSink, type PublishReport, type RecordExtras } from './apply.ts';
import { pruneDeploys } from './archive.ts';
import { awsConnector, type Connector } from './connect.ts';
import type { DeployRecord, Publisher, StagingCheck } from './deploy-record.ts';
import { interruptible, watchInterrupts } from './interrupt.ts';
import { compareKeys, localFiles, type NestedPrefix } from './local-files.ts';
import { checkWhatShips } from '../build/what-may-ship.ts';
import { acquireLock, describeHolder, lockKey, parseLock, type HeldLock } from './lock.ts';
import { planPublish, type Plan } from './plan.ts';
import type { ListedObject, Ports } from './ports.ts';
import { preflight, type PreflightEntry, type PreflightReport } from './preflight.ts';
import { readRemote, type RemoteState } from './remote.ts';
import { STAGING_ENVIRONMENT, readCurrentDeploy, stagingGate } from './staging-gate.ts';
import { verifyDeploy, type Verification, type VerifyOptions } from './verify.ts';

export interface PublishTarget {
  site: SiteConfig;
  envName: string;
  env: EnvironmentConfig;
  /** Other sites' or environments' prefixes inside this one in the same bucket (resolveTargets finds them): never listed, written or deleted. */
  nested?: readonly NestedPrefix[];
}

/** A finished build: the tree and its record. */
export interface BuiltSite {
  outputDir: string;
  record: BuildRecord;
}

/** What the recipe shares with rollback: everything from the lock on. */
export interface RunOptions {
  workspace: Workspace;
  envName: string;
  /** Short names or domains; empty means every site. */
  sites: readonly string[];
  dryRun?: boolean;
  allowDeletes?: boolean;
  logger: Logger;
  /** The adapters for a site; by default the AWS SDK ones its config describes (connect.ts). */
  connect?: Connector;
  /** Told every plan as soon as all are known (to print them before anything is written). */
  onPlanned?: (sites: readonly SitePublish[]) => void;
  /** Asked once, with every plan, before the first write; false cancels. */
  confirm?: (sites: readonly SitePublish[]) => Promise<boolean>;
  progress?: (plan: Plan) => ProgressSink | undefined;
  concurrency?: number;
  now?: () => Date;
  /** --wait: after the publish, wait for the invalidations and check the public page (timings for tests). */
  wait?: boolean | Pick<VerifyOptions, 'pollMs' | 'timeoutMs' | 'progressMs' | 'attempts' | 'now' | 'sleep'>;
  /** Stop cleanly on SIGINT/SIGTERM while holding locks (the command line does; tests in-process do not). */
  handleSignals?: boolean;
}

export interface PublishOptions extends RunOptions {
  distDir?: string;
  /** --skip-staging-check --reason "…": production without the staging gate, the reason recorded. */
  skipStagingCheck?: { reason: string };
}

export interface SitePublish {
  plan: Plan;
  /** Requests spent reading the remote state, anything worth saying about it, and the deploy record it started from. */
  read: RemoteState['requests'] & { notes: string[]; previousRecordKey?: string };
  /** Absent for a dry run. */
  report?: PublishReport;
  /** Production: how the staging gate was met (or why it refused, for a dry run). */
  stagingCheck?: StagingCheck | { result: 'refused'; reason: string };
  /** Rollback: the deploy being replaced and the one restored. */
  rollback?: { replaced: DeployRef; restored: DeployRef };
  /** --wait. */
  verification?: Verification;
  /** Not printed: the remote listing's reserved objects, for retention. */
  state?: { reserved: readonly ListedObject[] };
}

export interface DeployRef {
  key: string;
  buildId: string;
  publishedAt: string;
  commit?: string | null;
}

export interface PublishOutcome {
  command: 'publish' | 'rollback';
  environment: string;
  dryRun: boolean;
  preflight: PreflightReport;
  sites: SitePublish[];
}

export async function publishSites(options: PublishOptions): Promise<PublishOutcome> {
  const targets = await resolveTargets(options.workspace, options.envName, options.sites);
  const gated = isProduction(options.envName);
  const override = stagingOverride(options, gated);
  const connect = options.connect ?? awsConnector();
  const connections = targets.map((target) => connect(target));
  const stagingTargets = gated && !override ? targets.map((target) => stagingTargetOf(target)) : [];
  const stagingConnections = stagingTargets.map((target) => connect(target));

  const report = await preflight(
    [
      ...targets.map((target, index): PreflightEntry => ({ target, connection: connections[index]! })),
      ...stagingTargets.map((target, index): PreflightEntry => ({ target, connection: stagingConnections[index]!, readOnly: true })),
    ],
    options,
  );

  const builds = await buildSites({
    workspace: options.workspace,
    envName: options.envName,
    sites: targets.map((target) => target.site.domain),
    distDir: options.distDir,
    logger: options.logger,
  });

  // Pages that ask visitors to contact the site ("contact us", "call us")
  // while facts.yaml fills no way to do so: production refuses (the build
  // only warns, so previews and CI builds still pass).
  if (isProduction(options.envName)) {
    const problems: string[] = [];
    for (const build of builds) {
      const { facts, file } = await loadFacts(build.site.dir, options.workspace.root);
      const problem = contactProblem(build.site.domain, file, facts, await contactRequestsIn(build.outputDir, build.pages, facts));
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) throw new ConfigError(`Nothing was published to ${options.envName}:
${problems.join('\n')}`);
  }

  // Staging gate: after the build (it compares the build's source digest),
  // before the lock and any write.
  const checks: Array<StagingCheck | { result: 'refused'; reason: string } | undefined> = [];
  for (const [index, target] of targets.entries()) {
    if (!gated) checks.push(undefined);
    else if (override) checks.push({ result: 'skipped', reason: override.reason });
    else checks.push(await checkStaging(target, stagingTargets[index]!, stagingConnections[index]!.store, builds[index]!.record));
  }
  const gateRefusals = checks.flatMap((check) => (check?.result === 'refused' ? [check.reason] : []));
  if (gateRefusals.length > 0 && !options.dryRun) throw new PublishError(`Nothing was published:\n${gateRefusals.join('\n')}`);
  if (override) options.logger.warn(`publishing to production without the staging check: "${override.reason}" (written into the deploy record).`);

  const jobs = targets.map((target, index): Job => {
    const build = builds[index]!;
    const check = checks[index];
    return {
      target,
      connection: connections[index]!,
      by: report.publishers[index]!,
      async prepare(ports) {
        const publish = await planSite(target, build, ports, options);
        if (check) publish.stagingCheck = check;
        return {
          publish,
          outputDir: build.outputDir,
          build: build.record,
          record: { command: 'publish', ...(check && check.result !== 'refused' ? { stagingCheck: check } : {}) },
          expectedPage: (page) => readFile(path.join(build.outputDir, ...page.split('/'))).catch(() => undefined),
        };
      },
    };
  });
  return runJobs(jobs, options, { command: 'publish', preflight: report, refusals: gateRefusals });
}

/** One site's share of a run: where it goes, and how its plan is made once the lock is held. */
export interface Job {
  target: PublishTarget;
  connection: Ports;
  /** Who publishes (preflight's caller), for the lock and the deploy record. */
  by: Publisher;
  prepare(ports: Ports): Promise<Prepared>;
}

export interface Prepared {
  publish: SitePublish;
  /** The tree the plan's uploads are read from. */
  outputDir: string;
  build: Pick<BuildRecord, 'buildId' | 'sourceDigest' | 'git' | 'builtAt' | 'files'>;
  record: RecordExtras;
  /** The bytes this publish sends for a page (--wait compares its build-id). */
  expectedPage(page: string): Promise<Buffer | undefined>;
  cleanup?(): Promise<void>;
}

/**
 * Lock, plan, guard, confirm, apply, release, verify: the part publishing a
 * build and rolling back share.
 */
export async function runJobs(jobs: readonly Job[], options: RunOptions, context: { command: 'publish' | 'rollback'; preflight: PreflightReport; refusals?: readonly string[] }): Promise<PublishOutcome> {
  const interrupts = watchInterrupts(options.logger, { signals: options.handleSignals ?? false });
  const locks: HeldLock[] = [];
  const prepared: Array<Prepared & { job: Job; ports: Ports }> = [];
  let outcome: PublishOutcome;
  let verifying = false;
  try {
    if (!options.dryRun) {
      for (const job of jobs) {
        const { site, envName, env } = job.target;
        locks.push(
          await acquireLock({ store: job.connection.store, prefix: env.prefix, site: site.domain, environment: envName, command: context.command, by: job.by, minutes: site.publish.lockMinutes, logger: options.logger, now: options.now }),
        );
      }
      for (const lock of locks) lock.keepAlive((error) => interrupts.stop(error));
    }

    for (const job of jobs) {
      // Once stopping (Ctrl-C, a lost lock), no new request starts.
      const ports: Ports = { store: interruptible(job.connection.store, interrupts), cdn: job.connection.cdn && interruptible(job.connection.cdn, interrupts) };
      const entry = await job.prepare(ports);
      prepared.push({ ...entry, job, ports });
      if (options.dryRun) await noteLockHolder(entry.publish, job, ports);
    }

    outcome = { command: context.command, environment: options.envName, dryRun: Boolean(options.dryRun), preflight: context.preflight, sites: prepared.map((entry) => entry.publish) };
    options.onPlanned?.(outcome.sites);
    const refusals = [...(context.refusals ?? []), ...prepared.flatMap((entry) => entry.publish.plan.refusals)];
    if (options.dryRun) return outcome;
    if (refusals.length > 0) throw new PublishError(`Nothing was published:\n${refusals.join('\n')}`);

    if (options.confirm && !(await options.confirm(outcome.sites))) {
      throw new PublishError('Publishing cancelled; nothing was changed.');
    }
    // A fresh expiry before the first write: the confirmation may have taken a while.
    for (const lock of locks) await lock.renewIfDue();

    for (const entry of prepared) {
      const { site, envName, env } = entry.job.target;
      options.logger.info(`${site.domain} → ${envName}: applying`);
      const report = await applyPlan({
        plan: entry.publish.plan,
        outputDir: entry.outputDir,
        build: entry.build,
        ports: entry.ports,
        logger: options.logger,
        progress: options.progress?.(entry.publish.plan),
        concurrency: options.concurrency,
        now: options.now,
        record: { ...entry.record, by: entry.job.by },
      });
      entry.publish.report = report;
      await prune(entry, report.deployRecordKey, report.record, env.prefix, site.publish.keepDeploys, options.logger);
    }
    verifying = Boolean(options.wait);
  } catch (error) {
    // Whatever failed on the way out of a stopped publish, the stop is the news.
    throw interrupts.stopped ?? error;
  } finally {
    for (const lock of locks) await lock.release();
    interrupts.dispose();
    if (!verifying) await cleanUp(prepared);
  }

  // --wait reads the pages it compares from the prepared trees, so those
  // are removed only afterwards (a rollback's restorer writes into its
  // temporary tree as it reads).
  if (verifying) {
    try {
      const tuning = typeof options.wait === 'object' ? options.wait : {};
      for (const entry of prepared) {
        const report = entry.publish.report!;
        options.logger.info(`${report.site} → ${report.environment}: verifying ${entry.job.target.env.url}`);
        entry.publish.verification = await verifyDeploy({
          url: entry.job.target.env.url,
          cdn: entry.job.connection.cdn,
          invalidations: report.invalidations,
          expectedPage: (page) => entry.expectedPage(page),
          logger: options.logger,
          ...tuning,
        });
      }
    } finally {
      await cleanUp(prepared);
    }
  }
  return outcome;
}

async function cleanUp(prepared: readonly Prepared[]): Promise<void> {
  for (const entry of prepared) await entry.cleanup?.().catch(() => undefined);
}

async function prune(entry: { ports: Ports; publish: SitePublish }, key: string, record: DeployRecord, prefix: string, keep: number, logger: Logger): Promise<void> {
  try {
    await pruneDeploys({
      store: entry.ports.store,
      prefix,
      reserved: entry.publish.state?.reserved ?? [],
      written: { key, record },
      copied: entry.publish.plan.archive.map((copy) => copy.to),
      keep,
      logger,
    });
  } catch (error) {
    // The publish itself is complete; old records can go next time.
    logger.warn(`could not remove old deploy records (${error instanceof Error ? error.message : String(error)}); the next publish tries again.`);
  }
}

/** A dry run takes no lock, but says whether a publish holds one. */
async function noteLockHolder(publish: SitePublish, job: Job, ports: Ports): Promise<void> {
  const key = lockKey(job.target.env.prefix);
  if (!publish.state?.reserved.some((object) => object.key === key)) return;
  const bytes = await ports.store.get(key);
  const holder = bytes && parseLock(bytes);
  publish.read.notes.push(holder ? `locked by ${describeHolder(holder)} since ${holder.since} (expires ${holder.expiresAt}): a real publish now would be refused` : `a lock object ${key} exists but cannot be read`);
}

function stagingOverride(options: PublishOptions, gated: boolean): { reason: string } | undefined {
  if (!options.skipStagingCheck) return undefined;
  const reason = options.skipStagingCheck.reason.trim();
  if (!reason) throw new ConfigError('--skip-staging-check needs --reason "…" saying why (it is written into the deploy record).');
  if (!gated) throw new ConfigError(`--skip-staging-check only applies to production; ${options.envName} has no staging check.`);
  return { reason };
}

/** The staging environment of the same site, where the gate reads. */
function stagingTargetOf(target: PublishTarget): PublishTarget {
  const env = environmentOf(target.site, STAGING_ENVIRONMENT);
  const keys = placeholdersIn(target.site, STAGING_ENVIRONMENT).filter((key) => key.startsWith(`environments.${STAGING_ENVIRONMENT}.bucket`));
  if (keys.length > 0) {
    throw new ConfigError(
      `${target.site.configFile}: ${keys.join(', ')} is a placeholder, so production cannot check what staging serves; name the staging bucket, or publish with --skip-staging-check --reason "…".`,
    );
  }
  return { site: target.site, envName: STAGING_ENVIRONMENT, env };
}

async function checkStaging(target: PublishTarget, staging: PublishTarget, store: Ports['store'], record: BuildRecord): Promise<StagingCheck | { result: 'refused'; reason: string }> {
  const where = `s3://${staging.env.bucket}/${staging.env.prefix}`;
  const current = await readCurrentDeploy(store, staging.env.prefix);
  const gate = stagingGate(record, current, where);
  if (gate.passed) return gate.check;
  return {
    result: 'refused',
    reason: `${target.site.domain} cannot be published to production: ${gate.reason}. Publish this commit to staging first (npm run publish -- --env staging --site ${target.site.shortName}), or override with --skip-staging-check --reason "…".`,
  };
}

/**
 * One site's plan from a finished build. Exported for what builds on
 * publishing (rollback publishes an earlier build through here).
 */
export async function planSite(
  target: PublishTarget,
  build: BuiltSite,
  ports: Ports,
  options: Pick<RunOptions, 'allowDeletes' | 'logger'>,
): Promise<SitePublish> {
  const { site, env, envName } = target;
  const nested = target.nested ?? [];
  const local = localFiles(build.record, { prefix: env.prefix, publish: site.publish, directoryIndexKeys: env.directoryIndexKeys, nested });
  // The build refused these already; publishing checks again what it is about to upload
  // (a tree changed after its build, an archived tree from before the guards), before any request.
  const uploads = new Map(local.files.map((file) => [file.aliasOf ?? file.path, file.size]));
  const sources = new Map(build.record.files.map((file) => [file.path, file.source]));
  checkWhatShips({
    dir: build.outputDir,
    files: [...uploads].map(([file, size]) => ({ path: file, size, source: sources.get(file) })),
    allowFiles: site.build.allowFiles,
    limits: { fileWarningMiB: site.build.fileSize.warningMiB, fileLimitMiB: site.build.fileSize.limitMiB, siteWarningMiB: site.build.siteSize.warningMiB, siteLimitMiB: site.build.siteSize.limitMiB },
    configFile: site.configFile,
    warn: () => undefined, // the build warned
    refuser: 'publish',
    error: PublishError,
    unusedAllowedFiles: false,
  });
  options.logger.info(`${site.domain} → ${envName}: reading s3://${env.bucket}/${env.prefix}${env.endpoint ? ` at ${env.endpoint}` : ''}`);
  const remote = await readRemote(ports.store, env.prefix, local.files, options.logger, nested);
  const input = {
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
  };
  let plan = planPublish(input);
  // What is in progress counts against CloudFront's limits, so a plan that
  // invalidates is made again knowing it — before any write, rather than
  // CloudFront refusing after the uploads. A plan with nothing to invalidate
  // asks CloudFront nothing.
  if (plan.invalidations.length > 0 && ports.cdn) {
    const cdn = ports.cdn;
    const inProgress = Object.fromEntries(
      await Promise.all(plan.invalidations.map(async (invalidation) => [invalidation.distributionId, await cdn.inProgress(invalidation.distributionId)] as const)),
    );
    plan = planPublish({ ...input, inProgress });
  }
  return { plan, read: { ...remote.requests, notes: remote.notes, previousRecordKey: remote.previous?.key }, state: { reserved: remote.reserved } };
}

/** Everything about the config that can be wrong, found before any build or request. */
export async function resolveTargets(workspace: Workspace, envName: string, names: readonly string[]): Promise<PublishTarget[]> {
  const all = await loadAllSites(workspace);
  const selected = selectSites(all, names);
  const problems: string[] = [];
  const targets = selected.map((site): PublishTarget => {
    const target: PublishTarget = { site, envName, env: environmentOf(site, envName) };
    problems.push(...placeholderProblem(target));
    const shared = sharedBucket(target, all);
    problems.push(...shared.problems);
    return { ...target, nested: shared.nested };
  });
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return targets;
}

/**
 * What can be refused from the config alone is refused here, before
 * preflight asks AWS anything. Resource ids are refused in
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
 * Every other (site, environment) the configs declare in the same bucket
 * and endpoint — other sites, and this site's other environments: with
 * production at "" and staging at "staging/" in one bucket, production's
 * listing holds staging's objects, and without this it would delete them as
 * "no longer built". The same prefix is refused; a prefix inside this one
 * is set aside (never listed as ours, written or deleted); an enclosing
 * prefix is fine here, as that publish sets this one aside in turn.
 */
function sharedBucket(target: PublishTarget, all: readonly SiteConfig[]): { problems: string[]; nested: NestedPrefix[] } {
  const problems: string[] = [];
  const nested: NestedPrefix[] = [];
  const mine = target.env;
  // A placeholder bucket is refused anyway; comparing it would only add noise.
  if (isPlaceholder(mine.bucket)) return { problems, nested };
  for (const other of all) {
    for (const [otherEnvName, theirs] of Object.entries(other.environments)) {
      if (other === target.site && otherEnvName === target.envName) continue;
      if (theirs.bucket !== mine.bucket || (theirs.endpoint ?? '') !== (mine.endpoint ?? '')) continue;
      if (theirs.prefix === mine.prefix) {
        problems.push(
          `${target.site.configFile} (environments.${target.envName}) and ${other.configFile} (environments.${otherEnvName}) both publish to s3://${mine.bucket}/${mine.prefix}, so each would delete the other's files; give one of them its own bucket or prefix.`,
        );
      } else if (theirs.prefix.startsWith(mine.prefix)) {
        nested.push({ prefix: theirs.prefix, owner: `${other.domain} → ${otherEnvName}` });
      }
    }
  }
  // Only the outermost (whatever is under a set-aside prefix is set aside
  // with it), one entry per prefix naming every owner.
  const byPrefix = new Map<string, string[]>();
  for (const entry of nested) {
    if (nested.some((outer) => entry.prefix !== outer.prefix && entry.prefix.startsWith(outer.prefix))) continue;
    byPrefix.set(entry.prefix, [...(byPrefix.get(entry.prefix) ?? []), entry.owner]);
  }
  const outermost = [...byPrefix].map(([prefix, owners]) => ({ prefix, owner: owners.join(' and ') }));
  return { problems, nested: outermost.sort((a, b) => compareKeys(a.prefix, b.prefix)) };
}
