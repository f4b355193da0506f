/** The dev server injects the widget too, and picks up an edit to the widget's files. */
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startCli, stopCli } from '../helpers/cli.ts';
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
async function waitForPage(url: string, ready: (html: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const html = await fetchPage(url);
    if (html !== undefined && ready(html)) return html;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('the dev server serves the injected widget and re-injects it after an edit to widget.js', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/book.md': page('Book', 'A booking page served by the dev server, with the widget on it.', 'page.njk', '{% bookingWidget %}') } }));
  const port = await freePort();
  const child = startCli(['--root', ctx.tmp.dir, 'dev', '--site', 'fixture', '--port', String(port)]);
  try {
    const url = `http://127.0.0.1:${port}/book/`;
    const first = await waitForPage(url, (html) => html.includes('<!-- widget:booking:end -->'), 'the booking page');
    assert.match(first, /<!-- widget booking \d+\.\d+\.\d+ sha256=[0-9a-f]{64} build=[0-9a-f]{16} -->/);
    assert.match(first, 'aria-label="{{ label }}"');
    await appendFile(path.join(ctx.tmp.dir, 'widgets/booking/widget.js'), '// edited while serving\n');
    await waitForPage(url, (html) => html.includes('// edited while serving'), 'the widget edit to show');
  } finally {
    await stopCli(child);
  }
});

test.run();
