import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pageInput, type SitePage } from '../../scripts/checks/check.ts';
import { linksPage, linksSite, type LinksPageData } from '../../scripts/checks/links.ts';
import { builtPage, settings } from './pages.ts';

const test = suite('links');

const FILES = ['index.html', 'about/index.html', 'assets/site.css', 'assets/og.png', 'assets/images/a-480.11111111.avif', 'assets/images/a-960.22222222.avif'];

function check(body: string, options: { files?: string[]; redirects?: string[]; file?: string } = {}) {
  const file = options.file ?? 'about/index.html';
  const page = linksPage(pageInput(file, builtPage({ body })), settings);
  const site = linksSite({
    outputDir: '/nowhere',
    settings,
    files: new Set(options.files ?? FILES),
    pages: [{ file, data: page.data } satisfies SitePage],
    redirects: new Map((options.redirects ?? []).map((from) => [from, '/'])),
  });
  return { pageProblems: page.problems, siteProblems: site.problems, data: page.data as LinksPageData, external: site.data.external };
}

interface LinkCase {
  rule: string;
  failing: string;
  passing: string;
}

const cases: LinkCase[] = [
  { rule: 'links/broken', failing: '<a href="/abut/">About</a>', passing: '<a href="/about/">About</a>' },
  { rule: 'links/broken', failing: '<a href="../missing/">Up</a>', passing: '<a href="../">Up</a>' },
  { rule: 'links/broken', failing: '<img src="/assets/nope.png" alt="" width="1" height="1">', passing: '<img src="/assets/og.png" alt="" width="1" height="1">' },
  {
    rule: 'links/broken',
    failing: '<picture><source type="image/avif" srcset="/assets/images/a-480.11111111.avif 480w, /assets/images/a-1440.33333333.avif 1440w"></picture>',
    passing: '<picture><source type="image/avif" srcset="/assets/images/a-480.11111111.avif 480w, /assets/images/a-960.22222222.avif 960w"></picture>',
  },
  {
    // Regression: a comma without a space after it separates candidates too; only the first URL was checked.
    rule: 'links/broken',
    failing: '<img srcset="/assets/images/a-480.11111111.avif 480w,/assets/images/missing.avif 960w" src="/assets/og.png" alt="" width="1" height="1">',
    passing: '<img srcset="/assets/images/a-480.11111111.avif 480w,/assets/images/a-960.22222222.avif 960w" src="/assets/og.png" alt="" width="1" height="1">',
  },
  { rule: 'links/broken', failing: '<a href="https://fixture.test/gone/">Absolute, on our domain</a>', passing: '<a href="https://fixture.test/about/#main">Absolute, on our domain</a>' },
  { rule: 'links/fragment', failing: '<a href="#nowhere">Jump</a>', passing: '<a href="#main">Jump</a>' },
  { rule: 'links/empty', failing: '<a href="">Nothing</a>', passing: '<a href="/">Home</a>' },
];

for (const { rule, failing, passing } of cases) {
  test(`${rule}: ${failing} fails, ${passing} passes`, () => {
    const bad = check(failing);
    assert.ok([...bad.pageProblems, ...bad.siteProblems].some((problem) => problem.rule === rule), JSON.stringify([...bad.pageProblems, ...bad.siteProblems]));
    const good = check(passing);
    assert.equal([...good.pageProblems, ...good.siteProblems], []);
  });
}

test('the canonical URL and Open Graph image count as links: a missing og image fails', () => {
  const { siteProblems } = check('<p>fine</p>', { files: ['index.html', 'assets/site.css'] });
  assert.equal(siteProblems.map((problem) => problem.message.split(' points to ')[1]?.split(',')[0]), ['/about/', '/about/', '/assets/og.png']);
});

test('a broken link names the page, line, column and target, and suggests the trailing slash', () => {
  const [problem] = check('<a href="/about">About</a>').siteProblems;
  assert.is(problem?.file, 'about/index.html');
  assert.is(problem?.line, 20);
  assert.is(problem?.column, 1);
  assert.match(problem!.message, 'points to /about, which is not a file of this build');
  assert.match(problem!.message, 'Link to /about/ (with the trailing slash)');
});

test('a declared redirect resolves a link that has no file', () => {
  assert.equal(check('<a href="/old-page/">Old</a>', { redirects: ['/old-page/'] }).siteProblems, []);
});

test('external links are listed for the report, never fetched, and never fail the build', () => {
  const { siteProblems, external } = check('<a href="https://example.com/a?b=1">Out</a> <a href="mailto:someone@example.com">Mail</a> <a href="tel:+15555550123">Call</a>');
  assert.equal(siteProblems, []);
  assert.equal(external.map((link) => link.url), ['https://example.com/a?b=1', 'https://www.googletagmanager.com/gtag/js?id=G-TEST123456']);
  assert.equal(external[0]?.pages, ['about/index.html']);
});

test.run();
