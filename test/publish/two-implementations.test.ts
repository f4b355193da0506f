/**
 * The publish scenarios against two independent implementations of S3,
 * CloudFront and STS, through the publisher's own SDK adapters
 * (test/helpers/publish-backends.ts):
 *
 *   stand-ins  s3rver behind the counting proxy (conditional writes answered
 *              by the proxy), the CloudFront stand-in, STS from moto
 *   moto       moto_server for S3 (its own conditional writes), CloudFront
 *              (a distribution created in it) and STS
 *
 * first publish, clean rebuild, one change, deletes, the lock race,
 * rollback, --wait and the staging gate run the same test code against
 * both; what each server received is read from the server's side. Where
 * the two disagree, a test below names the difference, and the publisher
 * follows AWS's documentation. Last, the --wait limit and spellings, with
 * the stand-in (moto completes every invalidation at once, so only the
 * stand-in can keep one in progress).
 */
import { createHash } from 'node:crypto';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { PublishError } from '../../scripts/errors.ts';
import { cloudFrontCdn } from '../../scripts/publish/cloudfront-cdn.ts';
import { CURRENT_POINTER, parseDeployRecord, parsePointer } from '../../scripts/publish/deploy-record.ts';
import { LOCK_KEY } from '../../scripts/publish/lock.ts';
import type { Connection, Ports } from '../../scripts/publish/ports.ts';
import { publishSites } from '../../scripts/publish/publish.ts';
import { rollbackSites } from '../../scripts/publish/rollback.ts';
import { verifyDeploy } from '../../scripts/publish/verify.ts';
import { LOCAL_S3_CREDENTIALS } from '../../scripts/s3-local/server.ts';
import { rejects } from '../helpers/assert.ts';
import { serveBucket, type BucketWebsite } from '../helpers/bucket-website.ts';
import { startCloudFrontServer } from '../helpers/cloudfront-server.ts';
import { copySharedParts, tempDir, type TempDir, type Tree } from '../helpers/fixture.ts';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.ts';
import { moto, standIns, type PublishBackend } from '../helpers/publish-backends.ts';
import { commitAll, environmentYaml, onTestServers } from '../helpers/publish-servers.ts';
import { html, publishTree, SMALL_SITE, treeTarget } from '../helpers/publish-tree.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

const quiet = { info() {}, warn() {} };

/**
 * One moto_server for the whole file, with its request recorder on: the
 * first suite to need it starts it, the last suite (wait) stops it.
 */
let sharedMoto: Promise<MotoServer> | undefined;
const fileMoto = async () => ({ moto: await (sharedMoto ??= startMotoServer({ record: true })) });
async function stopFileMoto(): Promise<void> {
  if (sharedMoto) await (await sharedMoto).stop();
  sharedMoto = undefined;
}

/**
 * --wait without waiting: no sleeps, and a limit already reached, so an
 * invalidation not read as completed on its first poll fails at once (both
 * servers complete it by then) instead of polling for the default limit.
 */
const noWait = { pollMs: 0, sleep: async () => undefined, timeoutMs: 0 };

const A: Tree = SMALL_SITE;
const A_ABOUT_CHANGED: Tree = { ...A, 'about/index.html': html('About, revised') };
const A_WITHOUT_CONTACT: Tree = Object.fromEntries(Object.entries(A).filter(([key]) => key !== 'contact/index.html'));

interface Ctx {
  tmp: TempDir;
  bucket: string;
  distributionId: string;
  website: BucketWebsite;
  ports: Ports;
  deploy(tree: Tree, buildId: string): ReturnType<typeof publishTree>;
}

/** Writes (anything but GET and HEAD) to the site's bucket, the lock aside (it is written and removed by every run). */
async function writes(backend: PublishBackend, bucket: string): Promise<string[]> {
  return (await backend.s3Calls())
    .filter((call) => call.bucket === bucket && call.method !== 'GET' && call.method !== 'HEAD' && call.key !== LOCK_KEY)
    .map((call) => `${call.operation} ${call.key}`);
}

/** The site's objects (the publisher's own prefix aside) and their bytes, read back through the adapter. */
async function served(backend: PublishBackend, bucket: string): Promise<Tree> {
  const store = backend.store(bucket);
  const tree: Tree = {};
  for (const object of await store.list('')) {
    if (!object.key.startsWith('.publish/')) tree[object.key] = (await store.get(object.key))!.toString();
  }
  return tree;
}

const createdInvalidations = async (backend: PublishBackend) => (await backend.cloudFrontCalls()).filter((call) => call.operation === 'CreateInvalidation').map((call) => call.paths);

function scenarios(name: string, start: () => Promise<PublishBackend>) {
  let backend: PublishBackend;
  const test = suite<Ctx>(`publish scenarios against ${name}`);

  test.before(async () => {
    backend = await start();
  });
  test.after(async () => {
    await backend?.stop();
  });
  test.before.each(async (ctx) => {
    ctx.tmp = await tempDir('publish-two-');
    const site = await backend.newSite();
    ctx.bucket = site.bucket;
    ctx.distributionId = site.distributionId;
    ctx.website = await serveBucket(backend.store(ctx.bucket));
    const target = await treeTarget(ctx.tmp.dir, environmentYaml('edge', { bucket: ctx.bucket, endpoint: backend.endpoint, url: ctx.website.url, distributions: [ctx.distributionId] }));
    ctx.ports = backend.connect()(target);
    ctx.deploy = (tree, buildId) => publishTree(ctx.tmp.dir, target, ctx.ports, tree, buildId, { allowDeletes: true });
    await backend.clear();
  });
  test.after.each(async (ctx) => {
    await ctx.website.close();
    await ctx.tmp.cleanup();
  });

  const rollback = (ctx: Ctx, extra: Partial<Parameters<typeof rollbackSites>[0]> = {}) =>
    rollbackSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'edge', sites: [], logger: quiet, connect: backend.connect(), allowDeletes: true, ...extra });

  test('first publish: every file uploaded, then the deploy record and its pointer; nothing to invalidate', async (ctx) => {
    const first = await ctx.deploy(A, 'a');
    assert.equal(first.plan.uploads.map((upload) => upload.reason), Object.keys(A).map(() => 'not on remote'));
    assert.equal(await served(backend, ctx.bucket), A);
    const sent = await writes(backend, ctx.bucket);
    assert.equal(sent.filter((call) => !call.includes('.publish/')).sort(), Object.keys(A).map((key) => `PutObject ${key}`).sort());
    assert.equal(sent.filter((call) => call.includes('.publish/')), [`PutObject ${first.report.deployRecordKey}`, `PutObject ${CURRENT_POINTER}`]);
    assert.equal(await createdInvalidations(backend), []);
    const pointer = parsePointer((await backend.store(ctx.bucket).get(CURRENT_POINTER))!)!;
    assert.is(pointer.record, first.report.deployRecordKey);
  });

  test('clean rebuild with identical bytes: nothing uploaded, deleted or invalidated (the listing ETags are MD5s on both)', async (ctx) => {
    await ctx.deploy(A, 'a');
    await backend.clear();
    const again = await ctx.deploy(A, 'a-rebuilt');
    assert.equal([again.plan.uploads, again.plan.deletes, again.report.invalidations], [[], [], []]);
    assert.is(again.report.unchanged, Object.keys(A).length);
    // Only the new deploy record and the pointer.
    assert.equal(await writes(backend, ctx.bucket), [`PutObject ${again.report.deployRecordKey}`, `PutObject ${CURRENT_POINTER}`]);
    assert.equal(await createdInvalidations(backend), []);
  });

  test('one page changed: its old bytes archived server side, one upload, its two paths invalidated', async (ctx) => {
    await ctx.deploy(A, 'a');
    await backend.clear();
    const changed = await ctx.deploy(A_ABOUT_CHANGED, 'b');
    assert.equal(changed.plan.uploads.map((upload) => upload.key), ['about/index.html']);
    const sent = (await writes(backend, ctx.bucket)).filter((call) => !call.startsWith('PutObject .publish/deploys/') && call !== `PutObject ${CURRENT_POINTER}`);
    assert.equal(sent.map((call) => call.replace(/ \.publish\/objects\/[0-9a-f]{64}$/, ' .publish/objects/<sha-256>')), ['CopyObject .publish/objects/<sha-256>', 'PutObject about/index.html']);
    assert.equal(await createdInvalidations(backend), [['/about/', '/about/index.html']]);
    assert.equal(changed.report.invalidations.map((invalidation) => invalidation.distributionId), [ctx.distributionId]);
    assert.equal(await served(backend, ctx.bucket), A_ABOUT_CHANGED);
  });

  test('a page deleted: one DeleteObjects, the key gone from the listing, its paths invalidated', async (ctx) => {
    await ctx.deploy(A, 'a');
    await backend.clear();
    const deleted = await ctx.deploy(A_WITHOUT_CONTACT, 'c');
    assert.equal(deleted.plan.deletes.map((deletion) => deletion.key), ['contact/index.html']);
    assert.ok((await writes(backend, ctx.bucket)).includes('DeleteObjects '));
    assert.equal(await served(backend, ctx.bucket), A_WITHOUT_CONTACT);
    assert.equal(await createdInvalidations(backend), [['/contact/', '/contact/index.html']]);
  });

  test('rollback: exactly the previous files again, one invalidation, a record naming what it replaced and restored', async (ctx) => {
    const a = await ctx.deploy(A, 'a');
    const b = await ctx.deploy(A_ABOUT_CHANGED, 'b');
    await backend.clear();
    const outcome = await rollback(ctx);
    assert.equal(await served(backend, ctx.bucket), A);
    assert.equal(await createdInvalidations(backend), [['/about/', '/about/index.html']]);
    const record = parseDeployRecord((await backend.store(ctx.bucket).get(outcome.sites[0]!.report!.deployRecordKey))!)!;
    assert.equal([record.command, record.buildId, record.rollback], ['rollback', 'a', { replaced: b.report.deployRecordKey, restored: a.report.deployRecordKey }]);
    assert.is(record.by?.arn, backend.callerArn);
  });

  test('lock race: two runs at once, exactly one wins; the other is refused naming the holder, and the lock is released', async (ctx) => {
    await ctx.deploy(A, 'a');
    await ctx.deploy(A_ABOUT_CHANGED, 'b');
    // Both conditional PUTs of the lock are sent together (neither goes before the other has
    // arrived), so the server alone decides; the winner then waits for the loser to finish, so
    // the loser cannot take a lock the winner has already released.
    let arrived = 0;
    let together!: () => void;
    const bothArrived = new Promise<void>((resolve) => (together = resolve));
    let listing = 0;
    let unblock!: () => void;
    const loserDone = new Promise<void>((resolve) => (unblock = resolve));
    const wrap = (connection: Connection): Connection => ({
      ...connection,
      store: {
        ...connection.store,
        async putIfAbsent(request) {
          if (request.key === LOCK_KEY) {
            if (++arrived === 2) together();
            await bothArrived;
          }
          return connection.store.putIfAbsent(request);
        },
        async list(prefix, onPage) {
          // Only a lock holder lists; two listing at once means both hold it, and the test fails below.
          if (++listing === 2) unblock();
          await loserDone;
          return connection.store.list(prefix, onPage);
        },
      },
    });
    const runs = [rollback(ctx, { connect: backend.connect(wrap) }), rollback(ctx, { connect: backend.connect(wrap) })];
    void Promise.race(runs).catch(() => unblock());
    for (const run of runs) void run.catch(() => unblock());
    const results = await Promise.allSettled(runs);
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    assert.is(won.length, 1, 'exactly one run wins the lock');
    assert.is(lost.length, 1);
    assert.instance(lost[0], PublishError);
    assert.match((lost[0] as Error).message, new RegExp(`^fixture\\.test → edge is being published by ${backend.callerArn.replace(/[./]/g, '\\$&')} \\(.+, pid ${process.pid}, rollback\\) since .+; its lock s3://${ctx.bucket}/${LOCK_KEY} expires at `));
    const lockPuts = (await backend.s3Calls()).filter((call) => call.key === LOCK_KEY && call.method === 'PUT');
    assert.ok(lockPuts.length >= 2, 'both runs asked for the lock');
    assert.is(await backend.store(ctx.bucket).get(LOCK_KEY), undefined, 'the winner released the lock');
    assert.equal(await served(backend, ctx.bucket), A);
  });

  test('--wait: the invalidation is polled until it reads completed (whatever the spelling), then the public page is checked', async (ctx) => {
    await ctx.deploy(A, 'a');
    await ctx.deploy(A_ABOUT_CHANGED, 'b');
    await backend.clear();
    // --wait runs the same way after a publish and after a rollback (runJobs); the URL names index.html.
    const outcome = await rollback(ctx, { wait: noWait });
    const site = outcome.sites[0]!;
    const invalidation = site.report!.invalidations[0]!;
    assert.equal(site.verification?.invalidations.map((entry) => [entry.id, entry.status]), [[invalidation.id, 'Completed']]);
    assert.equal([site.verification?.result, site.verification?.page], ['match', 'index.html']);
    const polls = (await backend.cloudFrontCalls()).filter((call) => call.operation === 'GetInvalidation');
    assert.ok(polls.length >= 1);
  });

  test('verifyDeploy alone, as --wait calls it after a publish: ends once the server says completed', async (ctx) => {
    await ctx.deploy(A, 'a');
    const b = await ctx.deploy(A_ABOUT_CHANGED, 'b');
    const verification = await verifyDeploy({
      url: `${ctx.website.url}/about/`,
      cdn: ctx.ports.cdn,
      invalidations: b.report.invalidations,
      expectedPage: async (file) => (A_ABOUT_CHANGED[file] === undefined ? undefined : Buffer.from(A_ABOUT_CHANGED[file]!)),
      logger: quiet,
      ...noWait,
    });
    assert.equal([verification.result, verification.invalidations.map((entry) => entry.status)], ['match', ['Completed']]);
  });

  test('staging gate: production refuses until staging serves this commit, then accepts it and records the staging deploy', async (ctx) => {
    const staging = await backend.newBucket();
    const production = await backend.newBucket();
    const workspace = await tempDir('publish-two-gate-');
    try {
      await copySharedParts(workspace.dir);
      const tree = fixtureSite({ pages: { 'content/about.md': page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', 'About.') } });
      tree['sites/fixture.test/site.yaml'] = onTestServers(tree['sites/fixture.test/site.yaml'] as string, { endpoint: backend.endpoint, staging, production });
      await workspace.write(tree);
      await commitAll(workspace.dir, 'first');
      const run = (envName: string) => publishSites({ workspace: workspaceAt(workspace.dir), envName, sites: [], logger: quiet, connect: backend.connect() });
      await backend.clear();

      const refused = await rejects(() => run('production'), PublishError);
      assert.match(refused.message, `fixture.test cannot be published to production: staging (s3://${staging}/) has no deploy record, so this source was never published there.`);
      assert.equal(await writes(backend, production), [], 'nothing was written to production');

      const staged = await run('staging');
      const accepted = await run('production');
      const check = accepted.sites[0]!.stagingCheck;
      assert.equal(check, { result: 'passed', stagingRecord: staged.sites[0]!.report!.deployRecordKey, stagingBuildId: staged.sites[0]!.report!.buildId });
      const record = parseDeployRecord((await backend.store(production).get(accepted.sites[0]!.report!.deployRecordKey))!)!;
      assert.equal(record.stagingCheck, check);
    } finally {
      await workspace.cleanup();
    }
  });

  return test;
}

scenarios('s3rver and the stand-ins', async () => standIns(await fileMoto())).run();
scenarios('moto', async () => moto(await fileMoto())).run();

/**
 * Where moto and the stand-ins answer differently, and what AWS documents.
 * One of each, side by side, so each difference is named by a failing
 * assertion if either side changes.
 */
const differences = suite<{ standIns: PublishBackend; moto: PublishBackend }>('publish: where moto and the stand-ins differ');

differences.before(async (ctx) => {
  ctx.standIns = await standIns(await fileMoto());
  ctx.moto = await moto(await fileMoto());
});
differences.after(async (ctx) => {
  await ctx.moto?.stop();
  await ctx.standIns?.stop();
});

const both = (ctx: { standIns: PublishBackend; moto: PublishBackend }) => [ctx.standIns, ctx.moto] as const;

differences('invalidation status: AWS documents "Completed"; moto spells it "COMPLETED"; the adapter reports the documented spelling for both', async (ctx) => {
  const raw: string[] = [];
  const reported: string[] = [];
  for (const backend of both(ctx)) {
    const { distributionId } = await backend.newSite();
    const cdn = cloudFrontCdn({ endpoint: backend.cloudFrontEndpoint, credentials: LOCAL_S3_CREDENTIALS });
    const created = await cdn.invalidate({ distributionId, paths: ['/index.html'], callerReference: `spelling-${backend.name}` });
    reported.push((await cdn.invalidation(distributionId, created.id)).status);
    raw.push((await backend.rawInvalidationStatus(distributionId, created.id)) ?? '');
  }
  assert.equal(raw, ['Completed', 'COMPLETED']);
  assert.equal(reported, ['Completed', 'Completed']);
});

differences('a repeated CallerReference: AWS (and the stand-in) return the first invalidation; moto creates a second one', async (ctx) => {
  const ids: boolean[] = [];
  for (const backend of both(ctx)) {
    const { distributionId } = await backend.newSite();
    const cdn = cloudFrontCdn({ endpoint: backend.cloudFrontEndpoint, credentials: LOCAL_S3_CREDENTIALS });
    const request = { distributionId, paths: ['/about/'], callerReference: `retry-${backend.name}` };
    const first = await cdn.invalidate(request);
    const second = await cdn.invalidate(request);
    ids.push(first.id === second.id);
  }
  // The publisher relies on the documented behaviour (a retried request whose answer was lost costs nothing); moto would bill twice.
  assert.equal(ids, [true, false]);
});

differences('STS: AWS answers the signing identity; moto, for key pairs it did not issue, its default user, which locks and deploy records then name', async (ctx) => {
  const callers: string[] = [];
  for (const backend of both(ctx)) {
    const bucket = await backend.newBucket();
    const root = await tempDir('publish-two-sts-');
    try {
      const target = await treeTarget(root.dir, environmentYaml('edge', { bucket, endpoint: backend.endpoint }));
      callers.push((await backend.connect()(target).identity.caller()).arn);
    } finally {
      await root.cleanup();
    }
  }
  // Both are moto (the stand-ins' STS is moto behind a proxy that only adds ExpiredToken).
  assert.equal(callers, ['arn:aws:sts::123456789012:user/moto', 'arn:aws:sts::123456789012:user/moto']);
  assert.equal(both(ctx).map((backend) => backend.callerArn), callers);
});

differences('conditional writes agree: 412 PreconditionFailed for a key that exists or moved, 404 NoSuchKey for If-Match on a missing key (moto natively, s3rver through its proxy)', async (ctx) => {
  const outcomes: unknown[] = [];
  for (const backend of both(ctx)) {
    const store = backend.store(await backend.newBucket());
    const request = (text: string) => ({ key: 'k.json', body: Buffer.from(text), contentType: 'application/json', cacheControl: 'no-store', md5: createHash('md5').update(text).digest('hex'), metadata: {} });
    const first = await store.putIfAbsent(request('one'));
    const etag = first.written ? first.etag : '';
    await backend.clear();
    outcomes.push([
      await store.putIfAbsent(request('two')),
      await store.putIfMatch(request('three'), '0123456789abcdef0123456789abcdef'),
      await store.putIfMatch({ ...request('four'), key: 'missing.json' }, etag),
      await store.deleteIfMatch('k.json', '0123456789abcdef0123456789abcdef'),
      etag === createHash('md5').update('one').digest('hex'),
    ]);
  }
  assert.equal(outcomes[0], [{ written: false }, { written: false }, { written: false }, false, true]);
  assert.equal(outcomes[1], outcomes[0]);
});

differences.run();

/**
 * --wait's limit and spellings, with the stand-in: moto completes every
 * invalidation the moment it is created, so only the stand-in can keep one
 * in progress, or complete it on a chosen poll.
 */
const wait = suite('publish --wait: bounded, never silent, any spelling');

wait('an invalidation still in progress at the limit: progress lines while waiting, then one sentence naming it and the command to check it', async () => {
  const cloudfront = await startCloudFrontServer({ distributions: ['E2WAITLIMIT01'] });
  try {
    const cdn = cloudFrontCdn({ endpoint: cloudfront.endpoint, credentials: LOCAL_S3_CREDENTIALS });
    const { id } = await cdn.invalidate({ distributionId: 'E2WAITLIMIT01', paths: ['/'], callerReference: 'limit' });
    // A clock that moves 30 s per poll: the limit (3 min) is reached on the 7th poll, without waiting.
    let clock = 0;
    const lines: string[] = [];
    const error = await rejects(
      () =>
        verifyDeploy({
          url: 'http://127.0.0.1:9/',
          cdn,
          invalidations: [{ distributionId: 'E2WAITLIMIT01', id }],
          expectedPage: async () => undefined,
          logger: { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) },
          pollMs: 30_000,
          timeoutMs: 3 * 60_000,
          progressMs: 60_000,
          now: () => clock,
          sleep: async (ms) => {
            clock += ms;
          },
        }),
      PublishError,
    );
    assert.is(
      error.message,
      `The upload is complete, but invalidation ${id} on E2WAITLIMIT01 was still InProgress after 3 min, so --wait stopped waiting (its limit is 3 min) and the public URL was not checked; check the invalidation with \`aws cloudfront get-invalidation --distribution-id E2WAITLIMIT01 --id ${id}\`.`,
    );
    assert.equal(lines, [
      `  waiting for invalidation ${id} on E2WAITLIMIT01 (at most 3 min)`,
      `  invalidation ${id} on E2WAITLIMIT01 is still InProgress after 1 min (waiting at most 3 min; aws cloudfront get-invalidation --distribution-id E2WAITLIMIT01 --id ${id})`,
      `  invalidation ${id} on E2WAITLIMIT01 is still InProgress after 2 min (waiting at most 3 min; aws cloudfront get-invalidation --distribution-id E2WAITLIMIT01 --id ${id})`,
    ]);
    assert.is(cloudfront.count('GetInvalidation'), 7);
  } finally {
    await cloudfront.close();
  }
});

wait('the stand-in spelling it "COMPLETED" (as moto does): the wait ends on the poll that says so', async () => {
  const cloudfront = await startCloudFrontServer({ distributions: ['E2SPELLING001'], completedSpelling: 'COMPLETED' });
  try {
    cloudfront.completeOnPoll(2);
    const cdn = cloudFrontCdn({ endpoint: cloudfront.endpoint, credentials: LOCAL_S3_CREDENTIALS });
    const { id } = await cdn.invalidate({ distributionId: 'E2SPELLING001', paths: ['/'], callerReference: 'spelling' });
    let clock = 0;
    const verification = await verifyDeploy({
      url: 'http://127.0.0.1:9/',
      cdn,
      invalidations: [{ distributionId: 'E2SPELLING001', id }],
      expectedPage: async () => undefined,
      logger: quiet,
      pollMs: 10_000,
      timeoutMs: 60_000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    assert.equal(verification.invalidations, [{ distributionId: 'E2SPELLING001', id, status: 'Completed', polls: 2 }]);
    // Negative control: the wire really said COMPLETED.
    const raw = new CloudFrontClient({ region: 'us-east-1', endpoint: cloudfront.endpoint, credentials: LOCAL_S3_CREDENTIALS });
    try {
      const again = await raw.send(new CreateInvalidationCommand({ DistributionId: 'E2SPELLING001', InvalidationBatch: { CallerReference: 'spelling', Paths: { Quantity: 1, Items: ['/'] } } }));
      assert.is(again.Invalidation?.Status, 'COMPLETED');
    } finally {
      raw.destroy();
    }
  } finally {
    await cloudfront.close();
  }
});

wait('invalidations in progress: one that completed between the listing and its read, spelled "COMPLETED", no longer counts', async () => {
  const cloudfront = await startCloudFrontServer({ distributions: ['E2SPELLING002'], completedSpelling: 'COMPLETED' });
  try {
    cloudfront.seed('E2SPELLING002', [['/a/*', '/b'], ['/c']]);
    // Listed InProgress, then completed by the GetInvalidation that reads its paths.
    cloudfront.completeOnPoll(1);
    const cdn = cloudFrontCdn({ endpoint: cloudfront.endpoint, credentials: LOCAL_S3_CREDENTIALS });
    assert.equal(await cdn.inProgress('E2SPELLING002'), { invalidations: 0, paths: 0, wildcards: 0 });
    cloudfront.completeOnPoll(undefined);
    cloudfront.seed('E2SPELLING002', [['/d/*']]);
    assert.equal(await cdn.inProgress('E2SPELLING002'), { invalidations: 1, paths: 1, wildcards: 1 });
  } finally {
    await cloudfront.close();
  }
});

wait.after(stopFileMoto);

wait.run();
