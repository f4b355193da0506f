/**
 * The three real pages that carry the booking widget, built from the
 * repository's own sites: one verified block each, with that site's settings,
 * and the Apps Script backend nowhere in the output.
 */
import { pageIdOf } from '../../scripts/build/page-id.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { buildSites } from '../../scripts/build/build-sites.ts';
import type { BuildResult } from '../../scripts/build/build-site.ts';
import { findWidgetBlocks, sha256 } from '../../scripts/widgets/widget-block.ts';
import { loadWidgets } from '../../scripts/widgets/widget-source.ts';
import { repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';

interface Ctx { tmp: TempDir; results: BuildResult[] }
const test = suite<Ctx>('real pages with the booking widget');

test.before(async (ctx) => {
  ctx.tmp = await tempDir('widget-real-');
  ctx.results = await buildSites({ workspace: workspaceAt(repoRoot), envName: 'staging', sites: [], distDir: ctx.tmp.dir, logger: { info() {}, warn() {} } });
});
test.after(async (ctx) => {
  await ctx.tmp.cleanup();
});

/** Each page, and how the line before its shortcode renders: the widget belongs right after it. */
const PAGES: Array<[string, string, RegExp]> = [
  ['86from.com', 'what-does-86d-mean/index.html', /<p>Pick a date below\.<\/p>\s*$/],
  ['sailjada.com', 'book/index.html', /<h2[^>]*>Open dates<\/h2>\s*$/],
  ['queenofsandiego.com', 'book/index.html', /<h2[^>]*>Open dates<\/h2>\s*$/],
];

for (const [domain, file, before] of PAGES) {
  test(`${domain}/${file} carries one stamped booking widget with the site's settings`, async (ctx) => {
    const result = ctx.results.find((candidate) => candidate.site.domain === domain)!;
    const html = await readFile(path.join(result.outputDir, file), 'utf8');
    const booking = loadWidgets(path.join(repoRoot, 'widgets'), (absolute) => absolute).get('booking')!;
    const blocks = findWidgetBlocks(html);
    assert.is(blocks.length, 1);
    assert.is(blocks[0]!.bytes, booking.bytes);
    assert.is(blocks[0]!.stamp?.sha256, sha256(booking.bytes));
    assert.is(blocks[0]!.stamp?.buildId, pageIdOf(html), 'the stamp carries the id of the page it was injected into');
    const settings = /<script type="application\/json" data-widget-settings="booking">(.*?)<\/script>/.exec(html)?.[1];
    // booking.appsScript (the script project clasp pushes to) is for publishing the backend, never part of a page.
    const { endpoint, siteName, timezone } = result.site.booking;
    assert.equal(JSON.parse(settings ?? 'null'), { endpoint, siteName, timezone, language: result.site.language });
    const blockStart = html.indexOf('<script type="application/json" data-widget-settings="booking">');
    assert.match(html.slice(0, blockStart), before, 'the widget is where the page\'s shortcode is, on its own, not inside a paragraph');
    assert.ok(blockStart > html.indexOf('<main') && blockStart < html.indexOf('</main>'), 'inside the page\'s <main>');
  });
}

test('no page without the shortcode carries the widget', async (ctx) => {
  for (const result of ctx.results) {
    for (const page of result.pages.filter((candidate) => candidate.path.endsWith('.html'))) {
      if (PAGES.some(([domain, file]) => domain === result.site.domain && file === page.path)) continue;
      const html = await readFile(path.join(result.outputDir, page.path), 'utf8');
      assert.is(findWidgetBlocks(html).length, 0, `${result.site.domain}/${page.path}`);
    }
  }
});

test('BookingAutomation.gs is never part of a built site', (ctx) => {
  for (const result of ctx.results) {
    assert.not.ok(result.record.files.some((entry) => entry.path.endsWith('.gs')), result.site.domain);
  }
});

test.run();
