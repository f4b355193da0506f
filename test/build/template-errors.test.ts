/**
 * A template error in a layout, a partial or an included file names that
 * file and the line, with the page being rendered as context.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { BuildError } from '../../scripts/errors.ts';
import { hasStackTrace, runCli } from '../helpers/cli.ts';
import { copySharedParts, tempDir, type TempDir, type Tree } from '../helpers/fixture.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

interface Ctx { tmp: TempDir }
const test = suite<Ctx>('template errors in layouts and partials');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir();
  await copySharedParts(ctx.tmp.dir);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

async function buildError(ctx: Ctx, pages: Tree): Promise<string> {
  await ctx.tmp.write(fixtureSite({ pages }));
  try {
    await buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: { info() {}, warn() {} } });
  } catch (error) {
    assert.instance(error, BuildError, String((error as Error).stack));
    return (error as Error).message;
  }
  throw new Error('expected the build to fail');
}

const FOOTER = 'sites/fixture.test/layouts/partials/footer.njk';
const WHILE = 'template error while rendering sites/fixture.test/content/index.md: ';

test('an unclosed {% if %} in a partial names the partial and the line it opens on, not the layout that includes it', async (ctx) => {
  const message = await buildError(ctx, { 'layouts/partials/footer.njk': '<footer>\n<p>x</p>\n{% if site.title %}\n<p>open</p>\n</footer>\n' });
  assert.match(message, `${WHILE}${FOOTER}:3:1: parseIf: expected elif, else, or endif, got end of file: the {% if %} on this line is never closed with {% endif %}`);
  assert.match(message, '3 | {% if site.title %}');
  assert.not.match(message, 'page.njk');
});

test('an unclosed {% if %} in a shared partial names shared-layouts/partials/…, as the report of 86from.com/404.md did not', async (ctx) => {
  await ctx.tmp.write({ 'shared-layouts/partials/footer.njk': '<footer>\n{% if footerNote %}<p>{{ footerNote }}</p>\n</footer>\n' });
  const message = await buildError(ctx, {});
  assert.match(message, `${WHILE}shared-layouts/partials/footer.njk:2:1: parseIf: expected elif, else, or endif, got end of file: the {% if %} on this line is never closed with {% endif %}`);
});

test('a "{{" left open in a partial names the partial, the line and where the "{{" is', async (ctx) => {
  const message = await buildError(ctx, { 'layouts/partials/footer.njk': '<footer>\n<p>{{ site.title</p>\n</footer>\n' });
  assert.match(message, `${WHILE}${FOOTER}:2:`);
  assert.match(message, 'the "{{" at column 4 is never closed with }}');
  assert.match(message, '2 | <p>{{ site.title</p>');
});

test('a "{{" left open at the end of a partial is reported on the line that opens it', async (ctx) => {
  const message = await buildError(ctx, { 'layouts/partials/footer.njk': '<footer>\n</footer>\nCall {{ site.title' });
  assert.match(message, `${WHILE}${FOOTER}:3:6: expected variable end: the "{{" on this line is never closed with }}`);
});

test('an undefined variable in a partial names the partial and the line', async (ctx) => {
  const message = await buildError(ctx, { 'layouts/partials/footer.njk': '<footer>\n<p>{{ site.phoen }}</p>\n</footer>\n' });
  assert.match(message, `${WHILE}${FOOTER}:2:4: "site.phoen" is undefined or null.`);
  assert.match(message, '2 | <p>{{ site.phoen }}</p>');
});

test('an unknown tag and bad filter syntax in a partial name the partial and the line', async (ctx) => {
  let message = await buildError(ctx, { 'layouts/partials/footer.njk': '<footer>\n{% frobnicate %}\n</footer>\n' });
  assert.match(message, `${WHILE}${FOOTER}:2:4: unknown block tag: frobnicate`);
  message = await buildError(ctx, { 'layouts/partials/footer.njk': '<footer>\n\n{{ site.title | }}\n</footer>\n' });
  assert.match(message, `${WHILE}${FOOTER}:3:`);
  assert.match(message, '3 | {{ site.title | }}');
});

test('errors in a layout override name the layout: an undefined variable, and an {% if %} closed by {% endblock %}', async (ctx) => {
  let message = await buildError(ctx, { 'layouts/page.njk': '{% extends "base.njk" %}\n{% block main %}\n<h1>{{ titel }}</h1>\n{% endblock %}\n' });
  assert.match(message, `${WHILE}sites/fixture.test/layouts/page.njk:3:5: "titel" is undefined or null.`);
  message = await buildError(ctx, { 'layouts/page.njk': '{% extends "base.njk" %}\n{% block main %}\n{% if title %}\n<h1>{{ title }}</h1>\n{% endblock %}\n' });
  assert.match(message, `${WHILE}sites/fixture.test/layouts/page.njk:3:1: unknown block tag: endblock: the {% if %} on this line is never closed with {% endif %}`);
});

test('a partial included by a partial: the innermost file is named', async (ctx) => {
  const message = await buildError(ctx, {
    'layouts/partials/footer.njk': '<footer>\n{% include "partials/note.njk" %}\n</footer>\n',
    'layouts/partials/note.njk': '<p>\n{% for item in [1, 2] %}\n{{ item }}\n',
  });
  assert.match(message, `${WHILE}sites/fixture.test/layouts/partials/note.njk:2:1: unexpected end of file: the {% for %} on this line is never closed with {% endfor %}`);
});

test('an error in a partial a page includes names the partial, with the page as context', async (ctx) => {
  const message = await buildError(ctx, {
    'layouts/partials/note.njk': '<p>\n{{ site.phoen }}\n',
    'content/about.md': page('About', 'A page that includes a partial which prints an undefined value.', 'page.njk', 'Intro\n\n{% include "partials/note.njk" %}'),
  });
  assert.match(message, 'template error while rendering sites/fixture.test/content/about.md: sites/fixture.test/layouts/partials/note.njk:2:1: "site.phoen" is undefined or null.');
});

test('a syntax error in a macro file that a partial imports names the macro file, which Nunjucks blames on the importer', async (ctx) => {
  const message = await buildError(ctx, {
    'layouts/partials/macros.njk': '{% macro m(a) %}\n{% if a %}\n{% endmacro %}\n',
    'layouts/partials/footer.njk': '{% from "partials/macros.njk" import m %}\n<footer>{{ m(1) }}</footer>\n',
  });
  assert.match(message, `${WHILE}sites/fixture.test/layouts/partials/macros.njk:2:1: unknown block tag: endmacro: the {% if %} on this line is never closed with {% endif %}`);
});

test('an undefined value printed inside an imported macro names the macro file, not the caller Nunjucks blames', async (ctx) => {
  const message = await buildError(ctx, {
    'layouts/partials/macros.njk': '{#- macros -#}\n{% macro m(a) %}\n<p>\n{{ a.b.c }}\n{% endmacro %}\n',
    'layouts/partials/footer.njk': '{% from "partials/macros.njk" import m %}\n<footer>{{ m(nothing) }}</footer>\n',
  });
  assert.match(message, `${WHILE}sites/fixture.test/layouts/partials/macros.njk:4:1: "a.b.c" is undefined or null.`);
  assert.match(message, '4 | {{ a.b.c }}');
});

test('an unknown filter in a partial names the partial and the line that uses it', async (ctx) => {
  const message = await buildError(ctx, { 'layouts/partials/footer.njk': '<footer>\n{{ site.title | nosuchfilter }}\n</footer>\n' });
  assert.match(message, `${WHILE}${FOOTER}:2: filter not found: nosuchfilter`);
  assert.match(message, '2 | {{ site.title | nosuchfilter }}');
});

test('an include of a missing partial names the including partial and its line, the page as context', async (ctx) => {
  const message = await buildError(ctx, { 'layouts/partials/footer.njk': '<footer>\n{% include "partials/nope.njk" %}\n</footer>\n' });
  assert.match(message, `${FOOTER}:2: {% include "partials/nope.njk" %} names a template that does not exist (while rendering sites/fixture.test/content/index.md)`);
});

test('through the CLI: one message naming the partial and line, exit code 1, no stack trace', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'layouts/partials/footer.njk': '<footer>\n{% if site.title %}\n</footer>\n' } }));
  const result = await runCli(['--root', ctx.tmp.dir, 'build']);
  assert.is(result.code, 1);
  assert.match(result.stderr, `${FOOTER}:2:1: parseIf: expected elif, else, or endif, got end of file`);
  assert.match(result.stderr, 'while rendering sites/fixture.test/content/index.md');
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
});

test.run();
