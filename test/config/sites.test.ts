import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAllSites, placeholdersIn, selectSites, workspaceAt } from '../../scripts/config/sites.ts';
import { ConfigError } from '../../scripts/errors.ts';
import { rejects } from '../helpers/assert.ts';
import { repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, siteConfigYaml } from '../helpers/sites.ts';

interface Ctx { tmp: TempDir }
const test = suite<Ctx>('site config');
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir();
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

async function configError(ctx: Ctx, yaml: string): Promise<string> {
  await ctx.tmp.write({ 'sites/fixture.test/site.yaml': yaml });
  return (await rejects(() => loadAllSites(workspaceAt(ctx.tmp.dir)), ConfigError)).message;
}

test('the three real sites load, with their short names', async () => {
  const sites = await loadAllSites(workspaceAt(repoRoot));
  assert.equal(sites.map((site) => `${site.shortName}=${site.domain}`), ['86from=86from.com', 'queenofsandiego=queenofsandiego.com', 'sailjada=sailjada.com']);
  for (const site of sites) {
    assert.ok(site.environments['development'] && site.environments['staging'] && site.environments['production'], site.domain);
  }
});

test('an unknown key names the file, the line, the key and the allowed keys', async (ctx) => {
  const message = await configError(ctx, siteConfigYaml('fixture.test', 'fixture').replace('language: en-US', 'language: en-US\nlanguag: en'));
  assert.match(message, 'sites/fixture.test/site.yaml:6: languag: unknown key. Did you mean `language`? Allowed here: domain, shortName, title, description, language');
});

test('an unknown key inside an environment lists that level\'s keys', async (ctx) => {
  const message = await configError(ctx, siteConfigYaml('fixture.test', 'fixture').replace('bucket: fixture-staging', 'bucket: fixture-staging\n    cdn: E123'));
  assert.match(message, /site\.yaml:\d+: environments\.staging\.cdn: unknown key\. Allowed here: url, bucket, prefix, region, endpoint, distributions/);
});

test('a malformed domain says what a domain looks like', async (ctx) => {
  const message = await configError(ctx, siteConfigYaml('fixture.test', 'fixture').replace('domain: fixture.test', 'domain: https://Fixture.test/'));
  assert.match(message, 'sites/fixture.test/site.yaml:1: domain: "https://Fixture.test/" must be a lowercase domain name such as example.com');
});

test('a missing bucket is named with its environment', async (ctx) => {
  const message = await configError(ctx, siteConfigYaml('fixture.test', 'fixture').replace('    bucket: fixture-staging\n', ''));
  assert.match(message, /site\.yaml:\d+: environments\.staging\.bucket: is required \(an S3 bucket name such as 86from-staging: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit\) but missing\./);
});

test('a misspelt key: the unknown key at its own line with the key it was meant to be, then that key as missing', async (ctx) => {
  const message = await configError(ctx, '# Fixture site\n' + siteConfigYaml('fixture.test', 'fixture').replace('language: en-US', 'langauge: en-US'));
  assert.equal(message.split('\n').slice(1), [
    '  sites/fixture.test/site.yaml:6: langauge: unknown key. Did you mean `language`? Allowed here: domain, shortName, title, description, language, ogImage, analytics, booking, nav, redirects, publish, build, dns, environments.',
    '  sites/fixture.test/site.yaml:6: language: is required (string) but missing. `langauge` on this line looks like a misspelling of it.',
  ]);
});

test('a key missing at the top level is reported at the first key, not at a comment above it', async (ctx) => {
  const message = await configError(ctx, '# Fixture site\n# maintained by hand\n' + siteConfigYaml('fixture.test', 'fixture').replace('language: en-US\n', ''));
  assert.match(message, 'sites/fixture.test/site.yaml:3: language: is required (string) but missing.');
});

test('an environment name with capitals says what names are allowed', async (ctx) => {
  const message = await configError(ctx, siteConfigYaml('fixture.test', 'fixture').replace('  development:', '  Development:'));
  assert.match(
    message,
    'environments.Development: "Development" is not an environment name: names are lowercase letters, digits and hyphens, starting with a letter, such as development, staging, production or local (write "development").',
  );
});

test('a missing required environment is reported', async (ctx) => {
  const yaml = siteConfigYaml('fixture.test', 'fixture').replace(/  staging:\n(    .*\n)+/, '');
  const message = await configError(ctx, yaml);
  assert.match(message, 'environments: must declare the "staging" environment');
});

test('several problems are all reported at once', async (ctx) => {
  const message = await configError(ctx, siteConfigYaml('fixture.test', 'fixture').replace('language: en-US', 'language: english').replace('bucket: fixture-staging', 'bucket: Fixture_Staging'));
  assert.match(message, 'has 2 problems');
  assert.match(message, 'language:');
  assert.match(message, 'environments.staging.bucket: "Fixture_Staging" must be an S3 bucket name');
});

test('YAML syntax errors name the line', async (ctx) => {
  const message = await configError(ctx, 'domain: fixture.test\ntitle: [unclosed\n');
  assert.match(message, /^sites\/fixture\.test\/site\.yaml:\d+: not valid YAML/);
});

test('the folder name must match the domain', async (ctx) => {
  await ctx.tmp.write({ 'sites/other.test/site.yaml': siteConfigYaml('fixture.test', 'fixture') });
  const error = await rejects(() => loadAllSites(workspaceAt(ctx.tmp.dir)), ConfigError);
  assert.match(error.message, 'domain: "fixture.test" does not match the folder name "other.test"');
});

test('production URL must be on the site domain (canonical URLs use it)', async (ctx) => {
  const message = await configError(ctx, siteConfigYaml('fixture.test', 'fixture').replace('url: https://fixture.test', 'url: https://example.org'));
  assert.match(message, 'environments.production.url: "https://example.org" is not on fixture.test');
});

test('extra environments are allowed and selected by name; sites by short name or domain', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ extraConfig: '' }));
  await ctx.tmp.write({
    'sites/fixture.test/site.yaml': siteConfigYaml('fixture.test', 'fixture') + '  local:\n    url: http://127.0.0.1:4000\n    bucket: fixture-local\n    endpoint: http://127.0.0.1:4568\n',
  });
  const sites = await loadAllSites(workspaceAt(ctx.tmp.dir));
  assert.is(sites[0]!.environments['local']?.endpoint, 'http://127.0.0.1:4568');
  assert.is(selectSites(sites, ['fixture'])[0]!.domain, 'fixture.test');
  assert.is(selectSites(sites, ['fixture.test'])[0]!.shortName, 'fixture');
});

test('placeholders are listed so publishing can refuse them', async () => {
  const sites = await loadAllSites(workspaceAt(repoRoot));
  const site = selectSites(sites, ['86from'])[0]!;
  const found = placeholdersIn(site, 'production');
  assert.ok(found.includes('environments.production.bucket'), found.join(', '));
  assert.ok(found.includes('environments.production.distributions.0.id'), found.join(', '));
});

test.run();
