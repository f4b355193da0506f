import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { buildSites } from '../../scripts/build/build-sites.ts';
import type { BuildResult } from '../../scripts/build/build-site.ts';
import { repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';

interface Ctx { tmp: TempDir; production: BuildResult[] }
const test = suite<Ctx>('real sites');
const quiet = { info() {}, warn() {} };

test.before(async (ctx) => {
  ctx.tmp = await tempDir('real-sites-');
  ctx.production = await buildSites({ workspace: workspaceAt(repoRoot), envName: 'production', sites: [], distDir: ctx.tmp.dir, logger: quiet });
});
test.after(async (ctx) => {
  await ctx.tmp.cleanup();
});

const html = (ctx: Ctx, env: string, file: string) => readFile(path.join(ctx.tmp.dir, env, file), 'utf8');

test('all three sites build for production with a home page and at least two more pages', (ctx) => {
  assert.equal(ctx.production.map((result) => result.site.domain), ['86from.com', 'queenofsandiego.com', 'sailjada.com']);
  for (const result of ctx.production) {
    const pages = result.pages.filter((page) => page.path.endsWith('index.html') && !page.path.startsWith('404'));
    assert.ok(pages.some((page) => page.path === 'index.html'), `${result.site.domain} has a home page`);
    assert.ok(pages.length >= 3, `${result.site.domain} has ${pages.length} pages`);
    for (const page of pages) assert.match(page.source, /\.md$/, `${page.path} is written in Markdown`);
  }
});

test("86from.com/what-does-86d-mean/ is a finished article: title, description, canonical, FAQPage JSON-LD, navigation", async (ctx) => {
  const page = await html(ctx, 'production', '86from.com/what-does-86d-mean/index.html');
  assert.match(page, '<title>What does 86&#39;d mean? | 86from</title>');
  assert.match(page, /<meta name="description" content="86&#39;d means[^"]{40,}">/);
  assert.match(page, '<link rel="canonical" href="https://86from.com/what-does-86d-mean/">');
  const blocks = [...page.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/gs)].map((m) => JSON.parse(m[1]!) as { '@type': string; mainEntity?: unknown[] });
  const faq = blocks.find((block) => block['@type'] === 'FAQPage');
  assert.ok(faq && (faq.mainEntity?.length ?? 0) >= 4, 'FAQPage with questions');
  assert.ok(blocks.some((block) => block['@type'] === 'Article'));
  assert.match(page, '<nav class="site-nav" aria-label="Main">');
  assert.match(page, 'Chumley');
  assert.match(page, 'id="book"');
});

test('business facts never appear as invented values: unfilled ones use the neutral wording in production', async (ctx) => {
  const page = await html(ctx, 'production', 'sailjada.com/charters/index.html');
  // The marker element, not the .fact-unfilled rule of the stylesheet inlined into every page.
  assert.not.match(page, 'class="fact-unfilled"');
  assert.match(page, 'Price: not listed online yet.');
  assert.not.match(page, /\$\d/); // no price typed into prose
});

test('staging builds of the real sites are noindex and carry no analytics', async (ctx) => {
  await buildSites({ workspace: workspaceAt(repoRoot), envName: 'staging', sites: [], distDir: ctx.tmp.dir, logger: quiet });
  for (const domain of ['86from.com', 'sailjada.com', 'queenofsandiego.com']) {
    const home = await html(ctx, 'staging', `${domain}/index.html`);
    assert.match(home, '<meta name="robots" content="noindex, nofollow">');
    assert.not.match(home, 'googletagmanager');
    assert.match(await html(ctx, 'staging', `${domain}/robots.txt`), 'Disallow: /');
  }
});

test('unfilled facts promise nothing the sites lack: no page points readers at a contact form (none of the sites has one)', async (ctx) => {
  for (const result of ctx.production) {
    for (const page of result.pages.filter((built) => built.path.endsWith('.html'))) {
      assert.not.match(await html(ctx, 'production', `${result.site.domain}/${page.path}`), /contact form/i, `${result.site.domain}/${page.path}`);
    }
  }
  assert.match(await html(ctx, 'production', '86from.com/about/index.html'), 'Corrections go to\nan e-mail address we will publish on this page.');
});

test.run();
