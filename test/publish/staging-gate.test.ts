/**
 * Staging before production: the pure rule as a table, then the recipe
 * against s3rver — refused while staging does not serve this source,
 * allowed once it does, refused again for a new commit or uncommitted
 * changes, and the recorded override.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { PublishError } from '../../scripts/errors.ts';
import type { DeployRecord } from '../../scripts/publish/deploy-record.ts';
import { parseDeployRecord } from '../../scripts/publish/deploy-record.ts';
import { publishSites, type PublishOptions } from '../../scripts/publish/publish.ts';
import { stagingGate } from '../../scripts/publish/staging-gate.ts';
import { rejects } from '../helpers/assert.ts';
import { hasStackTrace, runCli } from '../helpers/cli.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { commitAll, onTestServers, startPublishServers, type PublishServers } from '../helpers/publish-servers.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

const table = suite('publish staging gate, the rule');

const C1 = 'c1'.repeat(20);
const C2 = 'c2'.repeat(20);
const staged = (overrides: Partial<DeployRecord> = {}) => ({
  key: '.publish/deploys/2026-11-28T10-00-00.000Z-stagingbuild.json',
  record: { buildId: 'stagingbuild', sourceDigest: 'digest-1', git: { commit: C1, clean: true }, publishedAt: '2026-11-28T10:00:00.000Z', ...overrides } as DeployRecord,
});
const build = (git = { commit: C1 as string | null, clean: true }, sourceDigest = 'digest-1') => ({ sourceDigest, git });
const where = 's3://fixture-staging/';
const serves = 'staging serves build stagingbuild (commit c1c1c1c1c1c1, source digest digest-1, published 2026-11-28T10:00:00.000Z)';

table('same source digest, clean tree, same commit: passes, naming the staging record', () => {
  assert.equal(stagingGate(build(), staged(), where), { passed: true, check: { result: 'passed', stagingRecord: staged().key, stagingBuildId: 'stagingbuild' } });
});

table('every way to refuse says what staging serves and what this build is', () => {
  const reason = (result: ReturnType<typeof stagingGate>) => (result.passed ? 'passed' : result.reason);
  assert.equal(
    [
      reason(stagingGate(build(), undefined, where)),
      reason(stagingGate(build(), { problem: 'its deploy pointer s3://x cannot be read' }, where)),
      reason(stagingGate(build({ commit: null, clean: false }), staged(), where)),
      reason(stagingGate(build({ commit: C1, clean: false }), staged(), where)),
      reason(stagingGate(build(), staged({ git: { commit: C1, clean: false } }), where)),
      reason(stagingGate(build({ commit: C2, clean: true }), staged(), where)),
      reason(stagingGate(build(undefined, 'digest-2'), staged(), where)),
    ],
    [
      'staging (s3://fixture-staging/) has no deploy record, so this source was never published there',
      "staging's current deploy cannot be read: its deploy pointer s3://x cannot be read",
      'this build is not from a git commit (no repository found), so it cannot be matched with what staging serves',
      `this build is from a tree with uncommitted changes at commit c1c1c1c1c1c1; ${serves}`,
      'staging serves build stagingbuild (commit c1c1c1c1c1c1, uncommitted changes, source digest digest-1, published 2026-11-28T10:00:00.000Z), built from a tree with uncommitted changes, which production never trusts',
      `${serves}, but this build is from commit c2c2c2c2c2c2`,
      `${serves}, but this build's source digest is digest-2 (the same commit with different inputs)`,
    ],
  );
});

table.run();

let servers: PublishServers;

interface Ctx {
  tmp: TempDir;
  staging: string;
  production: string;
}
const test = suite<Ctx>('publish staging gate, against s3rver');

test.before(async () => {
  servers = await startPublishServers({ distributions: [] });
});
test.after(async () => {
  await servers.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('publish-gate-');
  ({ staging: ctx.staging, production: ctx.production } = await servers.bucketPair('gate'));
  await copySharedParts(ctx.tmp.dir);
  const tree = fixtureSite({ pages: { 'content/about.md': about('About.') } });
  tree['sites/fixture.test/site.yaml'] = onTestServers(tree['sites/fixture.test/site.yaml'] as string, { endpoint: servers.s3.endpoint, staging: ctx.staging, production: ctx.production });
  await ctx.tmp.write(tree);
  await commitAll(ctx.tmp.dir, 'first');
  servers.clear();
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const quiet = { info() {}, warn() {} };
const about = (body: string) => page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', body);

function publish(ctx: Ctx, envName: string, options: Partial<PublishOptions> = {}) {
  return publishSites({ workspace: workspaceAt(ctx.tmp.dir), envName, sites: [], logger: quiet, connect: servers.connect(), ...options });
}

const productionWrites = (ctx: Ctx) => servers.s3.log.requests.filter((request) => request.bucket === ctx.production && request.method !== 'GET' && request.method !== 'HEAD');
const refusal = (ctx: Ctx, reason: string) =>
  `Nothing was published:\nfixture.test cannot be published to production: ${reason}. Publish this commit to staging first (npm run publish -- --env staging --site fixture), or override with --skip-staging-check --reason "…".`;

test('production refuses while staging has no deploy: one sentence, before the lock or any write', async (ctx) => {
  const error = await rejects(() => publish(ctx, 'production'), PublishError);
  assert.is(error.message, refusal(ctx, `staging (s3://${ctx.staging}/) has no deploy record, so this source was never published there`));
  assert.equal(productionWrites(ctx), []);
  // What was read: preflight's HeadBucket of production and of staging, staging's pointer.
  assert.equal(servers.s3.log.requests.map((request) => [request.operation, request.bucket, request.key]), [
    ['HeadBucket', ctx.production, ''],
    ['HeadBucket', ctx.staging, ''],
    ['GetObject', ctx.staging, '.publish/current.json'],
  ]);
});

test('a staging bucket that does not exist: production is refused in preflight, before the build', async (ctx) => {
  const config = path.join(ctx.tmp.dir, 'sites/fixture.test/site.yaml');
  await writeFile(config, (await readFile(config, 'utf8')).replace(`bucket: ${ctx.staging}\n`, 'bucket: gate-no-such-staging\n'));
  const error = await rejects(() => publish(ctx, 'production'), PublishError);
  assert.is(
    error.message,
    `Could not reach s3://gate-no-such-staging at ${servers.s3.endpoint}: the bucket "gate-no-such-staging" does not exist. Create it, or fix the bucket name in the site config; npm run s3:local creates the local buckets (staging: production's staging gate reads its deploy record there).`,
  );
  assert.equal(servers.s3.log.requests.map((request) => [request.operation, request.bucket, request.status]), [
    ['HeadBucket', ctx.production, 200],
    ['HeadBucket', 'gate-no-such-staging', 404],
  ]);
  assert.not.ok(existsSync(path.join(ctx.tmp.dir, 'dist/production')), 'nothing was built');
});

test('staging serves this commit: production is allowed, and its record names the staging deploy it trusted', async (ctx) => {
  const staging = await publish(ctx, 'staging');
  const stagingKey = staging.sites[0]!.report!.deployRecordKey;
  const outcome = await publish(ctx, 'production');
  const report = outcome.sites[0]!.report!;
  assert.equal(outcome.sites[0]!.stagingCheck, { result: 'passed', stagingRecord: stagingKey, stagingBuildId: staging.sites[0]!.plan.buildId });
  const record = parseDeployRecord((await servers.s3.store(ctx.production).get(report.deployRecordKey))!)!;
  assert.equal(record.stagingCheck, { result: 'passed', stagingRecord: stagingKey, stagingBuildId: staging.sites[0]!.plan.buildId });
  // Different builds (each names its environment), the same source.
  assert.is.not(record.buildId, staging.sites[0]!.plan.buildId);
  assert.is(record.sourceDigest, staging.sites[0]!.report!.record.sourceDigest);
});

test('a new commit not yet on staging is refused; so are uncommitted changes', async (ctx) => {
  await publish(ctx, 'staging');
  await ctx.tmp.write({ 'sites/fixture.test/content/about.md': about('About, revised.') });
  const dirty = await rejects(() => publish(ctx, 'production'), PublishError);
  assert.match(dirty.message, /^Nothing was published:\nfixture\.test cannot be published to production: this build is from a tree with uncommitted changes at commit [0-9a-f]{12}; staging serves build/);
  const commit = await commitAll(ctx.tmp.dir, 'second');
  const newer = await rejects(() => publish(ctx, 'production'), PublishError);
  assert.match(newer.message, `, but this build is from commit ${commit.slice(0, 12)}. Publish this commit to staging first`);
  assert.equal(productionWrites(ctx), []);
  // Once staging has it, production follows.
  await publish(ctx, 'staging');
  const outcome = await publish(ctx, 'production');
  assert.is(outcome.sites[0]!.stagingCheck?.result, 'passed');
});

test('--skip-staging-check --reason overrides the gate with a warning, and the reason goes into the deploy record', async (ctx) => {
  const warnings: string[] = [];
  const reason = 'Incident 42: the booking endpoint is down; staging is broken by an unrelated change';
  const outcome = await publish(ctx, 'production', { skipStagingCheck: { reason }, logger: { info() {}, warn: (message) => warnings.push(message) } });
  assert.equal(warnings, [`publishing to production without the staging check: "${reason}" (written into the deploy record).`]);
  const record = parseDeployRecord((await servers.s3.store(ctx.production).get(outcome.sites[0]!.report!.deployRecordKey))!)!;
  assert.equal(record.stagingCheck, { result: 'skipped', reason });
  // The override reads nothing from staging.
  assert.ok(servers.s3.log.requests.every((request) => request.bucket !== ctx.staging));
});

test('a dry run of a refused production publish shows the refusal with the plan, and writes nothing', async (ctx) => {
  const outcome = await publish(ctx, 'production', { dryRun: true });
  assert.is(outcome.sites[0]!.stagingCheck?.result, 'refused');
  assert.ok(outcome.sites[0]!.plan.uploads.length > 0);
  assert.equal(productionWrites(ctx), []);
});

test('the command: a refused production publish exits 1 with the refusal in one message, and writes nothing', async (ctx) => {
  const result = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'production', '--yes']);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, `error: ${refusal(ctx, `staging (s3://${ctx.staging}/) has no deploy record, so this source was never published there`)}`);
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  assert.equal(productionWrites(ctx), []);
});

test.run();
