/**
 * The environment's CloudFront KeyValueStore, through the AWS SDK (which signs
 * with SigV4A: `@aws-sdk/signature-v4a` is imported for it). Writes always
 * name the store's current ETag, so a write made on a stale view — another
 * publish's cutover in between — is refused by the service (409) instead of
 * overwriting it.
 */
import '@aws-sdk/signature-v4a';
import {
  CloudFrontKeyValueStoreClient,
  CloudFrontKeyValueStoreServiceException,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  ListKeysCommand,
  ResourceNotFoundException,
  UpdateKeysCommand,
  type CloudFrontKeyValueStoreClientConfig,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { PublishError } from '../../errors.ts';
import { guardCalls } from '../aws-calls.ts';
import type { StoreChanges } from './path-map.ts';

export interface DeployMap {
  readonly arn: string;
  describe(): Promise<{ etag: string; items: number; bytes: number }>;
  get(key: string): Promise<string | undefined>;
  /** Every key and value (ListKeys, 50 a page). */
  list(): Promise<Map<string, string>>;
  /** The batches in order, each naming the ETag the previous one returned; returns the last ETag. */
  update(batches: readonly StoreChanges[], etag: string): Promise<string>;
}

export interface DeployMapOptions {
  arn: string;
  /** A loopback stand-in (scripts/edge/kvs-local.ts); omitted for AWS, whose endpoint the ARN's account decides. */
  endpoint?: string;
  credentials?: CloudFrontKeyValueStoreClientConfig['credentials'];
  maxAttempts?: number;
}

export function deployMap(options: DeployMapOptions): DeployMap {
  const client = guardCalls(
    new CloudFrontKeyValueStoreClient({
      region: 'us-east-1',
      credentials: options.credentials,
      maxAttempts: options.maxAttempts ?? 5,
      // The service's endpoint rules put the account in front of the host, which a loopback address cannot take.
      ...(options.endpoint ? { endpointProvider: () => ({ url: new URL(options.endpoint!) }) } : {}),
    }),
    'cloudfront-keyvaluestore',
  );
  const KvsARN = options.arn;
  const fail = (error: unknown, what: string): never => {
    throw translate(error, KvsARN, what);
  };
  return {
    arn: KvsARN,
    async describe() {
      try {
        const result = await client.send(new DescribeKeyValueStoreCommand({ KvsARN }));
        return { etag: result.ETag ?? '', items: result.ItemCount ?? 0, bytes: result.TotalSizeInBytes ?? 0 };
      } catch (error) {
        return fail(error, 'read');
      }
    },
    async get(Key) {
      try {
        return (await client.send(new GetKeyCommand({ KvsARN, Key }))).Value;
      } catch (error) {
        // A missing key; a missing store is found by describe(), which every publish calls first.
        if (error instanceof ResourceNotFoundException) return undefined;
        return fail(error, `read ${Key} in`);
      }
    },
    async list() {
      const all = new Map<string, string>();
      let NextToken: string | undefined;
      try {
        do {
          const page = await client.send(new ListKeysCommand({ KvsARN, NextToken, MaxResults: 50 }));
          for (const item of page.Items ?? []) if (item.Key !== undefined && item.Value !== undefined) all.set(item.Key, item.Value);
          NextToken = page.NextToken;
        } while (NextToken);
      } catch (error) {
        return fail(error, 'list');
      }
      return all;
    },
    async update(batches, etag) {
      let current = etag;
      for (const batch of batches) {
        try {
          const result = await client.send(
            new UpdateKeysCommand({
              KvsARN,
              IfMatch: current,
              Puts: batch.puts.map(({ key, value }) => ({ Key: key, Value: value })),
              Deletes: batch.deletes.map((key) => ({ Key: key })),
            }),
          );
          current = result.ETag ?? current;
        } catch (error) {
          return fail(error, 'write');
        }
      }
      return current;
    },
  };
}

function translate(error: unknown, arn: string, what: string): PublishError {
  const code = (error as { name?: string }).name ?? '';
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
  let advice: string;
  switch (code) {
    case 'ConflictException':
      advice = 'it changed since this publish read it (another publish or rollback cut over in between). Nothing this publish staged is live; publish again to stage on top of what is live now.';
      break;
    case 'ResourceNotFoundException':
      advice = `it does not exist. Fix environments.<env>.keyValueStore in the site config, or deploy the stack (npm run infra -- deploy) that creates it.`;
      break;
    case 'AccessDeniedException':
      advice = `access was denied (${message}). The identity needs the publishing policy's KeyValueStore statement ("npm run infra -- policy" prints it).`;
      break;
    case 'ServiceQuotaExceededException':
      advice = `the store is full (${message}). Keep fewer deploys (publish.keepDeploys).`;
      break;
    default:
      advice =
        error instanceof CloudFrontKeyValueStoreServiceException
          ? `the KeyValueStore answered ${code}${error.$metadata.httpStatusCode ? ` (HTTP ${error.$metadata.httpStatusCode})` : ''}: ${message}. Publish again; nothing staged is live until the cutover.`
          : `${message}. Publish again; nothing staged is live until the cutover.`;
  }
  return new PublishError(`Could not ${what} the KeyValueStore ${arn}: ${advice}`, { cause: error });
}
