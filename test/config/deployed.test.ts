/**
 * sites/<domain>/deployed.yaml, as the publisher sees it: the names an infra
 * deploy recorded take the place of site.yaml's placeholders, a contradiction
 * of a real value is an error naming both files, and writing the file does
 * not change the site's source digest (so staging's verification holds).
 * Also the site-level `dns:` block infra reads.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeDeployed, type DeployedEnvironment } from '../../scripts/config/deployed.ts';
import { loadSite, placeholdersIn, workspaceAt } from '../../scripts/config/sites.ts';
import { sourceDigest } from '../../scripts/build/source-digest.ts';
import { ConfigError } from '../../scripts/errors.ts';
import { rejects } from '../helpers/assert.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, siteConfigYaml } from '../helpers/sites.ts';

interface Ctx {
  tmp: TempDir;
}
const test = suite<Ctx>('deployed.yaml and dns');
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('deployed-');
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const SITE = 'sites/fixture.test';
const placeholderStaging = (yaml: string) =>
  yaml.replace('  staging:\n    url: https://staging.fixture.test\n    bucket: fixture-staging\n', '  staging:\n    url: https://staging.fixture.test\n    bucket: placeholder-fixture-staging\n    distributions:\n      - id: PLACEHOLDER-FIXTURE-STAGING\n');

const recorded: DeployedEnvironment = {
  stack: 'Sites-fixture-staging',
  account: '123456789012',
  region: 'us-east-1',
  bucket: 'fixture-staging-123456789012',
  distributions: [{ id: 'E2FIXTURESTAGE', originPath: '', domainName: 'd111111abcdef8.cloudfront.net' }],
  publishRoleArn: 'arn:aws:iam::123456789012:role/sites-publish-fixture-staging',
  deployedAt: '2026-12-04T12:00:00.000Z',
};

const load = (ctx: Ctx) => loadSite(workspaceAt(ctx.tmp.dir), 'fixture.test');

test('the recorded names replace the placeholders; site.yaml as declared stays available to infra', async (ctx) => {
  await ctx.tmp.write({ [`${SITE}/site.yaml`]: placeholderStaging(siteConfigYaml('fixture.test', 'fixture')) });
  let site = await load(ctx);
  assert.equal(placeholdersIn(site, 'staging'), ['environments.staging.bucket', 'environments.staging.distributions.0.id'], 'placeholders before the deploy');
  await writeDeployed(`${ctx.tmp.dir}/${SITE}`, { environments: { staging: recorded } });
  site = await load(ctx);
  assert.is(site.environments['staging']!.bucket, 'fixture-staging-123456789012');
  assert.equal(site.environments['staging']!.distributions, [{ id: 'E2FIXTURESTAGE', originPath: '' }]);
  assert.equal(placeholdersIn(site, 'staging'), []);
  assert.is(site.declaredEnvironments['staging']!.bucket, 'placeholder-fixture-staging');
  assert.is(site.deployed?.environments['staging']?.publishRoleArn, recorded.publishRoleArn);
  assert.is(site.environments['production']!.bucket, 'fixture-production', 'other environments untouched');
});

test('a recorded name that contradicts a real one in site.yaml is refused, naming both files', async (ctx) => {
  await ctx.tmp.write({ [`${SITE}/site.yaml`]: siteConfigYaml('fixture.test', 'fixture') });
  await writeDeployed(`${ctx.tmp.dir}/${SITE}`, { environments: { staging: recorded } });
  const error = await rejects(() => load(ctx), ConfigError);
  assert.is(
    error.message,
    'sites/fixture.test/site.yaml: environments.staging.bucket is "fixture-staging", but sites/fixture.test/deployed.yaml records "fixture-staging-123456789012" for the stack Sites-fixture-staging. Write the placeholder back in site.yaml to use the deployed one, or run npm run infra -- deploy --env staging again if the stack is the one that is wrong.',
  );
  await writeDeployed(`${ctx.tmp.dir}/${SITE}`, { environments: { production: { ...recorded, stack: 'Sites-fixture-production', bucket: 'fixture-production' } } });
  const distribution = await rejects(() => load(ctx), ConfigError);
  assert.match(distribution.message, 'environments.production.distributions is "E1FIXTUREPROD", but sites/fixture.test/deployed.yaml records "E2FIXTURESTAGE"');
});

test('an environment site.yaml no longer declares, and a malformed entry, are errors with the file and what to do', async (ctx) => {
  await ctx.tmp.write({ [`${SITE}/site.yaml`]: placeholderStaging(siteConfigYaml('fixture.test', 'fixture')) });
  await writeDeployed(`${ctx.tmp.dir}/${SITE}`, { environments: { preview: { ...recorded, stack: 'Sites-fixture-preview' } } });
  let error = await rejects(() => load(ctx), ConfigError);
  assert.is(
    error.message,
    'sites/fixture.test/deployed.yaml: records the environment "preview", which sites/fixture.test/site.yaml does not declare. Declare it again, or remove its entry (and destroy its stack: npm run infra -- destroy --env preview).',
  );
  await ctx.tmp.write({ [`${SITE}/deployed.yaml`]: 'environments:\n  staging:\n    stack: Sites-fixture-staging\n    account: "12345"\n' });
  error = await rejects(() => load(ctx), ConfigError);
  assert.match(error.message, 'sites/fixture.test/deployed.yaml:4: environments.staging.account: "12345" must be a 12-digit AWS account id.');
});

test('writing deployed.yaml does not change the source digest: no rebuild, and staging stays verified for production', async (ctx) => {
  await copySharedParts(ctx.tmp.dir);
  const tree = fixtureSite();
  tree[`${SITE}/site.yaml`] = placeholderStaging(tree[`${SITE}/site.yaml`] as string);
  await ctx.tmp.write(tree);
  const workspace = workspaceAt(ctx.tmp.dir);
  const before = await sourceDigest(workspace, await load(ctx));
  await writeDeployed(`${ctx.tmp.dir}/${SITE}`, { environments: { staging: recorded } });
  assert.is(await sourceDigest(workspace, await load(ctx)), before);
  // A change to site.yaml itself is a change of source.
  await ctx.tmp.write({ [`${SITE}/site.yaml`]: (tree[`${SITE}/site.yaml`] as string).replace('title: Fixture fixture', 'title: Fixture renamed') });
  assert.is.not(await sourceDigest(workspace, await load(ctx)), before);
});

test('dns: a hosted zone id and a zone that is the domain or a parent of it', async (ctx) => {
  const withDns = (dns: string) => siteConfigYaml('fixture.test', 'fixture', dns);
  await ctx.tmp.write({ [`${SITE}/site.yaml`]: withDns('dns:\n  hostedZoneId: Z0123456789ABC\n  zoneName: fixture.test\n') });
  assert.equal((await load(ctx)).dns, { hostedZoneId: 'Z0123456789ABC', zoneName: 'fixture.test' });
  await ctx.tmp.write({ [`${SITE}/site.yaml`]: withDns('dns:\n  hostedZoneId: Z0123456789ABC\n  zoneName: other.test\n') });
  let error = await rejects(() => load(ctx), ConfigError);
  assert.match(error.message, /site\.yaml:\d+: dns\.zoneName: "other\.test" is not fixture\.test or a parent of it, so its records cannot name the site\. Name the hosted zone of fixture\.test\./);
  await ctx.tmp.write({ [`${SITE}/site.yaml`]: withDns('dns:\n  hostedZoneId: /hostedzone/Z0123\n  zoneName: fixture.test\n') });
  error = await rejects(() => load(ctx), ConfigError);
  assert.match(error.message, /site\.yaml:\d+: dns\.hostedZoneId: "\/hostedzone\/Z0123" must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ\./);
});

test.run();
