/**
 * The dev server's problem box in a real browser: the real `dev` command on a
 * fixture workspace, a page open in Debian's Chromium, and edits to the page's
 * source. A failing check or a failed build shows on the open page by itself
 * (the tab reloads), with the same text the terminal prints; the fix takes it
 * away again, and the server never stops serving.
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.ts';
import { devServerReady, startCli, stopCli } from '../helpers/cli.ts';
import { copySharedParts, tempDir, type TempDir, type Tree } from '../helpers/fixture.ts';
import { fetchPage, freePort } from '../helpers/http.ts';
import { fixtureSite, page as pageSource } from '../helpers/sites.ts';

interface Server {
  tmp: TempDir;
  child: ChildProcess;
  port: number;
  /** Everything the dev server printed on stderr. */
  stderr(): string;
  url(path: string): string;
}

interface Ctx {
  browser: Browser;
  server: Server;
  page: Page;
}

const ABOUT = 'sites/fixture.test/content/about.md';
const DESCRIPTION = 'About the fixture site, long enough to be a proper description of it.';
const good = (body: string): Tree => ({ [ABOUT]: pageSource('About us', DESCRIPTION, 'page.njk', body) });
const BOX = 'site-dev-problems';

async function startServer(pages: Tree): Promise<Server> {
  const tmp = await tempDir('dev-overlay-');
  await copySharedParts(tmp.dir);
  await tmp.write({ ...fixtureSite(), ...pages });
  const port = await freePort();
  const child = startCli(['--root', tmp.dir, 'dev', '--site', 'fixture', '--port', String(port)]);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await devServerReady(child);
  } catch (error) {
    await stopCli(child);
    await tmp.cleanup();
    throw error;
  }
  return { tmp, child, port, stderr: () => stderr, url: (path) => `http://127.0.0.1:${port}${path}` };
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await stopCli(server.child);
  await server.tmp.cleanup();
}

/**
 * Writes the files and waits for `done`. An edit landing while a rebuild runs
 * can be missed by the watcher; saving again, as an editor would, keeps a
 * loaded machine from failing the test.
 */
async function editUntil(server: Server, tree: Tree, done: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await server.tmp.write(tree);
  let saved = Date.now();
  for (;;) {
    // The tab may be reloading: a probe that fails is a "not yet".
    if (await done().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; the dev server printed:\n${server.stderr()}`);
    if (Date.now() - saved > 5_000) {
      await server.tmp.write(tree);
      saved = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const boxTexts = (page: Page) => page.locator(`${BOX} pre`).allTextContents();
const hasBox = async (page: Page) => (await page.locator(BOX).count()) > 0;

const test = suite<Ctx>('dev server problem box in Chromium');

test.before(async (ctx) => {
  ctx.browser = await launchChromium();
  ctx.server = await startServer(good('About text.'));
  ctx.page = await ctx.browser.newPage();
  await ctx.page.goto(ctx.server.url('/about/'));
  assert.match(await ctx.page.locator('main').innerText(), 'About text.');
  assert.not.ok(await hasBox(ctx.page), 'no box while the build passes');
});

test.after(async (ctx) => {
  await ctx.browser?.close();
  await stopServer(ctx.server);
});

test('a failing check shows on the open page with file, line and rule, as the terminal prints it; the fix takes it away', async (ctx) => {
  const { page, server } = ctx;
  const broken = { [ABOUT]: pageSource('About us', 'Too short', 'page.njk', 'About text with [a broken link](/nowhere/).') };
  await editUntil(server, broken, () => hasBox(page), 'the box to appear');

  const texts = await boxTexts(page);
  assert.is(texts.length, 2, texts.join('\n---\n'));
  // The source page and the line in it, as the editor sees the file (line 3 is `description:`, line 6 the link).
  assert.match(texts[0]!, `${ABOUT}:3:15 seo/description-length: meta description is 9 characters`);
  assert.match(texts[0]!, 'built page: about/index.html:');
  assert.match(texts[0]!, '3 | description: "Too short"');
  assert.match(texts[0]!, 'what to do: fix it in sites/fixture.test/content/about.md and save');
  assert.match(texts[1]!, `${ABOUT}:6:`);
  assert.match(texts[1]!, 'links/broken: <a href="/nowhere/"> points to /nowhere/');
  assert.match(texts[1]!, 'what to do:');
  assert.ok(await page.locator(BOX).isVisible(), 'the box is on screen');
  assert.match(await page.locator(`${BOX} summary`).innerText(), 'fixture.test: 2 check problems in the built pages');
  // The page itself is still served, as built, under the box.
  assert.match(await page.locator('main').innerText(), 'About text with a broken link.');
  // The terminal printed the same text, once for this build.
  for (const text of texts) assert.ok(server.stderr().includes(text), `the terminal shows:\n${text}\n--- it printed:\n${server.stderr()}`);
  // Every page carries it, not only the broken one.
  assert.match((await fetchPage(server.url('/'))) ?? '', `<${BOX} role="alert" data-problems="2">`);

  await editUntil(server, good('About text, fixed.'), async () => !(await hasBox(page)) && (await page.locator('main').innerText()).includes('About text, fixed.'), 'the box to go');
  assert.match(server.stderr(), 'fixture.test: the build and its checks pass again; the pages no longer show problems.');
  assert.not.match((await fetchPage(server.url('/'))) ?? '', `<${BOX}`);
});

test('a template syntax error shows with file and line; the server keeps serving; the fix takes it away', async (ctx) => {
  const { page, server } = ctx;
  const printed = server.stderr().length;
  await editUntil(server, good('About text, fixed.\n\n{{ site.title site }}'), () => hasBox(page), 'the box to appear');

  const texts = await boxTexts(page);
  assert.is(texts.length, 1, texts.join('\n---\n'));
  assert.match(texts[0]!, `${ABOUT}:8:15 build/template: expected variable end`);
  assert.match(texts[0]!, '8 | {{ site.title site }}');
  assert.match(texts[0]!, 'what to do: fix sites/fixture.test/content/about.md at line 8 and save');
  assert.match(await page.locator(`${BOX} summary`).innerText(), 'fixture.test: the build failed; the dev server keeps serving');
  assert.ok(server.stderr().slice(printed).includes(texts[0]!), `the terminal shows the same text; it printed:\n${server.stderr().slice(printed)}`);
  // Not Eleventy's own report with its stack: the terminal has the one above.
  assert.not.match(server.stderr().slice(printed), 'Problem writing Eleventy templates');
  assert.is(server.child.exitCode, null, 'the dev server is still running');
  // The last pages that built are still served, with the box.
  const about = await fetchPage(server.url('/about/'));
  assert.match(about ?? '', 'About text, fixed.');
  assert.match(about ?? '', `<${BOX}`);

  await editUntil(server, good('About text, fixed again.'), async () => !(await hasBox(page)) && (await page.locator('main').innerText()).includes('About text, fixed again.'), 'the box to go');
});

test('a tag left open is reported where it opens, although Nunjucks notices only at the end of the file', async (ctx) => {
  const { page, server } = ctx;
  await editUntil(server, good('About text.\n\n{% if site.title %}\nOpen.\n'), () => hasBox(page), 'the box to appear');
  const texts = await boxTexts(page);
  assert.match(texts[0]!, `${ABOUT}:8:1 build/template: parseIf: expected elif, else, or endif, got end of file: the {% if %} on this line is never closed with {% endif %}`);
  await editUntil(server, good('About text.'), async () => !(await hasBox(page)), 'the box to go');
});

test('a waiver in the front matter keeps its problem off the box across rebuilds; taking it out brings the problem back', async (ctx) => {
  const { page, server } = ctx;
  const waived = pageSource('About us', 'Too short', 'page.njk', 'About text, waived.', 'waive:\n  seo/description-length: "The owner wants the short one here"\n');
  await editUntil(server, { [ABOUT]: waived }, async () => (await page.locator('main').innerText()).includes('About text, waived.'), 'the waived page');
  assert.not.ok(await hasBox(page));
  // Another page's edit builds every page again: the waiver must still be known.
  await editUntil(server, { 'sites/fixture.test/content/index.md': pageSource('Fixture home', 'The home page of a fixture site, long enough to be a description.', 'page.njk', 'Welcome, edited.') }, async () => ((await fetchPage(server.url('/'))) ?? '').includes('Welcome, edited.'), 'the home page edit');
  assert.not.ok(await hasBox(page));
  await editUntil(server, { [ABOUT]: pageSource('About us', 'Too short', 'page.njk', 'About text, not waived.') }, () => hasBox(page), 'the box to appear');
  assert.match((await boxTexts(page)).join('\n'), 'seo/description-length');
  await editUntil(server, good('About text.'), async () => !(await hasBox(page)), 'the box to go');
});

test('a page renamed while serving is neither served nor checked under its old path', async (ctx) => {
  const { server } = ctx;
  const team = 'sites/fixture.test/content/team.md';
  // The same description in two pages would fail seo/description-unique: the old output must be gone.
  await server.tmp.write({ [team]: pageSource('Our team', DESCRIPTION, 'page.njk', 'The team.') });
  await rm(`${server.tmp.dir}/${ABOUT}`);
  const served = async () => ((await fetchPage(server.url('/team/'))) ?? '').includes('The team.') && (await fetchPage(server.url('/about/'))) === undefined;
  await editUntil(server, { [team]: pageSource('Our team', DESCRIPTION, 'page.njk', 'The team.') }, served, 'the renamed page');
  assert.not.match((await fetchPage(server.url('/team/'))) ?? '', `<${BOX}`);
  assert.not.match(server.stderr(), 'seo/description-unique');
  await server.tmp.write(good('About text.'));
  await rm(`${server.tmp.dir}/${team}`);
  await editUntil(server, good('About text.'), async () => (await fetchPage(server.url('/team/'))) === undefined && ((await fetchPage(server.url('/about/'))) ?? '').includes('About text.'), 'the page back');
});

test('a dev server whose first build fails still starts, serves, and shows why', async (ctx) => {
  const broken = { [ABOUT]: `---\ntitle: "About us"\nnoindex: [true\ndescription: "${DESCRIPTION}"\nlayout: page.njk\n---\nAbout.\n` };
  const server = await startServer(broken);
  try {
    const tab = await ctx.browser.newPage();
    await tab.goto(server.url('/'));
    const texts = await boxTexts(tab);
    assert.is(texts.length, 1);
    assert.match(texts[0]!, `${ABOUT}:3 build/front-matter-yaml: broken front matter`);
    assert.ok(server.stderr().includes(texts[0]!), 'the terminal shows the same text');
    await editUntil(server, good('About, fixed.'), async () => !(await hasBox(tab)) && (await tab.locator('main').innerText()).includes('Welcome aboard.'), 'the box to go');
    await tab.close();
  } finally {
    await stopServer(server);
  }
});

test.run();
