/** The dev server injects the widget too, and picks up an edit to the widget's files. */
import { existsSync } from 'node:fs';
import { appendFile, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { devServerReady, startCli, stopCli } from '../helpers/cli.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, page } from '../helpers/sites.ts';
import { fetchPage, freePort } from '../helpers/http.ts';

interface Ctx { tmp: TempDir }
const test = suite<Ctx>('widget in the dev server');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('widget-dev-');
  await copySharedParts(ctx.tmp.dir);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

/** Polls until the page satisfies `ready`; a wait, not a timed assertion. */
async function waitForPage(url: string, ready: (html: string) => boolean, what: string, retry?: () => Promise<void>): Promise<string> {
  const deadline = Date.now() + 60_000;
  let nextRetry = Date.now() + 5_000;
  for (;;) {
    const html = await fetchPage(url);
    if (html !== undefined && ready(html)) return html;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    if (retry && Date.now() > nextRetry) {
      await retry();
      nextRetry = Date.now() + 5_000;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('the dev server serves the injected widget and re-injects it after an edit to widget.js', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/book.md': page('Book', 'A booking page served by the dev server, with the widget on it.', 'page.njk', '{% bookingWidget %}') } }));
  const port = await freePort();
  const child = startCli(['--root', ctx.tmp.dir, 'dev', '--site', 'fixture', '--port', String(port)]);
  try {
    await devServerReady(child);
    const url = `http://127.0.0.1:${port}/book/`;
    const first = await waitForPage(url, (html) => html.includes('<!-- widget:booking:end -->'), 'the booking page');
    assert.match(first, /<!-- widget booking \d+\.\d+\.\d+ sha256=[0-9a-f]{64} build=[0-9a-f]{16} -->/);
    assert.match(first, 'aria-label="{{ label }}"');
    // A change that lands while a rebuild is already running can be missed by
    // Eleventy; touching the file again (a bounded number of times) is what an
    // editor would do, and keeps a loaded machine from failing the test.
    const edit = () => appendFile(path.join(ctx.tmp.dir, 'widgets/booking/widget.js'), '// edited while serving\n');
    await edit();
    await waitForPage(url, (html) => html.includes('// edited while serving'), 'the widget edit to show', edit);
  } finally {
    await stopCli(child);
  }
});

test('the dev server serves from .cache/dev/, leaving the last build in dist/ and its record as they were', async (ctx) => {
  await ctx.tmp.write(fixtureSite());
  await ctx.tmp.write({
    'dist/development/fixture.test/index.html': '<p>from the last build</p>\n',
    'dist/development/fixture.test.build.json': '{"buildId":"last"}\n',
    '.cache/dev/development/fixture.test/stale/index.html': '<p>left by an earlier dev server</p>\n',
  });
  const port = await freePort();
  const child = startCli(['--root', ctx.tmp.dir, 'dev', '--site', 'fixture', '--port', String(port)]);
  try {
    await devServerReady(child);
    const home = await waitForPage(`http://127.0.0.1:${port}/`, (html) => html.includes('Welcome aboard.'), 'the home page');
    assert.match(home, '<meta name="robots" content="noindex, nofollow">');
    assert.ok(existsSync(path.join(ctx.tmp.dir, '.cache/dev/development/fixture.test/index.html')), 'served from .cache/dev/development/fixture.test/');
    assert.not.ok(existsSync(path.join(ctx.tmp.dir, '.cache/dev/development/fixture.test/stale/index.html')), 'a page of an earlier dev server is not served');
    assert.is(await readFile(path.join(ctx.tmp.dir, 'dist/development/fixture.test/index.html'), 'utf8'), '<p>from the last build</p>\n');
    assert.is(await readFile(path.join(ctx.tmp.dir, 'dist/development/fixture.test.build.json'), 'utf8'), '{"buildId":"last"}\n');
    assert.equal(await readdir(path.join(ctx.tmp.dir, 'dist/development')), ['fixture.test', 'fixture.test.build.json']);
  } finally {
    await stopCli(child);
  }
});

test.run();
