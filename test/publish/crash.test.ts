/**
 * Crash at every point: the real `publish` command, in a child process,
 * publishes build B of a small site over build A and is killed with SIGKILL
 * when the S3 server receives its k-th request — for every k from 1 to the
 * request count of an uninterrupted publish, once with that request
 * reaching the server and once without. At each point:
 *
 *   - every page then in the bucket loads only objects that are in the
 *     bucket (stylesheets, scripts, images, icons: what a visitor's browser
 *     fetches to show the page);
 *   - the publish is run again as a user would: refused by the lock the
 *     killed run left, the user runs the removal the refusal prints, and
 *     publishes again;
 *   - the bucket then equals what an uninterrupted publish of B leaves
 *     (keys, bytes, Content-Type, Cache-Control), the deploy record is B's
 *     and lists exactly those objects, the lock is gone, and every path A → B
 *     changed is covered by an invalidation CloudFront accepted after the
 *     last write to the site's objects (an invalidation the killed run made
 *     counts only if nothing changed after it).
 *
 * The servers are real (s3rver behind the counting proxy, whose trap is
 * where the kill happens, and the CloudFront stand-in). The killed run is
 * the command line; the converging run is the same recipe in-process
 * (publishSites with the publisher's own SDK adapters), which saves a
 * process start per point. Two lanes (each its own s3rver, workspace and
 * distribution) run points side by side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Parser } from 'htmlparser2';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BuildRecord } from '../../scripts/build/build-record.ts';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { PublishError } from '../../scripts/errors.ts';
import { applyPlan } from '../../scripts/publish/apply.ts';
import { CURRENT_POINTER, parseDeployRecord, parsePointer } from '../../scripts/publish/deploy-record.ts';
import { urlPathsOf } from '../../scripts/publish/invalidation.ts';
import { isFingerprinted, RESERVED_PREFIX } from '../../scripts/publish/local-files.ts';
import { LOCK_KEY } from '../../scripts/publish/lock.ts';
import type { ObjectStore } from '../../scripts/publish/ports.ts';
import { planSite, publishSites, resolveTargets } from '../../scripts/publish/publish.ts';
import type { LoggedRequest, TrapDecision } from '../../scripts/s3-local/request-log.ts';
import { LOCAL_S3_CREDENTIALS } from '../../scripts/s3-local/server.ts';
import { cliArgs, hasStackTrace } from '../helpers/cli.ts';
import { startCloudFrontServer, type CloudFrontServer, type StoredInvalidation } from '../helpers/cloudfront-server.ts';
import { siteA, siteB } from '../helpers/crash-site.ts';
import { copySharedParts, repoRoot, tempDir, writeTree, type TempDir } from '../helpers/fixture.ts';
import { testConnector } from '../helpers/publish-connection.ts';
import { environmentYaml } from '../helpers/publish-servers.ts';
import { startTestS3, type TestS3 } from '../helpers/s3-server.ts';
import { startMotoSts, type MotoSts } from '../helpers/moto-sts.ts';

const LANES = 2;
const quiet = { info() {}, warn() {} };
const SITE_DIR = 'sites/fixture.test';

/** One object as a visitor (and the next publish) sees it. */
interface Served {
  sha256: string;
  contentType?: string;
  cacheControl?: string;
}
type Snapshot = Map<string, Served>;

interface Lane {
  index: number;
  s3: TestS3;
  tmp: TempDir;
  bucket: string;
  distribution: string;
  store: ObjectStore;
  /** Build A, kept beside the workspace's own dist/ (which holds B). */
  a: { outputDir: string; record: BuildRecord };
  /** Build B's id in this lane (its config names the lane's bucket, so the ids differ between lanes; the files do not). */
  buildIdB: string;
}

let cloudfront: CloudFrontServer;
let sts: MotoSts;
let lanes: Lane[] = [];
let buildB: BuildRecord;
/** What an uninterrupted publish of B over A leaves, and the requests it makes. */
let reference: { snapshot: Snapshot; requests: number; operations: string[] };
/** Paths whose cached copy is stale after A → B: changed or deleted keys (deleted fingerprinted assets excepted, as the publisher documents). */
let changedPaths: string[];

const test = suite('publish killed at every request');

test.before(async () => {
  sts = await startMotoSts();
  const distributions = Array.from({ length: LANES }, (_, index) => `E2CRASHLANE0${index + 1}`);
  cloudfront = await startCloudFrontServer({ distributions });
  lanes = await Promise.all(distributions.map((distribution, index) => startLane(index, distribution)));
  buildB = JSON.parse(await readFile(path.join(lanes[0]!.tmp.dir, 'dist/edge/fixture.test.build.json'), 'utf8')) as BuildRecord;
  for (const lane of lanes) {
    const record = JSON.parse(await readFile(path.join(lane.tmp.dir, 'dist/edge/fixture.test.build.json'), 'utf8')) as BuildRecord;
    // Both lanes publish the same bytes, so one reference serves both.
    assert.equal(record.files, buildB.files, 'the lanes built B alike');
  }
  const a = new Map(lanes[0]!.a.record.files.map((file) => [file.path, file.sha256]));
  const b = new Map(buildB.files.map((file) => [file.path, file.sha256]));
  const stale = [...a].filter(([file, sha]) => (b.has(file) ? b.get(file) !== sha : !isFingerprinted(file))).map(([file]) => file);
  changedPaths = [...new Set(stale.flatMap((file) => urlPathsOf(file, '')))].sort();

  // The uninterrupted publish: its request count is the sweep's N, and the bucket it leaves is the target.
  const lane = lanes[0]!;
  await resetToA(lane);
  let arrivals = 0;
  const operations: string[] = [];
  lane.s3.log.trap((request) => {
    arrivals++;
    operations.push(`${request.operation} ${request.key}`.trim());
    return 'forward';
  });
  const result = await runPublishCommand(lane);
  lane.s3.log.trap(undefined);
  assert.is(result.code, 0, result.output);
  reference = { snapshot: await snapshot(lane.store), requests: arrivals, operations };
});

test.after(async () => {
  for (const lane of lanes) {
    await lane.s3.stop();
    await lane.tmp.cleanup();
  }
  await cloudfront?.close();
  await sts?.close();
});

async function startLane(index: number, distribution: string): Promise<Lane> {
  const s3 = await startTestS3();
  const tmp = await tempDir('publish-crash-');
  const bucket = `crash-lane-${index + 1}`;
  await s3.createBucket(bucket);
  await copySharedParts(tmp.dir);
  const environments = environmentYaml('edge', { bucket, endpoint: s3.endpoint, distributions: [distribution] });
  const workspace = workspaceAt(tmp.dir);
  // A, built once into its own folder; then B's sources, built where the command builds them, so each killed run's build reuses every page.
  await tmp.write(siteA(environments));
  const [builtA] = await buildSites({ workspace, envName: 'edge', sites: [], distDir: path.join(tmp.dir, 'dist-a'), logger: quiet });
  await rm(path.join(tmp.dir, SITE_DIR), { recursive: true, force: true });
  await writeTree(tmp.dir, siteB(environments));
  const [builtB] = await buildSites({ workspace, envName: 'edge', sites: [], logger: quiet });
  return { index, s3, tmp, bucket, distribution, store: s3.store(bucket), a: { outputDir: builtA!.outputDir, record: builtA!.record }, buildIdB: builtB!.record.buildId };
}

/** An empty bucket, then A published into it with the recipe's own plan and apply (and its deploy record). */
async function resetToA(lane: Lane): Promise<void> {
  const keys = (await lane.store.list('')).map((object) => object.key);
  if (keys.length > 0) await lane.store.delete(keys);
  const [target] = await resolveTargets(workspaceAt(lane.tmp.dir), 'edge', []);
  const ports = { store: lane.store, cdn: testConnector({ cloudfront, sts })(target!).cdn };
  const publish = await planSite(target!, lane.a, ports, { logger: quiet });
  await applyPlan({ plan: publish.plan, outputDir: lane.a.outputDir, build: lane.a.record, ports, logger: quiet, record: { command: 'publish' } });
  // Nothing of the last point's invalidations counts against this one's limits.
  cloudfront.completeAll();
}

function startPublishCommand(lane: Lane): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> } {
  const child = spawn(process.execPath, cliArgs(['--root', lane.tmp.dir, 'publish', '--env', 'edge']), {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.endpoint },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
  return { child, done };
}

function runPublishCommand(lane: Lane) {
  return startPublishCommand(lane).done;
}

/** Every object of the site (the publisher's own `.publish/` aside), read through the SDK. */
async function snapshot(store: ObjectStore): Promise<Snapshot> {
  const objects = (await store.list('')).filter((object) => !object.key.startsWith(RESERVED_PREFIX));
  const entries = await Promise.all(
    objects.map(async (object): Promise<[string, Served]> => {
      const [head, body] = await Promise.all([store.head(object.key), store.get(object.key)]);
      return [object.key, { sha256: createHash('sha256').update(body!).digest('hex'), contentType: head?.contentType, cacheControl: head?.cacheControl }];
    }),
  );
  return new Map(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

function differences(actual: Snapshot, expected: Snapshot): string[] {
  const problems: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (!got) problems.push(`${key} missing`);
    else if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${key} is ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`${key} should not be there`);
  return problems;
}

/** What a page makes the browser fetch (`load`), and where it lets the visitor go (`go`), as written. */
function referencesOf(html: string): { load: string[]; go: string[] } {
  const load: string[] = [];
  const go: string[] = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      const one = (attribute: string, into: string[]) => attributes[attribute] !== undefined && into.push(attributes[attribute]!);
      if (name === 'a' || name === 'area') one('href', go);
      else if (name === 'form') one('action', go);
      else if (name === 'link') one('href', /\b(?:canonical|alternate|next|prev)\b/.test(attributes['rel'] ?? '') ? go : load);
      else if (name === 'object') one('data', load);
      else if (name === 'video') (one('src', load), one('poster', load));
      else if (['script', 'img', 'source', 'iframe', 'audio', 'track', 'embed'].includes(name)) one('src', load);
      if (attributes['srcset']) for (const candidate of attributes['srcset'].split(',')) load.push(candidate.trim().split(/\s+/)[0]!);
    },
  });
  parser.write(html);
  parser.end();
  return { load, go };
}

const ORIGIN = 'https://bucket.invalid';

/** The key a reference names, resolved against the page's key; undefined for another site or scheme. */
function keyOf(written: string, pageKey: string): string | undefined {
  const url = new URL(written, `${ORIGIN}/${pageKey}`);
  if (url.origin !== ORIGIN) return undefined;
  const key = decodeURIComponent(url.pathname).slice(1);
  return key === '' || key.endsWith('/') ? `${key}index.html` : key;
}

/**
 * Every page in the bucket, with what it names that is not in the bucket:
 * what it loads, and where its links go — from a page a visitor can reach
 * by links from the home page (`go`), or from a new page no such page links
 * to yet (`unlinked`: two new pages linking to each other cannot both land first).
 */
async function brokenReferences(store: ObjectStore): Promise<{ load: string[]; go: string[]; unlinked: string[] }> {
  const keys = new Set((await store.list('')).map((object) => object.key));
  const exists = (key: string) => keys.has(key) || keys.has(`${key}/index.html`);
  const pages = new Map<string, ReturnType<typeof referencesOf>>();
  for (const key of [...keys].filter((key) => key.endsWith('.html') && !key.startsWith(RESERVED_PREFIX)).sort()) {
    const body = await store.get(key);
    if (body) pages.set(key, referencesOf(body.toString('utf8'))); // absent: deleted between the listing and the read, not possible here
  }
  const reachable = new Set<string>();
  const queue = pages.has('index.html') ? ['index.html'] : [];
  while (queue.length > 0) {
    const key = queue.shift()!;
    if (reachable.has(key)) continue;
    reachable.add(key);
    for (const written of pages.get(key)?.go ?? []) {
      const target = keyOf(written, key);
      const page = target === undefined ? undefined : pages.has(target) ? target : pages.has(`${target}/index.html`) ? `${target}/index.html` : undefined;
      if (page !== undefined) queue.push(page);
    }
  }
  const broken = { load: [] as string[], go: [] as string[], unlinked: [] as string[] };
  for (const [key, references] of pages) {
    for (const written of references.load) {
      const target = keyOf(written, key);
      if (target !== undefined && !exists(target)) broken.load.push(`${key} → ${written}`);
    }
    for (const written of references.go) {
      const target = keyOf(written, key);
      if (target !== undefined && !exists(target)) broken[reachable.has(key) ? 'go' : 'unlinked'].push(`${key} → ${written}`);
    }
  }
  return broken;
}

/** The paths of `wanted` no invalidation in `accepted` covers (exact paths, or a `/dir/*` wildcard). */
function uncovered(wanted: readonly string[], accepted: readonly StoredInvalidation[]): string[] {
  const paths = accepted.flatMap((invalidation) => invalidation.paths);
  return wanted.filter((want) => !paths.some((path) => path === want || (path.endsWith('*') && want.startsWith(path.slice(0, -1)))));
}

/** The command the lock refusal tells a user to run, as bucket and key (the user's `aws s3 rm`, made through the SDK). */
function removalAdvised(message: string): { bucket: string; key: string } | undefined {
  const match = /\(or remove it: aws s3 rm s3:\/\/([^/\s]+)\/([^)\s]+)\)/.exec(message);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}

/** The converging publish, in-process: undefined when it succeeded, else the message the command would print after `error: `. */
async function publishInProcess(lane: Lane): Promise<string | undefined> {
  try {
    await publishSites({ workspace: workspaceAt(lane.tmp.dir), envName: 'edge', sites: [], logger: quiet, connect: testConnector({ cloudfront, sts }) });
    return undefined;
  } catch (error) {
    if (error instanceof PublishError) return error.message;
    throw error;
  }
}

/** The converging publish as the command: undefined when it exited 0, else what it printed (refusals: one line, no stack). */
async function publishCommand(lane: Lane): Promise<string | undefined> {
  const result = await runPublishCommand(lane);
  if (result.code === 0) return undefined;
  assert.is(result.code, 1, result.output);
  assert.not.ok(hasStackTrace(result.output), result.output);
  return result.output;
}

async function removeObject(lane: Lane, bucket: string, key: string): Promise<void> {
  const client = new S3Client({ endpoint: lane.s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } finally {
    client.destroy();
  }
}

/** Far beyond what any step here takes, even on a loaded machine; only a hang reaches it. */
const HANG_MS = 120_000;

async function withHangGuard<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} (hung for ${HANG_MS / 1000} s)`)), HANG_MS)));
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

interface PointResult {
  k: number;
  variant: TrapDecision;
  killed: string;
  /** The killed run left its lock, and the user removed it as the refusal said. */
  followedAdvice: boolean;
  problems: string[];
  brokenLinks: number;
}

/** One crash point: A in the bucket, the command killed at its k-th request, the invariant, the converging run, the checks. */
async function crashAt(lane: Lane, k: number, variant: TrapDecision, converge: 'in-process' | 'command' = 'in-process'): Promise<PointResult> {
  await resetToA(lane);
  const problems: string[] = [];
  const ours = () => cloudfront.invalidations.filter((invalidation) => invalidation.distributionId === lane.distribution);
  const before = ours().length;

  // The site's objects change with these; an invalidation counts only if made after the last of them completed.
  let invalidationsAtLastWrite = before;
  let completed = 0;
  let forwarded = 0;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  let killedAt: string | undefined;
  const writesSite = (request: Pick<LoggedRequest, 'method' | 'key' | 'operation'>) =>
    request.operation === 'DeleteObjects' || ((request.method === 'PUT' || request.method === 'DELETE') && request.key !== '' && !request.key.startsWith(RESERVED_PREFIX));
  lane.s3.log.onRequest((request) => {
    if (writesSite(request) && request.status < 300) invalidationsAtLastWrite = ours().length;
    if (++completed === forwarded && killedAt !== undefined) settle();
  });

  const { child, done } = startPublishCommand(lane);
  let arrivals = 0;
  lane.s3.log.trap(async (request) => {
    arrivals++;
    if (killedAt !== undefined) return 'drop';
    if (arrivals < k) {
      forwarded++;
      return 'forward';
    }
    killedAt = `${request.operation} ${request.key}`.trim();
    child.kill('SIGKILL');
    await done;
    if (variant === 'forward') forwarded++;
    if (completed === forwarded) settle();
    return variant;
  });
  // Hang guards, not timings: a child or a request that never ends fails the point instead of the whole run hanging.
  const watchdog = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
  const exit = await done;
  clearTimeout(watchdog);
  if (killedAt === undefined) {
    lane.s3.log.trap(undefined);
    lane.s3.log.onRequest(undefined);
    return { k, variant, killed: '(never)', followedAdvice: false, problems: [`the publish ended (exit ${exit.code}) after ${arrivals} requests, before its request ${k}:\n${exit.output}`], brokenLinks: 0 };
  }
  assert.is(exit.signal, 'SIGKILL');
  // Whatever the killed run sent before its end lands (or fails) before anything is read.
  await withHangGuard(settled, `the requests the killed run sent before request ${k} never completed`);
  lane.s3.log.trap(undefined);

  const broken = await brokenReferences(lane.store);
  for (const reference of broken.load) problems.push(`after the kill, a page loads a missing object: ${reference}`);
  for (const reference of broken.go) problems.push(`after the kill, a page visitors can reach links to a missing page: ${reference}`);

  // The user publishes again; refused by the dead run's lock, they do what the refusal says, and publish again.
  let followedAdvice = false;
  const publish = converge === 'command' ? () => publishCommand(lane) : () => publishInProcess(lane);
  const refusal = await publish();
  if (refusal !== undefined) {
    const advice = removalAdvised(refusal);
    if (!advice) throw new Error(`the publish after the kill failed, and not for the lock:\n${refusal}`);
    assert.is(advice.bucket, lane.bucket);
    assert.is(advice.key, LOCK_KEY);
    // `aws s3 rm` is one DeleteObject.
    await removeObject(lane, advice.bucket, advice.key);
    followedAdvice = true;
    const again = await publish();
    if (again !== undefined) throw new Error(`the publish after removing the lock failed:\n${again}`);
  }
  lane.s3.log.onRequest(undefined);

  problems.push(...differences(await snapshot(lane.store), reference.snapshot).map((problem) => `after converging: ${problem}`));
  const pointer = parsePointer((await lane.store.get(CURRENT_POINTER)) ?? Buffer.alloc(0));
  const record = pointer && parseDeployRecord((await lane.store.get(pointer.record)) ?? Buffer.alloc(0));
  if (!record) problems.push('after converging: current.json names no readable deploy record');
  else {
    if (record.buildId !== lane.buildIdB) problems.push(`after converging: the deploy record is of build ${record.buildId}, not B (${lane.buildIdB})`);
    const listed = (await lane.store.list('')).filter((object) => !object.key.startsWith(RESERVED_PREFIX)).map((object) => `${object.key} ${object.etag}`).sort();
    const recorded = Object.entries(record.objects).map(([key, [etag]]) => `${key} ${etag}`).sort();
    if (JSON.stringify(recorded) !== JSON.stringify(listed)) problems.push(`after converging: the deploy record does not list the bucket as it is (recorded ${recorded.join(', ')}; listed ${listed.join(', ')})`);
  }
  if (await lane.store.head(LOCK_KEY)) problems.push('after converging: the lock is still there');
  const counting = ours().slice(invalidationsAtLastWrite);
  const missing = uncovered(changedPaths, counting);
  if (missing.length > 0) problems.push(`paths changed A → B that no invalidation after the last write covers: ${missing.join(', ')}`);
  return { k, variant, killed: killedAt, followedAdvice, problems, brokenLinks: broken.unlinked.length };
}

/** Every k for both variants, LANES points at a time. */
async function sweep(variants: readonly TrapDecision[]): Promise<PointResult[]> {
  const points = variants.flatMap((variant) => Array.from({ length: reference.requests }, (_, index) => ({ k: index + 1, variant })));
  const results: PointResult[] = [];
  let next = 0;
  await Promise.all(
    lanes.map(async (lane) => {
      while (next < points.length) {
        const point = points[next++]!;
        results.push(await crashAt(lane, point.k, point.variant));
      }
    }),
  );
  return results.sort((a, b) => (a.variant === b.variant ? a.k - b.k : a.variant < b.variant ? -1 : 1));
}

test('the uninterrupted publish: B over A, with the requests the sweep kills at, and the checks pass on it', async () => {
  assert.ok(reference.requests >= 25, `a publish of B over A makes ${reference.requests} requests: ${reference.operations.join(', ')}`);
  // Assets, then pages, then deletions, then the record: the order the sweep tests.
  const kinds: string[] = reference.operations.map((operation) => (operation.startsWith('PutObject assets/') ? 'asset' : operation.startsWith('PutObject') && operation.endsWith('.html') ? 'page' : operation.startsWith('DeleteObjects') ? 'delete' : 'other'));
  const last = (kind: string) => kinds.lastIndexOf(kind);
  const first = (kind: string) => kinds.indexOf(kind);
  assert.ok(last('asset') < first('page') && last('page') < first('delete'), reference.operations.join('\n'));
  assert.equal(await brokenReferences(lanes[0]!.store), { load: [], go: [], unlinked: [] });
  // Pages new to the bucket land before the changed pages that may link to them.
  const pagePuts = reference.operations.filter((operation) => operation.startsWith('PutObject') && operation.endsWith('.html')).map((operation) => operation.slice('PutObject '.length));
  const inA = new Set(lanes[0]!.a.record.files.map((file) => file.path));
  const lastNew = Math.max(...pagePuts.map((key, index) => (inA.has(key) ? -1 : index)));
  const firstChanged = pagePuts.findIndex((key) => inA.has(key));
  assert.ok(lastNew >= 0 && firstChanged > lastNew, pagePuts.join(' '));
  // The target is the build: every file, byte for byte.
  assert.equal([...reference.snapshot.keys()], buildB.files.map((file) => file.path).sort());
  for (const file of buildB.files) assert.is(reference.snapshot.get(file.path)!.sha256, file.sha256, file.path);
  assert.ok(changedPaths.includes('/p01/') && changedPaths.includes('/gone-1/') && changedPaths.includes('/assets/photo-2.svg'), changedPaths.join(' '));
});

test('the checks can fail: A itself is not B, a page without its new assets names them, and no invalidation covers nothing', async () => {
  const lane = lanes[0]!;
  await resetToA(lane);
  assert.ok(differences(await snapshot(lane.store), reference.snapshot).length > 0);
  // B's home page uploaded before its assets (the order the publisher must never use).
  const page = await readFile(path.join(lane.tmp.dir, 'dist/edge/fixture.test/index.html'));
  await lane.store.put({ key: 'index.html', body: page, contentType: 'text/html; charset=utf-8', cacheControl: 'public, max-age=0, must-revalidate', md5: createHash('md5').update(page).digest('hex'), metadata: {} });
  const broken = await brokenReferences(lane.store);
  assert.ok(broken.load.some((reference) => reference.startsWith('index.html → /assets/photo-5.svg')), broken.load.join('\n'));
  assert.ok(broken.load.some((reference) => /^index\.html → \/?assets\/extra\.[0-9a-f]{8}\.js$/.test(reference)), broken.load.join('\n'));
  assert.equal(broken.go, ['index.html → /new-1/']);
  assert.equal(uncovered(changedPaths, []), changedPaths);
  assert.equal(uncovered(['/a/b', '/c'], [{ id: 'I1', distributionId: 'E', callerReference: 'r', paths: ['/a/*'], status: 'Completed', createTime: '' }]), ['/c']);
});

test('killed at every request, with and without that request reaching S3: pages never load a missing object, and publishing again converges', async () => {
  const results = await sweep(['forward', 'drop']);
  const failures = results.filter((result) => result.problems.length > 0);
  const advised = results.filter((result) => result.followedAdvice).length;
  const links = results.filter((result) => result.brokenLinks > 0);
  console.log(
    `crash harness: ${results.length} crash points tried (k = 1…${reference.requests}, request reaching S3 or not), ${results.length - failures.length} converged; ` +
      `${advised} left the lock and were published after the user removed it as the refusal said; ` +
      `${links.length} left a new page, not yet linked from any page a visitor can reach, linking to another new page not yet uploaded`,
  );
  assert.equal(
    failures.map((result) => `k=${result.k} (${result.variant}, killed at ${result.killed}):\n  ${result.problems.join('\n  ')}`),
    [],
  );
  assert.is(results.length, 2 * reference.requests);
  // Most points hold the lock when killed: the advice path is exercised, not assumed.
  assert.ok(advised >= reference.requests, `${advised} points followed the lock advice`);
});

test('the user at the command line: killed at its first page, the next publish is refused by the lock and says how to remove it; after that, it converges', async () => {
  const firstPage = reference.operations.findIndex((operation) => operation.startsWith('PutObject') && operation.endsWith('.html')) + 1;
  assert.ok(firstPage > 0);
  const result = await crashAt(lanes[0]!, firstPage, 'drop', 'command');
  assert.ok(result.followedAdvice, 'the killed run held the lock');
  assert.equal(result.problems, []);
});

test.run();
