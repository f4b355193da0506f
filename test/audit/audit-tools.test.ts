/** The page audits' own logic, without a browser: page names, the audit's policy tweak, the thresholds and the table. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { belowThreshold, BLOCKED_URL_PATTERNS, formatTable, LCP_LIMIT_MS, pageProblems, THRESHOLDS, type PageScore } from '../../scripts/audit/lighthouse.ts';
import { isExternal, pageSlug } from '../../scripts/audit/sites.ts';

const test = suite('page audits: names, policy, thresholds, table');

test('a page path becomes a file name', () => {
  assert.is(pageSlug('/'), 'index');
  assert.is(pageSlug('/book/'), 'book');
  assert.is(pageSlug('/guides/tides/'), 'guides-tides');
  assert.is(pageSlug('/404.html'), '404');
});

test('only the site itself is local: every https host is blocked in the audit', () => {
  assert.ok(isExternal('https://www.googletagmanager.com/gtag/js?id=G-1'));
  assert.ok(isExternal('https://script.google.com/macros/s/X/exec'));
  assert.not.ok(isExternal('http://127.0.0.1:4000/assets/base.css'));
  assert.not.ok(isExternal('data:image/gif;base64,R0lGOD'));
  assert.ok(BLOCKED_URL_PATTERNS.includes('https://*'));
});

const page = (scores: Partial<PageScore['scores']>, extra: Partial<PageScore> = {}): PageScore => ({
  domain: 'example.com',
  pathname: '/',
  scores: { performance: 100, accessibility: 100, 'best-practices': 100, seo: 100, ...scores },
  lcpMs: 1234,
  cls: 0.0012,
  tbtMs: 12.4,
  report: 'r.html',
  noindex: false,
  failing: [],
  ...extra,
});

test('a page fails under any threshold, and when a category has no score', () => {
  assert.equal(THRESHOLDS, { performance: 98, accessibility: 100, 'best-practices': 100, seo: 100 });
  assert.equal(belowThreshold(page({})), []);
  assert.equal(belowThreshold(page({ performance: 98 })), []);
  assert.equal(belowThreshold(page({ performance: 97 })), ['performance']);
  assert.equal(belowThreshold(page({ accessibility: 99, seo: null })), ['accessibility', 'seo']);
  assert.is(LCP_LIMIT_MS, 1000);
  assert.equal(pageProblems({ ...page({}), lcpMs: 1000 }), []);
  assert.equal(pageProblems({ ...page({}), lcpMs: 1380 }), ['LCP 1.38 s > 1.00 s']);
  assert.equal(pageProblems({ ...page({ performance: 97 }), lcpMs: null }), ['Perf 97 < 98', 'LCP not measured']);
});

test('the table shows the four scores, LCP, CLS and TBT, and marks what is below and noindex pages', () => {
  const table = formatTable([page({ performance: 90 }), page({}, { pathname: '/404.html', noindex: true })]).split('\n');
  assert.equal(table[0]!.split(/\s+/), ['Page', 'Perf', 'A11y', 'BP', 'SEO', 'LCP', 'CLS', 'TBT']);
  assert.equal(table[2]!.split(/\s{2,}/), ['example.com/', '90*', '100', '100', '100', '1.23 s', '0.001', '12 ms']);
  assert.match(table[3]!, /100ⁿ/);
});

test.run();
