/**
 * Render reuse (scripts/build/render-reuse.ts): a rebuild after a page body
 * changed renders that page only — and gives exactly the tree, and build
 * record, that rendering every page gives. Everything else renders in full.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSites } from '../../scripts/build/build-sites.ts';
import type { BuildResult } from '../../scripts/build/build-site.ts';
import { readBuildRecord } from '../../scripts/build/build-record.ts';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

interface Ctx {
  tmp: TempDir;
  warnings: string[];
}
const test = suite<Ctx>('render reuse');

const ARTWORK = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1600 900" width="1600" height="900"><rect width="1600" height="900" fill="#0d5c8c"/></svg>';
const OTHER_ART = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1600 900" width="1600" height="900"><rect width="1600" height="900" fill="#8c5c0d"/></svg>';
const SITE = 'sites/fixture.test';
const OUT = 'dist/production/fixture.test';

const pages = {
  'images/harbour.svg': ARTWORK,
  'images/deck.svg': OTHER_ART,
  'content/about.md': page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', 'About us.\n\n{% image "harbour.svg", "The harbour at dusk" %}'),
  'content/crew.md': page('The crew', 'Who sails with you, from the skipper to the deckhand, in brief.', 'page.njk', 'The crew.\n\n{% image "deck.svg", "The deck" %}'),
  'content/fares.md': page('Fares', 'What a sail costs.', 'page.njk', 'Fares.', 'waive:\n  seo/description-length: "kept short on purpose for this test"\n'),
  'content/faq.md': page('Questions', 'What guests ask before they book, answered in a sentence or two each.', 'page.njk', 'Questions.'),
};

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('reuse-');
  ctx.warnings = [];
  await copySharedParts(ctx.tmp.dir);
  await ctx.tmp.write(fixtureSite({ pages }));
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

async function build(ctx: Ctx, full = false): Promise<BuildResult> {
  const logger = { info() {}, warn: (message: string) => void ctx.warnings.push(message) };
  const [result] = await buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger, full });
  return result!;
}

/** Every file of the output, with its bytes. */
async function tree(ctx: Ctx): Promise<Map<string, string>> {
  const root = path.join(ctx.tmp.dir, OUT);
  const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  const entries = await Promise.all(files.map(async (entry) => {
    const absolute = path.join(entry.parentPath, entry.name);
    return [path.relative(root, absolute), (await readFile(absolute)).toString('base64')] as const;
  }));
  return new Map(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The record's file list (hashes, sources, page ids): what publish trusts. */
async function recordFiles(ctx: Ctx) {
  return (await readBuildRecord(path.join(ctx.tmp.dir, `${OUT}.build.json`))).files;
}

const edit = (ctx: Ctx, file: string, from: string, to: string) =>
  readFile(path.join(ctx.tmp.dir, SITE, file), 'utf8').then((text) => {
    assert.ok(text.includes(from), `${file} contains ${from}`);
    return writeFile(path.join(ctx.tmp.dir, SITE, file), text.replace(from, to));
  });

/** After a reusing build: the same tree and record as rendering every page. */
async function assertSameAsFullBuild(ctx: Ctx): Promise<void> {
  const reused = await tree(ctx);
  const reusedRecord = await recordFiles(ctx);
  const full = await build(ctx, true);
  assert.equal(full.reuse, { reason: 'every page rendered (--full)' });
  const expected = await tree(ctx);
  assert.equal([...reused.keys()], [...expected.keys()], 'the same files');
  for (const [file, bytes] of expected) assert.is(reused.get(file), bytes, `${file} has the bytes a full build gives`);
  assert.equal(reusedRecord, await recordFiles(ctx), 'the same build record files (hashes, sources, page ids)');
}

test('the first build renders everything; a rebuild after one body edit renders that page only, and equals a full build', async (ctx) => {
  const first = await build(ctx);
  assert.equal(first.reuse, { reason: 'no earlier build to reuse' });
  await edit(ctx, 'content/faq.md', 'Questions.', 'Questions, and their answers.');
  const second = await build(ctx);
  assert.equal(second.reuse, { rendered: 1, reused: 4 });
  assert.is(second.pages.filter((built) => built.path.endsWith('.html')).length, 5, 'every page is in the result, reused ones too');
  assert.match(await readFile(path.join(ctx.tmp.dir, OUT, 'faq/index.html'), 'utf8'), 'Questions, and their answers.');
  // The waiver of a reused page still applies (the checks passed), and front matter is still checked on every page.
  assert.equal(ctx.warnings, []);
  await assertSameAsFullBuild(ctx);
});

test('nothing changed: every page is taken from the previous output', async (ctx) => {
  await build(ctx);
  const again = await build(ctx);
  assert.equal(again.reuse, { rendered: 0, reused: 5 });
  await assertSameAsFullBuild(ctx);
});

test('an image only the edited page used is gone when the edit drops it; one another page uses stays', async (ctx) => {
  await build(ctx);
  const before = [...(await tree(ctx)).keys()];
  const deck = before.filter((file) => file.includes('images/deck-'));
  const harbour = before.filter((file) => file.includes('images/harbour-'));
  assert.ok(deck.length > 0 && harbour.length > 0);
  await edit(ctx, 'content/crew.md', '{% image "deck.svg", "The deck" %}', 'No picture today.');
  const result = await build(ctx);
  assert.equal(result.reuse, { rendered: 1, reused: 4 });
  const after = [...(await tree(ctx)).keys()];
  for (const file of deck) assert.not.ok(after.includes(file), `${file} is gone`);
  for (const file of harbour) assert.ok(after.includes(file), `${file} stays`);
  await assertSameAsFullBuild(ctx);
});

test('an edit that changes what other pages can see, or any input that is not a page body, renders every page', async (ctx) => {
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['front matter', () => edit(ctx, 'content/faq.md', 'title: "Questions"', 'title: "Guest questions"'), /front matter of sites\/fixture\.test\/content\/faq\.md changed/],
    ['a layout', async () => {
      const file = path.join(ctx.tmp.dir, 'shared-layouts/partials/footer.njk');
      await writeFile(file, (await readFile(file, 'utf8')) + '\n');
    }, /a layout, include, data file, asset, image, config or pipeline file changed/],
    ['the site config', () => edit(ctx, 'site.yaml', 'title: Fixture fixture', 'title: Fixture sails'), /a layout, include, data file, asset, image, config or pipeline file changed/],
    ['an image', () => writeFile(path.join(ctx.tmp.dir, SITE, 'images/deck.svg'), OTHER_ART.replace('#8c5c0d', '#5c8c0d')), /a layout, include, data file, asset, image, config or pipeline file changed/],
    ['a new page', () => writeFile(path.join(ctx.tmp.dir, SITE, 'content/new.md'), page('New', 'A page added after the first build, to see it render in full.', 'page.njk', 'New.')), /content\/new\.md is new/],
    ['a removed page', () => rm(path.join(ctx.tmp.dir, SITE, 'content/new.md')), /content\/new\.md was removed/],
    ['a template reading other pages', () => writeFile(path.join(ctx.tmp.dir, SITE, 'content/new.md'), page('New', 'A page listing the others, so every page must render with it.', 'page.njk', '{% for item in collections.all %}{{ item.url }} {% endfor %}')), /content\/new\.md can read other pages/],
    ['a page showing its file date', () => writeFile(path.join(ctx.tmp.dir, SITE, 'content/new.md'), page('New', 'A page listing the others, so every page must render with it.', 'page.njk', 'Updated {{ page.date.getFullYear() }}.')), /content\/new\.md can read other pages or its file's date/],
  ];
  await build(ctx);
  for (const [what, change, reason] of cases) {
    await change();
    const result = await build(ctx);
    assert.ok('reason' in result.reuse, `${what}: rendered in full`);
    assert.match((result.reuse as { reason: string }).reason, reason, what);
    await assertSameAsFullBuild(ctx);
  }
});

test('more than half the pages changed: a full build, which is as quick', async (ctx) => {
  await build(ctx);
  for (const file of ['about.md', 'crew.md', 'fares.md']) await edit(ctx, `content/${file}`, '.\n', '. Changed.\n');
  const result = await build(ctx);
  assert.equal(result.reuse, { reason: '3 pages of 5 changed' });
});

test('a file edited in dist/ is never carried over: the site is rendered again in full, with a warning', async (ctx) => {
  await build(ctx);
  const crew = path.join(ctx.tmp.dir, OUT, 'crew/index.html');
  const good = await readFile(crew, 'utf8');
  await writeFile(crew, good.replace('The crew.', 'Tampered with.'));
  await edit(ctx, 'content/faq.md', 'Questions.', 'Questions, and their answers.');
  const result = await build(ctx);
  assert.equal(result.reuse, { reason: 'every page rendered (--full)' });
  assert.equal(ctx.warnings, ['fixture.test: crew/index.html in the previous output no longer matches its build record; rendered every page instead']);
  assert.is(await readFile(crew, 'utf8'), good);
  await assertSameAsFullBuild(ctx);
});

test('a replaced output, or a damaged manifest, means a full build', async (ctx) => {
  await build(ctx);
  // Another build's record beside the tree (say, a tree copied in from elsewhere).
  const recordFile = path.join(ctx.tmp.dir, `${OUT}.build.json`);
  await writeFile(recordFile, (await readFile(recordFile, 'utf8')).replace(/"builtAt": "[^"]+"/, '"builtAt": "2020-01-01T00:00:00.000Z"'));
  assert.equal((await build(ctx)).reuse, { reason: 'the output in dist/ is not the one the earlier build left (its build record differs)' });
  await writeFile(path.join(ctx.tmp.dir, '.cache/render/fixture.test/production.json'), '{"version": 1, "rec');
  assert.equal((await build(ctx)).reuse, { reason: 'no earlier build to reuse' });
  assert.equal(ctx.warnings, []);
  // The tree gone but its record left: nothing to take files from.
  await rm(path.join(ctx.tmp.dir, OUT), { recursive: true });
  await edit(ctx, 'content/faq.md', 'Questions.', 'Questions, and their answers.');
  assert.equal((await build(ctx)).reuse, { reason: 'every page rendered (--full)' });
  assert.match(ctx.warnings.join('\n'), /^fixture\.test: [^ ]+ is missing from dist\/production\/fixture\.test; rendered every page instead$/);
  await assertSameAsFullBuild(ctx);
});

test.run();
