/**
 * `npm run status`: for every site and environment, what is live and
 * whether anything needs doing — read from the buckets, CloudFront, STS and
 * the public URLs, never written to. Per environment:
 *
 *   placeholders   a bucket still named "placeholder-…" is not deployed: no request at all
 *   credentials    each set once (credentials.ts), as preflight checks them; an
 *                  environment whose credentials do not work is not read
 *   bucket         HeadBucket (a missing bucket is not "nothing published")
 *   live deploy    `.publish/current.json` and the deploy record it names
 *                  (build id, commit, when, who), the lock if a publish holds one
 *   invalidation   GetInvalidation for each invalidation the record made
 *   working tree   this checkout's source digest against the live deploy's
 *   live page      the public URL's build-id meta tag against the record's
 *                  page id (verify.ts, as `publish --wait` checks it), and
 *                  whether the URL serves the deploy pointer
 *   staging        production only: whether it serves what staging serves
 *                  (the staging gate's rule), or lags behind it
 *
 * Only calls the publisher makes anyway (aws-calls.ts), so the publishing
 * role of an environment can run it: HeadBucket, GetObject,
 * GetInvalidation, GetCallerIdentity. Everything found is a finding: an
 * action (the command exits non-zero) or a note.
 */
import { gitState, type GitState } from '../build/git-state.ts';
import { sourceDigest } from '../build/source-digest.ts';
import { isPlaceholder } from '../config/schema.ts';
import { environmentOf, isProduction, loadAllSites, placeholdersIn, selectSites, type SiteConfig, type Workspace } from '../config/sites.ts';
import { ConfigError, isUserError } from '../errors.ts';
import { awsConnector, type Connector } from '../publish/connect.ts';
import type { DeployRecord, Publisher } from '../publish/deploy-record.ts';
import { describeHolder, lockKey, parseLock } from '../publish/lock.ts';
import type { Connection } from '../publish/ports.ts';
import type { PublishTarget } from '../publish/publish.ts';
import { isLoopback } from '../publish/s3-store.ts';
import { STAGING_ENVIRONMENT, readCurrentDeploy, stagingGate, type StagingDeploy } from '../publish/staging-gate.ts';
import { checkLivePage, exposedRecords, pageForUrl, recordsExposedWarning, type LivePageCheck } from '../publish/verify.ts';
import { CREDENTIAL_CHECKS, CREDENTIAL_PROBLEMS, awsCredentialCheck, runCredentialCheck, type CredentialCheck, type CredentialCheckSource, type CredentialReport } from './credentials.ts';

export interface StatusOptions {
  workspace: Workspace;
  /** Short names or domains; empty means every site. */
  sites?: readonly string[];
  /** Environment names; empty means every environment each site declares. */
  envs?: readonly string[];
  /** The adapters for an environment; by default the AWS SDK ones its config describes. */
  connect?: Connector;
  /** Sources of more credentials to report; by default CREDENTIAL_CHECKS (credentials.ts). */
  credentialChecks?: readonly CredentialCheckSource[];
  now?: () => Date;
  /** How the public URLs are fetched (tests route them); by default HTTP(S), *.localhost to 127.0.0.1. */
  fetchPage?: (url: string) => Promise<{ status: number; body: string }>;
  /** Fetches of a public URL before a mismatch counts; 1 by default (a status is not right after a publish). */
  attempts?: number;
}

/** Where an environment stands, in one word (the table's first column after its name). */
export type EnvironmentState =
  /** The bucket is still a placeholder: nothing was ever asked. */
  | 'not-deployed'
  /** Its credentials do not work (the credentials table says why): nothing was read. */
  | 'not-checked'
  /** The bucket could not be reached. */
  | 'unreachable'
  /** The bucket holds no deploy pointer. */
  | 'nothing-published'
  /** The pointer or the record it names cannot be read. */
  | 'unreadable'
  | 'live';

export interface LiveDeploy {
  /** Full key of the deploy record. */
  record: string;
  buildId: string;
  sourceDigest: string;
  commit: string | null;
  clean: boolean;
  publishedAt: string;
  by: Publisher | null;
  command: 'publish' | 'rollback';
  /** Production published with --skip-staging-check: the reason recorded. */
  stagingSkipped?: string;
  invalidations: Array<{ distributionId: string; id: string; status: string }>;
}

export interface EnvironmentStatus {
  site: string;
  shortName: string;
  environment: string;
  url: string;
  bucket: string;
  prefix: string;
  endpoint?: string;
  state: EnvironmentState;
  /** Why it is unreachable or unreadable, in one sentence. */
  problem?: string;
  /** Unreachable because the local S3 server (npm run s3:local) is not running: a note, not an action. */
  localServerDown?: boolean;
  /** Config keys still holding placeholders (a publish refuses until they are set). */
  placeholders: string[];
  live: LiveDeploy | null;
  /** A publish holding the environment's lock now (or one that died holding it). */
  lock: { holder: string; since: string; expiresAt: string; expired: boolean } | null;
  /** This checkout against the live deploy; null when nothing is live. */
  workingTree: { sourceDigest: string; unpublishedChanges: boolean } | null;
  /** Production only, when both are known: what it serves against what staging serves. */
  staging: { state: 'current' | 'behind' | 'ahead' | 'unknown'; stagingBuildId?: string; stagingPublishedAt?: string; reason?: string } | null;
  /** The public URL's build-id against the record's; null when nothing is live. */
  livePage: (LivePageCheck & { url: string; page: string; recordsExposed?: string }) | { url: string; page: string; result: 'skipped'; note: string } | null;
}

export interface Finding {
  /** "86from.com → staging", or "credentials". */
  where: string;
  message: string;
  /** The command that does what is needed, when there is one. */
  command?: string;
}

export interface StatusReport {
  generatedAt: string;
  /** The checkout the working-tree comparison is made from. */
  checkout: GitState;
  environments: EnvironmentStatus[];
  credentials: CredentialReport[];
  /** What needs doing; the command exits non-zero when there is any. */
  actions: Finding[];
  notes: Finding[];
  needsAction: boolean;
}

interface Read {
  target: PublishTarget;
  status: EnvironmentStatus;
  current?: StagingDeploy;
  /** Not asked for (production's staging, read for the comparison): not shown. */
  hidden: boolean;
}

export async function collectStatus(options: StatusOptions): Promise<StatusReport> {
  const now = options.now ?? (() => new Date());
  const all = await loadAllSites(options.workspace);
  const sites = selectSites(all, options.sites ?? []);
  const wanted = targetsOf(sites, options.envs ?? []);
  const connect = options.connect ?? awsConnector();
  const actions: Finding[] = [];
  const notes: Finding[] = [];

  // Production is compared with staging even when only production is asked for.
  const targets: Array<{ target: PublishTarget; hidden: boolean }> = wanted.map((target) => ({ target, hidden: false }));
  for (const target of wanted) {
    if (!isProduction(target.envName) || !target.site.environments[STAGING_ENVIRONMENT]) continue;
    if (wanted.some((other) => other.site === target.site && other.envName === STAGING_ENVIRONMENT)) continue;
    targets.push({ target: { site: target.site, envName: STAGING_ENVIRONMENT, env: environmentOf(target.site, STAGING_ENVIRONMENT) }, hidden: true });
  }

  const connections = new Map<PublishTarget, Connection>();
  for (const { target } of targets) if (!isPlaceholder(target.env.bucket)) connections.set(target, connect(target));

  // Credentials: one check per set (the connector shares a set between environments with the same profile).
  const byCredentials = new Map<unknown, { connection: Connection; usedBy: string[] }>();
  for (const [target, connection] of connections) {
    const entry = byCredentials.get(connection.credentials) ?? { connection, usedBy: [] };
    entry.usedBy.push(label(target));
    byCredentials.set(connection.credentials, entry);
  }
  const awsReports = new Map<unknown, CredentialReport>();
  for (const [key, { connection, usedBy }] of byCredentials) {
    awsReports.set(key, await runCredentialCheck(awsCredentialCheck(connection.credentials, connection.identity, usedBy), now()));
  }
  const extraChecks: CredentialCheck[] = [];
  for (const source of options.credentialChecks ?? CREDENTIAL_CHECKS) {
    extraChecks.push(...(await source({ workspace: options.workspace, sites, envNames: [...new Set(wanted.map((target) => target.envName))] })));
  }
  const extraReports: CredentialReport[] = [];
  for (const check of extraChecks) extraReports.push(await runCredentialCheck(check, now()));

  const checkout = await gitState(options.workspace.root);
  const digests = new Map<SiteConfig, Promise<string>>();
  const digestOf = (site: SiteConfig) => {
    let digest = digests.get(site);
    if (!digest) digests.set(site, (digest = sourceDigest(options.workspace, site)));
    return digest;
  };

  const reads: Read[] = await Promise.all(
    targets.map(async ({ target, hidden }): Promise<Read> => {
      const connection = connections.get(target);
      const credentials = connection && awsReports.get(connection.credentials);
      const findings = { action: (message: string, command?: string) => !hidden && actions.push(finding(target, message, command)), note: (message: string) => !hidden && notes.push(finding(target, message)) };
      return readEnvironment(target, connection, credentials, { ...options, now, digestOf, findings, hidden });
    }),
  );

  for (const read of reads) {
    if (!isProduction(read.target.envName) || read.hidden) continue;
    const staging = reads.find((other) => other.target.site === read.target.site && other.target.envName === STAGING_ENVIRONMENT);
    if (staging) compareWithStaging(read, staging, { action: (message, command) => actions.push(finding(read.target, message, command)), note: (message) => notes.push(finding(read.target, message)) });
  }

  const credentials = mergeReports([...awsReports.values(), ...extraReports]);
  for (const report of credentials) {
    if (report.problem) actions.push({ where: 'credentials', message: `${report.problem}${report.usedBy.length ? ` (used by ${report.usedBy.join(', ')})` : ''}`, ...(report.renew ? { command: report.renew } : {}) });
    else if (report.state === 'expiring') {
      notes.push({ where: 'credentials', message: `${report.source} expires at ${report.expiresAt}; renew before a long publish with \`${report.renew}\`.` });
    }
  }

  // Findings in the order of the table: sites and environments as declared, then credentials.
  const order = (entry: Finding) => {
    const index = wanted.findIndex((target) => label(target) === entry.where);
    return index === -1 ? wanted.length : index;
  };
  actions.sort((a, b) => order(a) - order(b));
  notes.sort((a, b) => order(a) - order(b));

  return {
    generatedAt: now().toISOString(),
    checkout,
    environments: reads.filter((read) => !read.hidden).map((read) => read.status),
    credentials,
    actions,
    notes,
    needsAction: actions.length > 0,
  };
}

/** "86from.com → staging": the publisher's own way of naming a site's environment. */
export function label(target: PublishTarget): string {
  return `${target.site.domain} → ${target.envName}`;
}

function finding(target: PublishTarget, message: string, command?: string): Finding {
  return { where: label(target), message, ...(command ? { command } : {}) };
}

function targetsOf(sites: readonly SiteConfig[], envs: readonly string[]): PublishTarget[] {
  const targets: PublishTarget[] = [];
  for (const site of sites) {
    const names = envs.length > 0 ? envs : Object.keys(site.environments);
    for (const envName of names) targets.push({ site, envName, env: environmentOf(site, envName) });
  }
  if (targets.length === 0) throw new ConfigError('No site to report on: sites/ holds no site.yaml.');
  return targets;
}

interface ReadContext extends StatusOptions {
  now: () => Date;
  digestOf(site: SiteConfig): Promise<string>;
  findings: { action(message: string, command?: string): void; note(message: string): void };
  hidden: boolean;
}

async function readEnvironment(target: PublishTarget, connection: Connection | undefined, credentials: CredentialReport | undefined, context: ReadContext): Promise<Read> {
  const { site, envName, env } = target;
  const placeholders = placeholdersIn(site, envName).filter((key) => isProduction(envName) || key.startsWith('environments.'));
  const status: EnvironmentStatus = {
    site: site.domain,
    shortName: site.shortName,
    environment: envName,
    url: env.url,
    bucket: env.bucket,
    prefix: env.prefix,
    ...(env.endpoint ? { endpoint: env.endpoint } : {}),
    state: 'not-deployed',
    placeholders,
    live: null,
    lock: null,
    workingTree: null,
    staging: null,
    livePage: null,
  };
  const read: Read = { target, status, hidden: context.hidden };
  if (!connection) return read;
  const { findings } = context;
  if (placeholders.length > 0) {
    findings.note(`${placeholders.join(', ')} ${placeholders.length === 1 ? 'is a placeholder' : 'are placeholders'} in ${site.configFile}, so a publish is refused until the real names are there.`);
  }
  if (!credentials || CREDENTIAL_PROBLEMS.includes(credentials.state)) {
    status.state = 'not-checked';
    return read;
  }

  try {
    await connection.store.checkBucket();
  } catch (error) {
    if (!isUserError(error)) throw error;
    status.state = 'unreachable';
    status.problem = error.message;
    // A local server that is not running is the usual state of a checkout, not a problem (the row says so).
    if (isLoopback(env.endpoint) && /nothing answers at/.test(error.message)) status.localServerDown = true;
    else findings.action(error.message);
    return read;
  }

  let current: Awaited<ReturnType<typeof readCurrentDeploy>>;
  let lock: Buffer | undefined;
  try {
    [current, lock] = await Promise.all([readCurrentDeploy(connection.store, env.prefix), connection.store.get(lockKey(env.prefix))]);
  } catch (error) {
    if (!isUserError(error)) throw error;
    status.state = 'unreadable';
    status.problem = error.message;
    findings.action(error.message);
    return read;
  }
  const now = context.now();
  const holder = lock && parseLock(lock);
  if (holder) {
    const expired = Date.parse(holder.expiresAt) <= now.getTime();
    status.lock = { holder: describeHolder(holder), since: holder.since, expiresAt: holder.expiresAt, expired };
    findings.note(
      expired
        ? `a publish by ${describeHolder(holder)} stopped without removing its lock (since ${holder.since}, expired ${holder.expiresAt}); the next publish takes it over.`
        : `being published now by ${describeHolder(holder)} (since ${holder.since}, lock expires ${holder.expiresAt}); what follows may change within minutes.`,
    );
  }

  if (!current) {
    status.state = 'nothing-published';
    return read;
  }
  if ('problem' in current) {
    status.state = 'unreadable';
    status.problem = `the live deploy cannot be read: ${current.problem}`;
    findings.action(`${status.problem}. Publish again to write a new one.`, publishCommand(target));
    return read;
  }
  read.current = current;
  const { record } = current;
  status.state = 'live';
  status.live = liveDeploy(current.key, record);
  if (record.command === 'rollback' && record.rollback) findings.note(`serves a rollback: build ${record.buildId} was restored from ${record.rollback.restored}.`);

  const invalidations = await invalidationStates(record, connection, findings);
  status.live.invalidations = invalidations;
  const inProgress = invalidations.filter((invalidation) => invalidation.status === 'InProgress');
  if (inProgress.length > 0) findings.note(`invalidation ${inProgress.map((entry) => `${entry.id} on ${entry.distributionId}`).join(', ')} is still in progress, so some edges may serve the previous files for a few minutes.`);

  const digest = await context.digestOf(site);
  status.workingTree = { sourceDigest: digest, unpublishedChanges: digest !== record.sourceDigest };
  if (status.workingTree.unpublishedChanges) {
    findings.action(
      `this checkout holds unpublished changes: its source digest ${short(digest)} is not the live deploy's ${short(record.sourceDigest)} (build ${record.buildId}, commit ${short(record.git.commit)}${record.git.clean ? '' : ' with uncommitted changes'}, published ${record.publishedAt}).`,
      publishCommand(target),
    );
  }

  if (!context.hidden) status.livePage = await checkPublicPage(target, record, inProgress.length > 0, context);
  return read;
}

function liveDeploy(key: string, record: DeployRecord): LiveDeploy {
  return {
    record: key,
    buildId: record.buildId,
    sourceDigest: record.sourceDigest,
    commit: record.git.commit,
    clean: record.git.clean,
    publishedAt: record.publishedAt,
    by: record.by ?? null,
    command: record.command ?? 'publish',
    ...(record.stagingCheck?.result === 'skipped' ? { stagingSkipped: record.stagingCheck.reason } : {}),
    invalidations: [],
  };
}

/** The record's invalidations as CloudFront sees them now. */
async function invalidationStates(record: DeployRecord, connection: Connection, findings: ReadContext['findings']): Promise<LiveDeploy['invalidations']> {
  const states: LiveDeploy['invalidations'] = [];
  for (const invalidation of record.invalidations) {
    if (!connection.cdn) {
      states.push({ distributionId: invalidation.distributionId, id: invalidation.id, status: 'unknown' });
      findings.note(`the live deploy invalidated ${invalidation.distributionId}, which the config no longer names, so its state was not asked.`);
      continue;
    }
    try {
      const answer = await connection.cdn.invalidation(invalidation.distributionId, invalidation.id);
      states.push({ distributionId: invalidation.distributionId, id: invalidation.id, status: answer.status });
    } catch (error) {
      if (!isUserError(error)) throw error;
      states.push({ distributionId: invalidation.distributionId, id: invalidation.id, status: 'unknown' });
      findings.note(error.message);
    }
  }
  return states;
}

/**
 * The public URL's page against the record's id for that page: a page
 * still served from a cache that was not invalidated, or by a distribution
 * in front of another bucket, shows here.
 */
async function checkPublicPage(target: PublishTarget, record: DeployRecord, invalidating: boolean, context: ReadContext): Promise<EnvironmentStatus['livePage']> {
  const { url, distributions, profile } = target.env;
  const page = pageForUrl(url);
  const { findings } = context;
  const recordsExposed = await exposedRecords(url, context.fetchPage);
  if (recordsExposed) findings.action(recordsExposedWarning(recordsExposed));
  const exposed = recordsExposed ? { recordsExposed } : {};
  const expected = record.pageIds?.[page];
  if (!expected) {
    const note = record.pageIds ? `${url} names ${page}, which the live deploy does not hold, so its build-id was not compared` : `the live deploy's record lists no page ids (an older publisher wrote it), so ${url} was not compared`;
    findings.note(note);
    return { url, page, result: 'skipped', note, ...exposed };
  }
  const check = await checkLivePage({ url, expected, fetchPage: context.fetchPage, attempts: context.attempts ?? 1, pollMs: 2_000 });
  if (check.result === 'skipped') findings.note(check.note!);
  if (check.result === 'mismatch') {
    const problem = `${check.note}: the live deploy (build ${record.buildId}, published ${record.publishedAt}) sent ${page} with build-id ${expected}`;
    if (invalidating) findings.note(`${problem}, and its invalidation is still in progress; look again in a few minutes.`);
    else if (distributions.length > 0) {
      findings.action(`${problem}; the page is served stale from the CDN's cache, or by a distribution in front of another bucket.`, invalidateCommand(distributions[0]!.id, url, profile));
    } else {
      findings.action(`${problem}; whatever answers at ${url} does not serve this environment's bucket (s3://${target.env.bucket}/${target.env.prefix}), or caches it.`);
    }
  }
  return { url, page, ...check, ...exposed };
}

function compareWithStaging(production: Read, staging: Read, findings: { action(message: string, command?: string): void; note(message: string): void }): void {
  const { status } = production;
  const site = production.target.site;
  if (!staging.current) {
    if (status.state !== 'live') return;
    const reason = STAGING_UNKNOWN[staging.status.state as Exclude<EnvironmentState, 'live'>];
    status.staging = { state: 'unknown', reason };
    if (staging.status.state === 'nothing-published') findings.note(`${reason}, so the staging check refuses the next production publish until staging serves the same source.`);
    return;
  }
  const theirs = staging.current.record;
  const stagingFacts = { stagingBuildId: theirs.buildId, stagingPublishedAt: theirs.publishedAt };
  const served = `staging serves build ${theirs.buildId} (commit ${short(theirs.git.commit)}, published ${theirs.publishedAt})`;
  const command = `npm run publish -- --env production --site ${site.shortName}`;
  if (status.state === 'nothing-published') {
    status.staging = { state: 'behind', ...stagingFacts, reason: 'production has nothing published' };
    findings.action(`production has nothing published; ${served}.`, command);
    return;
  }
  if (!production.current) return;
  const ours = production.current.record;
  const gate = stagingGate(ours, staging.current, `s3://${staging.status.bucket}/${staging.status.prefix}`);
  if (gate.passed) {
    status.staging = { state: 'current', ...stagingFacts };
    return;
  }
  const mine = `production serves build ${ours.buildId} (commit ${short(ours.git.commit)}, published ${ours.publishedAt})`;
  if (Date.parse(theirs.publishedAt) > Date.parse(ours.publishedAt)) {
    status.staging = { state: 'behind', ...stagingFacts, reason: gate.reason };
    findings.action(`production lags staging: ${served}, ${mine}.`, command);
  } else {
    status.staging = { state: 'ahead', ...stagingFacts, reason: gate.reason };
    const skipped = ours.stagingCheck?.result === 'skipped' ? ` (published with --skip-staging-check: "${ours.stagingCheck.reason}")` : '';
    findings.note(`production serves another source than staging, published after staging's deploy${skipped}: ${mine}, ${served}.`);
  }
}

const STAGING_UNKNOWN: Record<Exclude<EnvironmentState, 'live'>, string> = {
  'not-deployed': 'staging is not deployed',
  'not-checked': "staging was not read (its credentials do not work)",
  unreachable: "staging's bucket cannot be reached",
  'nothing-published': 'staging has nothing published',
  unreadable: "staging's live deploy cannot be read",
};

/** The same credentials seen through several connections (one per environment in tests) are one row. */
function mergeReports(reports: readonly CredentialReport[]): CredentialReport[] {
  const merged: CredentialReport[] = [];
  for (const report of reports) {
    const same = merged.find((other) => other.source === report.source && other.state === report.state && other.expiresAt === report.expiresAt && other.renew === report.renew && other.problem === report.problem);
    if (same) same.usedBy.push(...report.usedBy.filter((name) => !same.usedBy.includes(name)));
    else merged.push({ ...report, usedBy: [...report.usedBy] });
  }
  return merged;
}

export function words(state: EnvironmentState): string {
  switch (state) {
    case 'not-deployed':
      return 'not deployed';
    case 'not-checked':
      return 'not checked (its credentials do not work)';
    case 'unreachable':
      return 'not reachable';
    case 'nothing-published':
      return 'nothing published';
    case 'unreadable':
      return 'unreadable';
    case 'live':
      return 'live';
  }
}

function publishCommand(target: PublishTarget): string {
  return `npm run publish -- --env ${target.envName} --site ${target.site.shortName}`;
}

function invalidateCommand(distributionId: string, url: string, profile: string | undefined): string {
  const path = new URL(url).pathname;
  return `aws cloudfront create-invalidation --distribution-id ${distributionId} --paths '${path}'${profile ? ` --profile ${profile}` : ''}`;
}

function short(value: string | null): string {
  return value ? value.slice(0, 12) : 'none';
}
