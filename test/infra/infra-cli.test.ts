/**
 * `npm run infra -- …` as the owner runs it: preflight against moto's STS
 * and CloudFormation (a real bootstrap check: the CDKToolkit stack is
 * created in moto, or not), the refusals that come before any AWS call,
 * and the write-back into deployed.yaml after a deploy. The CDK CLI itself
 * would talk to real CloudFormation, which the tests cannot reach, so
 * SITES_CDK_CLI puts a recording stand-in in its place: it checks that it
 * was handed a synthesized assembly holding the stacks it was asked for,
 * and writes the outputs file the real CLI writes.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { loadSite, workspaceAt } from '../../scripts/config/sites.ts';
import { estimateCost, formatUsd } from '../../infra/cost.ts';
import { hasStackTrace, runInfraCli } from '../helpers/cli.ts';
import { repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';
import { MOTO_ACCOUNT, startMotoServer, type MotoServer } from '../helpers/moto-server.ts';
import { fixtureSite } from '../helpers/sites.ts';

const test = suite('npm run infra');

let moto: MotoServer;
let tmp: TempDir;
let home: string;
const ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/sites-publish-fixture-staging`;
const DEPLOYED = () => path.join(tmp.dir, 'sites/fixture.test/deployed.yaml');

/** Stands in for the aws-cdk CLI: logs its arguments, checks the assembly, writes outputs, fails on request. */
const FAKE_CDK = `
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_CDK_LOG, JSON.stringify(args) + '\\n');
if (process.env.FAKE_CDK_EXIT) process.exit(Number(process.env.FAKE_CDK_EXIT));
const app = args[args.indexOf('--app') + 1];
const manifest = JSON.parse(fs.readFileSync(path.join(app, 'manifest.json'), 'utf8'));
const stacks = args.filter((arg) => arg.startsWith('Sites-'));
for (const stack of stacks) {
  const artifact = manifest.artifacts[stack];
  if (!artifact || !fs.existsSync(path.join(app, artifact.properties.templateFile))) { console.error('no template for ' + stack); process.exit(9); }
}
const outputs = args.indexOf('--outputs-file');
if (outputs >= 0) {
  const all = JSON.parse(process.env.FAKE_CDK_OUTPUTS || '{}');
  fs.writeFileSync(args[outputs + 1], JSON.stringify(Object.fromEntries(stacks.filter((s) => all[s]).map((s) => [s, all[s]]))));
}
console.error('fake cdk ' + args[0] + ' done');
`;

const stagingOutputs = {
  'Sites-fixture-staging': {
    BucketName: 'fixture-staging',
    DistributionId: 'E2FIXTURESTAGE',
    DistributionDomainName: 'd111111abcdef8.cloudfront.net',
    OriginPath: '(none)',
    PublishRoleArn: ROLE,
    DnsRecordsToCreate: 'staging.fixture.test CNAME d111111abcdef8.cloudfront.net',
  },
};

test.before(async () => {
  moto = await startMotoServer();
  tmp = await tempDir('infra-cli-');
  home = path.join(tmp.dir, 'home');
  await tmp.write({
    ...fixtureSite(),
    'infra/infra.yaml': 'github:\n  repository: jane/three-sites\n  oidcProvider: create\n',
    'home/.aws/config': '',
    'home/.aws/credentials': '',
    'fake-cdk.cjs': FAKE_CDK,
  });
});
test.after(async () => {
  await moto.stop();
  await tmp.cleanup();
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, '.aws/config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws/credentials'),
    AWS_PROFILE: undefined,
    AWS_ACCESS_KEY_ID: 'AKIAINFRATEST',
    AWS_SECRET_ACCESS_KEY: 'moto',
    AWS_SESSION_TOKEN: undefined,
    AWS_CREDENTIAL_EXPIRATION: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_STS: moto.endpoint,
    AWS_ENDPOINT_URL_CLOUDFORMATION: moto.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SITES_CDK_CLI: path.join(tmp.dir, 'fake-cdk.cjs'),
    FAKE_CDK_LOG: path.join(tmp.dir, 'cdk.log'),
    FAKE_CDK_OUTPUTS: JSON.stringify(stagingOutputs),
    ...extra,
  };
}

const infra = (args: string[], extra: NodeJS.ProcessEnv = {}) => runInfraCli(['--root', tmp.dir, ...args], { env: env(extra) });

async function cdkCalls(): Promise<string[][]> {
  const file = path.join(tmp.dir, 'cdk.log');
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8')).trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]);
}

async function clearCdkLog(): Promise<void> {
  await writeFile(path.join(tmp.dir, 'cdk.log'), '');
}

// The SDK's notice that its 2027 releases need Node 22 is for people, not for this test's output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
const cloudFormation = () => new CloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'AKIAINFRATEST', secretAccessKey: 'moto' } });

async function bootstrap(): Promise<void> {
  // What `cdk bootstrap` leaves behind that the preflight looks for: a CDKToolkit stack, complete.
  const template = { Resources: { Version: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Name: '/cdk-bootstrap/hnb659fds/version', Value: '30' } } } };
  await cloudFormation().send(new CreateStackCommand({ StackName: 'CDKToolkit', TemplateBody: JSON.stringify(template) }));
}

test('targets: an empty matrix, on one line, until an environment is deployed (in the real repository too)', async () => {
  for (const root of [tmp.dir, repoRoot]) {
    const result = await runInfraCli(['--root', root, 'targets', '--env', 'staging', '--json'], { env: env() });
    assert.is(result.code, 0, result.stderr);
    assert.is(result.stdout, '{"include":[]}\n');
  }
});

test('deploy in an account without the CDK bootstrap: says how to bootstrap, and nothing runs or is written', async () => {
  await clearCdkLog();
  const result = await infra(['deploy', '--env', 'staging', '--yes']);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, `preflight  identity: arn:aws:sts::${MOTO_ACCOUNT}:`);
  assert.match(
    result.stderr,
    `error: Account ${MOTO_ACCOUNT} is not bootstrapped for the CDK in us-east-1 (no CDKToolkit stack). Run \`npx cdk bootstrap aws://${MOTO_ACCOUNT}/us-east-1\` once, then run the infra command again.`,
  );
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  assert.equal(await cdkCalls(), []);
  assert.not.ok(existsSync(DEPLOYED()));
});

test('diff and deploy with expired credentials: says how to renew them, before any AWS call', async () => {
  const expired = new Date(Date.now() - 60_000).toISOString();
  for (const command of ['diff', 'deploy']) {
    const result = await infra([command, '--env', 'staging', '--yes'].filter((arg) => command === 'deploy' || arg !== '--yes'), { AWS_SESSION_TOKEN: 'ended', AWS_CREDENTIAL_EXPIRATION: expired });
    assert.is(result.code, 1, result.stderr);
    assert.match(result.stderr, `error: The AWS credentials from environment variables (AWS_ACCESS_KEY_ID) expired at ${expired}; renew them with`);
    assert.match(result.stderr, 'and run the infra command again.');
    assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  }
  assert.equal(await cdkCalls(), []);
});

test('deploy refuses a placeholder repository in infra.yaml, a deploy without --yes or a terminal, and an unknown environment', async () => {
  await tmp.write({ 'infra/infra.yaml': 'github:\n  repository: PLACEHOLDER-OWNER/three-sites\n' });
  let result = await infra(['deploy', '--env', 'staging', '--yes']);
  assert.is(result.code, 1);
  assert.match(result.stderr, 'error: infra/infra.yaml: github.repository is a placeholder; the publishing roles would trust no repository.');
  await tmp.write({ 'infra/infra.yaml': 'github:\n  repository: jane/three-sites\n' });
  result = await infra(['deploy', '--env', 'staging']);
  assert.is(result.code, 1);
  assert.match(result.stderr, 'A deploy without a terminal needs --yes');
  result = await infra(['deploy', '--env', 'stagign', '--yes']);
  assert.is(result.code, 1);
  assert.match(result.stderr, 'sites/fixture.test/site.yaml: "stagign" is not an environment with AWS resources (did you mean "staging"?)');
  result = await infra(['deploy', '--env', 'prod', '--yes']);
  assert.is(result.code, 1);
  assert.match(result.stderr, '"prod" is not an environment with AWS resources (did you mean "production"?)');
  result = await infra(['deploy', '--env', 'development', '--yes']);
  assert.match(result.stderr, 'local ones (an endpoint, or a URL on this machine) have none');
  for (const output of [result.stderr]) assert.not.ok(hasStackTrace(output), output);
  assert.equal(await cdkCalls(), []);
});

test('deploy: preflight, then the CDK CLI on the synthesized stacks, then deployed.yaml written from the outputs; targets and the publisher read it', async () => {
  await bootstrap();
  await clearCdkLog();
  const result = await infra(['deploy', '--env', 'staging', '--yes']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, 'preflight  bootstrap: CDKToolkit in us-east-1 of 123456789012');
  const [call, ...others] = await cdkCalls();
  assert.equal(others, []);
  const app = call![call!.indexOf('--app') + 1]!;
  const outputsFile = call![call!.indexOf('--outputs-file') + 1]!;
  assert.equal(call, ['deploy', '--app', app, '--exclusively', '--outputs-file', outputsFile, '--require-approval', 'never', 'Sites-GitHubOidc', 'Sites-fixture-staging']);
  assert.not.ok(existsSync(app), 'the assembly is cleaned up');
  assert.match(result.stdout, 'Wrote sites/fixture.test/deployed.yaml: commit it, so the publisher and CI use the new resources.');
  assert.match(result.stdout, 'fixture.test → staging: create these DNS records at your DNS provider (an apex takes an ALIAS/ANAME or flattened CNAME): staging.fixture.test CNAME d111111abcdef8.cloudfront.net');

  const deployed = await readFile(DEPLOYED(), 'utf8');
  assert.match(deployed, 'stack: Sites-fixture-staging');
  assert.match(deployed, `account: "${MOTO_ACCOUNT}"`);
  assert.match(deployed, `publishRoleArn: ${ROLE}`);
  const site = await loadSite(workspaceAt(tmp.dir), 'fixture.test');
  assert.equal(site.environments['staging']!.distributions, [{ id: 'E2FIXTURESTAGE', originPath: '' }]);
  assert.is(site.environments['staging']!.bucket, 'fixture-staging');

  // CI's matrix: the role it assumes is the stack's PublishRoleArn output.
  const targets = await infra(['targets', '--env', 'staging', '--json']);
  assert.is(targets.stdout, `${JSON.stringify({ include: [{ site: 'fixture', domain: 'fixture.test', roleArn: ROLE, region: 'us-east-1' }] })}\n`);
  const production = await infra(['targets', '--env', 'production', '--json']);
  assert.is(production.stdout, '{"include":[]}\n');
  const typo = await infra(['targets', '--env', 'prod', '--json']);
  assert.is(typo.code, 1);
  assert.match(typo.stderr, 'error: Unknown environment "prod" for fixture.test. Did you mean "production"?');
  assert.not.ok(hasStackTrace(typo.stderr), typo.stderr);
});

test('diff runs cdk diff on the environment’s stacks only', async () => {
  await clearCdkLog();
  const result = await infra(['diff', '--env', 'staging']);
  assert.is(result.code, 0, result.stderr);
  const [call] = await cdkCalls();
  assert.equal([call![0], ...call!.slice(3)], ['diff', '--exclusively', 'Sites-fixture-staging']);
});

test('credentials of another account than deployed.yaml records: refused, naming both accounts and the file', async () => {
  const deployed = await readFile(DEPLOYED(), 'utf8');
  await writeFile(DEPLOYED(), deployed.replace(`account: "${MOTO_ACCOUNT}"`, 'account: "111111111111"').replace(/iam::123456789012/g, 'iam::111111111111'));
  await clearCdkLog();
  try {
    const result = await infra(['deploy', '--env', 'staging', '--yes']);
    assert.is(result.code, 1);
    assert.match(result.stderr, `error: These credentials are of AWS account ${MOTO_ACCOUNT}`);
    assert.match(result.stderr, 'but fixture.test → staging was deployed to account 111111111111 (sites/fixture.test/deployed.yaml)');
    assert.equal(await cdkCalls(), []);
  } finally {
    await writeFile(DEPLOYED(), deployed);
  }
});

test('a failed cdk deploy writes nothing back', async () => {
  const before = await readFile(DEPLOYED(), 'utf8');
  const result = await infra(['deploy', '--env', 'staging', '--yes'], { FAKE_CDK_EXIT: '3', FAKE_CDK_OUTPUTS: '{}' });
  assert.is(result.code, 3);
  assert.match(result.stderr, 'error: cdk deploy failed (exit 3); its messages are above. Nothing was written back into deployed.yaml.');
  assert.is(await readFile(DEPLOYED(), 'utf8'), before);
  // Outputs missing for the stack: an error naming it, and nothing written.
  const missing = await infra(['deploy', '--env', 'staging', '--yes'], { FAKE_CDK_OUTPUTS: '{}' });
  assert.is(missing.code, 1);
  assert.match(missing.stderr, "error: The deploy's outputs have no BucketName, DistributionId, DistributionDomainName, OriginPath, PublishRoleArn for the stack Sites-fixture-staging; nothing was written.");
  assert.is(await readFile(DEPLOYED(), 'utf8'), before);
});

test('destroy: production needs --production; staging runs cdk destroy and forgets the environment in deployed.yaml', async () => {
  await clearCdkLog();
  const refused = await infra(['destroy', '--env', 'production', '--yes']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, 'error: Refusing to destroy production without --production.');
  assert.equal(await cdkCalls(), []);

  const result = await infra(['destroy', '--env', 'staging', '--yes']);
  assert.is(result.code, 0, result.stderr);
  const [call] = await cdkCalls();
  assert.equal([call![0], ...call!.slice(3)], ['destroy', '--exclusively', '--force', 'Sites-fixture-staging'], 'never the account’s OIDC provider');
  assert.match(result.stdout, 'Destroyed Sites-fixture-staging; the site buckets and their logs are kept');
  assert.not.match(await readFile(DEPLOYED(), 'utf8'), 'Sites-fixture-staging');
  const site = await loadSite(workspaceAt(tmp.dir), 'fixture.test');
  assert.equal(site.environments['staging']!.distributions, [], 'back to what site.yaml says');
});

test('the bootstrap stack deleted since the last deploy: says to run cdk bootstrap again', async () => {
  await cloudFormation().send(new DeleteStackCommand({ StackName: 'CDKToolkit' }));
  const result = await infra(['diff', '--env', 'staging']);
  assert.is(result.code, 1);
  assert.match(result.stderr, `Run \`npx cdk bootstrap aws://${MOTO_ACCOUNT}/us-east-1\` once`);
});

test('cost: every environment idle and per million requests, from the price table', async () => {
  const result = await infra(['cost']);
  assert.is(result.code, 0, result.stderr);
  const assumed = estimateCost({ storedBytes: 5 * 1024 ** 2, bytesPerRequest: 60 * 1024 });
  assert.match(result.stdout, 'fixture.test → staging (no production build to measure: assumed sizes)');
  assert.match(result.stdout, 'fixture.test → production');
  assert.match(result.stdout, `per million requests     ${formatUsd(assumed.perMillionTotal).padStart(9)}`);
  assert.match(result.stdout, `All 2 environments: ${formatUsd(assumed.idleTotal * 2)} a month idle; a million requests to one of them costs ${formatUsd(assumed.perMillionTotal)} beyond CloudFront's always-free tier`);
  assert.ok(assumed.perMillionTotal > 1 && assumed.perMillionTotal < 10, `a plausible figure: ${assumed.perMillionTotal}`);
});

test('policy: the publishing policy of one environment as JSON, from the same code as the role', async () => {
  const result = await infra(['policy', '--env', 'production', '--site', 'fixture', '--account', '210987654321']);
  assert.is(result.code, 0, result.stderr);
  const policy = JSON.parse(result.stdout) as { Statement: Array<{ Sid: string; Resource: string[] }> };
  assert.equal(policy.Statement.map((statement) => statement.Sid), ['ReachAndListTheSitePrefix', 'ReadWriteAndDeleteTheSite', 'CheckAndInvalidateTheDistribution', 'ReachStagingForTheGate', 'ReadStagingDeployRecords']);
  assert.ok(policy.Statement.some((statement) => statement.Resource.includes('arn:aws:cloudfront::210987654321:distribution/E1FIXTUREPROD')));
});

test.run();
