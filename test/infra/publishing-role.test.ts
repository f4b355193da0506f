/**
 * The publishing role allows exactly what the publisher sends. Real
 * publishes of a fixture site (staging first, a change with a deletion and
 * --wait, a rollback, then production through the staging gate) run
 * against s3rver behind the counting proxy and the CloudFront and STS
 * stand-ins; every logged request is mapped to its IAM action and resource
 * through scripts/publish/aws-calls.ts and evaluated against the policy
 * infra derives for that environment. Every request must be allowed, and
 * every action the policy allows must have been needed by some request.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAllSites, workspaceAt, type SiteConfig } from '../../scripts/config/sites.ts';
import { PUBLISHER_CALLS, type PolicyStatementJson, type PublisherCall } from '../../scripts/publish/aws-calls.ts';
import { publishSites, type PublishOptions } from '../../scripts/publish/publish.ts';
import { rollbackSites } from '../../scripts/publish/rollback.ts';
import { policyFor } from '../../infra/cli.ts';
import { serveBucket, type BucketWebsite } from '../helpers/bucket-website.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { allowedBy, type IamRequest } from '../helpers/iam-policy.ts';
import { commitAll, environmentYaml, startPublishServers, type PublishServers } from '../helpers/publish-servers.ts';
import { fixtureSite, page, siteConfigYaml } from '../helpers/sites.ts';

const ACCOUNT = '123456789012';
const STAGING_DISTRIBUTION = 'E1ROLESTAGING1';
const PRODUCTION_DISTRIBUTION = 'E1ROLEPRODUCT1';
const quiet = { info() {}, warn() {} };

interface Logged {
  envName: string;
  call: PublisherCall;
  request: IamRequest;
  what: string;
}

const test = suite('the publishing role against the requests of real publishes');

let servers: PublishServers;
let tmp: TempDir;
let websites: BucketWebsite[] = [];

test.before(async () => {
  servers = await startPublishServers({ distributions: [STAGING_DISTRIBUTION, PRODUCTION_DISTRIBUTION] });
  tmp = await tempDir('publishing-role-');
});
test.after(async () => {
  for (const website of websites) await website.close();
  await tmp.cleanup();
  await servers.stop();
});

const about = (body: string, title = 'About us') => page(title, `${title}: who we are and why this fixture site exists at all, in brief.`, 'page.njk', body);

/** Every S3 and CloudFront request logged since `from`, as IAM sees it. */
function requestsSince(from: { s3: number; cloudfront: number }, envName: string, buckets: Record<string, string>): Logged[] {
  const logged: Logged[] = [];
  for (const entry of servers.s3.log.requests.slice(from.s3)) {
    const call = entry.operation as PublisherCall;
    const known = PUBLISHER_CALLS[call];
    if (!known) throw new Error(`the publisher sent ${entry.operation}, which aws-calls.ts does not list`);
    // DeleteObjects names its keys in the body, which the log does not keep;
    // apply refuses any key outside the prefix, so the prefix stands in.
    const key = call === 'DeleteObjects' ? (buckets[entry.bucket] ?? '') : entry.key;
    const resource = known.on === 'bucket' ? `arn:aws:s3:::${entry.bucket}` : `arn:aws:s3:::${entry.bucket}/${key}`;
    const context: Record<string, string> = entry.prefix === undefined ? {} : { 's3:prefix': entry.prefix };
    for (const action of known.actions) logged.push({ envName, call, request: { action, resource, context }, what: `${entry.operation} s3://${entry.bucket}/${entry.key}` });
  }
  for (const entry of servers.cloudfront.requests.slice(from.cloudfront)) {
    const call = entry.operation as PublisherCall;
    const known = PUBLISHER_CALLS[call];
    if (!known) throw new Error(`the publisher sent CloudFront ${entry.operation}, which aws-calls.ts does not list`);
    for (const action of known.actions) {
      logged.push({ envName, call, request: { action, resource: `arn:aws:cloudfront::${ACCOUNT}:distribution/${entry.distributionId}` }, what: `${entry.operation} ${entry.distributionId}` });
    }
  }
  return logged;
}

test('every request of staging and production publishes is allowed by its role, and every allowed action is used', async () => {
  const staging = 'role-staging';
  const production = 'role-production';
  await servers.s3.createBucket(staging);
  await servers.s3.createBucket(production);
  const stagingSite = await serveBucket(servers.s3.store(staging), 'site/');
  websites = [stagingSite];
  await copySharedParts(tmp.dir);
  const tree = fixtureSite({ pages: { 'content/about.md': about('About.'), 'content/team.md': about('The team.', 'The team') } });
  const environments =
    'environments:\n  development:\n    url: http://127.0.0.1:8099\n    bucket: fixture-development\n' +
    environmentYaml('staging', { bucket: staging, endpoint: servers.s3.endpoint, url: stagingSite.url, prefix: 'site/', distributions: [STAGING_DISTRIBUTION] }) +
    environmentYaml('production', { bucket: production, endpoint: servers.s3.endpoint, url: 'https://fixture.test', distributions: [PRODUCTION_DISTRIBUTION] });
  tree['sites/fixture.test/site.yaml'] = siteConfigYaml('fixture.test', 'fixture').replace(/environments:[\s\S]*$/, environments);
  await tmp.write(tree);
  await commitAll(tmp.dir, 'first');
  servers.clear();

  const workspace = workspaceAt(tmp.dir);
  const options = (envName: string): PublishOptions => ({ workspace, envName, sites: [], logger: quiet, connect: servers.connect(), wait: { pollMs: 0 } });
  const mark = () => ({ s3: servers.s3.log.requests.length, cloudfront: servers.cloudfront.requests.length });
  const prefixes = { [staging]: 'site/', [production]: '' };
  const logged: Logged[] = [];
  const run = async (envName: string, step: () => Promise<unknown>) => {
    const from = mark();
    await step();
    logged.push(...requestsSince(from, envName, prefixes));
  };

  await run('staging', () => publishSites(options('staging')));
  // A change and a deletion: archive copies, an invalidation, deletes, --wait.
  await tmp.write({ 'sites/fixture.test/content/about.md': about('About, revised.') });
  await import('node:fs/promises').then((fs) => fs.rm(`${tmp.dir}/sites/fixture.test/content/team.md`));
  await commitAll(tmp.dir, 'second');
  servers.cloudfront.completeOnPoll(2);
  await run('staging', () => publishSites(options('staging')));
  await run('staging', () => rollbackSites({ ...options('staging') }));
  await run('staging', () => publishSites(options('staging')));
  await run('production', () => publishSites(options('production')));
  await tmp.write({ 'sites/fixture.test/content/about.md': about('About, again.') });
  await commitAll(tmp.dir, 'third');
  await run('staging', () => publishSites(options('staging')));
  await run('production', () => publishSites(options('production')));

  const [site] = (await loadAllSites(workspace)) as [SiteConfig];
  const policies: Record<string, PolicyStatementJson[]> = {
    staging: policyFor(site, 'staging', ACCOUNT).Statement,
    production: policyFor(site, 'production', ACCOUNT).Statement,
  };

  const denied = logged.filter((entry) => !allowedBy(policies[entry.envName]!, entry.request)).map((entry) => `${entry.envName}: ${entry.what} needs ${entry.request.action} on ${entry.request.resource}`);
  assert.equal(denied, [], 'every request is allowed');

  // Nothing more: each statement's every action was needed on its resources.
  const unused: string[] = [];
  for (const [envName, statements] of Object.entries(policies)) {
    for (const statement of statements) {
      for (const action of statement.Action) {
        const used = logged.some((entry) => entry.envName === envName && entry.request.action === action && allowedBy([statement], entry.request) === statement.Sid);
        if (!used) unused.push(`${envName}: ${statement.Sid} allows ${action}, which no request needed`);
      }
    }
  }
  assert.equal(unused, [], 'every allowed action is used');

  // The gate's reads of staging from production stay inside staging's .publish/.
  const gateReads = logged.filter((entry) => entry.envName === 'production' && entry.request.resource.startsWith(`arn:aws:s3:::${staging}/`));
  assert.ok(gateReads.length > 0, 'production read staging');
  for (const entry of gateReads) assert.ok(entry.request.resource.startsWith(`arn:aws:s3:::${staging}/site/.publish/`), entry.what);
  // And STS answered who was publishing, which needs no permission.
  assert.ok(servers.sts.requests.length > 0);
  assert.equal(PUBLISHER_CALLS.GetCallerIdentity.actions, []);
});

test('an adapter refuses to send a call that aws-calls.ts does not list, so the role and the code cannot drift', async () => {
  const { S3Client, GetBucketVersioningCommand } = await import('@aws-sdk/client-s3');
  const { guardCalls } = await import('../../scripts/publish/aws-calls.ts');
  const client = guardCalls(new S3Client({ region: 'us-east-1', endpoint: servers.s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }), 's3');
  const before = servers.s3.log.requests.length;
  try {
    await client.send(new GetBucketVersioningCommand({ Bucket: 'role-staging' }));
    assert.unreachable('the guard should have refused');
  } catch (error) {
    assert.match((error as Error).message, 'bug: the publisher is about to call s3:GetBucketVersioning, which scripts/publish/aws-calls.ts does not list');
  }
  assert.is(servers.s3.log.requests.length, before, 'nothing was sent');
});

test.run();
