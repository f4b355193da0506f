/**
 * Publishing a built tree against real protocol servers: s3rver through the
 * real @aws-sdk/client-s3, and the CloudFront stand-in through the real
 * @aws-sdk/client-cloudfront. The trees are written by the tests (not built
 * by Eleventy) so each scenario changes exactly what it names; the request
 * logs of both servers are the evidence.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hashOutputTree, type BuildRecord } from '../../scripts/build/build-record.ts';
import { environmentOf, loadAllSites, workspaceAt } from '../../scripts/config/sites.ts';
import { PublishError } from '../../scripts/errors.ts';
import { applyPlan } from '../../scripts/publish/apply.ts';
import { cloudFrontCdn } from '../../scripts/publish/cloudfront-cdn.ts';
import { parseDeployRecord } from '../../scripts/publish/deploy-record.ts';
import { planSite, type PublishTarget } from '../../scripts/publish/publish.ts';
import { s3Store } from '../../scripts/publish/s3-store.ts';
import { formatPlan, reportLine } from '../../scripts/publish/summary.ts';
import type { ObjectStore, Ports } from '../../scripts/publish/ports.ts';
import { formatBytes } from '../../scripts/build/summary.ts';
import { rejects } from '../helpers/assert.ts';
import { startCloudFrontServer, type CloudFrontServer } from '../helpers/cloudfront-server.ts';
import { tempDir, writeTree, type TempDir, type Tree } from '../helpers/fixture.ts';
import { startTestS3, type TestS3 } from '../helpers/s3-server.ts';
import { siteConfigYaml } from '../helpers/sites.ts';

const quiet = { info() {}, warn() {} };
const DISTRIBUTION = 'E2EDGEDIST001';
const WWW_DISTRIBUTION = 'E2EDGEWWW0001';
/** Only the in-progress tests invalidate here, so what they seed is all that is in progress. */
const BUSY_DISTRIBUTION = 'E2EDGEBUSY001';

let s3: TestS3;
let cloudfront: CloudFrontServer;
let buckets = 0;

interface Ctx {
  tmp: TempDir;
  bucket: string;
}
const test = suite<Ctx>('publish against s3rver and the CloudFront stand-in');

test.before(async () => {
  s3 = await startTestS3();
  cloudfront = await startCloudFrontServer({ distributions: [DISTRIBUTION, WWW_DISTRIBUTION, BUSY_DISTRIBUTION] });
});
test.after(async () => {
  await cloudfront.close();
  await s3.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('publish-');
  ctx.bucket = `publish-test-${++buckets}`;
  await s3.createBucket(ctx.bucket);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
  s3.log.inject(undefined);
});

const html = (title: string, body = '') => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>\n`;
const sitemap = (paths: string[]) => `<urlset>${paths.map((p) => `<url><loc>https://fixture.test${p}</loc></url>`).join('')}</urlset>\n`;

const site: Tree = {
  'index.html': html('Home', '<link rel="stylesheet" href="/assets/site.css">'),
  'about/index.html': html('About'),
  'contact/index.html': html('Contact'),
  'assets/site.css': 'body { color: black; }\n',
  'assets/app.3f2a9c1b.js': 'console.log("app");\n',
  'assets/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
  'sitemap.xml': sitemap(['/', '/about/', '/contact/']),
  'robots.txt': 'User-agent: *\nAllow: /\n',
};

interface SetupOptions {
  /** YAML lines under the environment (indented 4). */
  env?: string;
  /** Top-level `publish:` block. */
  publish?: string;
  distributions?: string[];
}

/** A workspace whose site has an `edge` environment on the test servers. */
async function target(ctx: Ctx, options: SetupOptions = {}): Promise<PublishTarget> {
  const distributions = options.distributions ?? [DISTRIBUTION];
  const extra =
    `  edge:\n    url: https://edge.fixture.test\n    bucket: ${ctx.bucket}\n    endpoint: ${s3.endpoint}\n` +
    (distributions.length ? `    distributions:\n${distributions.map((id) => `      - id: ${id}\n`).join('')}` : '') +
    (options.env ?? '') +
    (options.publish ? `publish:\n${options.publish}` : '');
  await writeTree(ctx.tmp.dir, { 'sites/fixture.test/site.yaml': siteConfigYaml('fixture.test', 'fixture', extra) });
  const [config] = await loadAllSites(workspaceAt(ctx.tmp.dir));
  return { site: config!, envName: 'edge', env: environmentOf(config!, 'edge') };
}

/** Writes the tree as a fresh build would: old output removed, every file new (new mtimes), a new record. */
async function build(ctx: Ctx, tree: Tree): Promise<{ outputDir: string; record: BuildRecord }> {
  const outputDir = path.join(ctx.tmp.dir, 'dist', 'edge', 'fixture.test');
  await rm(outputDir, { recursive: true, force: true });
  await writeTree(outputDir, tree);
  const record: BuildRecord = {
    version: 1,
    site: 'fixture.test',
    shortName: 'fixture',
    environment: 'edge',
    buildId: `build-${Object.keys(tree).length}`,
    sourceDigest: 'digest',
    git: { commit: 'c0ffee', clean: true },
    builtAt: new Date().toISOString(),
    files: await hashOutputTree(outputDir),
  };
  return { outputDir, record };
}

function ports(bucket: string, options: { maxAttempts?: number } = {}): Ports {
  return {
    store: s3Store({ bucket, region: 'us-east-1', endpoint: s3.endpoint, maxAttempts: options.maxAttempts }),
    cdn: cloudFrontCdn({ endpoint: cloudfront.endpoint }),
  };
}

/** Plan and apply one tree, with both request logs cleared first. */
async function publishTree(ctx: Ctx, tree: Tree, options: SetupOptions & { allowDeletes?: boolean; maxAttempts?: number; keepLogs?: boolean } = {}) {
  const publishTarget = await target(ctx, options);
  const built = await build(ctx, tree);
  if (!options.keepLogs) {
    s3.log.clear();
    cloudfront.clear();
  }
  const adapters = ports(ctx.bucket, options);
  const { plan, read } = await planSite(publishTarget, built, adapters, { allowDeletes: options.allowDeletes, logger: quiet });
  const report = await applyPlan({ plan, outputDir: built.outputDir, build: built.record, ports: adapters, logger: quiet });
  return { plan, read, report };
}

const puts = () => s3.log.requests.filter((request) => request.operation === 'PutObject').map((request) => request.key);
const filePuts = () => puts().filter((key) => !key.startsWith('.publish/'));
const invalidated = () => cloudfront.requests.filter((request) => request.operation === 'CreateInvalidation').map((request) => request.paths);

test('first publish: every file with its content type, cache policy and hashes in metadata; no invalidation; a deploy record', async (ctx) => {
  const { plan, report } = await publishTree(ctx, site);
  assert.is(report.uploaded, 8);
  assert.equal(filePuts().length, 8);
  // Assets before pages.
  assert.ok(puts().indexOf('assets/site.css') < puts().indexOf('index.html'));
  assert.equal(invalidated(), []);
  const store = s3.store(ctx.bucket);
  const page = await store.head('about/index.html');
  assert.equal([page?.contentType, page?.cacheControl], ['text/html; charset=utf-8', 'public, max-age=0, must-revalidate']);
  assert.is(page?.metadata['sha256'], plan.uploads.find((upload) => upload.key === 'about/index.html')?.sha256);
  assert.ok(page?.metadata['headers']);
  const script = await store.head('assets/app.3f2a9c1b.js');
  assert.equal([script?.contentType, script?.cacheControl], ['text/javascript; charset=utf-8', 'public, max-age=31536000, immutable']);
  assert.equal([(await store.head('assets/logo.svg'))?.contentType, (await store.head('sitemap.xml'))?.contentType], ['image/svg+xml', 'application/xml']);
  assert.is((await store.get('contact/index.html'))?.toString(), site['contact/index.html']);
  const record = parseDeployRecord((await store.get(report.deployRecordKey))!);
  assert.equal([record?.buildId, record?.git.commit, Object.keys(record?.objects ?? {}).length], ['build-8', 'c0ffee', 8]);
  assert.is(reportLine(report), `fixture.test → edge: uploaded 8 files (${formatBytes(plan.totals.uploadBytes)}), 0 unchanged, deleted 0 files, no invalidation`);
});

test('nothing changed after a clean rebuild: only the listing, the last deploy record and the new one with its pointer — no file PUT, no invalidation', async (ctx) => {
  await publishTree(ctx, site);
  const { read, report } = await publishTree(ctx, site);
  assert.equal(s3.log.counts(), { ListObjectsV2: 1, GetObject: 1, PutObject: 2 });
  assert.equal(puts(), [report.deployRecordKey, '.publish/current.json']);
  assert.equal([read.listPages, read.gets, read.heads], [1, 1, 0]);
  assert.equal(cloudfront.requests, []);
  assert.is(reportLine(report), 'fixture.test → edge: uploaded 0 files (0 B), 8 unchanged, deleted 0 files, no invalidation');
});

test('one page changed with the same size: exactly one file PUT and one invalidation of its two paths', async (ctx) => {
  await publishTree(ctx, site);
  const changed = { ...site, 'about/index.html': html('Abuot') };
  assert.is(changed['about/index.html']!.length, site['about/index.html']!.length);
  const { plan, report } = await publishTree(ctx, changed);
  assert.equal(plan.uploads.map((upload) => [upload.key, upload.reason]), [['about/index.html', 'content differs (same size, different SHA-256)']]);
  assert.equal(filePuts(), ['about/index.html']);
  assert.equal(invalidated(), [['/about/', '/about/index.html']]);
  assert.is(report.invalidations[0]?.id, cloudfront.invalidations.at(-1)?.id);
  assert.is(reportLine(report), `fixture.test → edge: uploaded 1 file (${formatBytes(changed['about/index.html']!.length)}), 7 unchanged, deleted 0 files, invalidated 2 paths on ${DISTRIBUTION} (${report.invalidations[0]?.id})`);
});

test('one page changed with a different size: one PUT, one invalidation', async (ctx) => {
  await publishTree(ctx, site);
  const { plan } = await publishTree(ctx, { ...site, 'contact/index.html': html('Contact', '<p>Call us.</p>') });
  assert.match(plan.uploads[0]?.reason ?? '', /^content differs \(\d+ → \d+ bytes\)$/);
  assert.equal(filePuts(), ['contact/index.html']);
  assert.equal(invalidated(), [['/contact/', '/contact/index.html']]);
});

test('a page deleted: one batched DeleteObjects after the changed sitemap, and one invalidation of the page and the sitemap', async (ctx) => {
  await publishTree(ctx, site);
  const withoutContact: Tree = { ...site, 'sitemap.xml': sitemap(['/', '/about/']) };
  delete withoutContact['contact/index.html'];
  await publishTree(ctx, withoutContact);
  assert.equal(filePuts(), ['sitemap.xml']);
  assert.is(s3.log.count('DeleteObjects'), 1);
  assert.is(s3.log.count('DeleteObject'), 0);
  const operations = s3.log.requests.map((request) => request.operation);
  assert.ok(operations.indexOf('PutObject') < operations.indexOf('DeleteObjects'));
  assert.equal(invalidated(), [['/contact/', '/contact/index.html', '/sitemap.xml']]);
  assert.is(await s3.store(ctx.bucket).head('contact/index.html'), undefined);
});

test('a renamed asset: the new name lands before the pages that use it and the old is deleted after; a fingerprinted one needs no invalidation', async (ctx) => {
  await publishTree(ctx, site);
  const renamed: Tree = { ...site, 'index.html': html('Home', '<script src="/assets/app.77aa88bb.js"></script>'), 'assets/app.77aa88bb.js': 'console.log("app 2");\n' };
  delete renamed['assets/app.3f2a9c1b.js'];
  await publishTree(ctx, renamed);
  assert.equal(filePuts(), ['assets/app.77aa88bb.js', 'index.html']);
  const operations = s3.log.requests.map((request) => `${request.operation}:${request.key}`);
  assert.ok(operations.indexOf('PutObject:index.html') < operations.indexOf('DeleteObjects:'));
  // Only the changed home page: the old script stays cached for pages that still name it.
  assert.equal(invalidated(), [['/', '/index.html']]);
});

test('keys with spaces and Unicode: a tree naming them is refused before any request (File names); such keys another tool left are deleted, invalidated percent-encoded', async (ctx) => {
  const unicode = { ...site, 'über uns/index.html': html('Über uns'), 'assets/menu card ü.pdf': 'pdf bytes' };
  s3.log.clear();
  const refused = await rejects(() => publishTree(ctx, unicode), PublishError);
  assert.match(refused.message, 'über uns/index.html: its name "über uns" has the non-ASCII letter "ü", a space');
  assert.match(refused.message, 'Give it the URL /uber-uns/ instead');
  assert.equal(s3.log.requests, [], 'refused before the first request');
  await publishTree(ctx, site);
  const store = s3.store(ctx.bucket);
  for (const key of ['über uns/index.html', 'assets/menu card ü.pdf']) {
    const body = Buffer.from(key);
    await store.put({ key, body, contentType: 'text/plain', cacheControl: 'no-cache', md5: createHash('md5').update(body).digest('hex'), metadata: {} });
  }
  await publishTree(ctx, site);
  assert.is(await store.head('assets/menu card ü.pdf'), undefined);
  assert.is(await store.head('über uns/index.html'), undefined);
  assert.equal(invalidated(), [['/%C3%BCber%20uns/', '/%C3%BCber%20uns/index.html', '/assets/menu%20card%20%C3%BC.pdf']]);
});

test('deletion guard: refused with both numbers and how to proceed, before any write; --allow-deletes proceeds', async (ctx) => {
  await publishTree(ctx, site);
  const publishTarget = await target(ctx);
  const built = await build(ctx, { 'index.html': site['index.html']! });
  s3.log.clear();
  const adapters = ports(ctx.bucket);
  const { plan } = await planSite(publishTarget, built, adapters, { logger: quiet });
  assert.equal(plan.refusals, [
    `fixture.test (edge) would delete 7 of its 8 objects in s3://${ctx.bucket}/ (87.5%); the limit is 100 objects or 50% of the site. Review the deletions with --dry-run, then re-run with --allow-deletes, or raise publish.deleteLimit in sites/fixture.test/site.yaml.`,
  ]);
  const error = await rejects(() => applyPlan({ plan, outputDir: built.outputDir, build: built.record, ports: adapters, logger: quiet }), PublishError);
  assert.match(error.message, 'would delete 7 of its 8 objects');
  assert.equal(Object.keys(s3.log.counts()).sort(), ['GetObject', 'ListObjectsV2']);
  const allowed = await publishTree(ctx, { 'index.html': site['index.html']! }, { allowDeletes: true });
  assert.is(allowed.report.deleted, 7);
  // One batch. s3rver may answer it 500 once (its parallel deletes race to
  // remove the same empty folder); the SDK's retry sends the same batch again.
  assert.is(s3.log.requests.filter((request) => request.operation === 'DeleteObjects' && request.status === 200).length, 1);
  assert.equal((await s3.store(ctx.bucket).list('')).filter((object) => !object.key.startsWith('.publish/')).map((object) => object.key), ['index.html']);
});

test('a header-only change (new cache policy in the site config) is uploaded again and invalidated; nothing else is', async (ctx) => {
  await publishTree(ctx, site);
  const { plan } = await publishTree(ctx, site, { publish: '  cacheControl:\n    other: public, max-age=600\n' });
  assert.equal(
    plan.uploads.map((upload) => upload.key),
    ['assets/logo.svg', 'assets/site.css', 'robots.txt', 'sitemap.xml'],
  );
  assert.ok(plan.uploads.every((upload) => upload.reason === 'headers differ (content type or cache policy changed)'));
  assert.is((await s3.store(ctx.bucket).head('assets/site.css'))?.cacheControl, 'public, max-age=600');
  assert.equal(invalidated(), [['/assets/logo.svg', '/assets/site.css', '/robots.txt', '/sitemap.xml']]);
});

test('without a usable deploy record, HeadObject confirms each object of the same size — and nothing is uploaded', async (ctx) => {
  const first = await publishTree(ctx, site);
  await s3.store(ctx.bucket).delete([first.report.deployRecordKey]);
  const { plan, read } = await publishTree(ctx, site);
  assert.equal(plan.uploads, []);
  assert.is(read.heads, 8);
  assert.equal(filePuts(), []);
});

test('ETags that are not MD5s (SSE-KMS, multipart): identity comes from the sha256 in the record or the metadata, never a re-upload forever', async (ctx) => {
  const kms = (etag: string) => `${createHash('md5').update(`kms:${etag}`).digest('hex')}-1`;
  const publishKms = async (tree: Tree) => {
    const publishTarget = await target(ctx);
    const built = await build(ctx, tree);
    s3.log.clear();
    cloudfront.clear();
    const adapters = { ...ports(ctx.bucket), store: withEtags(s3.store(ctx.bucket), kms) };
    const { plan, read } = await planSite(publishTarget, built, adapters, { logger: quiet });
    const report = await applyPlan({ plan, outputDir: built.outputDir, build: built.record, ports: adapters, logger: quiet });
    return { plan, read, report };
  };
  const first = await publishKms(site);
  assert.is(first.plan.uploads.length, 8);
  const again = await publishKms(site);
  assert.equal([again.plan.uploads.length, again.read.heads], [0, 0]);
  // Without records: one HEAD per object, whose sha256 metadata settles it.
  await s3.store(ctx.bucket).delete((await s3.store(ctx.bucket).list('.publish/')).map((object) => object.key));
  const fromMetadata = await publishKms(site);
  assert.equal([fromMetadata.plan.uploads.length, fromMetadata.read.heads], [0, 8]);
  const changed = await publishKms({ ...site, 'about/index.html': html('Abuot') });
  assert.equal(changed.plan.uploads.map((upload) => upload.reason), ['content differs (same size, different SHA-256)']);
});

test('regression: single-part SSE-KMS ETags (32 hex digits, not the MD5) without a deploy record are settled by HeadObject, not a full re-upload', async (ctx) => {
  const kms = (etag: string) => createHash('md5').update(`kms:${etag}`).digest('hex');
  const publishKms = async (tree: Tree) => {
    const publishTarget = await target(ctx);
    const built = await build(ctx, tree);
    s3.log.clear();
    const adapters = { ...ports(ctx.bucket), store: withEtags(s3.store(ctx.bucket), kms) };
    const { plan, read } = await planSite(publishTarget, built, adapters, { logger: quiet });
    await applyPlan({ plan, outputDir: built.outputDir, build: built.record, ports: adapters, logger: quiet });
    return { plan, read };
  };
  await publishKms(site);
  await s3.store(ctx.bucket).delete((await s3.store(ctx.bucket).list('.publish/')).map((object) => object.key));
  const again = await publishKms(site);
  assert.equal([again.plan.uploads.map((upload) => upload.reason), again.read.heads], [[], 8]);
  assert.equal(filePuts(), []);
  const changed = await publishKms({ ...site, 'about/index.html': html('Abuot') });
  assert.equal(changed.plan.uploads.map((upload) => [upload.key, upload.reason]), [['about/index.html', 'content differs (same size, different SHA-256)']]);
});

/** The bucket as S3 shows it with SSE-KMS: the same objects, ETags that are not the MD5 of the bytes. */
function withEtags(store: ObjectStore, etag: (md5: string) => string): ObjectStore {
  return {
    bucket: store.bucket,
    list: async (prefix, onPage) => (await store.list(prefix, onPage)).map((object) => ({ ...object, etag: etag(object.etag) })),
    head: async (key) => {
      const head = await store.head(key);
      return head && { ...head, etag: etag(head.etag) };
    },
    get: (key) => store.get(key),
    put: async (request) => ({ etag: etag((await store.put(request)).etag) }),
    delete: (keys) => store.delete(keys),
    checkBucket: () => store.checkBucket(),
    getWithEtag: (key) => store.getWithEtag(key),
    putIfAbsent: (request) => store.putIfAbsent(request),
    putIfMatch: (request, match) => store.putIfMatch(request, match),
    deleteIfMatch: (key, match) => store.deleteIfMatch(key, match),
    copy: (from, to) => store.copy(from, to),
  };
}

test('a throttled upload (503 SlowDown) is retried with backoff and the publish completes', async (ctx) => {
  await publishTree(ctx, site);
  let failures = 0;
  s3.log.inject((request) => (request.operation === 'PutObject' && request.key === 'about/index.html' && failures++ < 2 ? 503 : undefined));
  await publishTree(ctx, { ...site, 'about/index.html': html('Abuot') });
  const attempts = s3.log.requests.filter((request) => request.operation === 'PutObject' && request.key === 'about/index.html');
  assert.equal(attempts.map((request) => request.status), [503, 503, 200]);
  assert.is((await s3.store(ctx.bucket).get('about/index.html'))?.toString(), html('Abuot'));
});

test('a publish stopped part-way leaves no page naming a missing asset, and the next run converges and invalidates what the first changed', async (ctx) => {
  await publishTree(ctx, site);
  const next = { ...site, 'assets/site.css': 'body { color: navy; }\n', 'index.html': html('Home', '<link rel="stylesheet" href="/assets/extra.css">'), 'assets/extra.css': 'p{}\n' };
  // Pages fail for good (maxAttempts 1): the assets land, no page does.
  s3.log.inject((request) => (request.operation === 'PutObject' && request.key === 'index.html' ? 500 : undefined));
  const error = await rejects(() => publishTree(ctx, next, { maxAttempts: 1 }), PublishError);
  assert.match(error.message, 'Could not upload "index.html"');
  assert.equal(filePuts().sort(), ['assets/extra.css', 'assets/site.css', 'index.html']);
  assert.is((await s3.store(ctx.bucket).get('index.html'))?.toString(), site['index.html']);
  assert.equal(invalidated(), []);
  s3.log.inject(undefined);
  const { plan } = await publishTree(ctx, next);
  assert.equal(plan.uploads.map((upload) => upload.key), ['index.html']);
  // The stylesheet changed in the stopped run without an invalidation; this run makes up for it.
  assert.equal(invalidated(), [['/', '/assets/site.css', '/index.html']]);
});

test('CloudFront refusing (too many invalidations in progress): a clear error, no deploy record, and the next publish invalidates the same paths', async (ctx) => {
  await publishTree(ctx, site);
  cloudfront.failNext('too-many');
  const changed = { ...site, 'about/index.html': html('Abuot') };
  const error = await rejects(() => publishTree(ctx, changed), PublishError);
  assert.match(error.message, `CloudFront has too many invalidations in progress for ${DISTRIBUTION}`);
  assert.match(error.message, 'publish again once that is fixed');
  assert.equal(puts(), ['about/index.html']);
  const { plan } = await publishTree(ctx, changed);
  assert.equal(plan.uploads, []);
  assert.equal(invalidated(), [['/about/', '/about/index.html']]);
});

test('a lost CreateInvalidation answer is retried with the same caller reference: one invalidation, not two', async (ctx) => {
  await publishTree(ctx, site);
  cloudfront.failNext('lost-answer');
  const before = cloudfront.invalidations.length;
  const { report } = await publishTree(ctx, { ...site, 'about/index.html': html('Abuot') });
  assert.is(cloudfront.count('CreateInvalidation'), 2);
  assert.is(cloudfront.invalidations.length, before + 1);
  assert.is(report.invalidations[0]?.id, cloudfront.invalidations.at(-1)?.id);
});

test('several distributions (apex and www): one invalidation each, in one publish', async (ctx) => {
  const distributions = [DISTRIBUTION, WWW_DISTRIBUTION];
  await publishTree(ctx, site, { distributions });
  await publishTree(ctx, { ...site, 'about/index.html': html('Abuot') }, { distributions });
  assert.equal(
    cloudfront.requests.filter((request) => request.operation === 'CreateInvalidation').map((request) => [request.distributionId, request.paths]),
    distributions.map((id) => [id, ['/about/', '/about/index.html']]),
  );
});

test('a key prefix: nothing outside it is listed, written or deleted; the origin path maps keys to URLs', async (ctx) => {
  const outsider = s3.store(ctx.bucket);
  await outsider.put({ key: 'other-site/index.html', body: Buffer.from('x'), contentType: 'text/html', cacheControl: 'no-cache', md5: '9dd4e461268c8034f5c8564e155c67a6', metadata: {} });
  const options = { env: '    prefix: site/\n', distributions: [] };
  await publishTree(ctx, site, options);
  const changed: Tree = { ...site, 'about/index.html': html('Abuot') };
  delete changed['contact/index.html'];
  const { plan } = await publishTree(ctx, changed, { env: '    prefix: site/\n', distributions: [DISTRIBUTION] });
  for (const request of s3.log.requests) {
    if (request.operation === 'ListObjectsV2') assert.is(request.prefix, 'site/');
    else if (request.operation !== 'DeleteObjects') assert.ok(request.key.startsWith('site/'), `${request.operation} ${request.key}`);
  }
  assert.equal(plan.deletes.map((deletion) => deletion.key), ['site/contact/index.html']);
  assert.ok(await outsider.head('other-site/index.html'));
  // No origin path: the prefix is part of the URL.
  assert.equal(invalidated(), [['/site/about/', '/site/about/index.html', '/site/contact/', '/site/contact/index.html']]);
});

test('protected prefixes and remote dotfiles are never deleted; directory index keys serve dir/index.html at dir/', async (ctx) => {
  const store = s3.store(ctx.bucket);
  await store.put({ key: 'downloads/menu.pdf', body: Buffer.from('x'), contentType: 'application/pdf', cacheControl: 'no-cache', md5: '9dd4e461268c8034f5c8564e155c67a6', metadata: {} });
  await store.put({ key: '.well-known/security.txt', body: Buffer.from('x'), contentType: 'text/plain', cacheControl: 'no-cache', md5: '9dd4e461268c8034f5c8564e155c67a6', metadata: {} });
  const { plan } = await publishTree(ctx, site, { publish: '  protectedPrefixes: [downloads/]\n', env: '    directoryIndexKeys: true\n' });
  assert.equal(plan.deletes, []);
  assert.equal(plan.kept.map((entry) => entry.key).sort(), ['.well-known/security.txt', 'downloads/menu.pdf']);
  const folder = await store.head('about/');
  assert.is(folder?.contentType, 'text/html; charset=utf-8');
  assert.is((await store.get('about/'))?.toString(), site['about/index.html']);
  assert.is(plan.uploads.find((upload) => upload.key === 'about/')?.group, 'html');
});

test('over 1,000 keys: the listing follows two ListObjectsV2 pages, and a second publish uploads nothing', async (ctx) => {
  const many: Tree = { ...site };
  for (let index = 0; index < 1001; index++) many[`notes/${String(index).padStart(4, '0')}.txt`] = String(index);
  const first = await publishTree(ctx, many);
  assert.is(first.report.uploaded, 1009);
  const { plan, read } = await publishTree(ctx, many);
  assert.equal([read.listPages, s3.log.count('ListObjectsV2'), read.heads], [2, 2, 0]);
  assert.equal([plan.uploads.length, plan.deletes.length, plan.unchanged.length], [0, 0, 1009]);
  assert.equal(filePuts(), []);
});

test('directory index keys: a second run uploads nothing; a changed page uploads dir/ and dir/index.html and invalidates their two paths once', async (ctx) => {
  const options = { env: '    directoryIndexKeys: true\n' };
  await publishTree(ctx, site, options);
  const again = await publishTree(ctx, site, options);
  assert.equal([again.plan.uploads, filePuts(), invalidated()], [[], [], []]);
  const { plan } = await publishTree(ctx, { ...site, 'about/index.html': html('Abuot') }, options);
  assert.equal(plan.uploads.map((upload) => upload.key), ['about/', 'about/index.html']);
  assert.equal(filePuts().sort(), ['about/', 'about/index.html']);
  assert.equal(invalidated(), [['/about/', '/about/index.html']]);
  assert.is((await s3.store(ctx.bucket).get('about/'))?.toString(), html('Abuot'));
});

test('a distribution with an origin path: the paths sent to CloudFront drop it, and keys it does not serve are not sent', async (ctx) => {
  const options = { env: `    prefix: site/\n    distributions:\n      - id: ${DISTRIBUTION}\n        originPath: /site\n`, distributions: [] };
  await publishTree(ctx, site, options);
  await publishTree(ctx, { ...site, 'about/index.html': html('Abuot'), 'assets/site.css': 'body { color: navy; }\n' }, options);
  assert.equal(
    cloudfront.requests.filter((request) => request.operation === 'CreateInvalidation').map((request) => [request.distributionId, request.paths]),
    [[DISTRIBUTION, ['/about/', '/about/index.html', '/assets/site.css']]],
  );
});

/** A site with pages in two folders, so collapsing has a choice to make. */
const sections: Tree = { ...site };
for (const folder of ['blog', 'news']) for (let index = 0; index < 3; index++) sections[`${folder}/post-${index}/index.html`] = html(`${folder} ${index}`);
/** Every page of both folders changed: 12 exact paths, or /blog/* and /news/* past a budget of 4. */
const sectionsChanged: Tree = Object.fromEntries(Object.entries(sections).map(([key, value]) => [key, /^(blog|news)\//.test(key) ? html(`${key} again`) : value]));
const busy = { distributions: [BUSY_DISTRIBUTION], publish: '  maxInvalidationPaths: 4\n' };
const seedWildcards = (n: number) => cloudfront.seed(BUSY_DISTRIBUTION, Array.from({ length: n }, (_, index) => [`/elsewhere-${index}/*`]));

test('15 wildcards in progress and more paths than the budget: refused before any S3 write, naming what is in progress and what to do', async (ctx) => {
  cloudfront.completeAll();
  await publishTree(ctx, sections, busy);
  seedWildcards(15);
  const publishTarget = await target(ctx, busy);
  const built = await build(ctx, sectionsChanged);
  s3.log.clear();
  cloudfront.clear();
  const adapters = ports(ctx.bucket);
  const { plan, read } = await planSite(publishTarget, built, adapters, { logger: quiet });
  // What a dry run prints.
  assert.match(formatPlan({ plan, read }), `invalidate  ${BUSY_DISTRIBUTION}: none of 12 paths fit (already in progress: 15 paths, 15 wildcards in 15 invalidations)`);
  assert.equal(plan.refusals, [
    `CloudFront distribution ${BUSY_DISTRIBUTION} already has 15 paths and 15 wildcards in progress in 15 invalidations, so this publish's 12 paths fit neither as they are nor collapsed to wildcards (CloudFront allows 3,000 paths and 15 wildcards in progress); wait for them to complete (aws cloudfront list-invalidations --distribution-id ${BUSY_DISTRIBUTION}) and publish again.`,
  ]);
  assert.equal(plan.invalidations.map((invalidation) => [invalidation.paths, invalidation.refused, invalidation.inProgress]), [[[], true, { invalidations: 15, paths: 15, wildcards: 15 }]]);
  const error = await rejects(() => applyPlan({ plan, outputDir: built.outputDir, build: built.record, ports: adapters, logger: quiet }), PublishError);
  assert.match(error.message, `already has 15 paths and 15 wildcards in progress`);
  assert.equal(Object.keys(s3.log.counts()).sort(), ['GetObject', 'ListObjectsV2']);
  assert.equal(puts(), []);
  assert.equal([cloudfront.count('ListInvalidations'), cloudfront.count('GetInvalidation'), cloudfront.count('CreateInvalidation')], [1, 15, 0]);
  // Once they complete, the same publish goes through.
  cloudfront.completeAll();
  const { report } = await publishTree(ctx, sectionsChanged, busy);
  assert.equal(report.invalidations.map((invalidation) => invalidation.paths), [['/blog/*', '/news/*']]);
});

test('14 wildcards in progress: a publish that would use two takes the one left, /*, and CloudFront accepts it', async (ctx) => {
  cloudfront.completeAll();
  await publishTree(ctx, sections, busy);
  seedWildcards(14);
  const { plan, report } = await publishTree(ctx, sectionsChanged, busy);
  assert.equal(plan.invalidations.map((invalidation) => invalidation.inProgress), [{ invalidations: 14, paths: 14, wildcards: 14 }]);
  assert.equal(invalidated(), [['/*']]);
  assert.match(formatPlan({ plan, read: { listPages: 1, gets: 1, heads: 0, notes: [] } }), `${BUSY_DISTRIBUTION}: 1 path (12 exact paths collapsed to 1 wildcard`);
  assert.is(report.invalidations[0]?.status, 'InProgress');
  cloudfront.completeAll();
});

test('2,995 paths in progress: a publish whose exact paths would fit its own budget collapses to fit the five left', async (ctx) => {
  cloudfront.completeAll();
  await publishTree(ctx, sections, { distributions: [BUSY_DISTRIBUTION] });
  cloudfront.seed(BUSY_DISTRIBUTION, [Array.from({ length: 2995 }, (_, index) => `/archive/${index}.html`)]);
  const changed = { ...sections, 'about/index.html': html('Abuot'), 'blog/post-0/index.html': html('blog 0 again'), 'blog/post-1/index.html': html('blog 1 again') };
  const { plan } = await publishTree(ctx, changed, { distributions: [BUSY_DISTRIBUTION] });
  assert.equal([plan.invalidations[0]?.exactPaths, plan.invalidations[0]?.inProgress], [6, { invalidations: 1, paths: 2995, wildcards: 0 }]);
  // Without the 2,995 these six exact paths would be sent as they are (the
  // budget is 30); with them, five, one a wildcard that evicts nothing unchanged.
  assert.equal(invalidated(), [['/about/', '/about/index.html', '/blog/post-0/', '/blog/post-0/index.html', '/blog/post-1/*']]);
  assert.equal(cloudfront.requests.filter((request) => request.operation === 'CreateInvalidation').map((request) => request.status), [201]);
  cloudfront.completeAll();
});

test('the invalidations in progress are read across ListInvalidations pages, newest first, stopping at a page with none in progress', async (ctx) => {
  cloudfront.completeAll();
  await publishTree(ctx, sections, busy);
  seedWildcards(4);
  cloudfront.completeAll();
  seedWildcards(5);
  cloudfront.listPageSize(2);
  try {
    const { plan } = await publishTree(ctx, sectionsChanged, busy);
    // Pages: 5 in progress, then 4 completed; two a page, the fourth (all completed) is the last asked for.
    assert.equal(plan.invalidations.map((invalidation) => invalidation.inProgress), [{ invalidations: 5, paths: 5, wildcards: 5 }]);
    assert.equal([cloudfront.count('ListInvalidations'), cloudfront.count('GetInvalidation')], [4, 5]);
    assert.equal(invalidated(), [['/blog/*', '/news/*']]);
  } finally {
    cloudfront.listPageSize(100);
    cloudfront.completeAll();
  }
});

test.run();
