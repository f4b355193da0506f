/**
 * Preflight: credentials through the real AWS chain (in a child process
 * whose HOME, shared config files and environment are the test's own, with
 * fake credentials only), the caller from the STS stand-in, HeadBucket and
 * GetDistribution — and the proof, from every server's request log, that
 * missing, expired or rejected credentials never reach the bucket.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { ConfigError, PublishError } from '../../scripts/errors.ts';
import { publishSites, type PublishOptions } from '../../scripts/publish/publish.ts';
import { rejects } from '../helpers/assert.ts';
import { hasStackTrace, isolatedAwsEnv, runCli } from '../helpers/cli.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { environmentYaml, startPublishServers, type PublishServers } from '../helpers/publish-servers.ts';
import { fixtureSite } from '../helpers/sites.ts';

const DISTRIBUTION = 'E2EDGEDIST001';
// A distribution whose origin reads ORIGIN_BUCKET from the folder /site.
const ORIGIN_DISTRIBUTION = 'E3ORIGINPATH1';
const ORIGIN_BUCKET = 'preflight-origin-path';
const quiet = { info() {}, warn() {} };

let servers: PublishServers;
let buckets = 0;

interface Ctx {
  tmp: TempDir;
  bucket: string;
  home: string;
}
const test = suite<Ctx>('publish preflight');

test.before(async () => {
  servers = await startPublishServers({
    distributions: [DISTRIBUTION, ORIGIN_DISTRIBUTION],
    origins: { [ORIGIN_DISTRIBUTION]: [{ domainName: `${ORIGIN_BUCKET}.s3.us-east-1.amazonaws.com`, originPath: '/site' }] },
  });
  await servers.s3.createBucket(ORIGIN_BUCKET);
});
test.after(async () => {
  await servers.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('publish-preflight-');
  ctx.bucket = `preflight-test-${++buckets}`;
  ctx.home = path.join(ctx.tmp.dir, 'home');
  await mkdir(path.join(ctx.home, '.aws', 'sso', 'cache'), { recursive: true });
  await servers.s3.createBucket(ctx.bucket);
  await copySharedParts(ctx.tmp.dir);
  servers.clear();
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

/** The site with an `edge` environment that publishes with AWS profile `edge` to the test servers. */
async function edgeSite(ctx: Ctx, options: { bucket?: string; distribution?: string } = {}): Promise<void> {
  await ctx.tmp.write(
    fixtureSite({
      extraConfig: environmentYaml('edge', { bucket: options.bucket ?? ctx.bucket, endpoint: servers.s3.endpoint, profile: 'edge', distributions: [options.distribution ?? DISTRIBUTION] }),
    }),
  );
}

/** A shell with no credentials but the test's own shared files, and the SDK pointed at the stand-ins. */
function awsEnv(ctx: Ctx): NodeJS.ProcessEnv {
  return isolatedAwsEnv(ctx.home, { sts: servers.sts.endpoint, cloudfront: servers.cloudfront.endpoint });
}

async function awsFiles(ctx: Ctx, files: { config?: string; credentials?: string }): Promise<void> {
  await writeFile(path.join(ctx.home, '.aws', 'config'), files.config ?? '');
  await writeFile(path.join(ctx.home, '.aws', 'credentials'), files.credentials ?? '');
}

/** A credential_process that prints S3RVER's fake pair, expiring `minutes` from now (negative: already expired). */
async function processCredentials(ctx: Ctx, minutes: number, accessKeyId = 'S3RVER'): Promise<string> {
  const script = path.join(ctx.home, 'credentials.mjs');
  await writeFile(
    script,
    `console.log(JSON.stringify({ Version: 1, AccessKeyId: ${JSON.stringify(accessKeyId)}, SecretAccessKey: 'S3RVER', SessionToken: 'fake-session', Expiration: new Date(Date.now() + ${minutes} * 60000).toISOString() }));\n`,
  );
  return `"${process.execPath}" "${script}"`;
}

const publishCli = (ctx: Ctx, ...args: string[]) => runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'edge', ...args], { env: awsEnv(ctx) });

/** Nothing reached any server: not the bucket, not STS, not CloudFront. */
function noRequests(): void {
  assert.equal(servers.s3.log.requests, []);
  assert.equal(servers.sts.requests, []);
  assert.equal(servers.cloudfront.requests, []);
}

test('missing credentials: one sentence naming the profile and how to set it up, exit 1, and no request anywhere', async (ctx) => {
  await edgeSite(ctx);
  await awsFiles(ctx, { config: '[profile other]\nregion = us-east-1\n' });
  const result = await publishCli(ctx);
  assert.is(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    'error: No AWS credentials were found for profile edge (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE or ~/.aws); set them up with `aws configure sso --profile edge once, then aws sso login --profile edge`, or name another profile in the environment\'s "profile" key.',
  );
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  noRequests();
});

test('an expired SSO session: refused with `aws sso login --profile edge`, and no request anywhere', async (ctx) => {
  await edgeSite(ctx);
  const startUrl = 'https://fixture.awsapps.com/start';
  await awsFiles(ctx, { config: `[profile edge]\nsso_start_url = ${startUrl}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Deployer\nregion = us-east-1\n` });
  // The token cache `aws sso login` writes, expired an hour ago.
  const cache = path.join(ctx.home, '.aws', 'sso', 'cache', `${createHash('sha1').update(startUrl).digest('hex')}.json`);
  await writeFile(cache, JSON.stringify({ accessToken: 'fake', expiresAt: new Date(Date.now() - 3_600_000).toISOString(), region: 'us-east-1', startUrl }));
  const result = await publishCli(ctx);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, 'error: The AWS credentials of profile edge have expired (The SSO session associated with this profile has expired); renew them with `aws sso login --profile edge` and publish again.');
  noRequests();
});

test('expired process credentials: refused with what to renew, and no request anywhere', async (ctx) => {
  await edgeSite(ctx);
  const command = await processCredentials(ctx, -60);
  await awsFiles(ctx, { config: `[profile edge]\ncredential_process = ${command}\n` });
  const result = await publishCli(ctx);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, 'error: The AWS credentials of profile edge have expired (Profile edge credential_process returned expired credentials); renew them with `make the credential_process of profile edge');
  noRequests();
});

test('credentials AWS no longer accepts (STS answers ExpiredToken): refused before any request reaches the bucket', async (ctx) => {
  await edgeSite(ctx);
  await awsFiles(ctx, { credentials: '[edge]\naws_access_key_id = EXPIREDSESSION\naws_secret_access_key = S3RVER\naws_session_token = ended\n' });
  const result = await publishCli(ctx);
  assert.is(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    'error: The AWS credentials from profile edge (access keys) have expired (STS answered ExpiredToken); renew them with `put fresh keys under [edge] in the shared credentials file (aws configure --profile edge)` and publish again.',
  );
  assert.equal(servers.sts.requests.map((request) => request.status), [403]);
  assert.equal(servers.s3.log.requests, []);
  assert.equal(servers.cloudfront.requests, []);
});

test('credentials that expire: preflight shows when and who, then reads the bucket and the distribution (a dry run)', async (ctx) => {
  await edgeSite(ctx);
  const command = await processCredentials(ctx, 125);
  await awsFiles(ctx, { config: `[profile edge]\ncredential_process = ${command}\n` });
  const result = await publishCli(ctx, '--dry-run');
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, /preflight {2}credentials: profile edge \(credential_process\), expire \d{4}-\d\d-\d\dT[\d:.]+Z \(in 2 h [45] min\)/);
  assert.match(result.stderr, `preflight  identity: ${servers.sts.callerArn}`);
  assert.match(result.stderr, `preflight  reachable: s3://${ctx.bucket} at ${servers.s3.endpoint}`);
  assert.match(result.stderr, `preflight  distributions: ${DISTRIBUTION} (${DISTRIBUTION.toLowerCase()}.cloudfront.net, Deployed)`);
  assert.equal(servers.s3.log.requests.map((request) => request.operation), ['HeadBucket', 'ListObjectsV2']);
  assert.equal(servers.cloudfront.requests.map((request) => request.operation), ['GetDistribution']);
});

/**
 * Credentials from the shell (AWS_ACCESS_KEY_ID, …, AWS_CREDENTIAL_EXPIRATION), through the real chain. An
 * environment on a loopback endpoint signs with s3rver's pair instead, so this one names no endpoint and the
 * SDK's own AWS_ENDPOINT_URL_S3 points its client at the test server.
 */
async function shellCredentials(ctx: Ctx, expiresInMinutes: number): Promise<{ env: NodeJS.ProcessEnv; expiration: string }> {
  await ctx.tmp.write(fixtureSite({ extraConfig: `  edge:\n    url: https://edge.fixture.test\n    bucket: ${ctx.bucket}\n` }));
  await awsFiles(ctx, {});
  const expiration = new Date(Date.now() + expiresInMinutes * 60_000).toISOString();
  return {
    expiration,
    env: {
      ...awsEnv(ctx),
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_SESSION_TOKEN: 'fake-session',
      AWS_CREDENTIAL_EXPIRATION: expiration,
      AWS_ENDPOINT_URL_S3: servers.s3.endpoint,
    },
  };
}

test('expired credentials in environment variables: refused with how to renew them, and no request anywhere', async (ctx) => {
  const shell = await shellCredentials(ctx, -60);
  const result = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'edge'], { env: shell.env });
  assert.is(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    `error: The AWS credentials from environment variables (AWS_ACCESS_KEY_ID) expired at ${shell.expiration}; renew them with \`export fresh AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (or unset them and use a profile)\` and publish again.`,
  );
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  noRequests();
});

test('credentials in environment variables that expire later: preflight shows when, then reaches the bucket with them (a dry run)', async (ctx) => {
  const shell = await shellCredentials(ctx, 125);
  const result = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'edge', '--dry-run'], { env: shell.env });
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`preflight {2}credentials: environment variables \\(AWS_ACCESS_KEY_ID\\), expire ${shell.expiration.replace(/\./g, '\\.')} \\(in 2 h [45] min\\)`));
  assert.match(result.stderr, `preflight  identity: ${servers.sts.callerArn}`);
  assert.equal(servers.s3.log.requests.map((request) => [request.operation, request.bucket]), [['HeadBucket', ctx.bucket], ['ListObjectsV2', ctx.bucket]]);
});

test('placeholder resource ids: refused from the config, naming the keys, before credentials are even looked for', async (ctx) => {
  await ctx.tmp.write(
    fixtureSite({ extraConfig: environmentYaml('edge', { bucket: 'placeholder-edge', endpoint: servers.s3.endpoint, profile: 'edge', distributions: ['PLACEHOLDER-EDGE'] }) }),
  );
  await awsFiles(ctx, {});
  const result = await publishCli(ctx);
  assert.is(result.code, 1);
  assert.match(result.stderr, 'error: sites/fixture.test/site.yaml: environments.edge.bucket, environments.edge.distributions.0.id are placeholders, so fixture.test cannot be published to edge; put the real resource names there first.');
  noRequests();
});

function publishInProcess(ctx: Ctx, options: Partial<PublishOptions> = {}) {
  return publishSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'edge', sites: [], logger: quiet, connect: servers.connect(), ...options });
}

test('credentials past their expiry: refused with the renewal command before STS or the bucket hear of them', async (ctx) => {
  await edgeSite(ctx);
  const expired = new Date(Date.now() - 60_000);
  const error = await rejects(() => publishInProcess(ctx, { connect: servers.connect({ status: { source: 'profile edge (SSO)', expiration: expired, renew: 'aws sso login --profile edge' } }) }), PublishError);
  assert.is(error.message, `The AWS credentials from profile edge (SSO) expired at ${expired.toISOString()}; renew them with \`aws sso login --profile edge\` and publish again.`);
  noRequests();
});

test('credentials about to expire: a warning with the renewal command, and the publish goes on', async (ctx) => {
  await edgeSite(ctx);
  const warnings: string[] = [];
  const soon = new Date(Date.now() + 5 * 60_000);
  const outcome = await publishInProcess(ctx, {
    dryRun: true,
    logger: { info() {}, warn: (message) => warnings.push(message) },
    connect: servers.connect({ status: { source: 'profile edge (SSO)', expiration: soon, renew: 'aws sso login --profile edge' } }),
  });
  assert.match(warnings.join('\n'), /the AWS credentials from profile edge \(SSO\) expire in [56] min \(.*\); a long publish may outlive them — renew first with `aws sso login --profile edge`\./);
  assert.equal(outcome.preflight.credentials, [{ source: 'profile edge (SSO)', expiration: soon.toISOString(), local: false }]);
});

test('a bucket that does not exist: one sentence naming it, and nothing after HeadBucket', async (ctx) => {
  await edgeSite(ctx, { bucket: 'no-such-bucket-here' });
  const error = await rejects(() => publishInProcess(ctx), PublishError);
  assert.is(
    error.message,
    `Could not reach s3://no-such-bucket-here at ${servers.s3.endpoint}: the bucket "no-such-bucket-here" does not exist. Create it, or fix the bucket name in the site config; npm run s3:local creates the local buckets.`,
  );
  assert.equal(servers.s3.log.requests.map((request) => [request.operation, request.status]), [['HeadBucket', 404]]);
  assert.equal(servers.cloudfront.requests, []);
});

test('a distribution CloudFront does not know: one sentence naming it, before the build or any write', async (ctx) => {
  await edgeSite(ctx, { distribution: 'E9UNKNOWNDIST' });
  const error = await rejects(() => publishInProcess(ctx), PublishError);
  assert.is(error.message, 'Could not read CloudFront distribution E9UNKNOWNDIST: the CloudFront distribution E9UNKNOWNDIST does not exist. Fix the distribution id in the site config.');
  assert.equal(servers.s3.log.requests.map((request) => request.operation), ['HeadBucket']);
});

test('a distribution whose origins are another bucket draws a warning naming both', async (ctx) => {
  await edgeSite(ctx);
  const warnings: string[] = [];
  await publishInProcess(ctx, { dryRun: true, logger: { info() {}, warn: (message) => warnings.push(message) } });
  // The stand-in's default origin is named after the distribution, not this bucket.
  assert.equal(warnings, [
    `CloudFront distribution ${DISTRIBUTION} (fixture.test, edge) has no origin in the bucket ${ctx.bucket} (its origins: ${DISTRIBUTION.toLowerCase()}.s3.us-east-1.amazonaws.com); check that sites/fixture.test/site.yaml pairs the right bucket and distribution.`,
  ]);
});

test('a distribution that reads the bucket from another origin path than the config says: a warning naming the key and the value to set', async (ctx) => {
  const warningsFor = async (originPath: string) => {
    const extra = originPath ? `        originPath: ${originPath}\n` : '';
    await ctx.tmp.write(fixtureSite({ extraConfig: environmentYaml('edge', { bucket: ORIGIN_BUCKET, endpoint: servers.s3.endpoint, prefix: 'site/', distributions: [ORIGIN_DISTRIBUTION], extra }) }));
    const warnings: string[] = [];
    await publishInProcess(ctx, { dryRun: true, logger: { info() {}, warn: (message) => warnings.push(message) } });
    return warnings;
  };
  assert.equal(await warningsFor(''), [
    `CloudFront distribution ${ORIGIN_DISTRIBUTION} (fixture.test, edge) reads the bucket ${ORIGIN_BUCKET} from origin path "/site", but sites/fixture.test/site.yaml says "", so its invalidation paths would name URLs it does not serve and changed files would stay cached; set environments.edge.distributions.0.originPath to "/site".`,
  ]);
  assert.equal(await warningsFor('/site'), []);
});

test('--skip-staging-check without --reason, or outside production, is refused before any request', async (ctx) => {
  await edgeSite(ctx);
  const noReason = await rejects(() => publishInProcess(ctx, { envName: 'production', skipStagingCheck: { reason: ' ' } }), ConfigError);
  assert.is(noReason.message, '--skip-staging-check needs --reason "…" saying why (it is written into the deploy record).');
  const notProduction = await rejects(() => publishInProcess(ctx, { skipStagingCheck: { reason: 'because' } }), ConfigError);
  assert.is(notProduction.message, '--skip-staging-check only applies to production; edge has no staging check.');
  noRequests();
});

test.run();
