import { cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { copySharedParts, repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, page } from '../helpers/sites.ts';
import { hasStackTrace, runCli, runCliAtTerminal } from '../helpers/cli.ts';
import { loadAllSites, selectSites, workspaceAt, type SiteConfig } from '../../scripts/config/sites.ts';
import {
  createPage,
  descriptionProblem,
  isoDate,
  renderPage,
  sitePages,
  slugFormProblem,
  slugFromTitle,
  titleLimit,
  titleProblem,
  type NewPageValues,
  type Prompter,
} from '../../scripts/new-page.ts';
import { ConfigError } from '../../scripts/errors.ts';

const SITE_DIR = 'sites/fixture.test';
const CONTENT = `${SITE_DIR}/content`;
/** 60 characters at most for the whole <title>: " | Fixture fixture" leaves 42 for the page title. */
const TITLE = 'What the 86 means';
const DESCRIPTION = 'The number 86 on a kitchen ticket, explained: where it shows up, who calls it, and what the crew does next.';

/** An existing page, a page in a folder, one with its own permalink, and a redirect: every way an address can be taken. */
const existing = {
  'content/about.md': page('About us', 'Who runs the fixture site, and how to reach them when something on it is wrong.', 'page.njk', 'About.'),
  'content/guides/index.md': page('Guides', 'Every guide on the fixture site, listed with a line about what each one covers.', 'page.njk', 'Guides.'),
  'content/special.md': page('Special offers', 'The offers this season, with the dates they run and who can take them up.', 'page.njk', 'Offers.', 'permalink: /offers/\n'),
};
const redirects = 'redirects:\n  - from: /old-page/\n    to: /about/\n';

interface Ctx {
  tmp: TempDir;
}
const test = suite<Ctx>('new:page');
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('new-page-');
  await copySharedParts(ctx.tmp.dir);
  await ctx.tmp.write(fixtureSite({ extraConfig: redirects, pages: existing }));
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const newPage = (ctx: Ctx, ...args: string[]) => runCli(['--root', ctx.tmp.dir, 'new:page', ...args]);
const complete = ['--site', 'fixture', '--slug', 'what-the-86-means', '--title', TITLE, '--description', DESCRIPTION];
const read = (ctx: Ctx, file: string) => readFile(path.join(ctx.tmp.dir, file), 'utf8');
const contentFiles = async (ctx: Ctx) => (await readdir(path.join(ctx.tmp.dir, CONTENT), { recursive: true })).sort();

function frontMatter(text: string): Record<string, unknown> {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  assert.ok(match, `front matter in:\n${text}`);
  return parseYaml(match[1]!) as Record<string, unknown>;
}

/** A refusal: exit code 1, the message, no stack trace, and not one file added or changed under content/. */
async function assertRefused(ctx: Ctx, args: string[], expected: string | RegExp): Promise<string> {
  const before = await contentFiles(ctx);
  const about = await read(ctx, `${CONTENT}/about.md`);
  const result = await newPage(ctx, ...args);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, expected);
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  assert.not.match(result.stderr, 'bug in the pipeline');
  assert.is(result.stdout, '');
  assert.equal(await contentFiles(ctx), before, 'nothing is written');
  assert.is(await read(ctx, `${CONTENT}/about.md`), about);
  return result.stderr;
}

/** The same refusal in-process (createPage, no child process): for the variants of a rule the CLI test above already covers once. */
async function assertRefusedInProcess(ctx: Ctx, values: NewPageValues, expected: string): Promise<void> {
  const before = await contentFiles(ctx);
  try {
    await createPage({ workspace: workspaceAt(ctx.tmp.dir), values });
    assert.unreachable('new:page should have refused');
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.match((error as Error).message, expected);
  }
  assert.equal(await contentFiles(ctx), before, 'nothing is written');
}

const given = { site: 'fixture', title: TITLE, description: DESCRIPTION };

test('npm run new:page is the CLI command', async () => {
  const manifest = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.is(manifest.scripts['new:page'], 'tsx scripts/cli.ts new:page');
});

test('creates the page with complete front matter, prints the file and the preview URL; production and staging builds pass every check', async (ctx) => {
  const before = isoDate(new Date());
  const result = await newPage(ctx, ...complete);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stderr, '');
  assert.match(result.stdout, `Created ${CONTENT}/what-the-86-means.md.`);
  assert.match(result.stdout, 'npx tsx scripts/cli.ts dev --site fixture'); // a fixture workspace has no dev:fixture script
  assert.match(result.stdout, 'http://127.0.0.1:8099/what-the-86-means/');

  const text = await read(ctx, `${CONTENT}/what-the-86-means.md`);
  const data = frontMatter(text);
  assert.equal(Object.keys(data), ['title', 'description', 'layout', 'date']);
  assert.is(data['title'], TITLE);
  assert.is(data['description'], DESCRIPTION);
  assert.is(data['layout'], 'page.njk');
  assert.ok([before, isoDate(new Date())].includes(String(data['date'])), `date ${String(data['date'])} is today`);
  assert.not.match(text, 'bookingWidget');

  for (const env of ['production', 'staging']) {
    const build = await runCli(['--root', ctx.tmp.dir, 'build', '--env', env, '--site', 'fixture']);
    assert.is(build.code, 0, `${env}: ${build.stdout}${build.stderr}`);
    assert.not.match(build.stderr, 'warning:', `${env}: no warnings (an unused front matter key would be one)`);
    assert.not.match(build.stdout, /\bfail\b/, build.stdout);
    const html = await read(ctx, `dist/${env}/fixture.test/what-the-86-means/index.html`);
    assert.match(html, `<title>${TITLE} | Fixture fixture</title>`);
    assert.match(html, `<h1>${TITLE}</h1>`);
    assert.match(html, `<meta name="description" content="${DESCRIPTION}">`);
    assert.match(html, '<link rel="canonical" href="https://fixture.test/what-the-86-means/">');
  }
  assert.match(await read(ctx, 'dist/production/fixture.test/sitemap.xml'), '<loc>https://fixture.test/what-the-86-means/</loc>');
});

test('--booking: the page carries the booking widget the way existing pages do, and builds with every check passing', async (ctx) => {
  const result = await newPage(ctx, ...complete, '--booking');
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, '(with the booking widget)');
  const text = await read(ctx, `${CONTENT}/what-the-86-means.md`);
  assert.match(text, /\n\{% bookingWidget %\}\n/);
  assert.equal(Object.keys(frontMatter(text)), ['title', 'description', 'layout', 'date']);
  const build = await runCli(['--root', ctx.tmp.dir, 'build', '--site', 'fixture']);
  assert.is(build.code, 0, build.stdout + build.stderr);
  const html = await read(ctx, 'dist/production/fixture.test/what-the-86-means/index.html');
  assert.match(html, '<!-- widget:booking:start -->');
  assert.match(html, 'data-widget-settings="booking"');
});

test('the issue\'s own example on a copy of the real 86from.com: made, then built for production with every check passing', async (ctx) => {
  await cp(path.join(repoRoot, 'sites/86from.com'), path.join(ctx.tmp.dir, 'sites/86from.com'), { recursive: true });
  await cp(path.join(repoRoot, 'package.json'), path.join(ctx.tmp.dir, 'package.json'));
  const result = await newPage(
    ctx,
    '--site',
    '86from',
    '--slug',
    'what-the-86-means',
    '--title',
    'What the 86 means',
    '--description',
    'Why a kitchen calls 86, what servers do the moment they hear it, and how to un-86 a dish when the delivery arrives.',
    '--booking',
  );
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, 'Created sites/86from.com/content/what-the-86-means.md (with the booking widget).');
  assert.match(result.stdout, 'Edit that file, then preview the page:\n  npm run dev:86from\n  http://127.0.0.1:8086/what-the-86-means/\n');
  const build = await runCli(['--root', ctx.tmp.dir, 'build', '--site', '86from']);
  assert.is(build.code, 0, build.stdout + build.stderr);
  assert.not.match(build.stderr, 'what-the-86-means', 'no warning about the new page');
  const html = await read(ctx, 'dist/production/86from.com/what-the-86-means/index.html');
  assert.match(html, '<title>What the 86 means | 86from</title>');
  assert.match(html, '<!-- widget:booking:start -->');
});

test('refuses to overwrite an existing page: the file is untouched', async (ctx) => {
  const stderr = await assertRefused(ctx, ['--site', 'fixture', '--slug', 'about', '--title', TITLE, '--description', DESCRIPTION], `error: --slug: ${CONTENT}/about.md already exists, and new:page never overwrites a page.`);
  assert.match(stderr, 'Nothing was written.');
});

test('refuses a slug whose address another page, a redirect or the build already holds', async (ctx) => {
  await assertRefused(ctx, ['--site', 'fixture', '--slug', 'guides', '--title', TITLE, '--description', DESCRIPTION], `error: --slug: /guides/ is already the address of ${CONTENT}/guides/index.md; choose another slug, or edit that page.`);
  await assertRefusedInProcess(ctx, { ...given, slug: 'offers' }, `/offers/ is already the address of ${CONTENT}/special.md`);
  await assertRefusedInProcess(ctx, { ...given, slug: 'old-page' }, `/old-page/ is redirected to /about/ (redirects.0 in ${SITE_DIR}/site.yaml); choose another slug, or remove that redirect first`);
  await assertRefusedInProcess(ctx, { ...given, slug: 'assets' }, "/assets/ holds the site's stylesheets, icons and images");
});

test('refuses a slug that is not lower-case words and hyphens, and suggests one from the title', async (ctx) => {
  const stderr = await assertRefused(ctx, ['--site', 'fixture', '--slug', 'What_The 86', '--title', TITLE, '--description', DESCRIPTION], 'error: --slug: "What_The 86" is not a slug: a slug is lower-case words (a-z, 0-9) joined by hyphens');
  assert.match(stderr, 'Try --slug what-the-86-means');
  for (const bad of ['-leading', 'trailing-', 'two--hyphens', 'UPPER', 'café', 'a/b', 'dots.html']) {
    assert.ok(slugFormProblem(bad), bad);
  }
  assert.is(slugFormProblem('what-the-86-means'), undefined);
  assert.is(slugFormProblem('86'), undefined);
});

test('suggested slugs: lower-case, ASCII-folded, words joined by hyphens', () => {
  assert.is(slugFromTitle('What the 86 means'), 'what-the-86-means');
  assert.is(slugFromTitle("What does 86'd mean?"), 'what-does-86d-mean');
  assert.is(slugFromTitle('Café & Bar’s menu'), 'cafe-and-bars-menu');
  assert.is(slugFromTitle('  Straße — Øresund, Ærø  '), 'strasse-oresund-aero');
  assert.is(slugFromTitle('Crème brûlée: 3 ways'), 'creme-brulee-3-ways');
  assert.is(slugFromTitle('日本'), '');
});

test('a misspelt --site names the site it is nearest to, as --site does everywhere', async (ctx) => {
  await assertRefused(ctx, ['--site', 'fixtrue', '--slug', 'x', '--title', TITLE, '--description', DESCRIPTION], 'error: Unknown site "fixtrue". Did you mean "fixture"? Valid sites: fixture (fixture.test).');
  const sites = await loadAllSites(workspaceAt(ctx.tmp.dir));
  assert.throws(() => selectSites(sites, ['fixtur']), (error: Error) => error.message.startsWith('Unknown site "fixtur". Did you mean "fixture"?'), 'build, dev and publish resolve --site the same way');
  await assertRefusedInProcess(ctx, { site: 'fixture.tset' }, 'Unknown site "fixture.tset". Did you mean "fixture.test"?');
  await assertRefusedInProcess(ctx, { site: 'FIXTURE' }, 'Did you mean "fixture"?');
  await assertRefusedInProcess(ctx, { site: 'elsewhere' }, 'Unknown site "elsewhere". Valid sites: fixture (fixture.test).');
});

test('without a terminal, one error names every missing option', async (ctx) => {
  await assertRefused(ctx, [], 'error: new:page needs --site, --slug, --title and --description (or run it in a terminal to be asked). Nothing was written.');
  await assertRefused(ctx, ['--site', 'fixture', '--title', TITLE], 'error: new:page needs --slug and --description; from the title, the slug would be --slug what-the-86-means (or run it in a terminal to be asked).');
  await assertRefusedInProcess(ctx, { site: 'fixture', slug: 'x', title: TITLE }, 'new:page needs --description (or run it');
});

test('title and description outside the SEO limits are refused with the limits, every problem at once', async (ctx) => {
  const long = 'A title that runs on well past what fits in results';
  const stderr = await assertRefused(ctx, ['--site', 'fixture', '--slug', 'long-one', '--title', long, '--description', 'Too short.'], 'error: new:page found 2 problems, and wrote nothing:');
  assert.match(stderr, `--title: the title is ${long.length} characters; with " | Fixture fixture" after it the page's <title> would be ${long.length + 18}, over the 60 that search results show. Shorten it to 42 characters or fewer.`);
  assert.match(stderr, '--description: the description is 10 characters; it must be 50-160');
  await assertRefusedInProcess(ctx, { ...given, slug: 'long-one', description: 'x'.repeat(161) }, '--description: the description is 161 characters; it must be 50-160');
  await assertRefusedInProcess(ctx, { ...given, slug: 'empty', title: '  ' }, '--title: the title is empty');
  await assertRefusedInProcess(ctx, { ...given, slug: 'braces', title: 'Prices {{ this year }}' }, '--title: the title contains "{{", which starts template code in a page');
  await assertRefusedInProcess(ctx, { ...given, slug: 'tag', description: `${DESCRIPTION} {% if %}` }, '--description: the description contains "{%"');
});

test('the limits, exactly: a title fits with the site suffix; a description is 50-160 characters, counted as the check counts them', () => {
  const site = { title: 'Fixture fixture' };
  assert.is(titleLimit(site.title), 42);
  assert.is(titleProblem('t'.repeat(42), site), undefined);
  assert.ok(titleProblem('t'.repeat(43), site));
  assert.is(titleProblem('x'.repeat(40), { title: 'x'.repeat(40) }), undefined, 'a page titled as the site has no suffix');
  assert.ok(titleProblem('y'.repeat(40), { title: 'x'.repeat(40) }));
  assert.is(titleProblem('é'.repeat(42), site), undefined, 'characters, not bytes');
  assert.is(descriptionProblem('d'.repeat(50)), undefined);
  assert.is(descriptionProblem('d'.repeat(160)), undefined);
  assert.ok(descriptionProblem('d'.repeat(49)));
  assert.ok(descriptionProblem('d'.repeat(161)));
  assert.is(descriptionProblem(`  ${'d'.repeat(25)}   \n ${'d'.repeat(24)}  `), undefined, 'runs of whitespace count once, as in the check');
});

test('a title or description another page of the site already uses is refused', async (ctx) => {
  await assertRefused(ctx, ['--site', 'fixture', '--slug', 'about-again', '--title', 'About us', '--description', DESCRIPTION], `--title: the title "About us" is already used by ${CONTENT}/about.md; each page needs its own.`);
  await assertRefusedInProcess(
    ctx,
    { ...given, slug: 'about-again', description: 'Who runs the fixture site, and how to reach them when something on it is wrong.' },
    `--description: the description is already used by ${CONTENT}/about.md; each page needs its own.`,
  );
  await assertRefusedInProcess(ctx, { ...given, slug: 'home-again', title: 'Fixture home' }, `the title "Fixture home" is already used by ${CONTENT}/index.md`);
});

test('the front matter keeps colons, quotes and a leading number as text', () => {
  const text = renderPage({ title: '86: "the" answer', description: 'yes: #1 — it\'s {not} a list, [nor] a date 2024-01-01', date: '2025-06-01', booking: false });
  const data = frontMatter(text);
  assert.is(data['title'], '86: "the" answer');
  assert.is(data['description'], 'yes: #1 — it\'s {not} a list, [nor] a date 2024-01-01');
  assert.is(data['date'], '2025-06-01');
});

test('on a terminal, every missing value is asked for, with the checks as validation and the slug made from the title', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ domain: 'second.test', shortName: 'second' }));
  const result = await runCliAtTerminal(
    ['--root', ctx.tmp.dir, 'new:page'],
    [
      { when: 'Which site?', send: '\u001b[B' },
      { when: '❯ second (second.test)', send: '\r' },
      { when: 'Title (at most 43 characters; " | Fixture second" follows it)', send: 'A'.repeat(44) + '\r' },
      { when: 'Shorten it to 43 characters or fewer', send: '\u0015Sunset sails for two\r' },
      { when: 'Slug', send: '\u0015Bad Slug\r' },
      { when: 'Try sunset-sails-for-two', send: '\u0015\r' },
      { when: 'Description (50-160 characters', send: 'Too short.\r' },
      { when: 'it must be 50-160', send: '\u0015An evening on San Diego Bay for two people, with a licensed captain at the helm.\r' },
      { when: 'Add the booking widget to the page? (y/N)', send: 'y\r' },
    ],
  );
  assert.is(result.unanswered, 0, result.output);
  assert.is(result.code, 0, result.output);
  assert.match(result.output, '(sunset-sails-for-two)', 'the suggested slug is the default');
  assert.match(result.output, 'Created sites/second.test/content/sunset-sails-for-two.md (with the booking widget).');
  assert.match(result.output, 'http://127.0.0.1:8099/sunset-sails-for-two/');
  const text = await read(ctx, 'sites/second.test/content/sunset-sails-for-two.md');
  const data = frontMatter(text);
  assert.is(data['title'], 'Sunset sails for two');
  assert.is(data['description'], 'An evening on San Diego Bay for two people, with a licensed captain at the helm.');
  assert.is(data['layout'], 'page.njk');
  assert.match(text, '{% bookingWidget %}');
});

test('on a terminal, only what is missing is asked; a bad value given on the command line is refused before any question', async (ctx) => {
  const asked = await runCliAtTerminal(
    ['--root', ctx.tmp.dir, 'new:page', '--site', 'fixture', '--title', TITLE],
    [
      { when: 'Slug', send: '\r' },
      { when: 'Description', send: `${DESCRIPTION}\r` },
      { when: 'booking widget', send: '\r' },
    ],
  );
  assert.is(asked.code, 0, asked.output);
  assert.not.match(asked.output, 'Which site?');
  assert.not.match(asked.output, '? Title');
  assert.not.match(await read(ctx, `${CONTENT}/what-the-86-means.md`), 'bookingWidget', 'booking defaults to no');

  const refused = await runCliAtTerminal(['--root', ctx.tmp.dir, 'new:page', '--site', 'fixture', '--slug', 'about'], []);
  assert.is(refused.code, 1, refused.output);
  assert.match(refused.output, `error: --slug: ${CONTENT}/about.md already exists`);
  assert.not.match(refused.output, /^[?✔] /m, 'no question was asked');
});

test('Ctrl-C at a question stops without a stack trace and writes nothing', async (ctx) => {
  const before = await contentFiles(ctx);
  const result = await runCliAtTerminal(['--root', ctx.tmp.dir, 'new:page', '--site', 'fixture'], [{ when: 'Title', send: 'Half a tit\u0003' }]);
  assert.is(result.code, 130, result.output);
  assert.match(result.output, 'error: Stopped. Nothing was written.');
  assert.not.ok(hasStackTrace(result.output), result.output);
  assert.equal(await contentFiles(ctx), before);
});

/** Answers in order, and remembers each question with what its validation said about the answers tried. */
function scriptedPrompter(site: (sites: readonly SiteConfig[]) => SiteConfig, answers: Record<string, string[]>, booking = false) {
  const log: Array<{ message: string; default?: string; refusals: string[] }> = [];
  const prompter: Prompter = {
    site: async (sites) => site(sites),
    text: async (question) => {
      const key = question.message.split(' ')[0]!;
      const tries = answers[key] ?? [];
      const entry = { message: question.message, ...(question.default ? { default: question.default } : {}), refusals: [] as string[] };
      log.push(entry);
      for (const attempt of tries) {
        const value = attempt === '' ? (question.default ?? '') : attempt;
        const refusal = question.validate(value);
        if (!refusal) return value;
        entry.refusals.push(refusal);
      }
      throw new Error(`no accepted answer for ${question.message}`);
    },
    confirm: async () => booking,
  };
  return { prompter, log };
}

test('the prompts in-process: the order, the refusals they show, and no taken slug offered as the default', async (ctx) => {
  const workspace = workspaceAt(ctx.tmp.dir);
  const [fixture] = selectSites(await loadAllSites(workspace), ['fixture']);
  const { prompter, log } = scriptedPrompter((sites) => sites[0]!, {
    Title: ['About us', 'About'],
    Slug: ['', 'about-the-site'],
    Description: ['A page about the fixture site, written by a test, to see the prompts.'],
  });
  const created = await createPage({ workspace, values: {}, prompter, now: new Date(2025, 5, 1) });
  assert.equal(log.map((entry) => entry.message.split(' ')[0]), ['Title', 'Slug', 'Description']);
  assert.match(log[0]!.refusals[0]!, `The title "About us" is already used by ${CONTENT}/about.md`);
  assert.is(log[1]!.default, undefined, '"about" is taken, so it is not the default');
  assert.match(log[1]!.refusals[0]!, 'The slug is empty');
  assert.is(created.file, `${CONTENT}/about-the-site.md`);
  assert.is(frontMatter(await read(ctx, created.file))['date'], '2025-06-01');
  assert.ok((await sitePages(workspace, fixture!)).titles.has('About | Fixture fixture'), 'the new page counts for the next one');
});

test.run();
