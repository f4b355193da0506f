/**
 * `npm run status` against the loopback servers: s3rver (staging and
 * production buckets), the CloudFront and STS stand-ins, and a public URL
 * per environment serving its bucket (which can serve a stale page). The
 * fixture is published with the real recipe, in-process; the status
 * function is called in-process too, and the command in a child process for
 * its exit codes, its table, --json and credentials from the real chain.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { UserError } from '../../scripts/errors.ts';
import { PUBLISHER_CALLS } from '../../scripts/publish/aws-calls.ts';
import { publishSites } from '../../scripts/publish/publish.ts';
import { buildIdIn } from '../../scripts/publish/verify.ts';
import type { CredentialCheck } from '../../scripts/status/credentials.ts';
import { formatStatus } from '../../scripts/status/format.ts';
import { collectStatus, type EnvironmentStatus, type StatusOptions, type StatusReport } from '../../scripts/status/status.ts';
import { serveBucket, type BucketWebsite } from '../helpers/bucket-website.ts';
import { hasStackTrace, isolatedAwsEnv, runCli } from '../helpers/cli.ts';
import { freePort } from '../helpers/http.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { commitAll, onTestServers, startPublishServers, type PublishServers } from '../helpers/publish-servers.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

const DISTRIBUTION = 'E4STATUSDIST1';
const PRODUCTION_URL = 'https://fixture.test';
const STALE = '<!doctype html><html><head><meta name="build-id" content="0ld0ld0ld0ld0ld0"></head></html>';
const quiet = { info() {}, warn() {} };

let servers: PublishServers;

interface Ctx {
  tmp: TempDir;
  staging: string;
  production: string;
  stagingSite: BucketWebsite;
  productionSite: BucketWebsite;
  commit: string;
}
const test = suite<Ctx>('npm run status, against the loopback servers');

test.before(async () => {
  servers = await startPublishServers({ distributions: [DISTRIBUTION] });
});
test.after(async () => {
  await servers.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('status-');
  ({ staging: ctx.staging, production: ctx.production } = await servers.bucketPair('status'));
  ctx.stagingSite = await serveBucket(servers.s3.store(ctx.staging));
  ctx.productionSite = await serveBucket(servers.s3.store(ctx.production));
  await copySharedParts(ctx.tmp.dir);
  const tree = fixtureSite({ pages: { 'content/about.md': about('About.') } });
  tree['sites/fixture.test/site.yaml'] = onTestServers(tree['sites/fixture.test/site.yaml'] as string, {
    endpoint: servers.s3.endpoint,
    staging: ctx.staging,
    production: ctx.production,
    distribution: DISTRIBUTION,
  })
    .replace('    url: https://staging.fixture.test\n', `    url: ${ctx.stagingSite.url}\n`)
    .replace('    bucket: fixture-development\n', '    bucket: placeholder-fixture-development\n');
  await ctx.tmp.write(tree);
  ctx.commit = await commitAll(ctx.tmp.dir, 'first');
  servers.clear();
});
test.after.each(async (ctx) => {
  await ctx.stagingSite.close();
  await ctx.productionSite.close();
  await ctx.tmp.cleanup();
});

const about = (body: string) => page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', body);

function publish(ctx: Ctx, envName: string) {
  return publishSites({ workspace: workspaceAt(ctx.tmp.dir), envName, sites: [], logger: quiet, connect: servers.connect() });
}

/** Production's public URL must be on the domain; in-process, it is routed to production's loopback website. */
function fetchPage(ctx: Ctx) {
  return async (url: string) => {
    const response = await fetch(url.startsWith(PRODUCTION_URL) ? ctx.productionSite.url + url.slice(PRODUCTION_URL.length) : url);
    return { status: response.status, body: await response.text() };
  };
}

function status(ctx: Ctx, options: Partial<StatusOptions> = {}): Promise<StatusReport> {
  return collectStatus({ workspace: workspaceAt(ctx.tmp.dir), connect: servers.connect(), fetchPage: fetchPage(ctx), credentialChecks: [], ...options });
}

const env = (report: StatusReport, name: string): EnvironmentStatus => report.environments.find((entry) => entry.environment === name)!;
const where = (report: StatusReport, list: 'actions' | 'notes' = 'actions') => report[list].map((entry) => entry.where);
const builtId = async (ctx: Ctx, envName: string) => buildIdIn(await readFile(path.join(ctx.tmp.dir, `dist/${envName}/fixture.test/index.html`), 'utf8'));

/** Status only reads, and only with calls the publisher's table lists. */
function onlyReads(): void {
  const s3 = new Set(servers.s3.log.requests.map((request) => request.operation));
  assert.ok([...s3].every((operation) => operation === 'HeadBucket' || operation === 'GetObject'), [...s3].join(', '));
  const cloudfront = new Set(servers.cloudfront.requests.map((request) => request.operation));
  assert.ok([...cloudfront].every((operation) => operation === 'GetInvalidation'), [...cloudfront].join(', '));
  for (const operation of [...s3, ...cloudfront, ...servers.sts.requests.map((request) => request.action)]) assert.ok(operation in PUBLISHER_CALLS, operation);
}

test('nothing published yet: every environment says so, placeholders say "not deployed" without a request, and nothing needs action', async (ctx) => {
  const report = await status(ctx);
  assert.equal(
    report.environments.map((entry) => [entry.environment, entry.state, entry.placeholders]),
    [
      ['development', 'not-deployed', ['environments.development.bucket']],
      ['staging', 'nothing-published', []],
      ['production', 'nothing-published', []],
    ],
  );
  assert.is(report.needsAction, false);
  assert.equal(report.actions, []);
  assert.equal(report.checkout, { commit: ctx.commit, clean: true });
  assert.equal(report.credentials, [{ source: 'test credentials', usedBy: ['fixture.test → staging', 'fixture.test → production'], renew: 'renew the test credentials', local: false, identity: servers.sts.callerArn, state: 'valid' }]);
  // Per environment: HeadBucket, the pointer, the lock; never the placeholder bucket, never a write.
  assert.equal(servers.s3.log.requests.map((request) => [request.operation, request.bucket, request.key]).sort(), [
    ['GetObject', ctx.production, '.publish/current.json'],
    ['GetObject', ctx.production, '.publish/lock.json'],
    ['GetObject', ctx.staging, '.publish/current.json'],
    ['GetObject', ctx.staging, '.publish/lock.json'],
    ['HeadBucket', ctx.production, ''],
    ['HeadBucket', ctx.staging, ''],
  ]);
  // Once per set of credentials (the test connector gives each environment its own set; the table merges them).
  assert.ok(servers.sts.requests.length > 0 && servers.sts.requests.every((request) => request.action === 'GetCallerIdentity'));
  assert.equal(servers.cloudfront.requests, []);
  const table = formatStatus(report);
  assert.match(table, /fixture\.test {2}development {2}not deployed \(placeholders: environments\.development\.bucket\)\n/);
  assert.match(table, /fixture\.test {2}staging {6}nothing published\n/);
  assert.match(table, '\nNothing needs action.\n');
});

test('staging published, production not: staging is live and current, production needs the publish staging is waiting for', async (ctx) => {
  const published = await publish(ctx, 'staging');
  const record = published.sites[0]!.report!.record;
  servers.clear();
  const report = await status(ctx);
  const staging = env(report, 'staging');
  assert.is(staging.state, 'live');
  assert.equal(staging.live, {
    record: published.sites[0]!.report!.deployRecordKey,
    buildId: record.buildId,
    sourceDigest: record.sourceDigest,
    commit: ctx.commit,
    clean: true,
    publishedAt: record.publishedAt,
    by: record.by!,
    command: 'publish',
    invalidations: [],
  });
  assert.is(staging.live!.by!.arn, servers.sts.callerArn);
  assert.equal(staging.workingTree, { sourceDigest: record.sourceDigest, unpublishedChanges: false });
  assert.equal([staging.livePage?.result, staging.livePage?.page, 'live' in staging.livePage! && staging.livePage.live], ['match', 'index.html', await builtId(ctx, 'staging')]);
  assert.equal(staging.staging, null);

  const production = env(report, 'production');
  assert.equal([production.state, production.staging?.state, production.staging?.stagingBuildId], ['nothing-published', 'behind', record.buildId]);
  assert.equal(report.actions, [
    {
      where: 'fixture.test → production',
      message: `production has nothing published; staging serves build ${record.buildId} (commit ${ctx.commit.slice(0, 12)}, published ${record.publishedAt}).`,
      command: 'npm run publish -- --env production --site fixture',
    },
  ]);
  assert.ok(report.needsAction);
  onlyReads();
  // The deploy pointer was asked of the public URL too, and hidden (403) as the bucket policy makes it.
  assert.ok(ctx.stagingSite.requests.includes('/.publish/current.json'));
});

test('everything current: production serves what staging serves, each live page matches, invalidations are followed to completion', async (ctx) => {
  await publish(ctx, 'staging');
  await publish(ctx, 'production');
  // A second round, so production's record holds an invalidation.
  await ctx.tmp.write({ 'sites/fixture.test/content/about.md': about('About, revised.') });
  await commitAll(ctx.tmp.dir, 'second');
  await publish(ctx, 'staging');
  const production = (await publish(ctx, 'production')).sites[0]!.report!;
  const invalidation = production.invalidations[0]!;
  servers.clear();

  const during = await status(ctx);
  assert.equal(env(during, 'production').live!.invalidations, [{ distributionId: DISTRIBUTION, id: invalidation.id, status: 'InProgress' }]);
  assert.equal(during.notes.map((note) => note.message), [`invalidation ${invalidation.id} on ${DISTRIBUTION} is still in progress, so some edges may serve the previous files for a few minutes.`]);
  assert.is(during.needsAction, false);

  servers.cloudfront.completeAll();
  const report = await status(ctx);
  assert.equal(
    report.environments.map((entry) => [entry.environment, entry.state, entry.workingTree?.unpublishedChanges ?? null, entry.livePage?.result ?? null, entry.staging?.state ?? null]),
    [
      ['development', 'not-deployed', null, null, null],
      ['staging', 'live', false, 'match', null],
      ['production', 'live', false, 'match', 'current'],
    ],
  );
  assert.equal(env(report, 'production').live!.invalidations, [{ distributionId: DISTRIBUTION, id: invalidation.id, status: 'Completed' }]);
  assert.equal([report.actions, report.notes, report.needsAction], [[], [], false]);
  onlyReads();
  const table = formatStatus(report);
  assert.match(table, new RegExp(`fixture\\.test {2}production +${production.record.buildId} {2}[0-9a-f]{12} {2}\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ, just now {2}moto +Completed +current +current +matches\\n`), table);
});

test('production lags staging: a newer commit on staging is an action naming both builds, and production holds unpublished changes', async (ctx) => {
  await publish(ctx, 'staging');
  const old = (await publish(ctx, 'production')).sites[0]!.report!.record;
  await ctx.tmp.write({ 'sites/fixture.test/content/about.md': about('About, revised.') });
  const second = await commitAll(ctx.tmp.dir, 'second');
  const newer = (await publish(ctx, 'staging')).sites[0]!.report!.record;
  const report = await status(ctx);
  const production = env(report, 'production');
  assert.equal([production.staging?.state, production.staging?.stagingBuildId, production.workingTree?.unpublishedChanges], ['behind', newer.buildId, true]);
  assert.is(env(report, 'staging').workingTree?.unpublishedChanges, false);
  assert.equal(report.actions, [
    {
      where: 'fixture.test → production',
      message: `this checkout holds unpublished changes: its source digest ${newer.sourceDigest.slice(0, 12)} is not the live deploy's ${old.sourceDigest.slice(0, 12)} (build ${old.buildId}, commit ${ctx.commit.slice(0, 12)}, published ${old.publishedAt}).`,
      command: 'npm run publish -- --env production --site fixture',
    },
    {
      where: 'fixture.test → production',
      message: `production lags staging: staging serves build ${newer.buildId} (commit ${second.slice(0, 12)}, published ${newer.publishedAt}), production serves build ${old.buildId} (commit ${ctx.commit.slice(0, 12)}, published ${old.publishedAt}).`,
      command: 'npm run publish -- --env production --site fixture',
    },
  ]);
  const table = formatStatus(report);
  assert.match(table, /fixture\.test {2}production .* unpublished changes {2}lags staging {2}matches\n/, table);
});

test('the working tree changed since the live deploy: unpublished changes, with the command that publishes them', async (ctx) => {
  const record = (await publish(ctx, 'staging')).sites[0]!.report!.record;
  await ctx.tmp.write({ 'sites/fixture.test/content/about.md': about('About, not yet published.') });
  const report = await status(ctx, { envs: ['staging'] });
  const staging = env(report, 'staging');
  assert.is(staging.workingTree?.unpublishedChanges, true);
  assert.is.not(staging.workingTree?.sourceDigest, record.sourceDigest);
  assert.equal(report.checkout, { commit: ctx.commit, clean: false });
  assert.equal(where(report), ['fixture.test → staging']);
  assert.match(report.actions[0]!.message, /^this checkout holds unpublished changes: its source digest [0-9a-f]{12} is not the live deploy's /);
  assert.is(report.actions[0]!.command, 'npm run publish -- --env staging --site fixture');
  // Only staging was asked for, and only staging was read.
  assert.equal(report.environments.map((entry) => entry.environment), ['staging']);
  assert.ok(servers.s3.log.requests.every((request) => request.bucket === ctx.staging));
});

test('a stale live page: the build-id the URL serves against the record’s, an action — with the invalidation to send when a CDN is in front', async (ctx) => {
  await publish(ctx, 'staging');
  const record = (await publish(ctx, 'production')).sites[0]!.report!.record;
  ctx.stagingSite.stale(STALE);
  ctx.productionSite.stale(STALE);
  const report = await status(ctx);
  const staging = env(report, 'staging');
  const expected = await builtId(ctx, 'staging');
  assert.equal([staging.livePage?.result, 'live' in staging.livePage! && staging.livePage.live, 'expected' in staging.livePage! && staging.livePage.expected], ['mismatch', '0ld0ld0ld0ld0ld0', expected]);
  assert.equal(report.actions.map((action) => [action.where, action.message, action.command]), [
    [
      'fixture.test → staging',
      `${ctx.stagingSite.url} serves build-id 0ld0ld0ld0ld0ld0, not ${expected}: the live deploy (build ${env(report, 'staging').live!.buildId}, published ${env(report, 'staging').live!.publishedAt}) sent index.html with build-id ${expected}; whatever answers at ${ctx.stagingSite.url} does not serve this environment's bucket (s3://${ctx.staging}/), or caches it.`,
      undefined,
    ],
    [
      'fixture.test → production',
      `${PRODUCTION_URL} serves build-id 0ld0ld0ld0ld0ld0, not ${await builtId(ctx, 'production')}: the live deploy (build ${record.buildId}, published ${record.publishedAt}) sent index.html with build-id ${await builtId(ctx, 'production')}; the page is served stale from the CDN's cache, or by a distribution in front of another bucket.`,
      `aws cloudfront create-invalidation --distribution-id ${DISTRIBUTION} --paths '/'`,
    ],
  ]);
  // Asked once each: a status is not right after a publish.
  assert.is(ctx.stagingSite.requests.filter((request) => request === '/').length, 1);
  assert.match(formatStatus(report), /fixture\.test {2}staging .* STALE \(0ld0ld0ld0ld0ld0\)\n/);
});

test('a live URL that serves the deploy pointer (the bucket policy does not hide .publish/): an action naming the statement to add', async (ctx) => {
  const open = await serveBucket(servers.s3.store(ctx.staging), '', { servePublishRecords: true });
  try {
    const config = path.join(ctx.tmp.dir, 'sites/fixture.test/site.yaml');
    await writeFile(config, (await readFile(config, 'utf8')).replace(`url: ${ctx.stagingSite.url}`, `url: ${open.url}`));
    await publish(ctx, 'staging');
    const report = await status(ctx, { envs: ['staging'] });
    assert.equal(report.actions.map((action) => action.message), [
      `${open.url}/.publish/current.json serves this environment's deploy pointer to anyone, so its deploy records (every object, and the publisher's ARN) are public; add the "NeverServePublishRecords" statement to the bucket policy (docs/infrastructure.md; the stacks of npm run infra have it).`,
    ]);
    assert.equal(env(report, 'staging').livePage?.result, 'match');
  } finally {
    await open.close();
  }
});

test('expired credentials: flagged with the renew command, the environments they sign for are not read, and nothing reaches a server', async (ctx) => {
  const expired = new Date(Date.now() - 60_000);
  const report = await status(ctx, { connect: servers.connect({ status: { source: 'profile edge (SSO)', expiration: expired, renew: 'aws sso login --profile edge' } }) });
  assert.equal(report.credentials.map((credential) => [credential.source, credential.state, credential.expiresAt, credential.usedBy]), [
    ['profile edge (SSO)', 'expired', expired.toISOString(), ['fixture.test → staging', 'fixture.test → production']],
  ]);
  assert.equal(report.actions, [
    {
      where: 'credentials',
      message: `The AWS credentials from profile edge (SSO) expired at ${expired.toISOString()}; renew them with \`aws sso login --profile edge\`. (used by fixture.test → staging, fixture.test → production)`,
      command: 'aws sso login --profile edge',
    },
  ]);
  assert.equal(report.environments.map((entry) => entry.state), ['not-deployed', 'not-checked', 'not-checked']);
  assert.equal(servers.s3.log.requests, []);
  assert.equal(servers.sts.requests, []);
  assert.match(formatStatus(report), /profile edge \(SSO\) +fixture\.test → staging, fixture\.test → production +EXPIRED \d{4}-\d\d-\d\d \d\d:\d\dZ, 1 min ago +aws sso login --profile edge\n/);
});

test('more credentials through the CredentialCheck list (the Apps Script token’s hook): reported, expired ones are actions, a failing check is reported, not thrown', async (ctx) => {
  const soon = new Date(Date.now() + 5 * 60_000);
  const past = new Date(Date.now() - 3_600_000);
  const check = (source: string, result: () => ReturnType<CredentialCheck['check']>): CredentialCheck => ({ source, usedBy: ['fixture.test booking backend'], renew: 'npx clasp login', check: result });
  let asked: unknown;
  const report = await status(ctx, {
    envs: ['staging'],
    credentialChecks: [
      (context) => {
        asked = [context.sites.map((site) => site.domain), context.envNames];
        return [
          check('token A', async () => ({ expiresAt: past })),
          check('token B', async () => ({ expiresAt: soon, identity: 'deployer@example.test' })),
          check('token C', async () => {
            throw new UserError('~/.clasprc.json holds no token; sign in with `npx clasp login`.');
          }),
        ];
      },
    ],
  });
  assert.equal(asked, [['fixture.test'], ['staging']]);
  assert.equal(report.credentials.slice(1).map((credential) => [credential.source, credential.state, credential.problem ?? null]), [
    ['token A', 'expired', `token A expired at ${past.toISOString()}; renew with \`npx clasp login\`.`],
    ['token B', 'expiring', null],
    ['token C', 'error', '~/.clasprc.json holds no token; sign in with `npx clasp login`.'],
  ]);
  assert.equal(report.actions.map((action) => [action.where, action.command]), [
    ['credentials', 'npx clasp login'],
    ['credentials', 'npx clasp login'],
  ]);
  assert.match(report.notes.map((note) => note.message).join('\n'), `token B expires at ${soon.toISOString()}; renew before a long publish with \`npx clasp login\`.`);
});

test('notes, not actions: a local server that is not running, a publish holding the lock, and production asked for alone still compared with staging', async (ctx) => {
  await publish(ctx, 'staging');
  const lock = { version: 1, token: 't', site: 'fixture.test', environment: 'staging', command: 'publish', by: { arn: 'local:jane@laptop', user: 'jane', host: 'laptop' }, pid: 42, since: new Date().toISOString(), expiresAt: new Date(Date.now() + 600_000).toISOString() };
  const body = Buffer.from(JSON.stringify(lock));
  await servers.s3.store(ctx.staging).put({ key: '.publish/lock.json', body, contentType: 'application/json', cacheControl: 'no-store', md5: createHash('md5').update(body).digest('hex'), metadata: {} });
  const locked = await status(ctx, { envs: ['staging'] });
  assert.equal(env(locked, 'staging').lock, { holder: 'local:jane@laptop (jane on laptop, pid 42, publish)', since: lock.since, expiresAt: lock.expiresAt, expired: false });
  assert.equal(locked.notes.map((note) => note.message), [`being published now by local:jane@laptop (jane on laptop, pid 42, publish) (since ${lock.since}, lock expires ${lock.expiresAt}); what follows may change within minutes.`]);
  assert.is(locked.needsAction, false);

  // Production alone: staging is read for the comparison, but not shown.
  const alone = await status(ctx, { envs: ['production'] });
  assert.equal(alone.environments.map((entry) => entry.environment), ['production']);
  assert.equal([env(alone, 'production').staging?.state, alone.actions.map((action) => action.message.split(';')[0])], ['behind', ['production has nothing published']]);

  const port = await freePort();
  const config = path.join(ctx.tmp.dir, 'sites/fixture.test/site.yaml');
  await writeFile(config, (await readFile(config, 'utf8')).replace(`    endpoint: ${servers.s3.endpoint}\n`, `    endpoint: http://127.0.0.1:${port}\n`));
  const down = await status(ctx, { envs: ['staging'] });
  assert.equal([env(down, 'staging').state, env(down, 'staging').localServerDown, down.needsAction], ['unreachable', true, false]);
  assert.match(formatStatus(down), `fixture.test  staging  local server not running at http://127.0.0.1:${port} (npm run s3:local)\n`);
});

/** A child process with the test's own HOME and shared AWS files, the SDK pointed at the stand-ins. */
async function awsEnv(ctx: Ctx, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const home = path.join(ctx.tmp.dir, 'home');
  await mkdir(path.join(home, '.aws'), { recursive: true });
  return isolatedAwsEnv(home, { sts: servers.sts.endpoint, cloudfront: servers.cloudfront.endpoint, s3: servers.s3.endpoint }, extra);
}

/** An `edge` environment without an endpoint, so the real credential chain signs for it (the SDK's AWS_ENDPOINT_URL_S3 finds the test server). */
async function edgeOnTheChain(ctx: Ctx, extra = ''): Promise<void> {
  await ctx.tmp.write(fixtureSite({ extraConfig: `  edge:\n    url: ${ctx.stagingSite.url}\n    bucket: ${ctx.staging}\n${extra}` }));
}

test('the command: expired credentials in the environment exit 1 with the renew command in the table and no stack trace; nothing reaches a server', async (ctx) => {
  await edgeOnTheChain(ctx);
  const expiration = new Date(Date.now() - 3_600_000).toISOString();
  const result = await runCli(['--root', ctx.tmp.dir, 'status', '--env', 'edge'], {
    env: await awsEnv(ctx, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_SESSION_TOKEN: 'fake-session', AWS_CREDENTIAL_EXPIRATION: expiration }),
  });
  assert.is(result.code, 1, result.stderr);
  const renew = 'export fresh AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (or unset them and use a profile)';
  assert.match(result.stdout, /fixture\.test {2}edge {2}not checked \(its credentials do not work\)\n/);
  assert.match(result.stdout, new RegExp(`environment variables \\(AWS_ACCESS_KEY_ID\\) +fixture\\.test → edge +EXPIRED \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ, 60 min ago +${renew.replace(/[()]/g, '\\$&')}\n`), result.stdout);
  assert.match(result.stdout, `Needs action (1):\n  ✗ credentials: The AWS credentials from environment variables (AWS_ACCESS_KEY_ID) expired at ${expiration}; renew them with \`${renew}\`. (used by fixture.test → edge)\n      $ ${renew}\n`);
  assert.is(result.stderr.trim().split('\n').at(-1), 'error: 1 thing needs action (listed above).');
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  assert.equal(servers.s3.log.requests, []);
  assert.equal(servers.sts.requests, []);
});

test('the command: credentials AWS no longer accepts (STS answers ExpiredToken) are expired too, and the bucket is never asked', async (ctx) => {
  await edgeOnTheChain(ctx, '    profile: edge\n');
  const env = await awsEnv(ctx);
  await writeFile(env['AWS_SHARED_CREDENTIALS_FILE']!, '[edge]\naws_access_key_id = EXPIREDSESSION\naws_secret_access_key = S3RVER\naws_session_token = ended\n');
  const result = await runCli(['--root', ctx.tmp.dir, 'status', '--env', 'edge', '--json'], { env });
  assert.is(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout) as StatusReport;
  assert.equal(report.credentials.map((credential) => [credential.source, credential.state, credential.renew]), [
    ['profile edge (access keys)', 'expired', 'put fresh keys under [edge] in the shared credentials file (aws configure --profile edge)'],
  ]);
  assert.is(report.credentials[0]!.problem, 'The AWS credentials from profile edge (access keys) have expired (STS answered ExpiredToken); renew them with `put fresh keys under [edge] in the shared credentials file (aws configure --profile edge)`.');
  assert.is(result.stderr.trim().split('\n').at(-1), 'error: 1 thing needs action (the "actions" of the JSON report).');
  assert.equal(servers.sts.requests.map((request) => request.status), [403]);
  assert.equal(servers.s3.log.requests, []);
});

test('the command: all current exits 0, and --json gives the whole report for machines', async (ctx) => {
  await publish(ctx, 'staging');
  await publish(ctx, 'production');
  // Production's URL is on the fixture's domain, which does not resolve: the command skips its page check with a note.
  const result = await runCli(['--root', ctx.tmp.dir, 'status', '--json'], { env: await awsEnv(ctx) });
  assert.is(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as StatusReport;
  assert.equal(Object.keys(report), ['generatedAt', 'checkout', 'environments', 'credentials', 'actions', 'notes', 'needsAction']);
  assert.is(report.needsAction, false);
  assert.equal(report.actions, []);
  const staging = report.environments.find((entry) => entry.environment === 'staging')!;
  assert.equal(Object.keys(staging), ['site', 'shortName', 'environment', 'url', 'bucket', 'prefix', 'endpoint', 'state', 'placeholders', 'live', 'lock', 'workingTree', 'staging', 'livePage']);
  assert.equal(Object.keys(staging.live!), ['record', 'buildId', 'sourceDigest', 'commit', 'clean', 'publishedAt', 'by', 'command', 'invalidations']);
  assert.equal([staging.state, staging.live!.commit, staging.workingTree!.unpublishedChanges, staging.livePage!.result], ['live', ctx.commit, false, 'match']);
  const production = report.environments.find((entry) => entry.environment === 'production')!;
  assert.equal([production.state, production.staging!.state, production.livePage!.result], ['live', 'current', 'skipped']);
  assert.equal(report.notes.map((note) => note.where), ['fixture.test → production']);
  assert.match(report.notes[0]!.message, `${PRODUCTION_URL} is not reachable from here (`);
  // The loopback endpoints sign with the local server's pair, whatever the shell holds.
  assert.equal(report.credentials.map((credential) => [credential.source, credential.state, credential.local]), [["s3rver's well-known local credentials (a loopback endpoint without a profile)", 'valid', true]]);
});

test('the command: a stale live page exits 1, and the table shows it on stdout', async (ctx) => {
  await publish(ctx, 'staging');
  ctx.stagingSite.stale(STALE);
  const result = await runCli(['--root', ctx.tmp.dir, 'status', '--site', 'fixture', '--env', 'staging'], { env: await awsEnv(ctx) });
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stdout, /^site +env +build +commit +published +by +invalidation +working tree +staging +live page\n/m);
  assert.match(result.stdout, /fixture\.test {2}staging {2}[0-9a-f]{16} {2}[0-9a-f]{12} {2}.* {2}moto +none +current +- +STALE \(0ld0ld0ld0ld0ld0\)\n/, result.stdout);
  assert.match(result.stdout, `Needs action (1):\n  ✗ fixture.test → staging: ${ctx.stagingSite.url} serves build-id 0ld0ld0ld0ld0ld0, not `);
  assert.is(result.stderr.trim().split('\n').at(-1), 'error: 1 thing needs action (listed above).');
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
});

test.run();
