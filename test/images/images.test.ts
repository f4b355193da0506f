import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { loadAllSites, workspaceAt } from '../../scripts/config/sites.ts';
import { BuildError } from '../../scripts/errors.ts';
import { widthsFor } from '../../scripts/images/image-shortcode.ts';
import { rejects } from '../helpers/assert.ts';
import { copySharedParts, repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

interface Ctx {
  tmp: TempDir;
}
const test = suite<Ctx>('images');
const quiet = { info() {}, warn() {} };

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('images-');
  await copySharedParts(ctx.tmp.dir);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const ARTWORK = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1600 900" width="1600" height="900"><rect width="1600" height="900" fill="#0d5c8c"/><circle cx="800" cy="450" r="200" fill="#f3c77a"/></svg>';
const build = (ctx: Ctx) => buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: quiet });
const read = (ctx: Ctx, file: string) => readFile(path.join(ctx.tmp.dir, 'dist/production/fixture.test', file), 'utf8');
const withImage = (call: string) => fixtureSite({ pages: { 'images/harbour.svg': ARTWORK, 'content/about.md': page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', `Intro.\n\n${call}\n\nMore.`) } });

test('{% image %} writes AVIF and WebP at several widths and one JPEG fallback, in a <picture> with width, height and lazy loading', async (ctx) => {
  await ctx.tmp.write(withImage('{% image "harbour.svg", "The harbour at dusk", "(min-width: 44rem) 42rem, 100vw" %}'));
  await build(ctx);
  const html = await read(ctx, 'about/index.html');
  const picture = /<picture>.*?<\/picture>/s.exec(html)?.[0] ?? '';
  assert.match(picture, /<source type="image\/avif" srcset="\.\.\/assets\/images\/harbour-480\.[0-9a-f]{8}\.avif 480w, \.\.\/assets\/images\/harbour-960\.[0-9a-f]{8}\.avif 960w, \.\.\/assets\/images\/harbour-1440\.[0-9a-f]{8}\.avif 1440w" sizes="\(min-width: 44rem\) 42rem, 100vw">/);
  assert.match(picture, /<source type="image\/webp" srcset="[^"]+-480\.[0-9a-f]{8}\.webp 480w, [^"]+ 960w, [^"]+ 1440w"/);
  assert.match(picture, /<img src="\.\.\/assets\/images\/harbour-960\.[0-9a-f]{8}\.jpg" srcset="[^"]+\.jpg 960w"/);
  assert.match(picture, 'width="1440" height="810" alt="The harbour at dusk" loading="lazy" decoding="async"');
  // Relative to the page (about/), so the built file also shows its images when opened from disk.
  for (const url of picture.match(/\.\.\/assets\/images\/[^" ]+/g) ?? []) {
    const file = path.join(ctx.tmp.dir, 'dist/production/fixture.test/about', url);
    assert.ok(existsSync(file), url);
    const metadata = await sharp(file).metadata();
    assert.is(metadata.width, Number(/-(\d+)\./.exec(url)![1]));
    assert.is(metadata.format === 'heif' ? 'avif' : metadata.format === 'jpeg' ? 'jpg' : metadata.format, path.extname(url).slice(1));
  }
});

test('options: eager loading with high priority for the first image a visitor sees, a caption, a class', async (ctx) => {
  await ctx.tmp.write(withImage('{% image "harbour.svg", "The harbour at dusk", "100vw", { loading: "eager", caption: "San Diego Bay", class: "wide" } %}'));
  await build(ctx);
  const html = await read(ctx, 'about/index.html');
  assert.match(html, /<figure class="wide"><picture>.*loading="eager" fetchpriority="high".*<\/picture><figcaption>San Diego Bay<\/figcaption><\/figure>/s);
});

test('a missing source is a build error naming the page and the images there are', async (ctx) => {
  await ctx.tmp.write(withImage('{% image "harbor.svg", "The harbour at dusk" %}'));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'sites/fixture.test/content/about.md: {% image "harbor.svg" %}: there is no harbor.svg in sites/fixture.test/images/. Images there: harbour.svg.');
});

test('missing alt text is a build error naming the page', async (ctx) => {
  await ctx.tmp.write(withImage('{% image "harbour.svg" %}'));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'sites/fixture.test/content/about.md: {% image "harbour.svg" %} needs alt text as its second argument');
});

test('an unknown option is a build error that lists the allowed ones', async (ctx) => {
  await ctx.tmp.write(withImage('{% image "harbour.svg", "The harbour", "100vw", { lazy: false } %}'));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'bad options');
  assert.match(error.message, 'Allowed: loading');
});

test('encoded variants are cached by source and options: a rebuild copies them instead of encoding again', async (ctx) => {
  await ctx.tmp.write(withImage('{% image "harbour.svg", "The harbour at dusk" %}'));
  await build(ctx);
  const cacheDir = path.join(ctx.tmp.dir, '.cache/images');
  const list = async () => {
    const entries: Array<[string, number]> = [];
    for (const dir of await readdir(cacheDir)) for (const file of await readdir(path.join(cacheDir, dir))) entries.push([file, (await stat(path.join(cacheDir, dir, file))).mtimeMs]);
    return entries.sort();
  };
  const first = await list();
  assert.is(first.length, 7); // AVIF and WebP at three widths, one JPEG
  await build(ctx);
  assert.equal(await list(), first);
});

test('regression: a cached variant cut short is not shipped; the rebuild encodes it again, warns, and the output is a whole image', async (ctx) => {
  await ctx.tmp.write(withImage('{% image "harbour.svg", "The harbour at dusk" %}'));
  await build(ctx);
  const cacheDir = path.join(ctx.tmp.dir, '.cache/images');
  const cached: string[] = [];
  for (const dir of await readdir(cacheDir)) for (const file of await readdir(path.join(cacheDir, dir))) cached.push(path.join(dir, file));
  const avif = cached.find((file) => file.endsWith('.avif'))!;
  assert.match(avif, /^[0-9a-f]{2}\/[0-9a-f]{64}\.[0-9a-f]{64}\.avif$/);
  await writeFile(path.join(cacheDir, avif), (await readFile(path.join(cacheDir, avif))).subarray(0, 10));

  const warnings: string[] = [];
  // --full: with nothing changed, a plain rebuild would take the page (and its images) from dist/ without asking the image cache.
  await buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], full: true, logger: { info() {}, warn: (message) => warnings.push(message) } });
  assert.equal(warnings, [`.cache/images/${avif} does not hash to the SHA-256 in its name (damaged or edited); encoded it again`]);
  const html = await read(ctx, 'about/index.html');
  for (const url of html.match(/\.\.\/assets\/images\/[^" ]+\.avif/g) ?? []) {
    const metadata = await sharp(path.join(ctx.tmp.dir, 'dist/production/fixture.test/about', url)).metadata();
    assert.is(metadata.width, Number(/-(\d+)\./.exec(url)![1]), url);
  }
  const bytes = await readFile(path.join(cacheDir, avif));
  assert.ok(bytes.length > 10, 'the cache holds the re-encoded bytes again');
});

test('raster sources are never enlarged; SVG artwork is drawn at every width asked for', () => {
  const raster = { bytes: Buffer.alloc(0), svg: false, width: 800, height: 600 };
  assert.equal(widthsFor(raster, [480, 960, 1440]), [480]);
  assert.equal(widthsFor({ ...raster, width: 300 }, [480, 960]), [300]);
  assert.equal(widthsFor({ ...raster, svg: true }, [1440, 480, 960]), [480, 960, 1440]);
});

test('the stylesheets are inlined into <head> (comments removed, site.css after base.css); the icon is fingerprinted', async (ctx) => {
  await ctx.tmp.write({ ...fixtureSite(), 'sites/fixture.test/assets/site.css': '/* the fixture */\nbody { color: black; }\n.q::before { content: "/* kept */"; }\n' });
  await build(ctx);
  const html = await read(ctx, 'index.html');
  const style = /<head>[\s\S]*<style>\n([\s\S]*?)<\/style>[\s\S]*<\/head>/.exec(html);
  assert.ok(style, 'one <style> in <head>');
  const base = await readFile(path.join(ctx.tmp.dir, 'shared-layouts/assets/base.css'), 'utf8');
  assert.ok(style![1]!.startsWith(':root {'), 'base.css first, without its comment');
  assert.ok(style![1]!.endsWith('body { color: black; }\n.q::before { content: "/* kept */"; }\n'), 'site.css last; a comment inside a string stays');
  assert.ok(style![1]!.includes(base.slice(base.indexOf(':root {'), base.indexOf('}') + 1)));
  assert.not.match(html, /<link rel="stylesheet"/);
  assert.match(html, /<link rel="icon" href="assets\/icon\.[0-9a-f]{8}\.svg" type="image\/svg\+xml">/);
});

test('inlined CSS over 14 KiB is a warning (once per site); a stylesheet that would close the <style> fails the build', async (ctx) => {
  const rule = (index: number) => `.rule-${index} { color: #${String(index).padStart(6, '0')}; margin: ${index}px; }\n`;
  await ctx.tmp.write({ ...fixtureSite({ pages: { 'content/about.md': page('About', 'A second page, so the warning is seen to come once for the site.', 'page.njk', 'Hello.') } }), 'sites/fixture.test/assets/site.css': Array.from({ length: 400 }, (_, index) => rule(index)).join('') });
  const warnings: string[] = [];
  await buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: { info() {}, warn: (message) => warnings.push(message) } });
  const large = warnings.filter((warning) => warning.includes('inlined stylesheets'));
  assert.is(large.length, 1, warnings.join('\n'));
  assert.match(large[0]!, /^fixture\.test: the inlined stylesheets \(\/assets\/base\.css, \/assets\/site\.css\) are \d+ bytes, over 14336: every page carries them in its HTML; consider inlining only the critical CSS/);
  await ctx.tmp.write({ 'sites/fixture.test/assets/site.css': 'a { color: red; }\n</style><script>alert(1)</script>\n' });
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'sites/fixture.test/assets/site.css contains "</style", which would end the inlined <style> early');
});

test('every real site has its Open Graph image (1200×630 PNG), its icon, and artwork used on its home page', async () => {
  for (const site of await loadAllSites(workspaceAt(repoRoot))) {
    const og = path.join(site.dir, 'assets', site.ogImage.replace(/^\/assets\//, ''));
    const metadata = await sharp(og).metadata();
    assert.equal([metadata.format, metadata.width, metadata.height], ['png', 1200, 630], og);
    assert.ok(existsSync(path.join(site.dir, 'assets/icon.svg')));
    assert.match(await readFile(path.join(site.dir, 'content/index.md'), 'utf8'), /\{% image "[^"]+\.svg", "[^"]{20,}"/);
  }
});

test.run();
