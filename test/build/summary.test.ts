import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatBuildSummary, type BuildSummaryRow } from '../../scripts/build/summary.ts';
import type { CheckReport, CheckSummary } from '../../scripts/checks/run-checks.ts';

const test = suite('build report');

const check = (name: string, problems = 0, waived = 0): CheckSummary => ({ name, passed: problems === 0, problems, waived, ms: 12, checked: 5, cached: 0 });

function row(site: string, checks: CheckSummary[], extra: Partial<CheckReport> = {}): BuildSummaryRow {
  return {
    site,
    environment: 'production',
    buildId: '0123456789abcdef',
    pages: 5,
    files: 21,
    bytes: 217_729,
    images: 10,
    milliseconds: 1296,
    outputDir: `/repo/dist/production/${site}`,
    recordFile: `/repo/dist/production/${site}.build.json`,
    warnings: [],
    checkReportFile: `/repo/.cache/checks/${site}/production.report.json`,
    checks: { passed: checks.every((c) => c.passed), checks, problems: [], waived: [], pages: 5, images: 10, externalLinks: [], cache: { hits: 0, misses: 0 }, parseMs: 1, ms: 100, threads: 'inline', early: 0, ...extra },
  };
}

test('one row per site: pages, files, size, images, each check passed or failed, time; plain text when not on a terminal', () => {
  const all = ['html-validate', 'links', 'seo', 'images', 'template-leak', 'inline-scripts'];
  const text = formatBuildSummary(
    [
      row('86from.com', all.map((name) => check(name, 0, name === 'seo' ? 1 : 0)), {
        externalLinks: [{ url: 'https://example.com/', pages: ['index.html'] }],
        waived: [{ rule: 'seo/title-length', file: 'index.html', line: 1, column: 1, message: '', reason: 'brand' }],
      }),
      row('sailjada.com', all.map((name) => check(name, name === 'links' ? 2 : 0))),
    ],
    '/repo',
  );
  assert.equal(text.split('\n'), [
    'site          env         pages  files       size  images  html  links   seo    images  leaks  scripts   time',
    '86from.com    production      5     21  212.6 KiB      10  pass  pass    pass*  pass    pass   pass     1.3 s',
    'sailjada.com  production      5     21  212.6 KiB      10  pass  FAIL 2  pass   pass    pass   pass     1.3 s',
    '86from.com: dist/production/86from.com/ build 0123456789abcdef · 1 waived (*) · 1 external link, not fetched · report .cache/checks/86from.com/production.report.json',
    'sailjada.com: dist/production/sailjada.com/ build 0123456789abcdef · report .cache/checks/sailjada.com/production.report.json',
    '',
  ]);
  assert.not.match(text, '\u001b[');
});

test('a failed build keeps its row: the failed check, no files, and says the output was left as it was', () => {
  const failed: BuildSummaryRow = { ...row('86from.com', [check('links', 2)]), buildId: null, files: null, bytes: null, error: '86from.com (production): 2 check problems' };
  const text = formatBuildSummary([failed, row('sailjada.com', [check('links')])], '/repo');
  assert.equal(text.split('\n'), [
    'site          env         pages  files       size  images  links    time',
    '86from.com    production      5      -          -      10  FAIL 2  1.3 s',
    'sailjada.com  production      5     21  212.6 KiB      10  pass    1.3 s',
    '86from.com: build failed, dist/production/86from.com/ left as it was · report .cache/checks/86from.com/production.report.json',
    'sailjada.com: dist/production/sailjada.com/ build 0123456789abcdef · report .cache/checks/sailjada.com/production.report.json',
    '',
  ]);
});

test('a build that reused the previous output says how many pages it rendered; one that rendered all says nothing', () => {
  const lines = formatBuildSummary(
    [
      { ...row('86from.com', [check('links')]), reuse: { rendered: 1, reused: 4_000 } },
      { ...row('sailjada.com', [check('links')]), reuse: { rendered: 0, reused: 6 } },
      { ...row('queenofsandiego.com', [check('links')]), reuse: { reason: 'no earlier build to reuse' } },
    ],
    '/repo',
  ).split('\n');
  assert.match(lines[4]!, '86from.com: dist/production/86from.com/ build 0123456789abcdef · 1 page rendered, 4,000 unchanged taken from the previous output · report');
  assert.match(lines[5]!, 'sailjada.com: dist/production/sailjada.com/ build 0123456789abcdef · all 6 pages unchanged, taken from the previous output · report');
  assert.match(lines[6]!, 'queenofsandiego.com: dist/production/queenofsandiego.com/ build 0123456789abcdef · report');
});

test('the heaviest page is named against the page-weight budget under the table', () => {
  const pages = [
    { file: 'index.html', bytes: 9_106, html: 3_075, css: 0, js: 0, images: 6_031, lazyImages: 0, contributors: [], external: [] },
    { file: 'what-does-86d-mean/index.html', bytes: 11_166, html: 11_166, css: 0, js: 0, images: 0, lazyImages: 0, contributors: [], external: [] },
  ];
  const text = formatBuildSummary([row('86from.com', [check('weight')], { weights: { budget: 80 * 1024, warning: 50 * 1024, measured: '', pages } })], '/repo');
  assert.match(text, 'weight');
  assert.match(text, '86from.com: dist/production/86from.com/ build 0123456789abcdef · heaviest page what-does-86d-mean/index.html 10.9 KiB of 80.0 KiB · report');
});

test.run();
