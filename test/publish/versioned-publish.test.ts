/**
 * A versioned publish executed against s3rver and the KeyValueStore stand-in
 * through the real SDK clients, seen through the local edge (the function
 * code the stack deploys) and, for the mix test, in Chromium.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { edgeFunctionCode } from '../../scripts/edge/edge-function.ts';
import { startKvsServer, type KvsServer } from '../../scripts/edge/kvs-local.ts';
import { startLocalEdge, type LocalEdge } from '../../scripts/edge/local-edge.ts';
import { PublishError } from '../../scripts/errors.ts';
import { localFiles } from '../../scripts/publish/local-files.ts';
import { LOCAL_S3_CREDENTIALS } from '../../scripts/s3-local/server.ts';
import { deployMap, type DeployMap } from '../../scripts/publish/versioned/kvs-store.ts';
import { PENDING_NOTE, publishVersioned, switchLive, type VersionedPublishOptions } from '../../scripts/publish/versioned/publish-versioned.ts';
import { rejects } from '../helpers/assert.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { tempDir, type TempDir, type Tree } from '../helpers/fixture.ts';
import { treeBuild } from '../helpers/publish-tree.ts';
import { startTestS3, type TestS3 } from '../helpers/s3-server.ts';

const quiet = { info() {}, warn() {} };
const publishConfig = {
  protectedPrefixes: [],
  deleteLimit: { count: 100, fraction: 0.5 },
  sourceMaps: false,
  cacheControl: { html: 'public, max-age=0, must-revalidate', fingerprinted: 'public, max-age=31536000, immutable', other: 'public, max-age=300' },
  maxInvalidationPaths: 30,
  keepDeploys: 20,
  lockMinutes: 30,
};

let s3: TestS3;
let kvs: KvsServer;
let sites = 0;

interface Ctx {
  tmp: TempDir;
  bucket: string;
  arn: string;
  map: DeployMap;
  edge: LocalEdge;
}
const test = suite<Ctx>('versioned publish');
test.before(async () => {
  s3 = await startTestS3();
  kvs = await startKvsServer({ credentials: LOCAL_S3_CREDENTIALS });
});
test.after(async () => {
  await kvs.close();
  await s3.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('versioned-');
  ctx.bucket = `versioned-${++sites}`;
  await s3.createBucket(ctx.bucket);
  ctx.arn = kvs.createStore(ctx.bucket);
  ctx.map = deployMap({ arn: ctx.arn, endpoint: kvs.endpoint, credentials: LOCAL_S3_CREDENTIALS });
  const code = edgeFunctionCode({ canonicalHost: 'fixture.test', redirectHosts: [], redirects: {}, versioned: true });
  ctx.edge = await startLocalEdge({ code, s3: { endpoint: s3.endpoint, bucket: ctx.bucket, prefix: 'site/', credentials: LOCAL_S3_CREDENTIALS }, kvs: (key) => kvs.snapshot(ctx.arn)?.get(key) });
  s3.log.clear();
  kvs.clear();
});
test.after.each(async (ctx) => {
  await ctx.edge.close();
  await ctx.tmp.cleanup();
});

const page = (title: string, css: string) => `<!doctype html><html><head><title>${title}</title><link rel="stylesheet" href="/assets/${css}"></head><body><h1>${title}</h1><a href="/about/">About</a></body></html>\n`;
const siteA: Tree = {
  'index.html': page('Home A', 'site.aaaa1111.css'),
  'about/index.html': page('About A', 'site.aaaa1111.css'),
  '404.html': page('Not found', 'site.aaaa1111.css'),
  'assets/site.aaaa1111.css': 'h1 { color: rgb(1, 1, 1); }\n',
  'robots.txt': 'User-agent: *\nAllow: /\n',
};

async function publish(ctx: Ctx, tree: Tree, buildId: string, options: Partial<VersionedPublishOptions> = {}) {
  const built = await treeBuild(ctx.tmp.dir, tree, buildId);
  const local = localFiles(built.record, { prefix: 'site/', publish: publishConfig, directoryIndexKeys: false });
  return publishVersioned({
    site: 'fixture.test',
    environment: 'edge',
    prefix: 'site/',
    files: local.files,
    outputDir: built.outputDir,
    build: built.record,
    store: s3.store(ctx.bucket),
    map: ctx.map,
    keepDeploys: 20,
    cutover: true,
    logger: quiet,
    ...options,
  });
}

const get = async (ctx: Ctx, path: string, cookie?: string) => {
  const response = await fetch(`${ctx.edge.url}${path}`, { headers: { host: 'fixture.test', ...(cookie ? { cookie } : {}) }, redirect: 'manual' });
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type'), robots: response.headers.get('x-robots-tag') };
};
const s3Writes = () => s3.log.requests.filter((request) => request.method !== 'GET' && request.method !== 'HEAD');
const mapWrites = () => kvs.requests.filter((request) => request.operation === 'UpdateKeys' || request.operation === 'PutKey');

test('first publish: every object once, the map staged then one cutover write; the edge serves it, 404 in the deploy, no invalidation', async (ctx) => {
  const report = await publish(ctx, siteA, 'a');
  assert.is(report.uploaded, 5);
  assert.is(report.live, true);
  assert.equal(report.plan.invalidations, []);
  assert.is(mapWrites().length, report.mapWrites.stage + 1);
  assert.equal((await get(ctx, '/')).body, siteA['index.html']);
  assert.is((await get(ctx, '/')).type, 'text/html; charset=utf-8');
  const missing = await get(ctx, '/nowhere/');
  assert.equal([missing.status, missing.body], [404, siteA['404.html']]);
  assert.is((await get(ctx, '/robots.txt')).body, siteA['robots.txt'], 'robots.txt resolves within the deploy');
  assert.is(await s3.store(ctx.bucket).head(`site/${PENDING_NOTE}`), undefined, 'the pending note is gone');
});

test('no change: nothing uploaded, one map write to stage the deploy id and one to cut over; one page changed uploads its bytes alone', async (ctx) => {
  await publish(ctx, siteA, 'a');
  s3.log.clear();
  kvs.clear();
  const same = await publish(ctx, siteA, 'a2');
  assert.is(same.uploaded, 0);
  assert.equal(s3Writes().map((request) => request.operation).sort(), ['DeleteObjects', 'PutObject', 'PutObject'], 'the pending note, the record, the note removed');
  assert.equal(same.mapWrites, { stage: 1, cutover: 1, retire: 0 });
  s3.log.clear();
  const changed = await publish(ctx, { ...siteA, 'about/index.html': page('About B', 'site.aaaa1111.css') }, 'b');
  assert.is(changed.uploaded, 1);
  assert.is(changed.uploadedBytes, Buffer.byteLength(page('About B', 'site.aaaa1111.css')));
  assert.is((await get(ctx, '/about/')).body, page('About B', 'site.aaaa1111.css'));
});

test('--no-cutover: the deploy is previewable (noindex) and nothing live changes; --cutover makes it live in one write; rollback is one write back', async (ctx) => {
  const first = await publish(ctx, siteA, 'a');
  const siteB = { ...siteA, 'index.html': page('Home B', 'site.bbbb2222.css'), 'assets/site.bbbb2222.css': 'h1 { color: rgb(2, 2, 2); }\n' };
  const staged = await publish(ctx, siteB, 'b', { cutover: false });
  assert.is(staged.live, false);
  assert.is((await get(ctx, '/')).body, siteA['index.html'], 'visitors still see A');
  const preview = await get(ctx, '/', `deploy_preview=${staged.deploy.deployId}`);
  assert.equal([preview.body, preview.robots], [siteB['index.html'], 'noindex']);
  kvs.clear();
  await switchLive({ prefix: 'site/', store: s3.store(ctx.bucket), map: ctx.map, to: staged.deploy.deployId.slice(0, 4) });
  assert.is(mapWrites().length, 1, 'the cutover is one write');
  assert.is((await get(ctx, '/')).body, siteB['index.html']);
  s3.log.clear();
  kvs.clear();
  const back = await switchLive({ prefix: 'site/', store: s3.store(ctx.bucket), map: ctx.map, rollback: true });
  assert.is(back.to.deployId, first.deploy.deployId);
  assert.is(mapWrites().length, 1, 'rollback is one write');
  assert.equal(s3Writes(), [], 'nothing uploaded or deleted');
  assert.is((await get(ctx, '/')).body, siteA['index.html']);
  await rejects(() => switchLive({ prefix: 'site/', store: s3.store(ctx.bucket), map: ctx.map, to: 'zzzz' }), PublishError);
});

test('retention keeps the newest deploys and deletes only objects none of them uses', async (ctx) => {
  for (let round = 1; round <= 5; round++) {
    await publish(ctx, { ...siteA, 'index.html': page(`Home ${round}`, 'site.aaaa1111.css') }, `r${round}`, { keepDeploys: 2 });
  }
  const keys = (await s3.store(ctx.bucket).list('site/')).map((object) => object.key);
  const objects = keys.filter((key) => key.startsWith('site/.objects/'));
  const records = keys.filter((key) => key.startsWith('site/.publish/versions/'));
  assert.is(records.length, 2);
  // A's about, 404, css and robots, and the two kept homes.
  assert.is(objects.length, 6);
  assert.is((await get(ctx, '/')).body, page('Home 5', 'site.aaaa1111.css'));
});

test('killed after staging part of the map: the live deploy is untouched, and the next publish reads the store, repairs it and finishes', async (ctx) => {
  await publish(ctx, siteA, 'a');
  // A publish whose first map write lands and whose process then dies: the KVS answers, the record never comes.
  const dying = { ...ctx.map, update: async (batches: Parameters<DeployMap['update']>[0], etag: string) => {
    await ctx.map.update(batches.slice(0, 1), etag);
    throw new Error('killed');
  } };
  const siteB = { ...siteA, 'index.html': page('Home B', 'site.aaaa1111.css'), 'new/index.html': page('New', 'site.aaaa1111.css') };
  await rejects(() => publish(ctx, siteB, 'b', { map: dying as DeployMap }), Error);
  assert.is((await get(ctx, '/')).body, siteA['index.html'], 'the live deploy is whole');
  assert.is((await get(ctx, '/new/')).status, 404);
  const warnings: string[] = [];
  await publish(ctx, siteA, 'a-again', { logger: { info() {}, warn: (message) => warnings.push(message) } });
  assert.match(warnings.join('\n'), 'read the whole KeyValueStore, since a stopped publish left its pending note');
  assert.is((await get(ctx, '/new/')).status, 404, 'the stopped deploy left no entry behind');
  assert.is((await get(ctx, '/')).body, siteA['index.html']);
});

test('in Chromium: a page loaded before the cutover keeps its own stylesheet after it, and a page loaded after gets the new one — never a mix', async (ctx) => {
  await publish(ctx, siteA, 'a');
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    await tab.route('**/*', (route) => route.continue({ headers: { ...route.request().headers(), host: 'fixture.test' } }));
    const colour = () => tab.evaluate(() => getComputedStyle(document.querySelector('h1')!).color);
    // 'load': the stylesheet has been fetched and applied, so the colour is the page's own.
    await tab.goto(`${ctx.edge.url}/`, { waitUntil: 'load' });
    assert.is(await tab.textContent('h1'), 'Home A');
    // B changes the page and its stylesheet (a new fingerprinted name) and cuts over while A's page is open.
    const siteB = { ...siteA, 'index.html': page('Home B', 'site.bbbb2222.css'), 'about/index.html': page('About B', 'site.bbbb2222.css'), 'assets/site.bbbb2222.css': 'h1 { color: rgb(2, 2, 2); }\n' };
    delete (siteB as Tree)['assets/site.aaaa1111.css'];
    await publish(ctx, siteB, 'b');
    // The open page of A asks for its stylesheet again (a reload of the CSS only): still A's.
    const stillA = await tab.evaluate(async () => (await fetch('/assets/site.aaaa1111.css', { cache: 'no-store' })).text());
    assert.is(stillA, siteA['assets/site.aaaa1111.css']);
    assert.is(await colour(), 'rgb(1, 1, 1)');
    await tab.click('text=About');
    await tab.waitForURL('**/about/', { waitUntil: 'load' });
    assert.is(await tab.textContent('h1'), 'About B');
    assert.is(await colour(), 'rgb(2, 2, 2)', "B's page with B's stylesheet");
  } finally {
    await browser.close();
  }
});

test.run();
