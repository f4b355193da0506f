/**
 * Deploy records, the pointer to the current one, the archive of replaced
 * bytes and retention — written by real publishes into s3rver and read back.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BuildRecord } from '../../scripts/build/build-record.ts';
import { pageIdOf } from '../../scripts/build/page-id.ts';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { pruneDeploys, RETENTION_BATCH } from '../../scripts/publish/archive.ts';
import { CURRENT_POINTER, parseDeployRecord, parsePointer } from '../../scripts/publish/deploy-record.ts';
import type { Ports } from '../../scripts/publish/ports.ts';
import { publishSites } from '../../scripts/publish/publish.ts';
import { readCurrentDeploy } from '../../scripts/publish/staging-gate.ts';
import { copySharedParts, tempDir, type TempDir, type Tree } from '../helpers/fixture.ts';
import { commitAll, environmentYaml, startPublishServers, type PublishServers } from '../helpers/publish-servers.ts';
import { html, publishTree, treeTarget } from '../helpers/publish-tree.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

const DISTRIBUTION = 'E2EDGEDIST001';
const quiet = { info() {}, warn() {} };

let servers: PublishServers;
let buckets = 0;

interface Ctx {
  tmp: TempDir;
  bucket: string;
}
const test = suite<Ctx>('publish deploy records');

test.before(async () => {
  servers = await startPublishServers({ distributions: [DISTRIBUTION] });
});
test.after(async () => {
  await servers.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('publish-records-');
  ctx.bucket = `records-test-${++buckets}`;
  await servers.s3.createBucket(ctx.bucket);
  servers.clear();
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

test('each publish records build id, source digest, commit and clean flag, time, who, counts and invalidation ids, and current.json points at it', async (ctx) => {
  await copySharedParts(ctx.tmp.dir);
  const about = (body: string) => page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', body);
  await ctx.tmp.write(fixtureSite({ extraConfig: environmentYaml('edge', { bucket: ctx.bucket, endpoint: servers.s3.endpoint, distributions: [DISTRIBUTION] }), pages: { 'content/about.md': about('About.') } }));
  const publish = () => publishSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'edge', sites: [], logger: quiet, connect: servers.connect() });
  await commitAll(ctx.tmp.dir, 'first');
  await publish();
  await ctx.tmp.write({ 'sites/fixture.test/content/about.md': about('About, and more.') });
  const commit = await commitAll(ctx.tmp.dir, 'second');
  const outcome = await publish();
  const report = outcome.sites[0]!.report!;
  const built = JSON.parse(await readFile(path.join(ctx.tmp.dir, 'dist/edge/fixture.test.build.json'), 'utf8')) as BuildRecord;

  const store = servers.s3.store(ctx.bucket);
  const pointer = parsePointer((await store.get(CURRENT_POINTER))!);
  assert.is(pointer?.record, report.deployRecordKey);
  const record = parseDeployRecord((await store.get(report.deployRecordKey))!)!;
  assert.equal(
    {
      version: record.version,
      buildId: record.buildId,
      sourceDigest: record.sourceDigest,
      git: record.git,
      by: record.by,
      command: record.command,
      counts: record.counts,
      invalidations: record.invalidations.map((invalidation) => [invalidation.distributionId, invalidation.id]),
    },
    {
      version: 2,
      buildId: built.buildId,
      sourceDigest: built.sourceDigest,
      git: { commit, clean: true },
      by: { arn: servers.sts.callerArn, account: '123456789012', user: os.userInfo().username, host: os.hostname() },
      command: 'publish',
      counts: { uploaded: report.uploaded, uploadedBytes: report.uploadedBytes, unchanged: report.unchanged, deleted: 0, invalidationPaths: 2 },
      invalidations: [[DISTRIBUTION, servers.cloudfront.invalidations.at(-1)!.id]],
    },
  );
  assert.is(record.publishedAt, report.publishedAt);
  assert.equal([pointer?.buildId, pointer?.sourceDigest, pointer?.git, pointer?.by?.arn], [record.buildId, record.sourceDigest, record.git, record.by?.arn]);
  // Every object with its SHA-256 and size: what rollback needs.
  const aboutEntry = record.objects['about/index.html']!;
  const aboutBytes = await readFile(path.join(ctx.tmp.dir, 'dist/edge/fixture.test/about/index.html'));
  assert.equal(aboutEntry.slice(2), [sha256(aboutBytes), aboutBytes.length]);
  assert.ok(Object.values(record.objects).every(([, , hash, size]) => /^[0-9a-f]{64}$/.test(hash) && typeof size === 'number'));
  // The build-id a person reads off a live page finds this deploy.
  assert.is(record.pageIds?.['about/index.html'], pageIdOf(aboutBytes.toString('utf8')));
  assert.equal(Object.keys(record.pageIds ?? {}).sort(), built.files.filter((file) => file.path.endsWith('.html')).map((file) => file.path).sort());
  // The staging gate reads it the same way: pointer, then record.
  const current = await readCurrentDeploy(store, '');
  assert.ok(current && 'key' in current && current.key === report.deployRecordKey);
});

/** A tree deploy on the `edge` environment of the test bucket. */
async function edge(ctx: Ctx, publishBlock = ''): Promise<{ ports: Ports; deploy: (tree: Tree, buildId: string, allowDeletes?: boolean) => ReturnType<typeof publishTree> }> {
  const target = await treeTarget(ctx.tmp.dir, environmentYaml('edge', { bucket: ctx.bucket, endpoint: servers.s3.endpoint, distributions: [DISTRIBUTION] }), publishBlock);
  const connection = servers.connect()(target);
  return { ports: connection, deploy: (tree, buildId, allowDeletes) => publishTree(ctx.tmp.dir, target, connection, tree, buildId, { allowDeletes }) };
}

const site: Tree = {
  'index.html': html('Home'),
  'about/index.html': html('About'),
  'contact/index.html': html('Contact'),
  'assets/site.css': 'body { color: black; }\n',
};

test('a page replaced and a page deleted: their bytes are archived first, server-side and content-addressed, once', async (ctx) => {
  const { deploy } = await edge(ctx);
  await deploy(site, 'a');
  servers.clear();
  const next: Tree = { ...site, 'about/index.html': html('About, changed') };
  delete next['contact/index.html'];
  const { plan } = await deploy(next, 'b', true);
  const copies = servers.s3.log.requests.filter((request) => request.operation === 'CopyObject');
  assert.equal(copies.map((request) => request.key).sort(), [`.publish/objects/${sha256(site['about/index.html']!)}`, `.publish/objects/${sha256(site['contact/index.html']!)}`].sort());
  const operations = servers.s3.log.requests.map((request) => request.operation);
  assert.ok(operations.lastIndexOf('CopyObject') < operations.indexOf('PutObject'), 'archived before anything is replaced');
  assert.equal(plan.archive.map((copy) => copy.from).sort(), ['about/index.html', 'contact/index.html']);
  const store = servers.s3.store(ctx.bucket);
  assert.is((await store.get(`.publish/objects/${sha256(site['contact/index.html']!)}`))?.toString(), site['contact/index.html']);
  // The same bytes replaced again are not copied again.
  await deploy(site, 'a', true);
  servers.clear();
  await deploy(next, 'b', true);
  assert.equal(servers.s3.log.count('CopyObject'), 0);
});

test('records, the pointer and the archive are never deleted or overwritten by the site diff', async (ctx) => {
  const { deploy } = await edge(ctx);
  const store = servers.s3.store(ctx.bucket);
  await deploy(site, 'a');
  await deploy({ ...site, 'about/index.html': html('About, changed') }, 'b');
  const reservedBefore = (await store.list('.publish/')).filter((object) => object.key !== CURRENT_POINTER);
  const { plan } = await deploy({ 'index.html': html('Home alone') }, 'c', true);
  assert.ok(plan.deletes.length >= 3);
  assert.ok(plan.deletes.every((deletion) => !deletion.key.startsWith('.publish/')));
  assert.ok(plan.uploads.every((upload) => !upload.key.startsWith('.publish/')));
  const reservedAfter = await store.list('.publish/');
  for (const object of reservedBefore) {
    assert.is(reservedAfter.find((after) => after.key === object.key)?.etag, object.etag, object.key);
  }
});

test(`retention: the newest keepDeploys records stay restorable; older ones and the archived bytes only they named go, ${RETENTION_BATCH} at a time`, async (ctx) => {
  const { ports, deploy } = await edge(ctx, '  keepDeploys: 2\n');
  const store = servers.s3.store(ctx.bucket);
  const versions = Array.from({ length: 2 + RETENTION_BATCH }, (_, index) => html(`About, version ${index + 1}`));
  let removed = { records: 0, archived: 0 };
  for (const [index, about] of versions.entries()) {
    const result = await deploy({ ...site, 'about/index.html': about }, `v${index + 1}`);
    removed = await pruneDeploys({
      store: ports.store,
      prefix: '',
      reserved: result.state!.reserved,
      written: { key: result.report.deployRecordKey, record: result.report.record },
      copied: result.plan.archive.map((copy) => copy.to),
      keep: 2,
      logger: quiet,
    });
    const records = (await store.list('.publish/deploys/')).length;
    if (index < versions.length - 1) {
      assert.equal([records, removed.records], [index + 1, 0], `after deploy ${index + 1}`);
    }
  }
  assert.equal(removed, { records: RETENTION_BATCH, archived: RETENTION_BATCH });
  const records = (await store.list('.publish/deploys/')).map((object) => object.key);
  assert.equal(records.map((key) => key.replace(/^.*Z-/, '')), ['v6.json', 'v7.json']);
  // v6's about page was replaced by v7's: still archived, for a rollback to v6.
  assert.equal((await store.list('.publish/objects/')).map((object) => object.key), [`.publish/objects/${sha256(versions[5]!)}`]);
});

test.run();
