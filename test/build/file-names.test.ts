/**
 * File names (docs/reference/building.md, "File names"): a name outside
 * RFC 3986's unreserved characters is refused at the source with a name to
 * use instead; an accepted name is the same string in the URL, sitemap,
 * links check, S3 key, Content-Type lookup, invalidation path, and what a
 * browser loads from the local S3 website.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { suggestSegment, unsafeName } from '../../scripts/build/safe-names.ts';
import { checkSitemap } from '../../scripts/checks/seo-site.ts';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { BuildError } from '../../scripts/errors.ts';
import { publishSites } from '../../scripts/publish/publish.ts';
import { s3Store } from '../../scripts/publish/s3-store.ts';
import { startLocalS3, type LocalS3 } from '../../scripts/s3-local/server.ts';
import { rejects } from '../helpers/assert.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startCloudFrontServer, type CloudFrontServer } from '../helpers/cloudfront-server.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { testConnector } from '../helpers/publish-connection.ts';
import { startMotoSts, type MotoSts } from '../helpers/moto-sts.ts';
import { fixtureSite, page } from '../helpers/sites.ts';
import '../helpers/s3-server.ts'; // the fake credentials every test SDK client signs with

interface Ctx {
  tmp: TempDir;
}
const test = suite<Ctx>('file names');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('file-names-');
  await copySharedParts(ctx.tmp.dir);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const quiet = { info() {}, warn() {} };
const site = 'sites/fixture.test';
const body = (title: string) => page(title, `${title}: a page of the fixture site with a description long enough for the rules.`, 'page.njk', `${title}.`);

function build(ctx: Ctx, envName = 'staging') {
  return buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName, sites: [], logger: quiet });
}

test('the issue\'s own case: "café menu.md" is refused at the source, naming the file and the name to use, not blaming the sitemap', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/café menu.md': body('Café menu') } }));
  const error = await rejects(() => build(ctx, 'production'), BuildError);
  assert.match(error.message, `${site}/content/café menu.md`);
  assert.match(error.message, 'the non-ASCII letter "é"');
  assert.match(error.message, 'a space');
  assert.match(error.message, `${site}/content/café menu.md: "café menu.md" has`);
  assert.match(error.message, `Rename it to ${site}/content/cafe-menu.md (and the links to it)`);
  assert.not.match(error.message, 'seo/sitemap');
  assert.not.ok(existsSync(path.join(ctx.tmp.dir, 'dist/production/fixture.test/index.html')), 'nothing is committed to dist/');
});

const refused: Array<[label: string, name: string, shown: string, suggested: string]> = [
  ['a space', 'a b.css', 'a space', 'a-b.css'],
  ['a non-ASCII letter', 'über.css', 'the non-ASCII letter "ü"', 'uber.css'],
  ['"#"', 'menu#1.css', '"#"', 'menu-1.css'],
  ['"?"', 'what?.css', '"?"', 'what.css'],
  ['"%"', '100%.css', '"%"', '100.css'],
  ['"+"', 'fish+chips.css', '"+"', 'fish-chips.css'],
  ['a control character', 'tab\u0001.css', 'a control character (U+0001)', 'tab.css'],
  ['a non-ASCII symbol', 'menu–2.css', 'the non-ASCII character "–"', 'menu-2.css'],
];

for (const [label, name, shown, suggested] of refused) {
  test(`an asset named with ${label} is refused, with the character and a suggested name`, async (ctx) => {
    await ctx.tmp.write(fixtureSite({ pages: { [`assets/${name}`]: 'p { color: red; }\n' } }));
    const error = await rejects(() => build(ctx), BuildError);
    assert.match(error.message, shown);
    assert.match(error.message, `Rename it to ${site}/assets/${suggested} `);
    assert.not.match(error.message, /\n\s+at /, 'no stack trace');
  });
}

test('an image named as a camera or a phone names it is refused before it is resized, with a name to use', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'images/Harbour at dawn (2).jpg': Buffer.from('ffd8ffe0', 'hex') } }));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, `${site}/images/Harbour at dawn (2).jpg: "Harbour at dawn (2).jpg" has a space, "(", ")"`);
  assert.match(error.message, `Rename it to ${site}/images/harbour-at-dawn-2.jpg`);
});

test('a folder with a space is refused with the folder renamed in the suggestion', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/Our Boats/index.md': body('Our boats') } }));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, `${site}/content/Our Boats: "Our Boats" has a space`);
  assert.match(error.message, `Rename it to ${site}/content/our-boats.`);
});

test('a name typed on a Mac (é as e + combining accent, NFD) is refused like the composed one, with the same suggestion', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { ['content/cafe\u0301.md']: body('Cafe') } }));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'the non-ASCII character "\u0301"');
  assert.match(error.message, `Rename it to ${site}/content/cafe.md`);
});

test('a permalink with a "+" is refused: the advice is the URL to give it, in the page that sets it', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/menu.md': page('Menu', 'The menu page, with a permalink that holds a plus sign in it.', 'page.njk', 'Menu.', 'permalink: /fish+chips/\n') } }));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'fish+chips/index.html');
  assert.match(error.message, `Give it the URL /fish-chips/ instead (the permalink in ${site}/content/menu.md)`);
});

test('names: the rule and the suggestions, directly', () => {
  assert.is(unsafeName('what-does-86d-mean/index.html'), undefined);
  assert.is(unsafeName('assets/Logo_v2.1~final.PNG'), undefined);
  assert.is(unsafeName('.well-known/security.txt'), undefined);
  assert.is(unsafeName('a/b c/d')!.segment, 'b c');
  assert.is(unsafeName('a/b c/d e.html')!.suggested, 'a/b-c/d-e.html');
  assert.is(suggestSegment('Crème Brûlée.JPG'), 'creme-brulee.jpg');
  assert.is(suggestSegment('???.css'), 'file.css');
  assert.is(suggestSegment('README'), 'readme');
});

test('the sitemap check compares URLs as a browser does: a percent-encoded <loc> matches its page (the check never contradicts the generator)', async (ctx) => {
  const outputDir = path.join(ctx.tmp.dir, 'out');
  await ctx.tmp.write({
    'out/sitemap.xml': '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://fixture.test/caf%C3%A9/</loc></url></urlset>',
  });
  const settings = { production: true, environment: 'production', productionOrigin: 'https://fixture.test' };
  const pages = (file: string) => [{ file, data: {} }];
  const input = (file: string) => ({ outputDir, settings, pages: pages(file) }) as unknown as Parameters<typeof checkSitemap>[0];
  assert.equal(await checkSitemap(input('café/index.html')), []);
  // Negative control: a page the sitemap really does not list is still reported.
  const missing = await checkSitemap(input('menu/index.html'));
  assert.is(missing.length, 2, JSON.stringify(missing));
});

// --- An accepted name, end to end -------------------------------------------

let s3: LocalS3;
let cloudfront: CloudFrontServer;
let sts: MotoSts;
let s3Dir: string;
const BUCKET = 'names.localhost';
const DISTRIBUTION = 'E3NAMESDIST01';

const endToEnd = suite<Ctx>('file names, accepted, end to end');
endToEnd.before(async () => {
  s3Dir = await mkdtemp(path.join(os.tmpdir(), 'file-names-s3-'));
  s3 = await startLocalS3({ directory: s3Dir, buckets: [BUCKET], website: true });
  cloudfront = await startCloudFrontServer({ distributions: [DISTRIBUTION] });
  sts = await startMotoSts();
});
endToEnd.after(async () => {
  await sts.close();
  await cloudfront.close();
  await s3.stop();
  await rm(s3Dir, { recursive: true, force: true });
});
endToEnd.before.each(async (ctx) => {
  ctx.tmp = await tempDir('file-names-e2e-');
  await copySharedParts(ctx.tmp.dir);
});
endToEnd.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

endToEnd('Menu_v2.1~draft and Logo_B.PNG: the same string in URL, sitemap, links, S3 key, Content-Type, invalidation path and the browser', async (ctx) => {
  const edge = `  edge:\n    url: http://${BUCKET}:${s3.port}\n    bucket: ${BUCKET}\n    endpoint: ${s3.endpoint}\n    distributions:\n      - id: ${DISTRIBUTION}\n`;
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  await ctx.tmp.write(
    fixtureSite({
      extraConfig: edge,
      pages: {
        'content/Menu_v2.1~draft.md': page('Draft menu', 'The draft menu, under a name with capitals, a dot, an underscore and a tilde.', 'page.njk', 'Draft menu.\n\n[Back home](/)'),
        'content/about.md': page('About', 'About the fixture site, with a link to the draft menu and the logo.', 'page.njk', 'See [the draft menu](/Menu_v2.1~draft/) and [the logo](/assets/Logo_B.PNG).'),
        'assets/Logo_B.PNG': png,
      },
    }),
  );
  // Production: the sitemap lists the page under that very URL, and the links check follows both links.
  await build(ctx, 'production');
  const sitemap = await readFile(path.join(ctx.tmp.dir, 'dist/production/fixture.test/sitemap.xml'), 'utf8');
  assert.match(sitemap, '<loc>https://fixture.test/Menu_v2.1~draft/</loc>');

  const outcome = await publishSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'edge', sites: [], logger: quiet, connect: testConnector({ cloudfront, sts }) });
  const store = s3Store({ bucket: BUCKET, region: 'us-east-1', endpoint: s3.endpoint });
  const listed = new Map((await store.list('')).map((object) => [object.key, object]));
  assert.ok(listed.has('Menu_v2.1~draft/index.html'), `listed: ${[...listed.keys()].join(' ')}`);
  const logoHead = await store.head('assets/Logo_B.PNG');
  assert.is(logoHead?.contentType, 'image/png');
  assert.ok(outcome.sites[0]!.report!.uploaded > 0);
  // A change to both: the next publish invalidates them under the same spelling (a new key needs none).
  await ctx.tmp.write({
    [`${site}/content/Menu_v2.1~draft.md`]: page('Draft menu', 'The draft menu, under a name with capitals, a dot, an underscore and a tilde.', 'page.njk', 'Draft menu.\n\nChanged.\n\n[Back home](/)'),
    [`${site}/assets/Logo_B.PNG`]: Buffer.concat([png, Buffer.from('00', 'hex')]),
  });
  await publishSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'edge', sites: [], logger: quiet, connect: testConnector({ cloudfront, sts }) });
  const paths = cloudfront.invalidations.flatMap((invalidation) => invalidation.paths);
  assert.ok(paths.includes('/Menu_v2.1~draft/'), paths.join(' '));
  assert.ok(paths.includes('/assets/Logo_B.PNG'), paths.join(' '));

  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    const response = await tab.goto(`http://${BUCKET}:${s3.port}/about/`);
    assert.is(response?.status(), 200);
    await tab.click('text=the draft menu');
    await tab.waitForURL(`http://${BUCKET}:${s3.port}/Menu_v2.1~draft/`);
    assert.match(await tab.textContent('main') ?? '', 'Draft menu.');
    const logo = await tab.goto(`http://${BUCKET}:${s3.port}/assets/Logo_B.PNG`);
    assert.is(logo?.status(), 200);
    assert.is(logo?.headers()['content-type'], 'image/png');
  } finally {
    await browser.close();
  }
});

test.run();
endToEnd.run();
