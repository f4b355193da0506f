/**
 * The local edge: an HTTP server on 127.0.0.1 that does for one site what
 * CloudFront does in front of its bucket — runs the site's own
 * viewer-request function code (edge-function.ts's runner, the same code the
 * stack deploys), fetches the object the function chose from the local S3
 * server through the S3 API (as CloudFront's origin access does), runs the
 * viewer-response side, and answers. Its cache is keyed, like CloudFront's,
 * by the URI the function produced, and keeps a response for its s-maxage or
 * max-age, so in-place publishing without an invalidation is visibly stale
 * here too, and versioned publishing (a new object, a new key) is not.
 *
 * The KeyValueStore is read as a function reads it, at the moment of the
 * request: `kvs(key)` (usually the stand-in's snapshot), so a cutover is
 * visible on the next request; real CloudFront takes seconds to propagate.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import {
  isResponse,
  runViewerRequest,
  runViewerResponse,
  viewerRequestEvent,
  type CloudFrontFunctionResponse,
  type CloudFrontResponseEvent,
  type CloudFrontValues,
} from './edge-function.ts';

export interface LocalEdgeOptions {
  /** The function's code, as edgeFunctionCode() makes it for the site and environment. */
  code: string;
  /** The local S3 server, the bucket and the environment's prefix (the distribution's origin path). */
  s3: { endpoint: string; bucket: string; prefix?: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  kvs?: (key: string) => string | undefined | Promise<string | undefined>;
  /** The distribution's custom error response: on an origin 403 or 404, this page (fetched without the function) with a 404 status. */
  errorPage?: string;
  port?: number;
}

export interface EdgeRequestLog {
  uri: string;
  /** The URI the function produced (the cache key), or undefined when the function answered itself. */
  objectUri?: string;
  status: number;
  cache: 'hit' | 'miss' | 'function';
}

export interface LocalEdge {
  url: string;
  port: number;
  readonly requests: readonly EdgeRequestLog[];
  /** Drops cached responses whose function-produced URI matches (a `*` at the end matches a prefix), as CreateInvalidation does. */
  invalidate(paths: readonly string[]): void;
  close(): Promise<void>;
}

interface Cached {
  status: number;
  headers: CloudFrontValues;
  body: Buffer;
  until: number;
}

export async function startLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge> {
  const client = new S3Client({ region: 'us-east-1', endpoint: options.s3.endpoint, forcePathStyle: true, credentials: options.s3.credentials, maxAttempts: 2 });
  const cache = new Map<string, Cached>();
  const requests: EdgeRequestLog[] = [];
  const prefix = options.s3.prefix ?? '';

  const server = http.createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`local edge: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const question = raw.indexOf('?');
    const uri = question === -1 ? raw : raw.slice(0, question);
    const event = viewerRequestEvent({
      uri,
      host: req.headers.host ?? '127.0.0.1',
      query: question === -1 ? '' : raw.slice(question + 1),
      method: req.method ?? 'GET',
      cookies: parseCookies(req.headers.cookie),
      headers: Object.fromEntries(Object.entries(req.headers).flatMap(([name, value]) => (name === 'cookie' || name === 'host' || value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]]))),
    });
    const kvs = options.kvs;
    const result = await runViewerRequest(options.code, event, kvs ? { kvs } : {});
    if (isResponse(result)) {
      requests.push({ uri, status: result.statusCode, cache: 'function' });
      return send(res, result.statusCode, result.headers ?? {}, bodyOf(result), result.cookies);
    }
    let entry = cache.get(result.uri);
    const hit = entry !== undefined && entry.until > Date.now();
    if (!hit) {
      entry = await fetchObject(result.uri);
      if (entry.until > Date.now()) cache.set(result.uri, entry);
      else cache.delete(result.uri);
    }
    if (entry!.status >= 400 && options.errorPage) {
      const page = await fetchObject(options.errorPage);
      if (page.status < 400) entry = { ...page, status: 404, until: 0 };
    }
    let { status, headers } = entry!;
    // CloudFront runs no viewer-response function on an origin error (400 and up).
    if (status < 400) {
      const responseEvent: CloudFrontResponseEvent = {
        ...event,
        context: { ...event.context, eventType: 'viewer-response' },
        response: { statusCode: status, statusDescription: 'OK', headers: structuredClone(headers), cookies: {} },
      };
      const answered = await runViewerResponse(options.code, responseEvent, kvs ? { kvs } : {});
      status = answered.statusCode;
      headers = answered.headers ?? {};
    }
    requests.push({ uri, objectUri: result.uri, status, cache: hit ? 'hit' : 'miss' });
    send(res, status, headers, req.method === 'HEAD' ? Buffer.alloc(0) : entry!.body);
  }

  async function fetchObject(objectUri: string): Promise<Cached> {
    let key: string;
    try {
      key = prefix + decodeURIComponent(objectUri.slice(1));
    } catch {
      key = prefix + objectUri.slice(1);
    }
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: options.s3.bucket, Key: key }));
      const body = Buffer.from(await object.Body!.transformToByteArray());
      const headers: CloudFrontValues = {};
      if (object.ContentType) headers['content-type'] = { value: object.ContentType };
      if (object.CacheControl) headers['cache-control'] = { value: object.CacheControl };
      if (object.ETag) headers['etag'] = { value: object.ETag };
      for (const [name, value] of Object.entries(object.Metadata ?? {})) headers[`x-amz-meta-${name}`] = { value };
      return { status: 200, headers, body, until: Date.now() + cacheSeconds(object.CacheControl) * 1000 };
    } catch (error) {
      // Without s3:ListBucket the origin answers 403 for a missing key, as the stacks' bucket policy makes it.
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)) {
        return { status: 403, headers: { 'content-type': { value: 'application/xml' } }, body: Buffer.from('<Error><Code>AccessDenied</Code></Error>'), until: 0 };
      }
      throw error;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    invalidate(paths) {
      for (const key of [...cache.keys()]) {
        if (paths.some((path) => (path.endsWith('*') ? key.startsWith(path.slice(0, -1)) : key === path))) cache.delete(key);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** How long CloudFront keeps a response: s-maxage, else max-age; nothing for no-store, no-cache or private. */
export function cacheSeconds(cacheControl: string | undefined): number {
  if (!cacheControl || /\b(?:no-store|no-cache|private)\b/i.test(cacheControl)) return 0;
  const shared = /\bs-maxage=(\d+)/i.exec(cacheControl);
  const max = /\bmax-age=(\d+)/i.exec(cacheControl);
  return Number((shared ?? max)?.[1] ?? 0);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const equals = part.indexOf('=');
    if (equals > 0) cookies[part.slice(0, equals).trim()] = part.slice(equals + 1).trim();
  }
  return cookies;
}

function bodyOf(response: CloudFrontFunctionResponse): Buffer {
  const body = response.body;
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.from(body.data, body.encoding === 'base64' ? 'base64' : 'utf8');
}

function send(res: http.ServerResponse, status: number, headers: CloudFrontValues, body: Buffer, cookies?: CloudFrontFunctionResponse['cookies']): void {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = value.multiValue ? value.multiValue.map((each) => each.value) : value.value;
  const setCookies = Object.entries(cookies ?? {}).map(([name, cookie]) => `${name}=${cookie.value}${cookie.attributes ? `; ${cookie.attributes}` : ''}`);
  if (setCookies.length) out['set-cookie'] = setCookies;
  out['content-length'] = String(body.length);
  res.writeHead(status, out).end(body);
}
