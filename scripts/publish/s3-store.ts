/**
 * The object store on Amazon S3 or an S3-compatible server, through the AWS
 * SDK. With `cloudfront-cdn.ts`, the only files that import the SDK.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  paginateListObjectsV2,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { PublishError } from '../errors.ts';
import { LOCAL_S3_CREDENTIALS } from '../s3-local/server.ts';
import { guardCalls } from './aws-calls.ts';
import type { ConditionalResult, ListedObject, ObjectHead, ObjectStore, PutRequest } from './ports.ts';

/** Static credentials (tests, the local server); AWS itself uses the standard chain. */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible server; omitted for AWS. */
  endpoint?: string;
  /** Defaults to 'when-required' with an endpoint (see `checksums` in the config schema), else 'when-supported'. */
  checksums?: 'when-supported' | 'when-required';
  /** Static credentials or a provider (the one preflight resolved); defaults to the standard AWS chain, or s3rver's well-known pair for a loopback endpoint. */
  credentials?: StaticCredentials | S3ClientConfig['credentials'];
  /** Attempts per request; the SDK backs off between them on throttling and 5xx answers. */
  maxAttempts?: number;
  /** How long to wait for a connection, and for a silent socket, before the attempt counts as failed (tests make them short). */
  timeouts?: Partial<NetworkTimeouts>;
}

export interface NetworkTimeouts {
  /** Milliseconds to establish a connection. */
  connectMs: number;
  /** Milliseconds a socket may stay silent (nothing sent, nothing received) mid-request. */
  idleMs: number;
}

/**
 * Without these the S3 client waits forever for a server that accepted the
 * connection and never answers (its defaults set no timeout at all), and
 * the SDK's retries never start. An idle timeout, not a total one: a large
 * upload keeps the socket busy however long it takes. Each timed-out attempt
 * is retried like a reset (TimeoutError is transient to the SDK), so a hung
 * server costs at most maxAttempts × idleMs plus the backoff, then a
 * PublishError saying so. CloudFront's adapter uses the same values.
 */
export const DEFAULT_TIMEOUTS: NetworkTimeouts = { connectMs: 10_000, idleMs: 30_000 };

/** The SDK's request handler options for these timeouts. */
export function requestHandlerFor(timeouts: Partial<NetworkTimeouts> = {}): { connectionTimeout: number; socketTimeout: number } {
  return { connectionTimeout: timeouts.connectMs ?? DEFAULT_TIMEOUTS.connectMs, socketTimeout: timeouts.idleMs ?? DEFAULT_TIMEOUTS.idleMs };
}

const DELETE_BATCH = 1000;

export function isLoopback(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  const host = new URL(endpoint).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

export function s3Store(options: S3StoreOptions): ObjectStore {
  const checksums = options.checksums ?? (options.endpoint ? 'when-required' : 'when-supported');
  const checksumMode = checksums === 'when-required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const client = guardCalls(new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    // S3-compatible servers are reached by path (http://host/bucket/key); AWS by virtual host.
    forcePathStyle: Boolean(options.endpoint),
    followRegionRedirects: !options.endpoint,
    requestChecksumCalculation: checksumMode,
    responseChecksumValidation: checksumMode,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
    requestHandler: requestHandlerFor(options.timeouts),
    // Real credentials are never sent to a local server.
    credentials: options.credentials ?? (isLoopback(options.endpoint) ? LOCAL_S3_CREDENTIALS : undefined),
  }), 's3');
  const { bucket } = options;
  const where = `s3://${bucket}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
  const fail = (action: string, error: unknown, key?: string): never => {
    throw translate(error, { action, where, bucket, key, endpoint: options.endpoint, timeouts: options.timeouts ?? {} });
  };

  const putCommand = (request: PutRequest, condition: { IfNoneMatch?: string; IfMatch?: string } = {}) =>
    new PutObjectCommand({
      Bucket: bucket,
      Key: request.key,
      // A Buffer, not a stream: a retried request can send it again.
      Body: request.body,
      ContentType: request.contentType,
      CacheControl: request.cacheControl,
      ContentEncoding: request.contentEncoding,
      ContentMD5: Buffer.from(request.md5, 'hex').toString('base64'),
      Metadata: request.metadata,
      ...condition,
    });
  const conditional = async (request: PutRequest, condition: { IfNoneMatch?: string; IfMatch?: string }): Promise<ConditionalResult> => {
    try {
      const result = await client.send(putCommand(request, condition));
      return { written: true, etag: normaliseEtag(result.ETag) };
    } catch (error) {
      if (isConditionFailed(error)) return { written: false };
      // If-Match on a key that is gone: S3 answers 404 NoSuchKey. Not
      // written either — the version it named no longer exists.
      if (condition.IfMatch !== undefined && isMissingKey(error)) return { written: false };
      return fail('write', error, request.key);
    }
  };

  return {
    bucket,

    async checkBucket(): Promise<void> {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        fail('reach', error);
      }
    },

    async list(prefix: string, onPage?: (count: number) => void): Promise<ListedObject[]> {
      const objects: ListedObject[] = [];
      try {
        for await (const page of paginateListObjectsV2({ client, pageSize: 1000 }, { Bucket: bucket, Prefix: prefix })) {
          const contents = page.Contents ?? [];
          onPage?.(contents.length);
          for (const object of contents) {
            if (object.Key === undefined) continue;
            objects.push({ key: object.Key, size: object.Size ?? 0, etag: normaliseEtag(object.ETag) });
          }
        }
      } catch (error) {
        fail('list', error, prefix || undefined);
      }
      return objects;
    },

    async head(key: string): Promise<ObjectHead | undefined> {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return {
          key,
          size: head.ContentLength ?? 0,
          etag: normaliseEtag(head.ETag),
          contentType: head.ContentType,
          cacheControl: head.CacheControl,
          metadata: Object.fromEntries(Object.entries(head.Metadata ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        return fail('read the headers of', error, key);
      }
    },

    async get(key: string): Promise<Buffer | undefined> {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        return fail('read', error, key);
      }
    },

    async getWithEtag(key: string): Promise<{ body: Buffer; etag: string } | undefined> {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { body: Buffer.from((await object.Body?.transformToByteArray()) ?? []), etag: normaliseEtag(object.ETag) };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        return fail('read', error, key);
      }
    },

    async put(request: PutRequest): Promise<{ etag: string }> {
      try {
        const result = await client.send(putCommand(request));
        return { etag: normaliseEtag(result.ETag) };
      } catch (error) {
        return fail('upload', error, request.key);
      }
    },

    putIfAbsent: (request) => conditional(request, { IfNoneMatch: '*' }),

    putIfMatch: (request, etag) => conditional(request, { IfMatch: `"${etag}"` }),

    async deleteIfMatch(key: string, etag: string): Promise<boolean> {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: `"${etag}"` }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return true;
        if (isConditionFailed(error)) return false;
        return fail('delete', error, key);
      }
    },

    async copy(from: string, to: string): Promise<void> {
      try {
        // CopySource is "bucket/key", URL-encoded per segment.
        const source = [bucket, ...from.split('/')].map((segment) => encodeURIComponent(segment)).join('/');
        await client.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: source }));
      } catch (error) {
        fail(`copy "${from}" to`, error, to);
      }
    },

    async delete(keys: readonly string[]): Promise<void> {
      for (let start = 0; start < keys.length; start += DELETE_BATCH) {
        const batch = keys.slice(start, start + DELETE_BATCH);
        let errors: { Key?: string; Code?: string; Message?: string }[] = [];
        try {
          const result = await client.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((key) => ({ Key: key })), Quiet: true } }),
          );
          errors = result.Errors ?? [];
        } catch (error) {
          fail(`delete ${batch.length} objects from`, error);
        }
        if (errors.length > 0) {
          const sample = errors.slice(0, 5).map((error) => `${error.Key}: ${error.Code ?? 'error'} ${error.Message ?? ''}`.trim());
          throw new PublishError(
            `S3 refused to delete ${errors.length} of ${batch.length} objects in ${where}:\n  ${sample.join('\n  ')}${errors.length > 5 ? '\n  …' : ''}\nCheck the s3:DeleteObject permission ("npm run infra -- policy" prints the policy the publisher needs), then publish again: it deletes what is left.`,
          );
        }
      }
    },
  };
}

/** S3 quotes ETags; KMS and multipart ETags are not MD5s and stay as they are otherwise. */
export function normaliseEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/"/g, '').toLowerCase();
}

/** 412 when the condition did not hold; 409 when another conditional write to the key was in flight at the same moment. */
function isConditionFailed(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412 || status === 409;
}

/** A 404 about the key, not the bucket (NoSuchBucket is also a 404, and must stay an error). */
function isMissingKey(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || (status === 404 && name !== 'NoSuchBucket');
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'NotFound' || name === 'NoSuchKey' || status === 404;
}

interface Context {
  action: string;
  where: string;
  bucket: string;
  key?: string;
  endpoint?: string;
  timeouts: Partial<NetworkTimeouts>;
}

/** " on all 5 attempts" when the SDK retried before giving up, so the message shows the retries were bounded and spent. */
export function attemptsNote(error: unknown): string {
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
  return attempts > 1 ? ` on all ${attempts} attempts` : '';
}

/** A connection that broke (reset, closed mid-answer) or went silent, rather than an answer; undefined for anything else. */
export function networkFailure(error: unknown): { kind: 'connect' | 'silent' | 'reset'; code: string } | undefined {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  // The SDK names a reset "TimeoutError" too, so the code decides first.
  if (code && ['ECONNRESET', 'EPIPE', 'ECONNABORTED'].includes(code)) return { kind: 'reset', code };
  if (/socket hang up/i.test(message ?? '')) return { kind: 'reset', code: 'ECONNRESET' };
  if (name === 'TimeoutError' && /establish a connection/.test(message ?? '')) return { kind: 'connect', code: 'ETIMEDOUT' };
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') return { kind: 'silent', code: 'ETIMEDOUT' };
  return undefined;
}

/** The words for a network failure, with the timeouts that applied. */
export function describeNetworkFailure(failure: NonNullable<ReturnType<typeof networkFailure>>, timeouts: Partial<NetworkTimeouts>, tries: string): string {
  const ms = (value: number) => `${value.toLocaleString('en-US')} ms`;
  if (failure.kind === 'connect') return `no connection within ${ms(timeouts.connectMs ?? DEFAULT_TIMEOUTS.connectMs)}${tries}. Check the network`;
  if (failure.kind === 'silent') return `no answer within ${ms(timeouts.idleMs ?? DEFAULT_TIMEOUTS.idleMs)}${tries}. Check the network`;
  return `the connection was reset (${failure.code})${tries}. Check the network`;
}

/** SDK errors become one sentence saying what failed, where, and what to do; the original stays as the cause. */
function translate(error: unknown, context: Context): PublishError {
  const target = context.key ? `"${context.key}" in ${context.where}` : context.where;
  const code = (error as { code?: string }).code ?? (error as { name?: string }).name ?? '';
  const message = error instanceof Error ? error.message : String(error);
  // S3's own messages end in a period; the advice goes on after one.
  const said = message.replace(/\.+$/, '');
  const tries = attemptsNote(error);
  const network = networkFailure(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  let advice: string;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    advice = context.endpoint
      ? `nothing answers at ${context.endpoint}. Start the local server with npm run s3:local (or fix the environment's endpoint).`
      : 'the connection was refused. Check the network and the region.';
  } else if (code === 'NoSuchBucket' || (context.action === 'reach' && status === 404)) {
    advice = `the bucket "${context.bucket}" does not exist. Create it, or fix the bucket name in the site config${context.endpoint ? '; npm run s3:local creates the local buckets' : ''}.`;
  } else if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    advice = 'no AWS credentials were found. Sign in (aws sso login, or set AWS_PROFILE / AWS_ACCESS_KEY_ID) and publish again.';
  } else if (['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired'].includes(code)) {
    advice = 'the AWS credentials have expired. Renew them (aws sso login, or refresh your session) and publish again.';
  } else if (['InvalidAccessKeyId', 'SignatureDoesNotMatch'].includes(code)) {
    // Not a missing permission: S3 does not know the key, or the secret is wrong.
    advice = `S3 does not accept these credentials (${code}): the access key is not one of the bucket's account, or its secret is wrong. Check the credentials of the environment's profile (or AWS_PROFILE) and publish again.`;
  } else if (['AccessDenied', 'Forbidden', 'AllAccessDisabled'].includes(code) || status === 403) {
    // A HEAD answer has no body, so a denied HeadBucket reaches here as HTTP 403 with no code; it used to be
    // reported as "S3 answered Unknown … Publish again", which cannot help (found by the bad-input catalogue).
    const why = /^Unknown/.test(code) || code === '' ? 'HTTP 403' : code;
    const owner = context.action === 'reach' ? ': the bucket belongs to another account than these credentials, or they may not read it' : '';
    advice = `access was denied (${why})${owner}. Check that the environment's profile is of the account that owns the bucket; the identity needs the publishing policy ("npm run infra -- policy --env <env> --site <site>" prints it; see docs/infrastructure.md).`;
  } else if (network) {
    advice = `${describeNetworkFailure(network, context.timeouts, tries)}${context.endpoint ? ' and the server' : ''}, then publish again; a publish that stopped part-way converges when re-run.`;
  } else if (error instanceof S3ServiceException) {
    advice = `S3 answered ${code}${error.$metadata.httpStatusCode ? ` (HTTP ${error.$metadata.httpStatusCode})` : ''}${tries}: ${said}. Publish again; a publish that stopped part-way converges when re-run.`;
  } else {
    advice = `${said}${tries}. Publish again; a publish that stopped part-way converges when re-run.`;
  }
  return new PublishError(`Could not ${context.action} ${target}: ${advice}`, { cause: error });
}
