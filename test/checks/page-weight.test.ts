import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { summariseBuilds } from '../../scripts/build/summary.ts';
import { attemptSite } from '../../scripts/build/build-site.ts';
import { pageInput } from '../../scripts/checks/check.ts';
import { chosenCandidate, slotWidth, weightPage, type WeightPageData, type WeightSiteData } from '../../scripts/checks/page-weight.ts';
import { loadAllSites, workspaceAt } from '../../scripts/config/sites.ts';
import { CheckError, ConfigError } from '../../scripts/errors.ts';
import { rejects } from '../helpers/assert.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, page, siteConfigYaml } from '../helpers/sites.ts';
import { settings } from './pages.ts';

interface Ctx {
  tmp: TempDir;
  warnings: string[];
}
const test = suite<Ctx>('page weight');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('page-weight-');
  ctx.warnings = [];
  await copySharedParts(ctx.tmp.dir);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const logger = (ctx: Ctx) => ({ info() {}, warn: (message: string) => ctx.warnings.push(message) });
const build = (ctx: Ctx) => buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: logger(ctx) });
const budget = (budgetKiB: number, warningKiB: number) => `build:\n  pageWeight:\n    budgetKiB: ${budgetKiB}\n    warningKiB: ${warningKiB}\n`;
/** Incompressible: gzip cannot shrink random bytes (hex halves them at best). */
const noise = (bytes: number) => randomBytes(bytes).toString('base64');
const photoPage = page('A photo', 'A page with one photograph on it, loaded as soon as the page is.', 'page.njk', '<img src="/assets/photo.png" alt="A photograph of the bay" width="10" height="10">');

test('a page over its budget fails the build, naming the page, its weight, the budget and the biggest parts', async (ctx) => {
  await ctx.tmp.write(
    fixtureSite({
      extraConfig: budget(12, 8),
      pages: { 'content/heavy.md': page('Heavy', 'A page carrying far more text than a page of this fixture should.', 'page.njk', `<p>${noise(16 * 1024)}</p>`) },
    }),
  );
  const error = await rejects(() => build(ctx), CheckError);
  assert.match(error.message, /heavy\/index\.html:1:1 weight\/page-budget: heavy\/index\.html weighs \d+\.\d KiB compressed, over the page-weight budget of 12\.0 KiB \(build\.pageWeight\.budgetKiB in sites\/fixture\.test\/site\.yaml\)\. Biggest: the HTML, with its inline CSS and scripts \d+\.\d KiB\./);
  assert.match(error.message, '(from sites/fixture.test/content/heavy.md)');
  assert.match(error.message, 'failed: weight (1)');
  const report = JSON.parse(await readFile(path.join(ctx.tmp.dir, '.cache/checks/fixture.test/production.report.json'), 'utf8')) as { weights: WeightSiteData };
  const heavy = report.weights.pages.find((entry) => entry.file === 'heavy/index.html')!;
  assert.is(heavy.over, 'budget');
  assert.ok(heavy.bytes > 12 * 1024 && heavy.bytes === heavy.html);
  assert.is(report.weights.pages.find((entry) => entry.file === 'index.html')!.over, undefined);
});

test('under the budget the build passes; the figures are in the --json summary and the report; over the warning it warns', async (ctx) => {
  await ctx.tmp.write({
    ...fixtureSite({ extraConfig: budget(40, 1.5), pages: { 'content/photo.md': photoPage } }),
    'sites/fixture.test/assets/photo.png': randomBytes(3000),
  });
  const results = await build(ctx);
  const summary = JSON.parse(JSON.stringify(summariseBuilds(results.map((result) => ({ ok: true, result })), ctx.tmp.dir))) as { builds: Array<{ checks: { weights: WeightSiteData } }> };
  const weights = summary.builds[0]!.checks.weights;
  assert.is(weights.budget, 40 * 1024);
  assert.is(weights.warning, 1.5 * 1024);
  const photo = weights.pages.find((entry) => entry.file === 'photo/index.html')!;
  const html = await readFile(path.join(ctx.tmp.dir, 'dist/production/fixture.test/photo/index.html'));
  assert.is(photo.html, gzipSync(html).length, 'the HTML counted gzip-compressed');
  assert.is(photo.images, 3000, 'the eager image counted as stored');
  assert.is(photo.bytes, photo.html + 3000);
  assert.equal(photo.contributors.map((contributor) => contributor.kind).sort(), ['html', 'image']);
  assert.is(photo.over, 'warning');
  assert.ok(ctx.warnings.some((warning) => /fixture\.test: \d pages? over the page-weight warning of 1\.5 KiB \(the build fails at 40\.0 KiB\): photo\/index\.html \d+\.\d KiB/.test(warning)), ctx.warnings.join('\n'));
  const report = JSON.parse(await readFile(path.join(ctx.tmp.dir, '.cache/checks/fixture.test/production.report.json'), 'utf8')) as { weights: WeightSiteData };
  assert.equal(report.weights, weights);
});

test('what grew is named against the previous build record', async (ctx) => {
  await ctx.tmp.write({
    ...fixtureSite({ extraConfig: budget(8, 8), pages: { 'content/photo.md': photoPage } }),
    'sites/fixture.test/assets/photo.png': randomBytes(1000),
  });
  await build(ctx);
  await ctx.tmp.write({ 'sites/fixture.test/assets/photo.png': randomBytes(9000) });
  const error = await rejects(() => build(ctx), CheckError);
  assert.match(error.message, /photo\/index\.html weighs \d+\.\d KiB compressed, over the page-weight budget of 8\.0 KiB/);
  assert.match(error.message, 'Biggest: assets/photo.png (eager image) 8.8 KiB');
  assert.match(error.message, 'Since the previous build (file sizes before compression): assets/photo.png grew from 1.0 KiB to 8.8 KiB.');
});

test('a waived page passes and the report lists the waiver', async (ctx) => {
  const waived = page('A photo', 'A page with one photograph on it, loaded as soon as the page is.', 'page.njk', '<img src="/assets/photo.png" alt="A photograph of the bay" width="10" height="10">', 'waive:\n  weight/page-budget: "The harbour photo is the page"\n');
  await ctx.tmp.write({ ...fixtureSite({ extraConfig: budget(4, 4), pages: { 'content/photo.md': waived } }), 'sites/fixture.test/assets/photo.png': randomBytes(6000) });
  const outcome = await attemptSite({ workspace: workspaceAt(ctx.tmp.dir), site: (await loadAllSites(workspaceAt(ctx.tmp.dir)))[0]!, envName: 'production', logger: logger(ctx) });
  assert.ok(outcome.ok, outcome.ok ? '' : String(outcome.failure.error));
  const report = JSON.parse(await readFile(path.join(ctx.tmp.dir, '.cache/checks/fixture.test/production.report.json'), 'utf8')) as { waived: Array<{ rule: string; reason: string }> };
  assert.equal(report.waived.map((problem) => [problem.rule, problem.reason]), [['weight/page-budget', 'The harbour photo is the page']]);
});

test('a warning above the budget is refused in site.yaml, at its line', async (ctx) => {
  await ctx.tmp.write({ 'sites/fixture.test/site.yaml': siteConfigYaml('fixture.test', 'fixture', budget(50, 60)) });
  const error = await rejects(() => loadAllSites(workspaceAt(ctx.tmp.dir)), ConfigError);
  assert.match(error.message, /sites\/fixture\.test\/site\.yaml:\d+: build\.pageWeight\.warningKiB: warningKiB must not be more than budgetKiB/);
});

test('the image counted is the one the mobile profile loads: first decodable <picture> source, the width covering the slot at 1.75x; lazy ones apart', () => {
  assert.is(slotWidth('(min-width: 44rem) 42rem, 100vw'), 412);
  assert.is(slotWidth('(max-width: 30em) 50vw, 800px'), 206);
  assert.is(slotWidth(undefined), 412);
  assert.is(chosenCandidate('a-480.avif 480w, a-960.avif 960w, a-1440.avif 1440w', '100vw', undefined), 'a-960.avif');
  assert.is(chosenCandidate('a-480.avif 480w, a-960.avif 960w', '(max-width: 50rem) 200px, 100vw', undefined), 'a-480.avif');
  assert.is(chosenCandidate('a.png 1x, a@2x.png 2x', undefined, 'a.png'), 'a@2x.png');
  assert.is(chosenCandidate(undefined, undefined, 'only.png'), 'only.png');
  const html = `<!DOCTYPE html><html><head><link rel="stylesheet" href="/assets/x.css"><script src="/assets/app.js" defer></script><script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script></head><body>
<picture><source type="image/jxl" srcset="/a.jxl 960w"><source type="image/avif" srcset="/a-480.avif 480w, /a-960.avif 960w" sizes="100vw"><img src="/a-960.jpg" width="1" height="1" alt="a"></picture>
<img src="/b.png" loading="lazy" width="1" height="1" alt="b"></body></html>`;
  const data = weightPage(pageInput("index.html", html), settings).data as WeightPageData;
  assert.equal(data.references, [
    ['/assets/x.css', 'stylesheet'],
    ['/assets/app.js', 'script'],
    ['/a-960.avif', 'image'],
    ['/b.png', 'image', 1],
  ]);
  assert.equal(data.external, ['https://www.googletagmanager.com/gtag/js?id=G-1']);
  assert.is(data.html, gzipSync(html).length);
});

test.run();
