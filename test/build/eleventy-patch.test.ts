/**
 * patches/@11ty+eleventy+3.1.8.patch lets a project whose pages never read
 * each other (`renderLayoutsEarly` in its config) have each page's layouts and
 * transforms start as soon as its own content is rendered. These tests run
 * Eleventy itself on a small site: without the setting it keeps its order
 * (every page's content first), with it the order interleaves, and the pages
 * it writes are the same either way; a layout that fails still fails the build.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Eleventy } from '@11ty/eleventy';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir, type TempDir } from '../helpers/fixture.ts';

interface Ctx {
  tmp: TempDir;
}
const test = suite<Ctx>('eleventy patch');
const NOT_APPLIED = 'Eleventy is not patched: run `npm ci`, whose postinstall script (patch-package) applies patches/@11ty+eleventy+3.1.8.patch';
/** Enough pages that Eleventy renders them over several rounds of its work queue. */
const PAGES = Array.from({ length: 40 }, (_, index) => `page-${String(index).padStart(2, '0')}`);

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('eleventy-patch-');
  const tree: Record<string, string> = { '_includes/page.njk': '<main>{{ content | safe }}</main>\n' };
  for (const name of PAGES) tree[`${name}.md`] = `---\nlayout: page.njk\n---\nPage {{ "${name}" | seen }}.\n`;
  await ctx.tmp.write(tree);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

/** Builds the site and returns what happened, in order: `content x` as a page's content renders, `layout x` as its transform runs. */
async function build(ctx: Ctx, early: boolean | undefined, layout?: string): Promise<{ order: string[]; pages: Map<string, string> }> {
  if (layout) await ctx.tmp.write({ '_includes/page.njk': layout });
  const order: string[] = [];
  const output = path.join(ctx.tmp.dir, '_site');
  const eleventy = new Eleventy(ctx.tmp.dir, output, {
    quietMode: true,
    config: (config: any) => {
      // A real page's content takes long enough that the event loop turns
      // while it renders (file reads, images); a short wait stands in for it.
      config.addAsyncFilter('seen', async (name: string) => {
        order.push(`content ${name}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
        return name;
      });
      config.addFilter('boom', () => {
        throw new Error('this layout fails');
      });
      config.addTransform('record', function (this: { page: { inputPath: string } }, content: string) {
        order.push(`layout ${path.basename(this.page.inputPath, '.md')}`);
        return content;
      });
      if (early !== undefined) config.renderLayoutsEarly = async () => early;
    },
  });
  (eleventy as unknown as { logger: { overrideLogger(logger: unknown): void } }).logger.overrideLogger({ log() {}, info() {}, warn() {}, error() {} });
  await eleventy.write();
  const pages = new Map<string, string>();
  for (const name of PAGES) pages.set(name, await readFile(path.join(output, name, 'index.html'), 'utf8'));
  return { order, pages };
}

test('the patch is applied', () => {
  const file = path.join(path.dirname(createRequire(import.meta.url).resolve('@11ty/eleventy')), 'TemplateMap.js');
  return readFile(file, 'utf8').then((source) => assert.ok(source.includes('this.userConfig.renderLayoutsEarly'), NOT_APPLIED));
});

test("without the setting (or with it false) Eleventy keeps its own order: every page's content, then the layouts", async (ctx) => {
  for (const early of [undefined, false]) {
    const { order } = await build(ctx, early);
    const lastContent = Math.max(...order.map((step, index) => (step.startsWith('content') ? index : -1)));
    const firstLayout = order.findIndex((step) => step.startsWith('layout'));
    assert.ok(firstLayout > lastContent, `${String(early)}: ${order.join(', ')}`);
  }
});

test('with it, a page’s layouts and transforms start before the last page’s content renders, and the pages are the same', async (ctx) => {
  const usual = await build(ctx, false);
  const early = await build(ctx, true);
  const lastContent = Math.max(...early.order.map((step, index) => (step.startsWith('content') ? index : -1)));
  const firstLayout = early.order.findIndex((step) => step.startsWith('layout'));
  assert.ok(firstLayout < lastContent, early.order.join(', '));
  assert.equal(early.order.filter((step) => step.startsWith('layout')).sort(), usual.order.filter((step) => step.startsWith('layout')).sort(), 'every transform still runs once per page');
  assert.equal(early.pages, usual.pages);
  assert.match(early.pages.get('page-07')!, '<main><p>Page page-07.</p>\n</main>');
});

test('a layout that fails still fails the build', async (ctx) => {
  let failed: unknown;
  try {
    await build(ctx, true, '<main>{{ content | boom }}</main>\n');
  } catch (error) {
    failed = error;
  }
  assert.ok(failed instanceof Error, 'the build failed');
  assert.match(String((failed as Error & { originalError?: Error }).originalError ?? failed) + String((failed as Error).cause ?? ''), /this layout fails|page\.njk/);
});

test.run();
