import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { checkReportOf } from '../../scripts/checks/check-step.ts';
import { pageInput, type CheckSettings } from '../../scripts/checks/check.ts';
import { seoPage } from '../../scripts/checks/seo.ts';
import { redirectPage } from '../../scripts/build/redirects.ts';
import { loadAllSites, workspaceAt } from '../../scripts/config/sites.ts';
import { CheckError, ConfigError } from '../../scripts/errors.ts';
import { rejects } from '../helpers/assert.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, page, siteConfigYaml } from '../helpers/sites.ts';
import { settings, stagingSettings } from './pages.ts';

interface Ctx {
  tmp: TempDir;
}
const test = suite<Ctx>('declared redirects');
const quiet = { info() {}, warn() {} };

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('redirects-');
  await copySharedParts(ctx.tmp.dir);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const redirectsYaml = (entries: Array<[string, string]>) => `redirects:\n${entries.map(([from, to]) => `  - from: ${from}\n    to: ${to}\n`).join('')}`;
const build = (ctx: Ctx, envName = 'production') => buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName, sites: [], logger: quiet });
const read = (ctx: Ctx, file: string, envName = 'production') => readFile(path.join(ctx.tmp.dir, 'dist', envName, 'fixture.test', file), 'utf8');
const newPage = page('The new page', 'The page that took over from the old one, with a description of length.', 'page.njk', 'See [the old address](/old-page/), which still works.');

async function configError(ctx: Ctx, entries: Array<[string, string]>): Promise<string> {
  await ctx.tmp.write({ 'sites/fixture.test/site.yaml': siteConfigYaml('fixture.test', 'fixture', redirectsYaml(entries)) });
  return (await rejects(() => loadAllSites(workspaceAt(ctx.tmp.dir)), ConfigError)).message;
}

const invalid: Array<{ entries: Array<[string, string]>; message: RegExp }> = [
  { entries: [['old-page/', '/new/']], message: /site\.yaml:\d+: redirects\.0\.from: "old-page\/" must be a site path ending in "\/" or "\.html"/ },
  { entries: [['/old-page', '/new/']], message: /redirects\.0\.from: "\/old-page" must be a site path ending in "\/" or "\.html"/ },
  { entries: [['/old/', 'new page']], message: /redirects\.0\.to: "new page" must be a site path such as \/new-page\/ or an absolute https:\/\/ URL/ },
  { entries: [['/old/', '/new/'], ['/old/', '/other/']], message: /site\.yaml:\d+: redirects\.1\.from: "\/old\/" is already redirected by redirects\.0; each path redirects once/ },
  { entries: [['/old/', '/old/']], message: /redirects\.0\.to: "\/old\/" redirects to itself/ },
  { entries: [['/a/', '/b/'], ['/b/', '/c/']], message: /redirects\.0\.to: "\/b\/" is itself redirected \(redirects\.1\); point this one at the final page/ },
];

for (const { entries, message } of invalid) {
  test(`config: ${JSON.stringify(entries)} is refused, naming file, line and key`, async (ctx) => {
    assert.match(await configError(ctx, entries), message);
  });
}

test('the build writes a redirect page at each from path: refresh, canonical to the target, noindex, a visible link; not in the sitemap; links to it resolve; every check passes', async (ctx) => {
  await ctx.tmp.write(
    fixtureSite({
      extraConfig: redirectsYaml([
        ['/old-page/', '/new-page/'],
        ['/legacy.html', 'https://example.com/elsewhere/'],
      ]),
      pages: { 'content/new-page.md': newPage },
    }),
  );
  const [result] = await build(ctx);
  const report = checkReportOf(result!.pages)!;
  assert.ok(report.passed, JSON.stringify(report.problems));
  assert.equal(report.waived, []);
  const stub = await read(ctx, 'old-page/index.html');
  assert.match(stub, '<meta http-equiv="refresh" content="0;url=/new-page/">');
  assert.match(stub, '<link rel="canonical" href="https://fixture.test/new-page/">');
  assert.match(stub, '<meta name="robots" content="noindex">');
  assert.match(stub, '<a href="/new-page/">/new-page/</a>');
  assert.match(await read(ctx, 'legacy.html'), '<link rel="canonical" href="https://example.com/elsewhere/">');
  const sitemap = await read(ctx, 'sitemap.xml');
  assert.match(sitemap, 'https://fixture.test/new-page/');
  assert.not.match(sitemap, 'old-page');
  assert.not.match(sitemap, 'legacy');
  assert.ok(report.externalLinks.some((link) => link.url === 'https://example.com/elsewhere/'));
  assert.ok(result!.record.files.some((file) => file.path === 'old-page/index.html'), 'the redirect page is in the build record, so it is published');
});

test('a redirect to a page that is not built fails the links check, naming the redirect', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ extraConfig: redirectsYaml([['/old-page/', '/gone/']]) }));
  const error = await rejects(() => build(ctx), CheckError);
  assert.match(error.message, 'old-page/index.html:1:1 links/broken: the declared redirect /old-page/ → /gone/ (redirects: in site.yaml) points to /gone/, which is not a file of this build');
  assert.not.ok(existsSync(path.join(ctx.tmp.dir, 'dist/production/fixture.test')));
});

test('a redirect from a path that is also a built page is a config error naming the key and the page', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ extraConfig: redirectsYaml([['/new-page/', '/']]), pages: { 'content/new-page.md': newPage } }));
  const error = await rejects(() => build(ctx), ConfigError);
  assert.match(error.message, 'sites/fixture.test/site.yaml: redirects.0.from: /new-page/ is a page of this build (sites/fixture.test/content/new-page.md); remove the redirect, or remove or move the page.');
});

test('staging redirect pages pass the staging rules (noindex, no analytics)', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ extraConfig: redirectsYaml([['/old-page/', '/new-page/']]), pages: { 'content/new-page.md': newPage } }));
  const [result] = await build(ctx, 'staging');
  assert.ok(checkReportOf(result!.pages)!.passed);
});

test('seo/redirect: the page rules do not apply to a redirect page, its own rules do', () => {
  const redirect = { from: '/old-page/', to: '/new-page/' };
  const withRedirect: CheckSettings = { ...settings, redirects: [redirect] };
  const good = redirectPage(redirect, { language: 'en-US', productionOrigin: 'https://fixture.test' });
  const rules = (html: string, checkSettings: CheckSettings = withRedirect) => seoPage(pageInput('old-page/index.html', html), checkSettings).problems.map((problem) => problem.rule);
  assert.equal(rules(good), []);
  assert.equal(rules(good, { ...stagingSettings, redirects: [redirect] }), []);
  assert.ok(rules(good, settings).includes('seo/description'), 'the same page at a path that is not a declared redirect gets the page rules');
  assert.equal(rules(good.replace('<meta name="robots" content="noindex">', '')), ['seo/redirect']);
  assert.equal(rules(good.replace('https://fixture.test/new-page/', 'https://fixture.test/other/')), ['seo/redirect']);
  assert.equal(rules(good.replace('0;url=/new-page/', '5;url=/new-page/')), ['seo/redirect']);
});

test.run();
