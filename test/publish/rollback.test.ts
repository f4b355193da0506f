/**
 * Rollback against s3rver and the CloudFront stand-in: the previous deploy
 * restored exactly from its record, the live bucket and the archive, through
 * the same plan and apply; and each case where it cannot, said precisely,
 * before any write.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { PublishError } from '../../scripts/errors.ts';
import { CURRENT_POINTER, parseDeployRecord, parsePointer } from '../../scripts/publish/deploy-record.ts';
import type { Ports } from '../../scripts/publish/ports.ts';
import { rollbackSites, type RollbackOptions } from '../../scripts/publish/rollback.ts';
import { rejects } from '../helpers/assert.ts';
import { serveBucket } from '../helpers/bucket-website.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir, type TempDir, type Tree } from '../helpers/fixture.ts';
import { environmentYaml, startPublishServers, type PublishServers } from '../helpers/publish-servers.ts';
import { html, publishTree, SMALL_SITE, treeTarget } from '../helpers/publish-tree.ts';

const DISTRIBUTION = 'E2EDGEDIST001';
const quiet = { info() {}, warn() {} };

let servers: PublishServers;
let buckets = 0;

interface Ctx {
  tmp: TempDir;
  bucket: string;
  ports: Ports;
  deploy(tree: Tree, buildId: string): ReturnType<typeof publishTree>;
}
const test = suite<Ctx>('publish rollback');

test.before(async () => {
  servers = await startPublishServers({ distributions: [DISTRIBUTION] });
});
test.after(async () => {
  await servers.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('publish-rollback-');
  ctx.bucket = `rollback-test-${++buckets}`;
  await servers.s3.createBucket(ctx.bucket);
  const target = await treeTarget(ctx.tmp.dir, environmentYaml('edge', { bucket: ctx.bucket, endpoint: servers.s3.endpoint, distributions: [DISTRIBUTION] }));
  ctx.ports = servers.connect()(target);
  ctx.deploy = (tree, buildId) => publishTree(ctx.tmp.dir, target, ctx.ports, tree, buildId, { allowDeletes: true });
  servers.clear();
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const A: Tree = SMALL_SITE;
// A page changed, a page deleted, a page added, an asset renamed.
const B: Tree = {
  'index.html': html('Home', '<script src="/assets/app.77aa88bb.js"></script>'),
  'about/index.html': html('About, revised'),
  'news/index.html': html('News'),
  'assets/site.css': 'body { color: black; }\n',
  'assets/app.77aa88bb.js': 'console.log("app 2");\n',
};

const rollbackIn = (ctx: Ctx, options: Partial<RollbackOptions> = {}) =>
  rollbackSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'edge', sites: [], logger: quiet, connect: servers.connect(), allowDeletes: true, ...options });

/** The site's objects (the reserved prefix aside) and their bytes. */
async function served(ctx: Ctx): Promise<Tree> {
  const store = servers.s3.store(ctx.bucket);
  const tree: Tree = {};
  for (const object of await store.list('')) {
    if (object.key.startsWith('.publish/')) continue;
    tree[object.key] = (await store.get(object.key))!.toString();
  }
  return tree;
}

const writes = () => servers.s3.log.requests.filter((request) => request.method !== 'GET' && request.method !== 'HEAD' && request.key !== '.publish/lock.json');

test('rolls back to the previous deploy: exactly its files again, one invalidation, and a record saying what it replaced and restored', async (ctx) => {
  const a = await ctx.deploy(A, 'a');
  const b = await ctx.deploy(B, 'b');
  servers.clear();
  const outcome = await rollbackIn(ctx);
  assert.equal(await served(ctx), A);
  const site = outcome.sites[0]!;
  assert.is(outcome.command, 'rollback');
  assert.equal(site.rollback, {
    replaced: { key: b.report.deployRecordKey, buildId: 'b', publishedAt: b.report.publishedAt },
    restored: { key: a.report.deployRecordKey, buildId: 'a', publishedAt: a.report.publishedAt, commit: 'commit-of-a' },
  });
  assert.equal(site.plan.uploads.map((upload) => [upload.key, upload.reason]), [
    ['assets/app.3f2a9c1b.js', 'not on remote'],
    ['about/index.html', `content differs (${B['about/index.html']!.length} → ${A['about/index.html']!.length} bytes)`],
    ['contact/index.html', 'not on remote'],
    ['index.html', 'content differs (same size, different SHA-256)'],
  ]);
  assert.equal(site.plan.deletes.map((deletion) => deletion.key), ['assets/app.77aa88bb.js', 'news/index.html']);
  assert.equal(servers.cloudfront.requests.filter((request) => request.operation === 'CreateInvalidation').map((request) => request.paths), [
    ['/', '/about/', '/about/index.html', '/index.html', '/news/', '/news/index.html'],
  ]);

  const store = servers.s3.store(ctx.bucket);
  const pointer = parsePointer((await store.get(CURRENT_POINTER))!)!;
  const record = parseDeployRecord((await store.get(pointer.record))!)!;
  assert.equal([record.command, record.buildId, record.sourceDigest, record.git], ['rollback', 'a', 'digest-of-a', { commit: 'commit-of-a', clean: true }]);
  assert.equal(record.rollback, { replaced: b.report.deployRecordKey, restored: a.report.deployRecordKey });
  assert.is(record.by?.arn, servers.sts.callerArn);
});

test('rolling back twice returns to where the first rollback started (the bytes it replaced were archived)', async (ctx) => {
  await ctx.deploy(A, 'a');
  await ctx.deploy(B, 'b');
  await rollbackIn(ctx);
  const again = await rollbackIn(ctx);
  assert.is(again.sites[0]!.rollback?.restored.buildId, 'b');
  assert.equal(await served(ctx), B);
});

test('--to restores an earlier build than the previous one', async (ctx) => {
  await ctx.deploy(A, 'aaaa1111');
  await ctx.deploy(B, 'bbbb2222');
  await ctx.deploy({ ...B, 'about/index.html': html('About, third') }, 'cccc3333');
  const outcome = await rollbackIn(ctx, { to: 'aaaa' });
  assert.is(outcome.sites[0]!.rollback?.restored.buildId, 'aaaa1111');
  assert.equal(await served(ctx), A);
  const error = await rejects(() => rollbackIn(ctx, { to: 'ffff' }), PublishError);
  assert.match(error.message, /cannot be rolled back: no earlier deploy of build ffff is recorded in s3:\/\/rollback-test-\d+\/ \(earlier builds kept: cccc3333, bbbb2222, aaaa1111\); pass one of those to --to, or leave --to out to restore the previous build\.$/);
});

test('a dry run shows what the rollback would do and writes nothing', async (ctx) => {
  await ctx.deploy(A, 'a');
  await ctx.deploy(B, 'b');
  servers.clear();
  const outcome = await rollbackIn(ctx, { dryRun: true });
  assert.ok(outcome.dryRun);
  assert.is(outcome.sites[0]!.plan.uploads.length, 4);
  assert.equal(servers.s3.log.requests.filter((request) => request.method !== 'GET' && request.method !== 'HEAD'), []);
  assert.equal(await served(ctx), B);
});

test('cannot: no deploy record, one deploy, or only deploys of the current build — said precisely, nothing written', async (ctx) => {
  const where = `s3://${ctx.bucket}/`;
  const attempt = async () => {
    servers.clear();
    const error = await rejects(() => rollbackIn(ctx), PublishError);
    assert.equal(writes(), []);
    return error.message;
  };
  assert.is(await attempt(), `fixture.test → edge cannot be rolled back: ${where} has no deploy record, so this publisher never published there; check --env, and the environment's bucket and prefix in sites/fixture.test/site.yaml.`);
  await ctx.deploy(A, 'a');
  assert.is(await attempt(), `fixture.test → edge cannot be rolled back: ${where} has one deploy record (build a, the one it serves); there is no earlier deploy to restore; to change what it serves, publish a fixed build instead (npm run publish -- --env edge --site fixture).`);
  await ctx.deploy(A, 'a');
  assert.is(await attempt(), `fixture.test → edge cannot be rolled back: all 2 deploy records in ${where} are of build a, the one it serves; there is no earlier build to restore; to change what it serves, publish a fixed build instead (npm run publish -- --env edge --site fixture).`);
});

test('cannot: a deploy recorded before the archive existed (record version 1) — with how to rebuild it instead', async (ctx) => {
  const a = await ctx.deploy(A, 'a');
  await ctx.deploy(B, 'b');
  const store = servers.s3.store(ctx.bucket);
  const old = JSON.parse(gunzipSync((await store.get(a.report.deployRecordKey))!).toString()) as { version: number };
  old.version = 1;
  const body = gzipSync(JSON.stringify(old));
  await store.put({ key: a.report.deployRecordKey, body, contentType: 'application/json', contentEncoding: 'gzip', cacheControl: 'no-store', md5: createHash('md5').update(body).digest('hex'), metadata: {} });
  servers.clear();
  const error = await rejects(() => rollbackIn(ctx), PublishError);
  assert.is(
    error.message,
    `fixture.test → edge cannot be rolled back: deploy a (published ${a.report.publishedAt}) was recorded by an older version of this publisher (deploy record version 1), which kept no archive of replaced files; publish its commit instead: git checkout commit-of-a && npm run publish -- --env edge --site fixture.`,
  );
  assert.equal(writes(), []);
});

test('cannot: files neither live nor archived (removed by hand) are named, and nothing is written', async (ctx) => {
  const a = await ctx.deploy(A, 'a');
  await ctx.deploy(B, 'b');
  const store = servers.s3.store(ctx.bucket);
  await store.delete((await store.list('.publish/objects/')).map((object) => object.key));
  servers.clear();
  const error = await rejects(() => rollbackIn(ctx), PublishError);
  assert.is(
    error.message,
    `fixture.test → edge cannot be rolled back: 4 files of deploy a (published ${a.report.publishedAt}) are neither live nor archived with the recorded SHA-256: assets/app.3f2a9c1b.js, about/index.html, contact/index.html, index.html. They were changed or removed outside this publisher, so that deploy cannot be restored exactly; publish its commit instead (commit-of-a).`,
  );
  assert.equal(writes(), []);
  assert.equal(await served(ctx), B);
});

test('the command: --rollback restores the previous deploy and says so', async (ctx) => {
  await ctx.deploy(A, 'a');
  await ctx.deploy(B, 'b');
  const result = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'edge', '--rollback', '--allow-deletes'], {
    env: { AWS_ENDPOINT_URL_CLOUDFRONT: servers.cloudfront.endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, `  rollback    to build a (published `);
  assert.match(result.stdout, /rolled back fixture\.test → edge: uploaded 4 files \([^)]+\), 1 unchanged, deleted 2 files, invalidated 6 paths on E2EDGEDIST001 \(I\d+\) in \d+ ms\n {2}now serving build a again \(restored from \.publish\/deploys\/[^)]+-a\.json\)/);
  assert.equal(await served(ctx), A);
});

test('the command: --rollback --wait checks the restored page and leaves no temporary folder behind', async (ctx) => {
  const website = await serveBucket(servers.s3.store(ctx.bucket));
  try {
    // A page both deploys share: the rollback does not upload it, so --wait reads it from the bucket after the apply.
    const target = await treeTarget(ctx.tmp.dir, environmentYaml('edge', { bucket: ctx.bucket, endpoint: servers.s3.endpoint, distributions: [DISTRIBUTION], url: `${website.url}/team/index.html` }));
    const ports = servers.connect()(target);
    await publishTree(ctx.tmp.dir, target, ports, { ...A, 'team/index.html': html('Team') }, 'a');
    await publishTree(ctx.tmp.dir, target, ports, { ...B, 'team/index.html': html('Team') }, 'b', { allowDeletes: true });
    servers.clear();
    servers.cloudfront.completeOnPoll(1);
    const tmp = path.join(ctx.tmp.dir, 'tmp');
    await mkdir(tmp);
    const result = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'edge', '--rollback', '--allow-deletes', '--wait'], {
      env: { TMPDIR: tmp, AWS_ENDPOINT_URL_CLOUDFRONT: servers.cloudfront.endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stdout, `verified: ${website.url}/team/index.html serves build-id team (team/index.html)`);
    assert.equal((await readdir(tmp)).filter((name) => name.startsWith('publish-rollback-')), []);
  } finally {
    await website.close();
  }
});

test.run();
