/**
 * The local edge (scripts/edge/local-edge.ts): the site's function code in
 * front of s3rver, reading the KeyValueStore stand-in, with CloudFront's cache
 * model. Objects and the store are written through the real SDK clients.
 */
import '@aws-sdk/signature-v4a';
import { CloudFrontKeyValueStoreClient, DescribeKeyValueStoreCommand, PutKeyCommand, UpdateKeysCommand } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { edgeFunctionCode, type EdgeConfig } from '../../scripts/edge/edge-function.ts';
import { startKvsServer, type KvsServer } from '../../scripts/edge/kvs-local.ts';
import { cacheSeconds, startLocalEdge, type LocalEdge } from '../../scripts/edge/local-edge.ts';
import { LOCAL_S3_CREDENTIALS } from '../../scripts/s3-local/server.ts';
import { objectKey, storeChanges, storeContents, updateBatches, type KeptDeploy } from '../../scripts/publish/versioned/path-map.ts';
import { startTestS3, type TestS3 } from '../helpers/s3-server.ts';

const config: EdgeConfig = { canonicalHost: '86from.com', redirectHosts: [], redirects: {}, versioned: true };
const HTML = 'text/html; charset=utf-8';
const PAGE_CACHE = 'public, max-age=0, s-maxage=31536000, must-revalidate';

let s3: TestS3;
let kvs: KvsServer;
let buckets = 0;
const test = suite('local edge');
test.before(async () => {
  s3 = await startTestS3();
  kvs = await startKvsServer({ credentials: LOCAL_S3_CREDENTIALS });
});
test.after(async () => {
  await kvs.close();
  await s3.stop();
});

const kvsClient = () => new CloudFrontKeyValueStoreClient({ region: 'us-east-1', endpointProvider: () => ({ url: new URL(kvs.endpoint) }), credentials: LOCAL_S3_CREDENTIALS });

/** Writes `wanted` over what the store holds, in the batches a publish would send. */
async function writeStore(arn: string, before: Map<string, string>, wanted: Map<string, string>): Promise<void> {
  const client = kvsClient();
  let { ETag } = await client.send(new DescribeKeyValueStoreCommand({ KvsARN: arn }));
  for (const batch of updateBatches(storeChanges(before, wanted))) {
    ({ ETag } = await client.send(new UpdateKeysCommand({ KvsARN: arn, IfMatch: ETag!, Puts: batch.puts.map(({ key, value }) => ({ Key: key, Value: value })), Deletes: batch.deletes.map((key) => ({ Key: key })) })));
  }
}

interface Site {
  bucket: string;
  arn: string;
  edge: LocalEdge;
  put(id: string, body: string, contentType: string, metadata?: Record<string, string>): Promise<void>;
}

async function site(code: string, options: { errorPage?: string } = {}): Promise<Site> {
  const bucket = `edge-test-${++buckets}`;
  await s3.createBucket(bucket);
  const arn = kvs.createStore(bucket);
  const store = s3.store(bucket);
  const edge = await startLocalEdge({ code, s3: { endpoint: s3.endpoint, bucket, credentials: LOCAL_S3_CREDENTIALS }, kvs: (key) => kvs.snapshot(arn)?.get(key), ...options });
  return {
    bucket,
    arn,
    edge,
    put: async (key, body, contentType, metadata) => {
      await store.put(putRequest(key, body, contentType, PAGE_CACHE, metadata));
    },
  };
}

function putRequest(key: string, text: string, contentType: string, cacheControl: string, metadata: Record<string, string> = {}) {
  const body = Buffer.from(text);
  return { key, body, contentType, cacheControl, md5: createHash('md5').update(body).digest('hex'), metadata };
}

const deploy = (seq: number, files: Record<string, string>): KeptDeploy => ({ seq, deployId: `dep${seq}`, files: new Map(Object.entries(files)) });
const one = deploy(1, { 'index.html': 'home1', '404.html': 'nf1' });
const two = deploy(2, { 'index.html': 'home2', 'new/index.html': 'new2', '404.html': 'nf1' });

async function versionedSite(): Promise<Site> {
  const s = await site(edgeFunctionCode(config));
  for (const [id, body] of [['home1', 'Home, first deploy'], ['home2', 'Home, second deploy'], ['new2', 'New page']] as const) await s.put(objectKey(id), body, HTML);
  await s.put(objectKey('nf1'), 'Not found page', HTML, { status: '404' });
  await writeStore(s.arn, new Map(), storeContents([one, two], { seq: 1, deployId: 'dep1' }));
  return s;
}

const get = async (edge: LocalEdge, path: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${edge.url}${path}`, { headers: { host: '86from.com', ...headers }, redirect: 'manual' });
  return { status: response.status, body: await response.text(), headers: response.headers };
};

test('a page is served from its object; a second request is a cache hit on the object key; the next request after a cutover sees the new deploy', async () => {
  const s = await versionedSite();
  try {
    assert.equal((await get(s.edge, '/')).body, 'Home, first deploy');
    assert.equal((await get(s.edge, '/')).body, 'Home, first deploy');
    assert.equal(s.edge.requests.map((request) => request.cache), ['miss', 'hit']);
    const client = kvsClient();
    const { ETag } = await client.send(new DescribeKeyValueStoreCommand({ KvsARN: s.arn }));
    await client.send(new PutKeyCommand({ KvsARN: s.arn, Key: 'live', Value: '2 dep2', IfMatch: ETag! }));
    const after = await get(s.edge, '/');
    assert.is(after.body, 'Home, second deploy', 'no invalidation: a new deploy is a new cache key');
    assert.is(s.edge.requests.at(-1)!.objectUri, '/.objects/home2');
  } finally {
    await s.edge.close();
  }
});

test("a missing page answers 404 with the deploy's own 404 page; the page of a later deploy does not exist yet", async () => {
  const s = await versionedSite();
  try {
    const missing = await get(s.edge, '/new/');
    assert.is(missing.status, 404);
    assert.is(missing.body, 'Not found page');
    assert.is(missing.headers.get('x-amz-meta-status'), null);
  } finally {
    await s.edge.close();
  }
});

test('?deploy=dep2 previews the next deploy before it is live, marked noindex, and ?deploy=live ends it', async () => {
  const s = await versionedSite();
  try {
    const start = await get(s.edge, '/new/?deploy=dep2');
    assert.is(start.status, 302);
    assert.is(start.headers.get('location'), '/new/');
    const cookie = start.headers.get('set-cookie')!;
    assert.match(cookie, /^deploy_preview=dep2; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    const previewed = await get(s.edge, '/new/', { cookie: 'deploy_preview=dep2' });
    assert.is(previewed.status, 200);
    assert.is(previewed.body, 'New page');
    assert.is(previewed.headers.get('x-robots-tag'), 'noindex');
    assert.is((await get(s.edge, '/')).body, 'Home, first deploy', 'everyone else still sees the live deploy');
    const end = await get(s.edge, '/?deploy=live', { cookie: 'deploy_preview=dep2' });
    assert.match(end.headers.get('set-cookie')!, /Max-Age=0/);
  } finally {
    await s.edge.close();
  }
});

test('in place (no store): a page replaced without an invalidation stays stale in the cache until invalidated, like CloudFront', async () => {
  const s = await site(edgeFunctionCode({ ...config, versioned: false }), { errorPage: '/404.html' });
  try {
    const store = s3.store(s.bucket);
    const put = (body: string) => store.put(putRequest('index.html', body, HTML, 'public, max-age=300'));
    await put('old home');
    await store.put(putRequest('404.html', 'in-place 404', HTML, 'public, max-age=300'));
    assert.is((await get(s.edge, '/')).body, 'old home');
    await put('new home');
    assert.is((await get(s.edge, '/')).body, 'old home', 'cached');
    s.edge.invalidate(['/index.html']);
    assert.is((await get(s.edge, '/')).body, 'new home');
    const missing = await get(s.edge, '/nope/');
    assert.equal([missing.status, missing.body], [404, 'in-place 404']);
  } finally {
    await s.edge.close();
  }
});

test('cache lifetimes as CloudFront reads them', () => {
  assert.is(cacheSeconds(PAGE_CACHE), 31536000);
  assert.is(cacheSeconds('public, max-age=300'), 300);
  assert.is(cacheSeconds('no-store'), 0);
  assert.is(cacheSeconds(undefined), 0);
});

test.run();
