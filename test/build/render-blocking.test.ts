/**
 * No page of the real sites waits on a stylesheet: the CSS is inline in
 * <head> (scripts/build/fingerprint.ts, inlineStyles), nothing in <head>
 * blocks rendering, and in Chromium every element's computed style is the
 * same as with the stylesheets linked the old way.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Parser } from 'htmlparser2';
import { glob } from 'tinyglobby';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { buildSites } from '../../scripts/build/build-sites.ts';
import type { BuildResult } from '../../scripts/build/build-site.ts';
import { stripCssComments } from '../../scripts/build/fingerprint.ts';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';
import { serveDirectory } from '../helpers/static-server.ts';

interface Ctx {
  tmp: TempDir;
  results: BuildResult[];
  browser?: Browser;
}
const test = suite<Ctx>('render-blocking resources');
const quiet = { info() {}, warn() {} };

test.before(async (ctx) => {
  ctx.tmp = await tempDir('render-blocking-');
  ctx.results = await buildSites({ workspace: workspaceAt(repoRoot), envName: 'production', sites: [], distDir: ctx.tmp.dir, logger: quiet });
});
test.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.tmp.cleanup();
});

interface Head {
  blocking: string[];
  styles: string[];
}

/** What <head> holds that a browser waits for before the first paint, and its inline styles. */
function readHead(html: string): Head {
  const head: Head = { blocking: [], styles: [] };
  let inHead = false;
  let style: string | null = null;
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === 'head') inHead = true;
      if (!inHead) return;
      const rel = (attributes['rel'] ?? '').toLowerCase().split(/\s+/);
      if (name === 'link' && rel.includes('stylesheet') && !(attributes['media'] ?? '').startsWith('print')) head.blocking.push(`<link rel="stylesheet" href="${attributes['href']}">`);
      if (name === 'script' && attributes['src'] !== undefined && !('async' in attributes) && !('defer' in attributes) && attributes['type'] !== 'module') head.blocking.push(`<script src="${attributes['src']}">`);
      if (name === 'style') style = '';
    },
    ontext(text) {
      if (style !== null) style += text;
    },
    onclosetag(name) {
      if (name === 'style' && style !== null) {
        head.styles.push(style);
        style = null;
      }
      if (name === 'head') inHead = false;
    },
  });
  parser.end(html);
  return head;
}

async function pagesOf(result: BuildResult): Promise<string[]> {
  return (await glob('**/*.html', { cwd: result.outputDir })).sort();
}

async function expectedCss(result: BuildResult): Promise<string> {
  const base = await readFile(path.join(repoRoot, 'shared-layouts/assets/base.css'), 'utf8');
  const site = await readFile(path.join(result.site.dir, 'assets/site.css'), 'utf8');
  return [base, site].map((css) => stripCssComments(css).replace(/\n{2,}/g, '\n').replace(/^\n+/, '')).join('\n');
}

test('no page has a render-blocking stylesheet or script in <head>; the whole CSS is one inline <style>, and no page links a stylesheet', async (ctx) => {
  for (const result of ctx.results) {
    const css = await expectedCss(result);
    const pages = await pagesOf(result);
    assert.ok(pages.length >= 4, result.site.domain);
    for (const file of pages) {
      const html = await readFile(path.join(result.outputDir, file), 'utf8');
      const head = readHead(html);
      assert.equal(head.blocking, [], `${result.site.domain}/${file}: nothing in <head> blocks rendering`);
      assert.equal(head.styles, [`\n${css}`], `${result.site.domain}/${file}: base.css then site.css, inline`);
      assert.not.match(html, /rel="stylesheet"/, `${result.site.domain}/${file} links no stylesheet anywhere`);
      assert.not.match(head.styles[0] ?? '', /@import/, 'an inlined @import would block again');
    }
    assert.not.ok(result.record.files.some((entry) => entry.path.endsWith('.css')), `${result.site.domain}: no stylesheet file is published when no page links one`);
  }
});

/** The full computed style of every element that is shown (the document and its body), in document order, after the page has loaded. */
const COMPUTED = () =>
  Array.from(document.querySelectorAll('html, body, body *')).map((element) => {
    const style = getComputedStyle(element);
    const values: string[] = [];
    for (let index = 0; index < style.length; index += 1) values.push(`${style[index]}:${style.getPropertyValue(style[index]!)}`);
    return `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${element.className && typeof element.className === 'string' ? `.${element.className.split(' ').join('.')}` : ''} ${values.join(';')}`;
  });

/** `body.x color: inline rgb(…) / linked rgb(…)`, for the properties that differ. */
function styleDifference(inline: string, linked: string): string {
  const element = inline.slice(0, inline.indexOf(' '));
  const properties = (entry: string) => new Map(entry.slice(entry.indexOf(' ') + 1).split(';').map((pair) => [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)]));
  const [a, b] = [properties(inline), properties(linked)];
  const names = [...new Set([...a.keys(), ...b.keys()])].filter((name) => a.get(name) !== b.get(name));
  return `${element} ${names.map((name) => `${name}: inline ${a.get(name)} / linked ${b.get(name)}`).join(', ')}`;
}

test('in Chromium each page looks exactly as it did with the stylesheets linked: every computed style matches, and no stylesheet is fetched', async (ctx) => {
  const browser: Browser = await launchChromium();
  ctx.browser = browser;
  for (const result of ctx.results) {
    const server = await serveDirectory(result.outputDir);
    const [base, site] = await Promise.all([readFile(path.join(repoRoot, 'shared-layouts/assets/base.css'), 'utf8'), readFile(path.join(result.site.dir, 'assets/site.css'), 'utf8')]);
    const browserContext = await browser.newContext({ viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75 });
    try {
      // No page calls another site (the analytics tag in production is answered empty).
      await browserContext.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.fulfill({ status: 204, body: '' }));
      await browserContext.route('**/__reference/*.css', (route) => route.fulfill({ contentType: 'text/css', body: route.request().url().endsWith('/base.css') ? base : site }));
      for (const file of await pagesOf(result)) {
        const url = `${server.url}/${file.replace(/(^|\/)index\.html$/, '$1')}`;
        const page = await browserContext.newPage();
        const stylesheets: string[] = [];
        page.on('request', (request) => {
          if (request.resourceType() === 'stylesheet') stylesheets.push(request.url());
        });
        await page.goto(url, { waitUntil: 'load' });
        const inline: string[] = await page.evaluate(COMPUTED);
        assert.equal(stylesheets, [], `${url}: no stylesheet requested`);
        // The same page with the two stylesheets linked the way the layout did before.
        const html = await readFile(path.join(result.outputDir, file), 'utf8');
        const linked = html.replace(/<style>[\s\S]*?<\/style>/, '<link rel="stylesheet" href="/__reference/base.css">\n<link rel="stylesheet" href="/__reference/site.css">');
        assert.is.not(linked, html);
        await page.route(url, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: linked }));
        await page.goto(url, { waitUntil: 'load' });
        const reference: string[] = await page.evaluate(COMPUTED);
        assert.is(inline.length, reference.length, `${url}: the same elements`);
        const differing = inline.findIndex((entry, index) => entry !== reference[index]);
        assert.is(differing, -1, `${url}: computed styles differ: ${differing === -1 ? '' : styleDifference(inline[differing]!, reference[differing]!)}`);
        await page.close();
      }
    } finally {
      await browserContext.close();
      await server.close();
    }
  }
});

test.run();
