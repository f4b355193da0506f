/**
 * The widget through the real build: injected raw whatever the layout chain,
 * stamped and verified, and every way it can go wrong is a clear build error.
 */
import { pageIdOf } from '../../scripts/build/page-id.ts';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { buildSites } from '../../scripts/build/build-sites.ts';
import type { BuildResult } from '../../scripts/build/build-site.ts';
import { BuildError, CheckError, ConfigError } from '../../scripts/errors.ts';
import { findWidgetBlocks, sha256, widgetBytes } from '../../scripts/widgets/widget-block.ts';
import { loadWidgets } from '../../scripts/widgets/widget-source.ts';
import { rejects } from '../helpers/assert.ts';
import { copySharedParts, tempDir, type TempDir, type Tree } from '../helpers/fixture.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

interface Ctx { tmp: TempDir }
const test = suite<Ctx>('widget build');
const quiet = { info() {}, warn() {} };

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('widget-build-');
  await copySharedParts(ctx.tmp.dir);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

/** Descriptions must differ per page (an SEO check), so each is made from the page's title. */
const about = (title: string) => `${title}: a fixture page that carries the booking widget somewhere in its body.`;

async function build(ctx: Ctx, pages: Tree = {}, extraConfig = ''): Promise<BuildResult> {
  await ctx.tmp.write(fixtureSite({ pages, extraConfig }));
  const [result] = await buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: quiet });
  return result!;
}

async function buildFailure<E extends Error>(ctx: Ctx, pages: Tree, expected: abstract new (...args: any[]) => E): Promise<string> {
  await ctx.tmp.write(fixtureSite({ pages }));
  const error = await rejects(() => buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: quiet }), expected);
  return error.message;
}

const output = (ctx: Ctx, file: string) => readFile(path.join(ctx.tmp.dir, 'dist/production/fixture.test', file), 'utf8');
const widgets = (ctx: Ctx) => loadWidgets(path.join(ctx.tmp.dir, 'widgets'), (absolute) => absolute);

test('through Markdown, Nunjucks pages and every layout chain, the block is the widget\'s bytes and hashes to its stamp', async (ctx) => {
  const result = await build(ctx, {
    'content/in-page.md': page('In a plain page', about('In a plain page'), 'page.njk', 'Before.\n\n{% bookingWidget %}\n\nAfter.'),
    'content/in-article.md': page('In an article', about('In an article'), 'article.njk', 'Intro.\n\n{% widget "booking" %}\n', 'faq:\n  - question: Q?\n    answer: A.\n'),
    'content/in-list.md': page('In a list', about('In a list'), 'page.njk', '- one\n- {% bookingWidget %}\n'),
    'content/in-nunjucks.njk': page('In a Nunjucks page', about('In a Nunjucks page'), 'page.njk', '<section>\n{% bookingWidget %}\n</section>'),
    'content/in-override.md': page('Through a site layout', about('Through a site layout'), 'wrapped.njk', 'Text.\n\n{% bookingWidget %}'),
    'layouts/wrapped.njk': '---\nlayout: page.njk\n---\n<div class="wrapped">{{ content | safe }}</div>\n',
  });
  const booking = widgets(ctx).get('booking')!;
  for (const file of ['in-page', 'in-article', 'in-list', 'in-nunjucks', 'in-override']) {
    const html = await output(ctx, `${file}/index.html`);
    const blocks = findWidgetBlocks(html);
    assert.is(blocks.length, 1, file);
    const [block] = blocks;
    assert.is(block!.bytes, booking.bytes, `${file}: the injected bytes are the widget's`);
    assert.equal(block!.stamp && { ...block!.stamp, offset: 0 }, { name: 'booking', version: booking.version, sha256: sha256(booking.bytes), buildId: pageIdOf(html), offset: 0 }, file);
    assert.not.match(html, '<p><script type="application/json"', `${file}: not wrapped in a paragraph`);
  }
});

test('a widget whose markup and script are full of template syntax and shift operators reaches the page byte for byte', async (ctx) => {
  // "<< y >>" sits in an attribute: as text it would not be valid HTML.
  const markup = '<div data-widget="booking" data-shift="<< y >>">\n  <p>{{ x }} {% if %} {# z #} {{{ triple }}} {%- raw -%} ${ dollar }</p>\n  <template><li>{{ item.name | upper }}</li></template>\n</div>\n';
  const script = 'var a = 5;\nvar b = a << 2 >> 1 >>> 0;\nvar s = "{{ x }} {% if %} << y >> {# z #}";\nvar t = `${a} {{ b }}`;\n';
  const style = '.x::before { content: "{{ x }} {% y %} {# z #}"; }\n';
  await ctx.tmp.write({
    'widgets/booking/widget.json': '{ "name": "booking", "version": "9.9.9", "description": "Template syntax everywhere." }\n',
    'widgets/booking/widget.html': markup,
    'widgets/booking/widget.js': script,
    'widgets/booking/widget.css': style,
  });
  await build(ctx, {
    'content/md.md': page('Markdown page', about('Markdown page'), 'page.njk', '{% bookingWidget %}'),
    'content/njk.njk': page('Nunjucks page', about('Nunjucks page'), 'article.njk', '{% bookingWidget %}'),
  });
  const expected = widgetBytes({ name: 'booking', markup, script, style });
  for (const file of ['md', 'njk']) {
    const html = await output(ctx, `${file}/index.html`);
    const [block] = findWidgetBlocks(html);
    assert.is(block!.bytes, expected, `${file}: identical to the source`);
    for (const source of [markup, script, style]) assert.ok(block!.bytes.includes(source), `${file}: contains ${JSON.stringify(source.slice(0, 30))} verbatim`);
    assert.is(block!.stamp!.sha256, sha256(expected));
    assert.is(block!.stamp!.version, '9.9.9');
  }
});

test('settings reach the widget as an escaped JSON block, one per widget', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/book.md': page('Book', about('Book'), 'page.njk', '{% bookingWidget %}') } }));
  const config = path.join(ctx.tmp.dir, 'sites/fixture.test/site.yaml');
  await ctx.tmp.write({ 'sites/fixture.test/site.yaml': (await readFile(config, 'utf8')).replace('siteName: Fixture', 'siteName: "Jada </script><script>alert(1)</script> & co"') });
  await buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: quiet });
  const html = await output(ctx, 'book/index.html');
  const settings = [...html.matchAll(/<script type="application\/json" data-widget-settings="booking">(.*?)<\/script>/g)];
  assert.is(settings.length, 1);
  assert.not.match(settings[0]![1]!, '<');
  assert.equal(JSON.parse(settings[0]![1]!), {
    endpoint: 'http://127.0.0.1:9/booking',
    siteName: 'Jada </script><script>alert(1)</script> & co',
    timezone: 'America/Los_Angeles',
    language: 'en-US',
  });
});

test('pages without the shortcode carry no widget', async (ctx) => {
  await build(ctx);
  const html = await output(ctx, 'index.html');
  assert.not.match(html, 'widget');
});

// Bad input: each a clear build error.

test('a widget script with a syntax error names the file, line and column, and shows the line', async (ctx) => {
  await ctx.tmp.write({ 'widgets/booking/widget.js': '(() => {\n  const ok = 1;\n  const broken = {;\n})();\n' });
  const message = await buildFailure(ctx, { 'content/book.md': page('Book', about('Book'), 'page.njk', '{% bookingWidget %}') }, BuildError);
  assert.match(message, "widgets/booking/widget.js:3:19: the widget's script does not parse as ES2020: Unexpected token");
  assert.match(message, '    3 |   const broken = {;\n      |                   ^');
  assert.not.ok(existsSync(path.join(ctx.tmp.dir, 'dist/production/fixture.test')), 'nothing was written');
});

test('a widget script using syntax newer than the sites target fails the build', async (ctx) => {
  await ctx.tmp.write({ 'widgets/booking/widget.js': 'class Booking { static count = 0; }\n' });
  const message = await buildFailure(ctx, {}, BuildError);
  assert.match(message, 'widgets/booking/widget.js:1:30: the widget\'s script does not parse as ES2020');
});

test('a widget script that would end its <script> element early is refused', async (ctx) => {
  await ctx.tmp.write({ 'widgets/booking/widget.js': 'var html = "</script>";\n' });
  const message = await buildFailure(ctx, {}, BuildError);
  assert.match(message, 'widgets/booking/widget.js: contains "</script", which would end the inline <script> early');
});

test('widget markup pasted into a page (kept from Nunjucks with raw) is caught, naming the output file, line and source page', async (ctx) => {
  const markup = await readFile(path.join(ctx.tmp.dir, 'widgets/booking/widget.html'), 'utf8');
  const message = await buildFailure(ctx, { 'content/pasted.md': page('Pasted', about('Pasted'), 'page.njk', `Book here:\n\n{% raw %}\n${markup}{% endraw %}\n`) }, CheckError);
  assert.match(message, /pasted\/index\.html:\d+:\d+ widget-pasted: booking widget markup outside a widget block.* \(from sites\/fixture\.test\/content\/pasted\.md\)/);
  assert.match(message, 'write {% bookingWidget %} instead');
  assert.match(message, '| <div class="booking-widget" data-widget="booking" data-state="loading">');
});

test('widget markup pasted into a page without raw fails on its first placeholder', async (ctx) => {
  const markup = await readFile(path.join(ctx.tmp.dir, 'widgets/booking/widget.html'), 'utf8');
  const message = await buildFailure(ctx, { 'content/pasted.md': page('Pasted', about('Pasted'), 'page.njk', markup) }, BuildError);
  assert.match(message, 'sites/fixture.test/content/pasted.md:');
  assert.match(message, '"label" is undefined');
});

test('a block pasted from a built page is refused: another build\'s stamp, or bytes changed by templating or Markdown', async (ctx) => {
  await build(ctx, { 'content/book.md': page('Book', about('Book'), 'page.njk', '{% bookingWidget %}') });
  const html = await output(ctx, 'book/index.html');
  const start = html.indexOf('<script type="application/json" data-widget-settings');
  const end = html.indexOf('<!-- widget:booking:end -->') + '<!-- widget:booking:end -->'.length;
  const block = html.slice(start, end);
  const content = path.join(ctx.tmp.dir, 'sites/fixture.test/content');
  // Eleventy keeps a file's text cached by path for the whole process, so
  // each case is a file with its own name, and the one before is removed.
  const pasteInto = async (file: string, text: string) => {
    for (const previous of await readdir(content)) if (previous.startsWith('copied-')) await rm(path.join(content, previous));
    return buildFailure(ctx, { [`content/${file}`]: page('Copied', about('Copied'), 'page.njk', `{% raw %}\n${text}\n{% endraw %}`) }, CheckError);
  };

  const copied = await pasteInto('copied-stale.njk', block);
  assert.match(copied, /copied-stale\/index\.html:\d+:\d+ widget-stale: this booking widget block is stamped for page [0-9a-f]+, not this page.* \(from sites\/fixture\.test\/content\/copied-stale\.njk\)/);
  assert.match(copied, 'include the widget with {% bookingWidget %}');

  const templated = await pasteInto('copied-templated.njk', block.replace('aria-label="{{ label }}"', 'aria-label=""'));
  assert.match(templated, /copied-templated\/index\.html:\d+:\d+ widget-hash: the booking widget block does not hash to its stamp.* \(from sites\/fixture\.test\/content\/copied-templated\.njk\)/);
  assert.match(templated, 'its bytes were changed after injection, by a template engine or a transform');

  const throughMarkdown = await pasteInto('copied-markdown.md', block);
  assert.match(throughMarkdown, /copied-markdown\/index\.html:\d+:\d+ widget-hash: the booking widget block does not hash to its stamp.* \(from sites\/fixture\.test\/content\/copied-markdown\.md\)/);
});

test('an unknown widget name in the shortcode lists the known ones', async (ctx) => {
  const message = await buildFailure(ctx, { 'content/book.md': page('Book', about('Book'), 'page.njk', 'Book:\n\n{% widget "bookng" %}') }, BuildError);
  assert.is(message, 'sites/fixture.test/content/book.md: {% widget "bookng" %} names no widget in widgets/. Known widgets: "booking".');
});

test('an unknown widget shortcode is a template error naming the page and line', async (ctx) => {
  const message = await buildFailure(ctx, { 'content/book.md': page('Book', about('Book'), 'page.njk', 'Book:\n\n{% bookngWidget %}') }, BuildError);
  assert.match(message, 'sites/fixture.test/content/book.md');
  assert.match(message, 'bookngWidget');
});

test('a missing booking endpoint in the site config names the file and the key', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/book.md': page('Book', about('Book'), 'page.njk', '{% bookingWidget %}') } }));
  const config = path.join(ctx.tmp.dir, 'sites/fixture.test/site.yaml');
  await ctx.tmp.write({ 'sites/fixture.test/site.yaml': (await readFile(config, 'utf8')).replace(/\n  endpoint: .*/, '') });
  const error = await rejects(() => buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: quiet }), ConfigError);
  assert.match(error.message, 'sites/fixture.test/site.yaml');
  assert.match(error.message, 'booking.endpoint');
  assert.not.ok(existsSync(path.join(ctx.tmp.dir, 'dist')));
});

test('a shortcode inside a paragraph asks for a line of its own', async (ctx) => {
  const message = await buildFailure(ctx, { 'content/book.md': page('Book', about('Book'), 'page.njk', 'Book now: {% bookingWidget %} and enjoy.') }, BuildError);
  assert.is(message, 'sites/fixture.test/content/book.md: the booking widget is inside a paragraph. Put its shortcode on a line of its own, with a blank line before and after, so the widget is not nested in text.');
});

test('a layout that escapes the page content leaves the slot unreplaced, and the build says why', async (ctx) => {
  const message = await buildFailure(
    ctx,
    {
      'content/book.md': page('Book', about('Book'), 'escaping.njk', '{% bookingWidget %}'),
      'layouts/escaping.njk': '---\nlayout: base.njk\n---\n<article><h1>{{ title }}</h1>{{ content }}</article>\n',
    },
    CheckError,
  );
  assert.match(message, 'a widget slot that was not replaced: the layout escaped or altered the page content (print it with {{ content | safe }})');
});

// The template-leak guard and the script parse, in a build.

test('template syntax left in a page fails the build with the output file, line and source page', async (ctx) => {
  const message = await buildFailure(ctx, { 'content/leak.md': page('Leak', about('Leak'), 'page.njk', 'Intro.\n\nCall us on {% raw %}{{ phone }}{% endraw %} today.') }, CheckError);
  assert.match(message, /^fixture\.test \(production\): \d+ check problems? in the built pages — failed: template-leak[^\n]*\n  leak\/index\.html:\d+:\d+ template-leak: template expression "\{\{ phone \}\}" left in the text.* \(from sites\/fixture\.test\/content\/leak\.md\)/);
  assert.match(message, '| <p>Call us on {{ phone }} today.</p>');
});

test('template syntax in a site layout\'s attribute and inline script is found too', async (ctx) => {
  const message = await buildFailure(
    ctx,
    {
      'layouts/partials/footer.njk': '{% raw %}<footer data-year="{{ year }}"><script>var year = "{% now %}";</script></footer>{% endraw %}\n',
    },
    CheckError,
  );
  assert.match(message, 'template expression "{{ year }}" left in an attribute');
  assert.match(message, 'template tag "{% now %}" left in an inline script');
  assert.match(message, '(from sites/fixture.test/content/index.md)');
});

test('an undefined variable in a site layout is an error, not an empty string', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'layouts/partials/footer.njk': '<footer>Call {{ site.phone }}</footer>\n' } }));
  const error = await rejects(() => buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: quiet }), BuildError);
  assert.match(error.message, 'sites/fixture.test/layouts/partials/footer.njk:1');
  assert.match(error.message, '"site.phone" is undefined');
});

test('a misspelt variable through a filter in a layout is an error, not an empty string', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'layouts/partials/footer.njk': '<footer>\n  Call {{ site.phoen | upper }}\n</footer>\n' } }));
  const error = await rejects(() => buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: quiet }), BuildError);
  assert.match(error.message, 'sites/fixture.test/layouts/partials/footer.njk:2:11: "site.phoen" is undefined or null where it goes through the "upper" filter');
  assert.match(error.message, 'write `site.phoen | default(…) | upper`');
  assert.match(error.message, '    2 |   Call {{ site.phoen | upper }}');
  assert.not.ok(existsSync(path.join(ctx.tmp.dir, 'dist/production/fixture.test')), 'nothing was written');
});

test('a layout printing a misspelt content with | safe fails instead of shipping an empty page', async (ctx) => {
  const message = await buildFailure(
    ctx,
    {
      'content/book.md': page('Book', about('Book'), 'typo.njk', 'The body.'),
      'layouts/typo.njk': '---\nlayout: base.njk\n---\n<article>{{ contnet | safe }}</article>\n',
    },
    BuildError,
  );
  assert.match(message, 'sites/fixture.test/layouts/typo.njk:4:');
  assert.match(message, '"contnet" is undefined or null where it goes through the "safe" filter');
});

test('an undefined variable in a page body through a filter names the page line as the editor sees it', async (ctx) => {
  const message = await buildFailure(ctx, { 'content/book.md': page('Book', about('Book'), 'page.njk', 'Intro.\n\nFax: {{ fax | lower }}') }, BuildError);
  // Four front matter lines and "---" before the body: its third line is line 8.
  assert.match(message, 'sites/fixture.test/content/book.md:8:9: "fax" is undefined or null where it goes through the "lower" filter');
});

test('an undefined variable as a filter argument is an error too', async (ctx) => {
  const message = await buildFailure(ctx, { 'layouts/partials/footer.njk': '<footer>{{ site.title | replace("Fixture", site.newName) }}</footer>\n' }, BuildError);
  assert.match(message, '"site.newName" is undefined or null where it is passed to the "replace" filter');
});

test('an undefined variable tested through a filter ({% if x | length %}) is an error naming the line', async (ctx) => {
  const message = await buildFailure(ctx, { 'layouts/partials/footer.njk': '<footer>\n{% if site.sponsors | length %}Sponsors{% endif %}\n</footer>\n' }, BuildError);
  assert.match(message, 'sites/fixture.test/layouts/partials/footer.njk:2:7: "site.sponsors" is undefined or null where it goes through the "length" filter');
});

test('"x" + an undefined variable is an error instead of printing "xundefined"', async (ctx) => {
  const message = await buildFailure(ctx, { 'layouts/partials/footer.njk': '<footer>{{ "Fax: " + site.fax }} {{ "or " ~ site.fax }}</footer>\n' }, BuildError);
  assert.match(message, 'sites/fixture.test/layouts/partials/footer.njk:1:22: "site.fax" is undefined or null in a "+" expression, which would print "undefined"');
});

test('default() still lets a value be missing, before a filter, in a test and in a sum', async (ctx) => {
  await build(ctx, {
    'layouts/partials/footer.njk':
      '<footer>{{ site.fax | default("no fax") | upper }}|{{ site.fax | d("-") }}|{% if site.sponsors | default([]) | length %}S{% endif %}|{{ "Fax: " + (site.fax | default("none")) }}|{{ site.fax or "none" }}</footer>\n',
  });
  assert.match(await output(ctx, 'index.html'), '<footer>NO FAX|-||Fax: none|none</footer>');
});

test('an inline script that does not parse names the output file, line, column and source page, and shows the line', async (ctx) => {
  const message = await buildFailure(
    ctx,
    {
      'layouts/partials/footer.njk': '<footer>\n<script>\nwindow.ready = function () {\n  return 1 +;\n};\n</script>\n</footer>\n',
    },
    CheckError,
  );
  assert.match(message, / index\.html:(\d+):13 inline-script-syntax: inline <script> does not parse as ES2020: Unexpected token \(from sites\/fixture\.test\/content\/index\.md\)/);
  assert.match(message, /\d+ \|   return 1 \+;\n\s+\|\s{13}\^/);
});

test('a module script with syntax newer than ES2020 fails the build', async (ctx) => {
  const message = await buildFailure(ctx, { 'layouts/partials/footer.njk': '<footer><script type="module">let a; a ??= 1;</script></footer>\n' }, CheckError);
  assert.match(message, 'inline <script type="module"> does not parse as ES2020');
});

test('an Apps Script source with a syntax error names the file, line and column', async (ctx) => {
  const message = await buildFailure(ctx, { 'Backend.gs': 'function doGet(e) {\n  return ContentService.createTextOutput(;\n}\n' }, CheckError);
  assert.match(message, 'sites/fixture.test/Backend.gs:2:42: Unexpected token [script-syntax]');
  assert.match(message, '    2 |   return ContentService.createTextOutput(;');
});

test('an Apps Script source in the site\'s assets would be published, so the build refuses it', async (ctx) => {
  const message = await buildFailure(ctx, { 'assets/Backend.gs': 'function doGet() {}\n' }, CheckError);
  assert.match(message, 'Apps Script source would be published: assets/Backend.gs');
});

test('an Apps Script source beside the content is checked and never copied into the built site', async (ctx) => {
  await build(ctx, { 'Backend.gs': 'function doGet() { return 1; }\n' });
  const files = await readdir(path.join(ctx.tmp.dir, 'dist/production/fixture.test'), { recursive: true });
  assert.not.ok(files.some((file) => String(file).endsWith('.gs')), files.join(', '));
});

test.run();
