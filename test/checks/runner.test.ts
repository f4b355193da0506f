import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks, type RunChecksOptions } from '../../scripts/checks/run-checks.ts';
import { WorkerPool } from '../../scripts/checks/worker-pool.ts';
import { tempDir, type TempDir, type Tree } from '../helpers/fixture.ts';
import { builtPage, settings } from './pages.ts';

interface Ctx {
  tmp: TempDir;
}
const test = suite<Ctx>('check runner and cache');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('check-runner-');
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const BUILD_ID = '0123456789abcdef';

const sitemap = (paths: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${paths.map((p) => `<url><loc>https://fixture.test${p}</loc></url>`).join('\n')}\n</urlset>\n`;

function pageWithId(url: string, n: number, buildId = BUILD_ID, extra = ''): string {
  return builtPage({
    url,
    title: `Page ${n} | Fixture`,
    description: `Fixture page number ${n}, with a description long enough to pass the rule.`,
    body: `<p>Page ${n}. <a href="/">Home</a>${extra}</p>\n<meta name="build-id" content="${buildId}">`,
  });
}

/** An output tree of `count` pages that passes every check. */
function tree(count: number, buildId = BUILD_ID): Tree {
  const files: Tree = {
    'index.html': pageWithId('/', 0, buildId),
    'assets/site.css': 'body{}',
    'assets/og.png': 'png',
    'robots.txt': 'User-agent: *\nAllow: /\n\nSitemap: https://fixture.test/sitemap.xml\n',
  };
  const paths = ['/'];
  for (let n = 1; n < count; n++) {
    files[`p${n}/index.html`] = pageWithId(`/p${n}/`, n, buildId);
    paths.push(`/p${n}/`);
  }
  files['sitemap.xml'] = sitemap(paths);
  return files;
}

function options(ctx: Ctx, extra: Partial<RunChecksOptions> = {}): RunChecksOptions {
  return {
    outputDir: path.join(ctx.tmp.dir, 'out'),
    sources: new Map(),
    settings,
    cacheFile: path.join(ctx.tmp.dir, 'cache', 'checks.json'),
    parallel: 'inline',
    ...extra,
  };
}

async function writeOut(ctx: Ctx, files: Tree): Promise<void> {
  await ctx.tmp.write(Object.fromEntries(Object.entries(files).map(([file, contents]) => [`out/${file}`, contents])));
}

interface CacheFileData {
  checks: Record<string, { version: number; settingsHash: string }>;
  pages: Record<string, Record<string, { problems: unknown[] }>>;
}

async function readCache(file: string): Promise<CacheFileData> {
  const text = await readFile(file, 'utf8');
  return JSON.parse(text.slice(text.indexOf('\n') + 1)) as CacheFileData;
}

/** Writes cache data with a valid seal, as an older or differently configured checker would have. */
async function writeSealedCache(file: string, data: CacheFileData): Promise<void> {
  const json = JSON.stringify({ format: 2, ...data });
  await writeFile(file, `${createHash('sha256').update(json).digest('hex')}\n${json}`);
}

const checkedCounts = (report: Awaited<ReturnType<typeof runChecks>>) => Object.fromEntries(report.checks.map((check) => [check.name, check.checked]));

test('every page is checked on the first run, none on an unchanged second run', async (ctx) => {
  await writeOut(ctx, tree(5));
  const first = await runChecks(options(ctx));
  assert.ok(first.passed, JSON.stringify(first.problems));
  assert.equal(checkedCounts(first), { widgets: 5, 'html-validate': 5, links: 5, seo: 5, images: 5, weight: 5, 'template-leak': 5, 'inline-scripts': 5 });
  const second = await runChecks(options(ctx));
  assert.ok(second.passed);
  assert.equal(checkedCounts(second), { widgets: 0, 'html-validate': 0, links: 0, seo: 0, images: 0, weight: 0, 'template-leak': 0, 'inline-scripts': 0 });
  assert.is(second.checks[0]!.cached, 5);
});

test('one edited page is checked again; the others come from the cache', async (ctx) => {
  await writeOut(ctx, tree(5));
  await runChecks(options(ctx));
  await writeOut(ctx, { ...tree(5), 'p3/index.html': pageWithId('/p3/', 3, BUILD_ID, ' An edit.') });
  const report = await runChecks(options(ctx));
  assert.ok(report.passed);
  assert.is(report.checks.find((check) => check.name === 'html-validate')?.checked, 1);
});

test('a cached failure is still a failure, and the site part (links) runs on every build', async (ctx) => {
  await writeOut(ctx, { ...tree(3), 'p1/index.html': pageWithId('/p1/', 1, BUILD_ID, ' <a href="/missing/">x</a> <p id="d"></p><p id="d"></p>') });
  const first = await runChecks(options(ctx));
  const second = await runChecks(options(ctx));
  assert.equal(second.problems.map((problem) => problem.rule), first.problems.map((problem) => problem.rule));
  assert.ok(second.problems.some((problem) => problem.rule === 'links/broken'));
  assert.ok(second.problems.some((problem) => problem.rule === 'html-validate/no-dup-id'));
  assert.not.ok(second.passed);
});

test('regression: a corrupted cache file cannot hide a failure (the pages are checked again)', async (ctx) => {
  await writeOut(ctx, { ...tree(3), 'p1/index.html': pageWithId('/p1/', 1, BUILD_ID, '<p id="d"></p><p id="d"></p>') });
  await runChecks(options(ctx));
  const cacheFile = options(ctx).cacheFile;
  await writeFile(cacheFile, (await readFile(cacheFile, 'utf8')).slice(0, 200));
  const report = await runChecks(options(ctx));
  assert.match(report.cache.discarded ?? '', 'damaged');
  assert.is(report.checks[0]!.checked, 3);
  assert.ok(report.problems.some((problem) => problem.rule === 'html-validate/no-dup-id'));
});

test('regression: a cache edited to say "no problems" is refused (its seal no longer matches)', async (ctx) => {
  await writeOut(ctx, { ...tree(3), 'p1/index.html': pageWithId('/p1/', 1, BUILD_ID, '<p id="d"></p><p id="d"></p>') });
  await runChecks(options(ctx));
  const cacheFile = options(ctx).cacheFile;
  const text = await readFile(cacheFile, 'utf8');
  await writeFile(cacheFile, text.replace(/"problems":\[[^\]]*\]/g, '"problems":[]'));
  const report = await runChecks(options(ctx));
  assert.match(report.cache.discarded ?? '', 'damaged');
  assert.ok(report.problems.some((problem) => problem.rule === 'html-validate/no-dup-id'));
});

test('regression: results recorded by another checker version or with other settings are not used', async (ctx) => {
  await writeOut(ctx, tree(3));
  await runChecks(options(ctx));
  const cacheFile = options(ctx).cacheFile;
  const data = await readCache(cacheFile);
  data.checks['html-validate']!.version = 0;
  await writeSealedCache(cacheFile, data);
  const older = await runChecks(options(ctx));
  assert.is(older.cache.discarded, undefined);
  assert.is(older.checks.find((check) => check.name === 'html-validate')!.checked, 3);
  assert.is(older.checks.find((check) => check.name === 'seo')!.checked, 0);
  const otherSettings = await runChecks(options(ctx, { settings: { ...settings, analyticsId: 'G-OTHER12345' } }));
  assert.is(otherSettings.checks[0]!.checked, 3);
  assert.ok(otherSettings.problems.every((problem) => problem.rule === 'seo/analytics'));
});

test('waivers from front matter take a rule off that page only, and are listed with their reason', async (ctx) => {
  const long = builtPage({ url: '/p1/', title: 'A title that is far too long for a search result listing | Fixture', description: 'Fixture page one, with a description long enough to pass the rule.' });
  await writeOut(ctx, { ...tree(2), 'p1/index.html': long });
  const sources = new Map([['p1/index.html', 'sites/fixture.test/content/p1.md']]);
  const waived = await runChecks(options(ctx, { sources, waivers: new Map([['sites/fixture.test/content/p1.md', { 'seo/title-length': 'The campaign name is the title' }]]) }));
  assert.ok(waived.passed, JSON.stringify(waived.problems));
  assert.equal(waived.waived.map((problem) => `${problem.rule} ${problem.source} ${problem.reason}`), ['seo/title-length sites/fixture.test/content/p1.md The campaign name is the title']);
  const other = await runChecks(options(ctx, { sources, waivers: new Map([['sites/fixture.test/content/other.md', { 'seo/title-length': 'Not this page' }]]) }));
  assert.equal(other.problems.map((problem) => `${problem.rule} ${problem.file} ${problem.source}`), ['seo/title-length p1/index.html sites/fixture.test/content/p1.md']);
});

test('regression: the same bytes at another path are checked again (relative links resolve from the page)', async (ctx) => {
  const withRelativeLink = (n: number) => builtPage({ url: `/p${n}/`, title: 'Twin | Fixture', description: 'Twin pages with the very same bytes, at two different paths.', body: '<a href="sub/">Sub</a>' });
  const base = tree(1);
  await writeOut(ctx, { ...base, 'p1/index.html': withRelativeLink(1), 'p1/sub/index.html': pageWithId('/p1/sub/', 9), 'sitemap.xml': '' });
  const first = await runChecks(options(ctx));
  assert.not.ok(first.problems.some((problem) => problem.rule === 'links/broken'));
  await writeOut(ctx, { 'p2/index.html': withRelativeLink(1) });
  const second = await runChecks(options(ctx));
  assert.ok(second.problems.some((problem) => problem.rule === 'links/broken' && problem.file === 'p2/index.html'), JSON.stringify(second.problems));
});

test('worker threads give the same results as this thread', async (ctx) => {
  await writeOut(ctx, { ...tree(6), 'p2/index.html': pageWithId('/p2/', 2, BUILD_ID, '<a href="/nope/">x</a><p id="d"></p><p id="d"></p>') });
  const inline = await runChecks(options(ctx, { cacheFile: path.join(ctx.tmp.dir, 'a.json') }));
  const pool = new WorkerPool(2);
  try {
    const workers = await runChecks(options(ctx, { cacheFile: path.join(ctx.tmp.dir, 'b.json'), parallel: 'workers', pool }));
    assert.is(workers.threads, 'workers');
    assert.equal(workers.problems, inline.problems);
    assert.equal(workers.checks.map((check) => [check.name, check.passed, check.checked]), inline.checks.map((check) => [check.name, check.passed, check.checked]));
  } finally {
    await pool.close();
  }
});

test('a check that fails inside a worker fails the run with its message, instead of hanging', async () => {
  const pool = new WorkerPool(1);
  try {
    const error = await pool.run([{ file: 'index.html', html: '<p>x</p>', checks: ['no-such-check'] }], settings).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    assert.ok(error);
    assert.match(error!.message, 'a page check failed in a worker thread');
    assert.match(error!.message, 'no check named "no-such-check"');
  } finally {
    await pool.close();
  }
});

test.run();
