import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { readBuildRecord } from '../../scripts/build/build-record.ts';
import { pageIdOf } from '../../scripts/build/page-id.ts';
import { BuildError, ConfigError } from '../../scripts/errors.ts';
import { rejects } from '../helpers/assert.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

const quiet = { info() {}, warn() {} };

interface Ctx { tmp: TempDir }
const test = suite<Ctx>('build');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir();
  await copySharedParts(ctx.tmp.dir);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

async function build(ctx: Ctx, envName: string, sites: string[] = []) {
  return buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName, sites, logger: quiet });
}

const read = (ctx: Ctx, file: string) => readFile(path.join(ctx.tmp.dir, file), 'utf8');

test('production: one analytics tag with the site ID, sitemap of indexable pages, robots names it, canonical on the production domain', async (ctx) => {
  await ctx.tmp.write(
    fixtureSite({
      pages: {
        'content/about.md': page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', 'About.'),
        'content/hidden.md': page('Hidden', 'A page that must not be indexed, such as a thank-you page.', 'page.njk', 'Thanks.', 'noindex: true\n'),
      },
    }),
  );
  await build(ctx, 'production');
  const home = await read(ctx, 'dist/production/fixture.test/index.html');
  assert.is(home.match(/googletagmanager\.com\/gtag\/js\?id=G-TEST123456/g)?.length, 1);
  assert.is(home.match(/gtag\("config"/g)?.length, 1);
  assert.not.match(home, /name="robots"/);
  assert.match(home, '<link rel="canonical" href="https://fixture.test/">');
  const about = await read(ctx, 'dist/production/fixture.test/about/index.html');
  assert.match(about, '<link rel="canonical" href="https://fixture.test/about/">');
  const hidden = await read(ctx, 'dist/production/fixture.test/hidden/index.html');
  assert.match(hidden, '<meta name="robots" content="noindex, nofollow">');
  const sitemap = await read(ctx, 'dist/production/fixture.test/sitemap.xml');
  assert.equal([...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]), ['https://fixture.test/', 'https://fixture.test/about/']);
  const robots = await read(ctx, 'dist/production/fixture.test/robots.txt');
  assert.match(robots, 'Sitemap: https://fixture.test/sitemap.xml');
  assert.match(robots, 'Allow: /');
});

test('staging and development: noindex everywhere, robots.txt disallows, no analytics, canonical still production', async (ctx) => {
  await ctx.tmp.write(fixtureSite());
  for (const envName of ['staging', 'development']) {
    await build(ctx, envName);
    const home = await read(ctx, `dist/${envName}/fixture.test/index.html`);
    assert.match(home, '<meta name="robots" content="noindex, nofollow">');
    assert.not.match(home, 'googletagmanager');
    assert.not.match(home, 'gtag(');
    assert.match(home, '<link rel="canonical" href="https://fixture.test/">');
    assert.match(await read(ctx, `dist/${envName}/fixture.test/robots.txt`), /User-agent: \*\nDisallow: \//);
    assert.not.ok(existsSync(path.join(ctx.tmp.dir, `dist/${envName}/fixture.test/sitemap.xml`)));
  }
});

test('every page carries its own build id: stable for the same sources, and an edit changes only the edited page', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', 'About.') } }));
  const [first] = await build(ctx, 'production');
  const home = await read(ctx, 'dist/production/fixture.test/index.html');
  const about = await read(ctx, 'dist/production/fixture.test/about/index.html');
  const homeId = pageIdOf(home);
  assert.match(homeId ?? '', /^[0-9a-f]{16}$/);
  assert.is.not(pageIdOf(about), homeId);
  assert.not.match(home, 'page-id-pending');

  const [second] = await build(ctx, 'production');
  assert.is(second!.record.buildId, first!.record.buildId);
  assert.is(await read(ctx, 'dist/production/fixture.test/index.html'), home);

  await ctx.tmp.write({ 'sites/fixture.test/content/index.md': page('Fixture home', 'The home page of a fixture site, long enough to be a description.', 'page.njk', 'Changed.') });
  const [third] = await build(ctx, 'production');
  assert.is.not(third!.record.buildId, first!.record.buildId);
  assert.is.not(third!.record.sourceDigest, first!.record.sourceDigest);
  assert.is.not(pageIdOf(await read(ctx, 'dist/production/fixture.test/index.html')), homeId);
  // The regression this prevents: a site-wide id in every page re-uploads the whole site after a one-page edit.
  assert.is(await read(ctx, 'dist/production/fixture.test/about/index.html'), about);
});

test('a site layout overrides the shared one of the same name; the others fall back to shared', async (ctx) => {
  await ctx.tmp.write(
    fixtureSite({
      pages: {
        'layouts/page.njk': '---\nlayout: base.njk\n---\n<div class="site-override"><h1>{{ title }}</h1>{{ content | safe }}</div>\n',
        'layouts/partials/footer.njk': '<footer class="site-footer">Overridden footer</footer>\n',
        'content/article.md': page('An article', 'An article page that should still use the shared article layout.', 'article.njk', 'Body.'),
      },
    }),
  );
  await build(ctx, 'production');
  const home = await read(ctx, 'dist/production/fixture.test/index.html');
  assert.match(home, '<div class="site-override">');
  assert.match(home, 'Overridden footer');
  assert.match(home, '<nav class="site-nav"'); // shared partial
  const article = await read(ctx, 'dist/production/fixture.test/article/index.html');
  assert.match(article, '<article class="article">'); // shared layout
  assert.match(article, 'Overridden footer'); // but the site's partial
  assert.not.match(article, 'site-override');
});

test('build record sits beside the tree with id, digest, git state and every file hashed', async (ctx) => {
  await ctx.tmp.write(fixtureSite());
  await build(ctx, 'production');
  const record = await readBuildRecord(path.join(ctx.tmp.dir, 'dist/production/fixture.test.build.json'));
  assert.is(record.site, 'fixture.test');
  assert.is(record.environment, 'production');
  assert.match(record.sourceDigest, /^[0-9a-f]{64}$/);
  assert.is(record.git.commit, null); // the temp folder is not a git checkout
  assert.is(record.git.clean, false);
  const index = record.files.find((file) => file.path === 'index.html');
  assert.ok(index);
  const bytes = await readFile(path.join(ctx.tmp.dir, 'dist/production/fixture.test/index.html'));
  assert.is(index!.size, bytes.length);
  assert.is(index!.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.is(index!.md5, createHash('md5').update(bytes).digest('hex'));
  assert.is(index!.source, 'sites/fixture.test/content/index.md');
  // The id a person reads off the live page leads back to this record.
  assert.is(index!.pageId, pageIdOf(bytes.toString('utf8')));
  assert.match(index!.pageId ?? '', /^[0-9a-f]{16}$/);
  assert.not.ok(record.files.find((file) => file.path.endsWith('.svg'))?.pageId, 'only pages have a page id');
  assert.ok(record.files.some((file) => /^assets\/icon\.[0-9a-f]{8}\.svg$/.test(file.path)), 'the fingerprinted icon');
  // The stylesheets are inlined into every page (fingerprint.ts, inlineStyles): no page links them, so neither is published.
  assert.not.ok(record.files.some((file) => file.path.endsWith('.css')), 'no stylesheet file');
  assert.not.ok(record.files.some((file) => file.path.endsWith('.build.json')));
});

test('a rebuild moves the replaced tree out of the way and removes it in the background', async (ctx) => {
  await ctx.tmp.write(fixtureSite());
  await build(ctx, 'production');
  await build(ctx, 'production');
  assert.equal((await readdir(path.join(ctx.tmp.dir, 'dist/production'))).sort(), ['fixture.test', 'fixture.test.build.json']);
  const trash = path.join(ctx.tmp.dir, 'dist/.trash');
  for (let waited = 0; waited < 20_000 && existsSync(trash) && (await readdir(trash)).length > 0; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(existsSync(trash) ? await readdir(trash) : [], []);
});

test('a failed build leaves the previous output untouched and no temporary folders', async (ctx) => {
  await ctx.tmp.write(fixtureSite());
  await build(ctx, 'production');
  const before = await read(ctx, 'dist/production/fixture.test/index.html');
  await ctx.tmp.write({ 'sites/fixture.test/content/broken.md': page('Broken', 'A page whose template refers to a variable that does not exist.', 'page.njk', '{{ missingValue }}') });
  await rejects(() => build(ctx, 'production'), BuildError);
  assert.is(await read(ctx, 'dist/production/fixture.test/index.html'), before);
  assert.equal((await readdir(path.join(ctx.tmp.dir, 'dist/production'))).sort(), ['fixture.test', 'fixture.test.build.json']);
});

test('a build sweeps temporary folders left by builds whose process died, and keeps those of live processes', async (ctx) => {
  await ctx.tmp.write(fixtureSite());
  const dead = await exitedPid();
  await ctx.tmp.write({
    [`dist/production/.building-fixture.test-${dead}-1700000000000/index.html`]: 'half-written',
    [`dist/production/.building-other.test-${dead}-1700000000001/index.html`]: 'half-written',
    [`dist/production/.building-fixture.test-${process.pid}-1700000000002/index.html`]: 'a build of this process, still running',
  });
  await build(ctx, 'production');
  assert.equal((await readdir(path.join(ctx.tmp.dir, 'dist/production'))).sort(), [`.building-fixture.test-${process.pid}-1700000000002`, 'fixture.test', 'fixture.test.build.json']);
});

/** The pid of a process that has exited. */
function exitedPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.once('error', reject);
    child.once('exit', () => resolve(child.pid!));
  });
}

async function buildError(ctx: Ctx, envName = 'production', sites: string[] = []): Promise<string> {
  try {
    await build(ctx, envName, sites);
  } catch (error) {
    assert.instance(error, Error);
    assert.ok((error as { exitCode?: number }).exitCode, `expected a user error, got ${(error as Error).stack}`);
    return (error as Error).message;
  }
  throw new Error('expected the build to fail');
}

test('broken front matter names the file and the line', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/bad.md': '---\ntitle: Bad\ndescription: "unclosed\nlayout: page.njk\n---\nBody\n' } }));
  const message = await buildError(ctx);
  // js-yaml notices at the end of the front matter (line 5); the quote was opened on line 3.
  assert.is(message, 'sites/fixture.test/content/bad.md:3: broken front matter: unexpected end of the stream within a double quoted scalar: the value on this line opens a quote that is never closed. Fix the YAML between the "---" lines.');
});

test('an unclosed bracket in front matter is reported on the line that opens it', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/bad.md': '---\ntitle: Bad\ntags: [one, two\ndescription: A page whose tags list never closes, so the YAML runs on.\nlayout: page.njk\n---\nBody\n' } }));
  assert.match(await buildError(ctx), /^sites\/fixture\.test\/content\/bad\.md:3: broken front matter: .*opens a bracket that is never closed/);
});

test('a colon inside an unquoted value is reported on its own line', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/bad.md': '---\ntitle: Bad\ndescription: Sail the bay: sunsets and more\nlayout: page.njk\n---\nBody\n' } }));
  const message = await buildError(ctx);
  assert.match(message, 'sites/fixture.test/content/bad.md:3: broken front matter: bad indentation of a mapping entry');
});

test('a missing layout names the page, the layout and the folders searched', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'layouts/partials/x.njk': '', 'content/bad.md': page('Bad', 'A page that asks for a layout that exists in no folder at all.', 'nonexistent.njk', 'Body') } }));
  const message = await buildError(ctx);
  assert.match(message, 'sites/fixture.test/content/bad.md');
  assert.match(message, '"nonexistent.njk"');
  assert.match(message, 'sites/fixture.test/layouts/ then shared-layouts/');
});

test('a missing include names the page, its line, the include and the folders searched', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/bad.md': page('Bad', 'A page that includes a partial which exists in no layout folder.', 'page.njk', 'Line one\n\n{% include "partials/nope.njk" %}') } }));
  const message = await buildError(ctx);
  assert.is(message, 'sites/fixture.test/content/bad.md:8: {% include "partials/nope.njk" %} names a template that does not exist; searched shared-layouts/. Fix the name or add the file.');
});

test('a missing include inside a site partial names the partial and the page, not the temporary output folder', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'layouts/partials/footer.njk': '<footer>\n{% include "partials/nope.njk" %}\n</footer>\n' } }));
  const message = await buildError(ctx);
  assert.is(
    message,
    'sites/fixture.test/layouts/partials/footer.njk:2: {% include "partials/nope.njk" %} names a template that does not exist (while rendering sites/fixture.test/content/index.md); searched sites/fixture.test/layouts/ then shared-layouts/. Fix the name or add the file.',
  );
});

test('two pages writing one output file: the public path, both source pages and the fix', async (ctx) => {
  await ctx.tmp.write(
    fixtureSite({
      pages: {
        'content/about.md': page('About', 'The about page of the fixture site, long enough to be a description.', 'page.njk', 'About.'),
        'content/team.md': page('Team', 'A page whose permalink takes the about page\'s output path by mistake.', 'page.njk', 'Team.', 'permalink: /about/index.html\n'),
      },
    }),
  );
  const message = await buildError(ctx);
  assert.not.match(message, '.building-');
  assert.match(message, /^2 pages write the same output file \/about\/index\.html:\n/);
  assert.match(message, /\n  \d\. sites\/fixture\.test\/content\/about\.md\n/);
  assert.match(message, /\n  \d\. sites\/fixture\.test\/content\/team\.md\n/);
  assert.match(message, 'Use distinct `permalink` values');
});

test('a layout asking for a missing layout names that layout file, not the missing one', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'layouts/page.njk': '---\nlayout: nothere.njk\n---\n{{ content | safe }}\n' } }));
  const message = await buildError(ctx);
  assert.is(message, 'sites/fixture.test/layouts/page.njk:2: layout "nothere.njk" was not found; searched sites/fixture.test/layouts/ then shared-layouts/. Use one of the layouts there or add the file.');
});

for (const [value, expected] of [
  ['../../escape.html', 'permalink: must be a site path starting with "/", such as /about/ (or false for a page that is not written); found "../../escape.html"'],
  ['/blog/../../../escape.html', 'permalink: "/blog/../../../escape.html" has a ".." segment, which would write outside the site\'s output folder'],
  ['42', 'permalink: must be a site path starting with "/"'],
] as const) {
  test(`permalink ${value} is refused before anything is written outside the output folder`, async (ctx) => {
    await ctx.tmp.write(fixtureSite({ pages: { 'content/escape.md': page('Escape', 'A page whose permalink tries to leave the site output folder entirely.', 'page.njk', 'Out.', `permalink: ${value}\n`) } }));
    const message = await buildError(ctx);
    assert.match(message, 'sites/fixture.test/content/escape.md: front matter has a problem:');
    assert.match(message, expected);
    assert.not.ok(existsSync(path.join(ctx.tmp.dir, 'dist/escape.html')));
    assert.not.ok(existsSync(path.join(ctx.tmp.dir, 'escape.html')));
  });
}

test('permalink: false is still allowed: the page is not written', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/draft.md': page('Draft', 'A draft page that Eleventy reads but does not write to the output.', 'page.njk', 'Draft.', 'permalink: false\n') } }));
  await build(ctx, 'production');
  assert.not.ok(existsSync(path.join(ctx.tmp.dir, 'dist/production/fixture.test/draft/index.html')));
});

test('a title that is not text says so, rather than that it is missing', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/bad.md': '---\ntitle: 42\ndescription: A page whose title YAML reads as a number, not as text at all.\nlayout: page.njk\n---\nBody\n' } }));
  const message = await buildError(ctx);
  assert.match(message, 'sites/fixture.test/content/bad.md: front matter has a problem:\n  title: must be text (the page title (also the <title> and Open Graph title)); found 42, so put it in quotes');
  assert.not.match(message, 'is required');
});

test('a partial is refused as a page layout, naming the file and the page layouts', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/bad.md': page('Bad', 'A page that names the navigation partial as though it were its layout.', 'partials/nav.njk', 'Body') } }));
  const message = await buildError(ctx);
  assert.match(message, 'sites/fixture.test/content/bad.md: front matter has a problem:\n  layout: "partials/nav.njk" is a partial, which layouts include; a page needs a page layout, such as article.njk, base.njk, home.njk, page.njk');
});

test('an unknown front-matter key is a warning naming the file, line, key and the closest known key; keys layouts or the page use are not', async (ctx) => {
  await ctx.tmp.write(
    fixtureSite({
      pages: {
        'content/about.md': page('About', 'The about page of the fixture site, long enough to be a description.', 'page.njk', 'Call {{ phoneNote }}.', 'noindx: true\nlede: A standfirst the shared layouts print.\nphoneNote: after nine\ntags: [pages]\n'),
      },
    }),
  );
  const [result] = await build(ctx, 'production');
  assert.equal(result!.warnings.filter((warning) => warning.includes('front matter key')), [
    'sites/fixture.test/content/about.md:5: front matter key "noindx" is used by no layout or page and has no effect; did you mean "noindex"?',
  ]);
  // A warning, not a refusal: the page is built, and (the typo's effect) indexed.
  assert.not.match(await read(ctx, 'dist/production/fixture.test/about/index.html'), 'noindex');
});

test('a missing description is named with what it is for', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/bad.md': '---\ntitle: Bad\nlayout: page.njk\n---\nBody\n' } }));
  const message = await buildError(ctx);
  assert.match(message, 'sites/fixture.test/content/bad.md: front matter has a problem');
  assert.match(message, 'description: is required');
});

test('an undefined variable names the file, line and expression', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/bad.md': page('Bad', 'A page whose body prints a variable that nobody has defined.', 'page.njk', 'Line one\n\nCall {{ phoneNumber }} today') } }));
  const message = await buildError(ctx);
  assert.match(message, 'sites/fixture.test/content/bad.md:8:');
  assert.match(message, '"phoneNumber" is undefined');
  assert.match(message, 'Call {{ phoneNumber }} today');
});

test('a tag or {{ left open is reported on the line that opens it, although Nunjucks only notices at the end of the file', async (ctx) => {
  const cases: Array<[string, string, string]> = [
    ['Intro\n\n{% if site.title %}\nOpen.\n{% if site.domain %}closed{% endif %}', ':8:1: parseIf: expected elif, else, or endif, got end of file: the {% if %} on this line is never closed with {% endif %}', '8 | {% if site.title %}'],
    ['{% for item in [1, 2] %}\n{{ item }}', ':6:1: unexpected end of file: the {% for %} on this line is never closed with {% endfor %}', '6 | {% for item in [1, 2] %}'],
    ['Intro\n\nCall {{ site.title', ':8:6: expected variable end: the "{{" on this line is never closed with }}', '8 | Call {{ site.title'],
  ];
  for (const [body, where, line] of cases) {
    await ctx.tmp.write(fixtureSite({ pages: { 'content/bad.md': page('Bad', 'A page whose body leaves a Nunjucks tag open until the end of the file.', 'page.njk', body) } }));
    const message = await buildError(ctx);
    assert.match(message, `template error while rendering sites/fixture.test/content/bad.md: sites/fixture.test/content/bad.md${where}`);
    assert.match(message, line);
  }
});

test('when several sites fail, every site\'s error is reported under its domain', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/bad.md': '---\ntitle: [oops\n---\n' } }));
  await ctx.tmp.write(fixtureSite({ domain: 'other.test', shortName: 'other', pages: { 'content/bad.md': page('Bad', 'A page whose body prints a variable that nobody has defined.', 'page.njk', '{{ phoneNumber }}') } }));
  const error = await rejects(() => build(ctx, 'production'), BuildError);
  assert.is(error.exitCode, 1);
  assert.match(error.message, /^2 sites failed to build:\n/);
  assert.match(error.message, '\n\nfixture.test: sites/fixture.test/content/bad.md:');
  assert.match(error.message, '\n\nother.test: template error while rendering sites/other.test/content/bad.md');
});

test('unknown site and unknown environment list the valid names', async (ctx) => {
  await ctx.tmp.write(fixtureSite());
  assert.match(await buildError(ctx, 'production', ['nope']), 'Unknown site "nope". Valid sites: fixture (fixture.test).');
  assert.match(await buildError(ctx, 'qa'), 'Unknown environment "qa" for fixture.test. Valid environments: development, production, staging');
  assert.match(await buildError(ctx, 'prod'), 'Unknown environment "prod" for fixture.test. Did you mean "production"? Valid environments: development, production, staging');
  assert.match(await buildError(ctx, 'stagnig'), 'Unknown environment "stagnig" for fixture.test. Did you mean "staging"?');
});

test('an invalid site config fails before any output is written', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ extraConfig: 'colour: blue\n' }));
  await rejects(() => build(ctx, 'production'), ConfigError);
  assert.not.ok(existsSync(path.join(ctx.tmp.dir, 'dist')));
});

test('business facts: unfilled values show the neutral wording, highlighted outside production, and production warns', async (ctx) => {
  await ctx.tmp.write(
    fixtureSite({
      pages: {
        'facts.yaml': 'price:\n  label: Price per person\n  value: null\n  unknown: Ask us for current rates\nphone:\n  label: Phone\n  value: "+1 619 555 0100"\n  unknown: by e-mail\n',
        'content/index.md': page('Fixture home', 'The home page of a fixture site, long enough to be a description.', 'page.njk', 'Price: {% fact "price" %}. Call {% fact "phone" %}.'),
      },
    }),
  );
  const warnings: string[] = [];
  await buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'production', sites: [], logger: { info() {}, warn: (m) => warnings.push(m) } });
  const production = await read(ctx, 'dist/production/fixture.test/index.html');
  assert.match(production, 'Price: Ask us for current rates. Call +1 619 555 0100.');
  assert.ok(warnings.some((w) => w.includes('1 business fact still unfilled') && w.includes('price')), warnings.join('\n'));
  await build(ctx, 'staging');
  const staging = await read(ctx, 'dist/staging/fixture.test/index.html');
  assert.match(staging, /<mark class="fact-unfilled" data-fact="price"[^>]*>Ask us for current rates<\/mark>/);
});

test('an unknown fact name lists the known ones', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'facts.yaml': 'price:\n  label: Price\n  value: null\n  unknown: on request\n', 'content/index.md': page('Home', 'The home page of a fixture site, long enough to be a description.', 'page.njk', '{% fact "prise" %}') } }));
  const message = await buildError(ctx);
  assert.match(message, '{% fact "prise" %} names no fact in sites/fixture.test/facts.yaml. Known facts: price.');
});

test.run();
