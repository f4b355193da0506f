import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pageInput, type CheckSettings, type SitePage } from '../../scripts/checks/check.ts';
import { seoCheck, seoPage } from '../../scripts/checks/seo.ts';
import { builtPage, settings, stagingSettings, type PageOptions } from './pages.ts';

const rulesOf = (html: string, checkSettings: CheckSettings = settings) => seoPage(pageInput('about/index.html', html), checkSettings).problems.map((problem) => problem.rule);

interface RuleCase {
  rule: string;
  failing: PageOptions;
  passing: PageOptions;
  settings?: CheckSettings;
}

// Each rule: one page that breaks it and one close to it that does not.
const cases: RuleCase[] = [
  { rule: 'seo/title', failing: { titles: 2 }, passing: { titles: 1 } },
  { rule: 'seo/title', failing: { titles: 0 }, passing: {} },
  // Regression: an inline SVG's <title> names the drawing and is not a second page title.
  { rule: 'seo/title', failing: { body: '<title>Second</title>' }, passing: { body: '<svg viewBox="0 0 1 1" role="img"><title>A boat</title><rect width="1" height="1"/></svg>' } },
  { rule: 'seo/title-length', failing: { title: 'A'.repeat(61) }, passing: { title: 'A'.repeat(60) } },
  { rule: 'seo/description', failing: { description: null }, passing: {} },
  { rule: 'seo/description', failing: { descriptions: 2 }, passing: {} },
  { rule: 'seo/description-length', failing: { description: 'Too short to say anything.' }, passing: { description: 'D'.repeat(50) } },
  { rule: 'seo/description-length', failing: { description: 'D'.repeat(161) }, passing: { description: 'D'.repeat(160) } },
  { rule: 'seo/h1', failing: { h1s: 0 }, passing: { h1s: 1 } },
  { rule: 'seo/h1', failing: { h1s: 2 }, passing: { h1s: 1 } },
  { rule: 'seo/html-lang', failing: { lang: null }, passing: { lang: 'en' } },
  { rule: 'seo/canonical', failing: { canonical: null }, passing: {} },
  { rule: 'seo/canonical', failing: { canonical: '/about/' }, passing: { canonical: 'https://fixture.test/about/' } },
  { rule: 'seo/canonical', failing: { canonical: 'https://staging.fixture.test/about/' }, passing: {} },
  { rule: 'seo/open-graph', failing: { og: { 'og:image': null } }, passing: {} },
  { rule: 'seo/open-graph', failing: { og: { 'og:title': '' } }, passing: {} },
  { rule: 'seo/open-graph', failing: { og: { 'og:url': 'https://elsewhere.test/about/' } }, passing: {} },
  { rule: 'seo/open-graph', failing: { og: { 'og:image': '/assets/og.png' } }, passing: { og: { 'og:image': 'https://cdn.fixture.test/og.png' } } },
  { rule: 'seo/json-ld', failing: { jsonLd: '{"@type": "WebPage",}' }, passing: { jsonLd: '[{"@type": "WebPage"}]' } },
  { rule: 'seo/img-alt', failing: { body: '<img src="/a.png" width="1" height="1">' }, passing: { body: '<img src="/a.png" width="1" height="1" alt="">' } },
  { rule: 'seo/analytics', failing: { analytics: 0 }, passing: { analytics: 1 } },
  { rule: 'seo/analytics', failing: { analytics: 2 }, passing: { analytics: 1 } },
  { rule: 'seo/analytics', failing: { analyticsId: 'G-SOMEONEELSE' }, passing: { analyticsId: 'G-TEST123456' } },
  { rule: 'seo/analytics', failing: { analytics: 1, robots: 'noindex, nofollow' }, passing: { analytics: 0, robots: 'noindex, nofollow' }, settings: stagingSettings },
  { rule: 'seo/noindex', failing: { analytics: 0 }, passing: { analytics: 0, robots: 'noindex, nofollow' }, settings: stagingSettings },
];

const test = suite('seo rules');

test('the page made by the helper passes every rule, in production and (with noindex, without analytics) in staging', () => {
  assert.equal(rulesOf(builtPage()), []);
  assert.equal(rulesOf(builtPage({ robots: 'noindex, nofollow', analytics: 0 }), stagingSettings), []);
});

for (const { rule, failing, passing, settings: caseSettings } of cases) {
  test(`${rule}: ${JSON.stringify(failing)} fails, ${JSON.stringify(passing)} passes`, () => {
    assert.ok(rulesOf(builtPage(failing), caseSettings).includes(rule), `expected ${rule} in ${JSON.stringify(rulesOf(builtPage(failing), caseSettings))}`);
    assert.not.ok(rulesOf(builtPage(passing), caseSettings).includes(rule));
  });
}

test('a problem names the line and column of the element, and what to do', () => {
  const [problem] = seoPage(pageInput('about/index.html', builtPage({ title: 'T'.repeat(70) })), settings).problems;
  assert.is(problem?.rule, 'seo/title-length');
  assert.is(problem?.line, 6);
  assert.is(problem?.column, 1);
  assert.match(problem!.message, 'title is 70 characters, over 60');
});

test('title length counts characters as people see them: entities decoded, whitespace collapsed', () => {
  assert.not.ok(rulesOf(builtPage({ title: `What does 86&#39;d mean? |   ${'x'.repeat(37)}` })).includes('seo/title-length'));
  assert.ok(rulesOf(builtPage({ title: `What does 86&#39;d mean? | ${'x'.repeat(38)}` })).includes('seo/title-length'));
});

async function siteRules(pages: Array<{ file: string; html: string }>, files: Record<string, string>, checkSettings: CheckSettings = settings) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seo-site-'));
  try {
    for (const [file, contents] of Object.entries(files)) await writeFile(path.join(dir, file), contents);
    const sitePages: SitePage[] = pages.map((page) => ({ file: page.file, data: seoPage(pageInput(page.file, page.html), checkSettings).data }));
    const result = await seoCheck.site!({ outputDir: dir, settings: checkSettings, files: new Set(pages.map((page) => page.file)), pages: sitePages, redirects: new Map() });
    return result.problems;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sitemap = (urls: string[]) => `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.map((url) => `  <url><loc>${url}</loc></url>`).join('\n')}\n</urlset>\n`;
const robots = 'User-agent: *\nAllow: /\n\nSitemap: https://fixture.test/sitemap.xml\n';
const home = { file: 'index.html', html: builtPage({ url: '/', title: 'Home | Fixture', description: 'The home page of the fixture site, with its own description here.' }) };
const about = { file: 'about/index.html', html: builtPage() };
const hidden = { file: 'hidden/index.html', html: builtPage({ url: '/hidden/', robots: 'noindex', title: 'Hidden | Fixture', description: 'A thank-you page nobody should find in a search engine at all.' }) };

test('seo/title-unique and seo/description-unique: two pages sharing a title or a description both fail; distinct ones pass', async () => {
  const twin = { file: 'twin/index.html', html: builtPage({ url: '/twin/' }) };
  const problems = await siteRules([home, about, twin], { 'sitemap.xml': sitemap(['https://fixture.test/', 'https://fixture.test/about/', 'https://fixture.test/twin/']), 'robots.txt': robots });
  assert.equal(problems.map((problem) => `${problem.rule} ${problem.file}`).sort(), [
    'seo/description-unique about/index.html',
    'seo/description-unique twin/index.html',
    'seo/title-unique about/index.html',
    'seo/title-unique twin/index.html',
  ]);
  assert.match(problems.find((problem) => problem.file === 'twin/index.html')!.message, 'also used by about/index.html');
  assert.equal(await siteRules([home, about], { 'sitemap.xml': sitemap(['https://fixture.test/', 'https://fixture.test/about/']), 'robots.txt': robots }), []);
});

test('seo/sitemap: production lists exactly the indexable pages', async () => {
  const good = await siteRules([home, about, hidden], { 'sitemap.xml': sitemap(['https://fixture.test/', 'https://fixture.test/about/']), 'robots.txt': robots });
  assert.equal(good, []);
  const missing = await siteRules([home, about, hidden], { 'sitemap.xml': sitemap(['https://fixture.test/']), 'robots.txt': robots });
  assert.equal(missing.map((problem) => problem.message), ['does not list https://fixture.test/about/ (about/index.html is indexable)']);
  const extra = await siteRules([home, about, hidden], { 'sitemap.xml': sitemap(['https://fixture.test/', 'https://fixture.test/about/', 'https://fixture.test/hidden/']), 'robots.txt': robots });
  assert.equal(extra.map((problem) => `${problem.rule} ${problem.file}:${problem.line}`), ['seo/sitemap sitemap.xml:5']);
  const none = await siteRules([home], { 'robots.txt': robots });
  assert.equal(none.map((problem) => problem.rule), ['seo/sitemap']);
});

test('seo/robots-txt: production names the sitemap; staging disallows everything and has no sitemap', async () => {
  assert.equal((await siteRules([home], { 'sitemap.xml': sitemap(['https://fixture.test/']), 'robots.txt': 'User-agent: *\nAllow: /\n' })).map((problem) => problem.rule), ['seo/robots-txt']);
  const stagingHome = { file: 'index.html', html: builtPage({ url: '/', robots: 'noindex, nofollow', analytics: 0 }) };
  assert.equal(await siteRules([stagingHome], { 'robots.txt': 'User-agent: *\nDisallow: /\n' }, stagingSettings), []);
  const open = await siteRules([stagingHome], { 'robots.txt': robots, 'sitemap.xml': sitemap(['https://fixture.test/']) }, stagingSettings);
  assert.equal(open.map((problem) => problem.rule).sort(), ['seo/robots-txt', 'seo/sitemap']);
});

test.run();
