/**
 * The lock per site and environment, against s3rver behind the proxy that
 * honours conditional writes (s3rver itself ignores If-None-Match and
 * If-Match; see scripts/s3-local/request-log.ts): held, refused naming the
 * holder, taken over after expiry, released after success, refusal and
 * Ctrl-C, and two environments published side by side.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { PublishError } from '../../scripts/errors.ts';
import { acquireLock, parseLock, type LockBody } from '../../scripts/publish/lock.ts';
import type { ObjectStore } from '../../scripts/publish/ports.ts';
import { publishSites, type PublishOptions } from '../../scripts/publish/publish.ts';
import { rejects } from '../helpers/assert.ts';
import { cliArgs, runCli } from '../helpers/cli.ts';
import { copySharedParts, repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';
import { environmentYaml, startPublishServers, type PublishServers } from '../helpers/publish-servers.ts';
import { fixtureSite } from '../helpers/sites.ts';

const LOCK = '.publish/lock.json';

let servers: PublishServers;
let buckets = 0;

interface Ctx {
  tmp: TempDir;
  bucket: string;
}
const test = suite<Ctx>('publish lock');

test.before(async () => {
  servers = await startPublishServers({ distributions: [] });
});
test.after(async () => {
  await servers.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('publish-lock-');
  ctx.bucket = `lock-test-${++buckets}`;
  await servers.s3.createBucket(ctx.bucket);
  await copySharedParts(ctx.tmp.dir);
  servers.clear();
});
test.after.each(async (ctx) => {
  servers.s3.log.release();
  await ctx.tmp.cleanup();
});

const quiet = { info() {}, warn() {} };

async function site(ctx: Ctx, environments: string[] = ['edge']): Promise<void> {
  const yaml = environments.map((name, index) => environmentYaml(name, { bucket: index === 0 ? ctx.bucket : `${ctx.bucket}-${name}`, endpoint: servers.s3.endpoint })).join('');
  for (const [index, name] of environments.entries()) if (index > 0) await servers.s3.createBucket(`${ctx.bucket}-${name}`);
  await ctx.tmp.write(fixtureSite({ extraConfig: yaml }));
}

function publish(ctx: Ctx, options: Partial<PublishOptions> = {}) {
  return publishSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'edge', sites: [], logger: quiet, connect: servers.connect(), ...options });
}

function lockBody(options: { since: Date; expiresAt: Date }): LockBody {
  return {
    version: 1,
    token: 'someone-else',
    site: 'fixture.test',
    environment: 'edge',
    command: 'publish',
    by: { arn: 'arn:aws:sts::123456789012:assumed-role/Deployer/jane', user: 'jane', host: 'laptop' },
    pid: 4242,
    since: options.since.toISOString(),
    expiresAt: options.expiresAt.toISOString(),
  };
}

async function placeLock(store: ObjectStore, body: LockBody): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(body));
  await store.put({ key: LOCK, body: bytes, contentType: 'application/json', cacheControl: 'no-store', md5: createHash('md5').update(bytes).digest('hex'), metadata: {} });
}

/** The first held request; fails instead of waiting forever if `running` ends first. */
async function heldWhile(running: Promise<unknown>): Promise<void> {
  await Promise.race([
    servers.s3.log.held(),
    running.then(
      () => Promise.reject(new Error('the publish ended before any request was held')),
      (error: unknown) => Promise.reject(error),
    ),
  ]);
}

const sitePuts = () => servers.s3.log.requests.filter((request) => request.operation === 'PutObject' && !request.key.startsWith('.publish/'));

test('conditional writes through the proxy behave as on S3: If-None-Match refuses an existing key, If-Match a changed one', async (ctx) => {
  const store = servers.s3.store(ctx.bucket);
  const request = (text: string) => ({ key: 'k.json', body: Buffer.from(text), contentType: 'application/json', cacheControl: 'no-store', md5: createHash('md5').update(text).digest('hex'), metadata: {} });
  const first = await store.putIfAbsent(request('one'));
  assert.ok(first.written);
  assert.equal(await store.putIfAbsent(request('two')), { written: false });
  assert.equal(await store.putIfMatch(request('three'), '0123456789abcdef0123456789abcdef'), { written: false });
  const third = await store.putIfMatch(request('three'), first.written ? first.etag : '');
  assert.ok(third.written);
  assert.not.ok(await store.deleteIfMatch('k.json', first.written ? first.etag : ''));
  assert.ok(await store.deleteIfMatch('k.json', third.written ? third.etag : ''));
  assert.is(await store.get('k.json'), undefined);
  assert.equal(
    servers.s3.log.requests.map((entry) => [entry.operation, entry.status]),
    [['PutObject', 200], ['PutObject', 412], ['PutObject', 412], ['PutObject', 200], ['DeleteObject', 412], ['DeleteObject', 204], ['GetObject', 404]],
  );
});

test("S3's own message ends the sentence once: a copy from a missing key says 'does not exist.', not 'does not exist..'", async (ctx) => {
  const error = await rejects(() => servers.s3.store(ctx.bucket).copy('gone.html', 'copy.html'), PublishError);
  assert.match(error.message, /: The specified key does not exist\. Publish again; a publish that stopped part-way converges when re-run\.$/);
});

test('a lock held by another publish: refused in one sentence naming who, where and since when; nothing written, the lock left alone', async (ctx) => {
  await site(ctx);
  const store = servers.s3.store(ctx.bucket);
  const now = Date.now();
  const holder = lockBody({ since: new Date(now - 5 * 60_000), expiresAt: new Date(now + 25 * 60_000) });
  await placeLock(store, holder);
  const before = await store.getWithEtag(LOCK);
  servers.s3.log.clear();
  const error = await rejects(() => publish(ctx), PublishError);
  const where = `s3://${ctx.bucket}/${LOCK}`;
  assert.is(
    error.message,
    `fixture.test → edge is being published by arn:aws:sts::123456789012:assumed-role/Deployer/jane (jane on laptop, pid 4242, publish) since ${holder.since} (5 min ago); its lock ${where} expires at ${holder.expiresAt}. Wait for that publish to finish; if it died, a publish after the expiry takes the lock over (or remove it: aws s3 rm ${where}).`,
  );
  const writes = servers.s3.log.requests.filter((request) => request.method !== 'GET' && request.method !== 'HEAD');
  assert.equal(writes.map((request) => [request.operation, request.key, request.status]), [['PutObject', LOCK, 412]]);
  assert.is((await store.getWithEtag(LOCK))?.etag, before?.etag);
});

test('the command: a refused publish exits non-zero, naming the holder', async (ctx) => {
  await site(ctx);
  const now = Date.now();
  await placeLock(servers.s3.store(ctx.bucket), lockBody({ since: new Date(now - 60_000), expiresAt: new Date(now + 60 * 60_000) }));
  const result = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'edge']);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, 'error: fixture.test → edge is being published by arn:aws:sts::123456789012:assumed-role/Deployer/jane (jane on laptop, pid 4242, publish) since');
  assert.equal(sitePuts(), []);
});

test('an expired lock is taken over with a warning (a conditional put on its ETag), and released at the end', async (ctx) => {
  await site(ctx);
  const store = servers.s3.store(ctx.bucket);
  const now = Date.now();
  const dead = lockBody({ since: new Date(now - 90 * 60_000), expiresAt: new Date(now - 60 * 60_000) });
  await placeLock(store, dead);
  servers.s3.log.clear();
  const warnings: string[] = [];
  const outcome = await publish(ctx, { logger: { info() {}, warn: (message) => warnings.push(message) } });
  assert.ok(outcome.sites[0]!.report);
  assert.equal(warnings, [
    `taking over the lock of fixture.test → edge: it expired at ${dead.expiresAt} (arn:aws:sts::123456789012:assumed-role/Deployer/jane (jane on laptop, pid 4242, publish), since ${dead.since}); that publish stopped without releasing it, so its changes may be incomplete — this one converges them.`,
  ]);
  const lockRequests = servers.s3.log.requests.filter((request) => request.key === LOCK).map((request) => [request.operation, request.status, Boolean(request.conditional)]);
  assert.equal(lockRequests, [
    ['PutObject', 412, true],
    ['GetObject', 200, false],
    ['PutObject', 200, true],
    ['DeleteObject', 204, true],
  ]);
  assert.is(await store.head(LOCK), undefined);
});

test('two publishes to the same environment at once: the second is refused naming the first, which then completes', async (ctx) => {
  await site(ctx);
  servers.s3.log.hold((request) => request.operation === 'PutObject' && !request.key.startsWith('.publish/'));
  const first = publish(ctx);
  await heldWhile(first);
  const error = await rejects(() => publish(ctx), PublishError);
  assert.match(error.message, `fixture.test → edge is being published by ${servers.sts.callerArn} (${os.userInfo().username} on ${os.hostname()}, pid ${process.pid}, publish) since`);
  servers.s3.log.release();
  const outcome = await first;
  assert.ok(outcome.sites[0]!.report!.uploaded > 0);
  assert.is(await servers.s3.store(ctx.bucket).head(LOCK), undefined);
});

test('two environments publish side by side: the second completes while the first is held part-way', async (ctx) => {
  await site(ctx, ['edge', 'edge2']);
  servers.s3.log.hold((request) => request.bucket === ctx.bucket && request.operation === 'PutObject' && !request.key.startsWith('.publish/'));
  const first = publish(ctx);
  await heldWhile(first);
  const second = await publish(ctx, { envName: 'edge2' });
  assert.ok(second.sites[0]!.report!.uploaded > 0);
  assert.is((await servers.s3.store(ctx.bucket).getWithEtag(LOCK)) !== undefined, true, 'the first still holds its lock');
  servers.s3.log.release();
  const outcome = await first;
  assert.ok(outcome.sites[0]!.report!.uploaded > 0);
  assert.is(await servers.s3.store(ctx.bucket).head(LOCK), undefined);
});

test('a lock taken over from under a publish: renewing it fails with who took it, and releasing leaves theirs alone', async (ctx) => {
  const store = servers.s3.store(ctx.bucket);
  const warnings: string[] = [];
  const logger = { info() {}, warn: (message: string) => warnings.push(message) };
  const by = { arn: 'arn:test:me', user: 'me', host: 'here' };
  const lock = await acquireLock({ store, prefix: '', site: 'fixture.test', environment: 'edge', command: 'publish', by, minutes: 1, logger });
  const theirs = lockBody({ since: new Date(), expiresAt: new Date(Date.now() + 60_000) });
  await placeLock(store, theirs);
  const error = await rejects(() => lock.renew(), PublishError);
  assert.match(error.message, `Stopped: the lock of fixture.test → edge was taken over by arn:aws:sts::123456789012:assumed-role/Deployer/jane (jane on laptop, pid 4242, publish) at ${theirs.since}`);
  await lock.release();
  assert.equal(warnings, [`the lock s3://${ctx.bucket}/${LOCK} was no longer this publish's when it ended, so it was left in place.`]);
  assert.ok(await store.head(LOCK));
});

test('a lock removed by hand while held: renewing it says it was removed (S3 answers a put with If-Match on a missing key 404)', async (ctx) => {
  const store = servers.s3.store(ctx.bucket);
  const lock = await acquireLock({ store, prefix: '', site: 'fixture.test', environment: 'edge', command: 'publish', by: { arn: 'arn:test:me', user: 'me', host: 'here' }, minutes: 1, logger: quiet });
  await store.delete([LOCK]);
  servers.s3.log.clear();
  const error = await rejects(() => lock.renew(), PublishError);
  assert.is(error.message, `Stopped: the lock of fixture.test → edge (s3://${ctx.bucket}/${LOCK}) was removed while this publish held it; publish again.`);
  assert.equal(servers.s3.log.requests.map((request) => [request.operation, request.status]), [['PutObject', 404], ['GetObject', 404]]);
  await lock.release();
});

test('an expired lock released between the takeover\'s read and its conditional put: the next round creates the lock', async (ctx) => {
  const store = servers.s3.store(ctx.bucket);
  const now = Date.now();
  await placeLock(store, lockBody({ since: new Date(now - 90 * 60_000), expiresAt: new Date(now - 60 * 60_000) }));
  servers.s3.log.clear();
  // The second put of the lock is the takeover (If-Match on the dead holder's ETag).
  let puts = 0;
  servers.s3.log.hold((request) => request.operation === 'PutObject' && request.key === LOCK && ++puts === 2);
  const by = { arn: 'arn:test:me', user: 'me', host: 'here' };
  const acquiring = acquireLock({ store, prefix: '', site: 'fixture.test', environment: 'edge', command: 'publish', by, minutes: 1, logger: quiet });
  await heldWhile(acquiring);
  await store.delete([LOCK]);
  servers.s3.log.release();
  const lock = await acquiring;
  assert.equal(
    servers.s3.log.requests.filter((request) => request.key === LOCK).map((request) => [request.operation, request.status]),
    [['PutObject', 412], ['GetObject', 200], ['PutObject', 404], ['PutObject', 200]],
  );
  assert.is(parseLock((await store.get(LOCK))!)?.token, lock.body.token);
  await lock.release();
  assert.is(await store.head(LOCK), undefined);
});

test('a renewal in flight when the publish ends: the release waits for it, then removes the lock (not left for the next publish to be refused by)', async (ctx) => {
  const store = servers.s3.store(ctx.bucket);
  const warnings: string[] = [];
  const by = { arn: 'arn:test:me', user: 'me', host: 'here' };
  // A third of 3 s is the shortest renewal interval (1 s).
  const lock = await acquireLock({ store, prefix: '', site: 'fixture.test', environment: 'edge', command: 'publish', by, minutes: 0.05, logger: { info() {}, warn: (message) => warnings.push(message) } });
  servers.s3.log.clear();
  servers.s3.log.hold((request) => request.operation === 'PutObject' && request.key === LOCK);
  let lost: PublishError | undefined;
  lock.keepAlive((error) => (lost = error));
  await servers.s3.log.held();
  const releasing = lock.release();
  servers.s3.log.release();
  await releasing;
  assert.equal(warnings, []);
  assert.is(lost, undefined);
  assert.equal(servers.s3.log.requests.filter((request) => request.key === LOCK).map((request) => [request.operation, request.status]), [['PutObject', 200], ['DeleteObject', 204]]);
  assert.is(await store.head(LOCK), undefined);
});

for (const [signal, what] of [['SIGINT', 'Ctrl-C'], ['SIGTERM', 'SIGTERM (CI cancelling the job)']] as const) {
  test(`${what} during a publish: requests in flight finish, nothing more is sent, the lock is released, exit 130`, async (ctx) => {
    await site(ctx);
    servers.s3.log.hold((request) => request.operation === 'PutObject' && !request.key.startsWith('.publish/'));
    const child = spawn(process.execPath, cliArgs(['--root', ctx.tmp.dir, 'publish', '--env', 'edge']), { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    let signalled: () => void = () => undefined;
    const sawStop = new Promise<void>((resolve) => (signalled = resolve));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(`${signal}: stopping`)) signalled();
    });
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await heldWhile(exited);
      assert.ok(await servers.s3.store(ctx.bucket).head(LOCK), 'the publish holds its lock');
      child.kill(signal);
      await Promise.race([sawStop, exited]);
      servers.s3.log.release();
      assert.is(await exited, 130, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    assert.match(stderr, `error: Publishing was interrupted (${signal}): requests in flight finished, nothing further was sent, and the locks were released.`);
    const store = servers.s3.store(ctx.bucket);
    assert.is(await store.head(LOCK), undefined);
    assert.equal(await store.list('.publish/deploys/'), []);
    const last = servers.s3.log.requests.filter((request) => request.method !== 'GET' && request.method !== 'HEAD').at(-1);
    assert.equal([last?.operation, last?.key], ['DeleteObject', LOCK]);
  });
}

test.run();
