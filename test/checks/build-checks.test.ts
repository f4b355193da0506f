import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { checkReportOf } from '../../scripts/checks/check-step.ts';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { BuildError, CheckError } from '../../scripts/errors.ts';
import { rejects } from '../helpers/assert.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

interface Ctx {
  tmp: TempDir;
}
const test = suite<Ctx>('checks in the build');
const quiet = { info() {}, warn() {} };

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('build-checks-');
  await copySharedParts(ctx.tmp.dir);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const build = (ctx: Ctx, envName = 'production') => buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName, sites: [], logger: quiet });
const about = (body: string, extra = '') => page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', body, extra);

test('a broken link fails the build, naming output file, line, column, rule, target and source page; dist/ keeps the previous output', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': about('See [home](/).') } }));
  await build(ctx);
  const before = await readFile(path.join(ctx.tmp.dir, 'dist/production/fixture.test/about/index.html'), 'utf8');
  // A new file rather than an edit: Eleventy keeps file contents in a process-wide cache.
  await ctx.tmp.write({ 'sites/fixture.test/content/contact.md': page('Contact', 'How to reach the fixture team, with a link to a page that is not there.', 'page.njk', 'See [our team](/team/).') });
  const error = await rejects(() => build(ctx), CheckError);
  assert.match(error.message, /contact\/index\.html:\d+:\d+ links\/broken: <a href="\/team\/"> points to \/team\/, which is not a file of this build/);
  assert.match(error.message, '(from sites/fixture.test/content/contact.md)');
  assert.match(error.message, 'Nothing in dist/ was replaced');
  assert.is(await readFile(path.join(ctx.tmp.dir, 'dist/production/fixture.test/about/index.html'), 'utf8'), before);
});

test('invalid HTML in a page fails with the html-validate rule and its source page', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': about('<p id="twice">One</p>\n\n<p id="twice">Two</p>') } }));
  const error = await rejects(() => build(ctx), CheckError);
  assert.match(error.message, /about\/index\.html:\d+:\d+ html-validate\/no-dup-id: Duplicate ID "twice"/);
  assert.match(error.message, '(from sites/fixture.test/content/about.md)');
});

test('staging builds are checked against staging rules too (a forced analytics tag fails)', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': about('<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST123456"></script>') } }));
  const error = await rejects(() => build(ctx, 'staging'), CheckError);
  assert.match(error.message, 'seo/analytics: staging must not carry an analytics tag');
});

test('a page waives a rule in its front matter with a reason; the report lists the waiver', async (ctx) => {
  const longTitle = page('A page whose title is far too long for any search result', 'A page with a long title, waived on purpose for this test of waivers.', 'page.njk', 'Body.', 'waive:\n  seo/title-length: "The title is the campaign name, agreed with the owner"\n');
  await ctx.tmp.write(fixtureSite({ pages: { 'content/campaign.md': longTitle } }));
  const [result] = await build(ctx);
  const report = checkReportOf(result!.pages);
  assert.ok(report?.passed);
  assert.equal(report!.waived.map((problem) => `${problem.rule} ${problem.file} ${problem.source}: ${problem.reason}`), [
    'seo/title-length campaign/index.html sites/fixture.test/content/campaign.md: The title is the campaign name, agreed with the owner',
  ]);
});

test('a waiver without a reason is a front matter error', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': about('Body.', 'waive:\n  seo/title-length: ""\n') } }));
  const noReason = await rejects(() => build(ctx), BuildError);
  assert.match(noReason.message, 'sites/fixture.test/content/about.md: front matter has a problem');
  assert.match(noReason.message, 'waive.seo/title-length: needs the reason');
});

test('only page-level rules can be waived: waiving a broken link is a front matter error', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': about('Body.', 'waive:\n  links/broken: "The team page comes later"\n') } }));
  const notWaivable = await rejects(() => build(ctx), BuildError);
  assert.match(notWaivable.message, '"links/broken" is not a rule a page can waive');
});

test('regression: an html-validate directive comment in a page fails the build naming file, line, column and source page, and cannot be waived', async (ctx) => {
  const body = '<!-- [html-validate-disable-block no-dup-id] -->\n<div><p id="twice">One</p><p id="twice">Two</p></div>';
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': about(body) } }));
  const error = await rejects(() => build(ctx), CheckError);
  assert.match(error.message, /about\/index\.html:\d+:\d+ html-validate\/inline-directive: the comment <!-- \[html-validate-disable-block no-dup-id …--> would switch html-validate rules off/);
  assert.match(error.message, /html-validate\/no-dup-id: Duplicate ID "twice"/);
  assert.match(error.message, '(from sites/fixture.test/content/about.md)');
  await ctx.tmp.write({ 'sites/fixture.test/content/about.md': about(body, 'waive:\n  html-validate/inline-directive: "The editor wants the rule off here"\n') });
  const waived = await rejects(() => build(ctx), BuildError);
  assert.match(waived.message, '"html-validate/inline-directive" is not a rule a page can waive');
});

test('regression: a waiver naming an html-validate rule that does not exist is a front matter error naming the file, the key and the rule meant', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': about('Body.', 'waive:\n  html-validate/no-dup-idd: "Two sections share an anchor on purpose"\n') } }));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'sites/fixture.test/content/about.md: front matter has a problem');
  assert.match(error.message, 'waive.html-validate/no-dup-idd: "html-validate/no-dup-idd" is not a rule a page can waive. html-validate has no rule "no-dup-idd". Did you mean "html-validate/no-dup-id"?');
});

test('a waiver that excused nothing on its page is a build warning naming the page and the rule', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': about('Body.', 'waive:\n  seo/title-length: "The title used to be the long campaign name"\n') } }));
  const warnings: string[] = [];
  await buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: { info() {}, warn: (message) => warnings.push(message) } });
  assert.equal(
    warnings.filter((warning) => warning.includes('waive')),
    ['sites/fixture.test/content/about.md: waive: seo/title-length did not apply (the page has no seo/title-length problem); remove it from the front matter so it cannot excuse a later one'],
  );
});

test('the report counts pages and images and lists external links without fetching them', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': about('Read [the Eleventy docs](https://www.11ty.dev/docs/).') } }));
  const [result] = await build(ctx);
  const report = checkReportOf(result!.pages)!;
  assert.is(report.pages, 2);
  assert.ok(report.externalLinks.some((link) => link.url === 'https://www.11ty.dev/docs/' && link.pages.includes('about/index.html')));
  assert.equal(report.checks.map((check) => check.name), ['widgets', 'html-validate', 'links', 'seo', 'images', 'weight', 'template-leak', 'inline-scripts']);
  assert.ok(report.checks.every((check) => check.passed));
});

test.run();
