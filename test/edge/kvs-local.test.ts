/**
 * The KeyValueStore stand-in (scripts/edge/kvs-local.ts) answering the real
 * @aws-sdk/client-cloudfront-keyvaluestore, which signs with SigV4A.
 */
import '@aws-sdk/signature-v4a';
import {
  AccessDeniedException,
  CloudFrontKeyValueStoreClient,
  ConflictException,
  DeleteKeyCommand,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  ListKeysCommand,
  PutKeyCommand,
  ResourceNotFoundException,
  UpdateKeysCommand,
  ValidationException,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KVS_LIMITS, startKvsServer, type KvsServer } from '../../scripts/edge/kvs-local.ts';
import { rejects } from '../helpers/assert.ts';

const credentials = { accessKeyId: 'AKIDLOCALKVS', secretAccessKey: 'local-kvs-secret-not-real' };

let kvs: KvsServer;
const test = suite('KeyValueStore stand-in');
test.before(async () => {
  kvs = await startKvsServer({ credentials });
});
test.after(async () => {
  await kvs.close();
});

const client = (override: Partial<typeof credentials> = {}) =>
  new CloudFrontKeyValueStoreClient({ region: 'us-east-1', endpointProvider: () => ({ url: new URL(kvs.endpoint) }), credentials: { ...credentials, ...override }, maxAttempts: 1 });

let stores = 0;
const newStore = () => kvs.createStore(`test-${++stores}`);

test('describe, put with the current ETag, get: the ETag changes with every write', async () => {
  const KvsARN = newStore();
  const c = client();
  const first = await c.send(new DescribeKeyValueStoreCommand({ KvsARN }));
  assert.is(first.ItemCount, 0);
  assert.is(first.Status, 'READY');
  assert.ok(first.ETag);
  assert.instance(first.Created, Date);
  const put = await c.send(new PutKeyCommand({ KvsARN, Key: 'live', Value: 'deploy-1', IfMatch: first.ETag! }));
  assert.is(put.ItemCount, 1);
  assert.is(put.TotalSizeInBytes, 'live'.length + 'deploy-1'.length);
  assert.is.not(put.ETag, first.ETag);
  const got = await c.send(new GetKeyCommand({ KvsARN, Key: 'live' }));
  assert.is(got.Value, 'deploy-1');
  assert.is((await c.send(new DescribeKeyValueStoreCommand({ KvsARN }))).ETag, put.ETag);
});

test('two writers with the same ETag: exactly one wins, the other gets a ConflictException and nothing of its write lands', async () => {
  const KvsARN = newStore();
  const c = client();
  const { ETag } = await c.send(new DescribeKeyValueStoreCommand({ KvsARN }));
  const results = await Promise.allSettled(['deploy-a', 'deploy-b'].map((Value) => c.send(new PutKeyCommand({ KvsARN, Key: 'live', Value, IfMatch: ETag! }))));
  const won = results.filter((result) => result.status === 'fulfilled');
  const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  assert.is(won.length, 1);
  assert.is(lost.length, 1);
  assert.instance(lost[0]!.reason, ConflictException);
  assert.is((lost[0]!.reason as ConflictException).$metadata.httpStatusCode, 409);
  const value = (await c.send(new GetKeyCommand({ KvsARN, Key: 'live' }))).Value;
  assert.is(value, results[0]!.status === 'fulfilled' ? 'deploy-a' : 'deploy-b');
});

test('UpdateKeys is all or nothing: one value over the limit and no key changes', async () => {
  const KvsARN = newStore();
  const c = client();
  let { ETag } = await c.send(new DescribeKeyValueStoreCommand({ KvsARN }));
  ({ ETag } = await c.send(new UpdateKeysCommand({ KvsARN, IfMatch: ETag!, Puts: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] })));
  const error = await rejects(
    () => c.send(new UpdateKeysCommand({ KvsARN, IfMatch: ETag!, Puts: [{ Key: 'a', Value: 'changed' }, { Key: 'big', Value: 'x'.repeat(KVS_LIMITS.valueBytes + 1) }], Deletes: [{ Key: 'b' }] })),
    ValidationException,
  );
  assert.match(error.message, 'longer than 1024 bytes');
  const listed = await c.send(new ListKeysCommand({ KvsARN }));
  assert.equal(listed.Items?.map((item) => [item.Key, item.Value]), [['a', '1'], ['b', '2']]);
  // A write without If-Match is refused, not applied.
  await rejects(() => c.send(new DeleteKeyCommand({ KvsARN, Key: 'a', IfMatch: '' })), ValidationException);
});

test('ListKeys pages with NextToken and MaxResults through 120 keys', async () => {
  const KvsARN = newStore();
  const c = client();
  let { ETag } = await c.send(new DescribeKeyValueStoreCommand({ KvsARN }));
  for (let start = 0; start < 120; start += 40) {
    const Puts = Array.from({ length: 40 }, (_, index) => ({ Key: `k${String(start + index).padStart(3, '0')}`, Value: String(start + index) }));
    ({ ETag } = await c.send(new UpdateKeysCommand({ KvsARN, IfMatch: ETag!, Puts })));
  }
  const keys: string[] = [];
  let NextToken: string | undefined;
  let pages = 0;
  do {
    const page = await c.send(new ListKeysCommand({ KvsARN, MaxResults: 50, NextToken }));
    keys.push(...(page.Items ?? []).map((item) => item.Key!));
    NextToken = page.NextToken;
    pages++;
  } while (NextToken);
  assert.is(pages, 3);
  assert.is(keys.length, 120);
  assert.equal(keys, [...keys].sort());
});

test('an unknown store and an unknown key are ResourceNotFoundException (404)', async () => {
  const c = client();
  await rejects(() => c.send(new DescribeKeyValueStoreCommand({ KvsARN: 'arn:aws:cloudfront::123456789012:key-value-store/nope' })), ResourceNotFoundException);
  await rejects(() => c.send(new GetKeyCommand({ KvsARN: newStore(), Key: 'missing' })), ResourceNotFoundException);
});

test('SigV4A is checked: a wrong secret, another access key, and an unsigned request are refused, and nothing is written', async () => {
  const KvsARN = newStore();
  const { ETag } = await client().send(new DescribeKeyValueStoreCommand({ KvsARN }));
  kvs.clear();
  const wrongSecret = await rejects(() => client({ secretAccessKey: 'not-the-secret' }).send(new PutKeyCommand({ KvsARN, Key: 'live', Value: 'x', IfMatch: ETag! })), AccessDeniedException);
  assert.match(wrongSecret.message, 'signature we calculated does not match');
  const otherKey = await rejects(() => client({ accessKeyId: 'AKIDSOMEONEELSE' }).send(new PutKeyCommand({ KvsARN, Key: 'live', Value: 'x', IfMatch: ETag! })), AccessDeniedException);
  assert.match(otherKey.message, 'security token included in the request is invalid');
  const unsigned = await fetch(`${kvs.endpoint}/key-value-stores/${encodeURIComponent(KvsARN)}/keys/live`, { method: 'PUT', headers: { 'if-match': ETag!, 'content-type': 'application/json' }, body: '{"Value":"x"}' });
  assert.is(unsigned.status, 403);
  assert.equal(kvs.requests.map((request) => request.error), ['AccessDeniedException', 'AccessDeniedException', 'AccessDeniedException']);
  assert.is((await client().send(new DescribeKeyValueStoreCommand({ KvsARN }))).ItemCount, 0);
});

test('a signed request replayed with another body is refused (the payload is part of the signature)', async () => {
  const KvsARN = newStore();
  const c = client();
  const { ETag } = await c.send(new DescribeKeyValueStoreCommand({ KvsARN }));
  let captured: { headers: Record<string, string>; path: string } | undefined;
  c.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string>; path: string };
      captured = { headers: { ...request.headers }, path: request.path };
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'capture' },
  );
  await c.send(new PutKeyCommand({ KvsARN, Key: 'live', Value: 'deploy-1', IfMatch: ETag! }));
  const { ETag: now } = await client().send(new DescribeKeyValueStoreCommand({ KvsARN }));
  const headers: Record<string, string> = { ...captured!.headers, 'if-match': now! };
  delete headers['content-length'];
  const replay = await fetch(`${kvs.endpoint}${captured!.path}`, { method: 'PUT', headers, body: '{"Value":"deploy-evil"}' });
  assert.is(replay.status === 400 || replay.status === 403, true, String(replay.status));
  assert.is((await client().send(new GetKeyCommand({ KvsARN, Key: 'live' }))).Value, 'deploy-1');
});

test.run();
