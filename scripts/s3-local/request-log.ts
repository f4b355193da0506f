/**
 * A loopback proxy in front of the local S3 server that names and counts
 * every request (ListObjectsV2, PutObject, DeleteObjects, …) and the bytes
 * sent. The tests use its log as proof ("a dry run sends only list
 * requests"), the benchmark counts requests by type with it, and
 * `npm run s3:local` prints it so a person sees what a publish did.
 *
 * It can also answer a chosen request with an error instead of forwarding
 * it, to test retries and interrupted publishes against the real client.
 */
import http from 'node:http';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  /** S3 operation name, e.g. `PutObject`, `ListObjectsV2`. */
  operation: string;
  method: string;
  bucket: string;
  /** Decoded object key ('' for bucket-level requests). */
  key: string;
  /** The `prefix` parameter of a listing. */
  prefix?: string;
  status: number;
  /** Request body bytes received (an upload's payload). */
  bytesIn: number;
  /** Set when the proxy answered with an injected error instead of forwarding. */
  injected?: boolean;
}

/** Returns a status (e.g. 503) to answer with instead of forwarding, or undefined to forward. */
export type FaultInjector = (request: Omit<LoggedRequest, 'status' | 'bytesIn'>, index: number) => number | undefined;

export interface RequestLog {
  port: number;
  endpoint: string;
  readonly requests: readonly LoggedRequest[];
  /** Requests per operation, e.g. `{ ListObjectsV2: 5, PutObject: 1 }`. */
  counts(): Record<string, number>;
  count(operation: string): number;
  bytesUploaded(): number;
  clear(): void;
  inject(fault: FaultInjector | undefined): void;
  onRequest(listener: ((request: LoggedRequest) => void) | undefined): void;
  close(): Promise<void>;
}

export async function startRequestLog(options: { targetPort: number; port?: number }): Promise<RequestLog> {
  const requests: LoggedRequest[] = [];
  let fault: FaultInjector | undefined;
  let listener: ((request: LoggedRequest) => void) | undefined;
  let seen = 0;

  const server = http.createServer((req, res) => {
    const described = describe(req);
    const index = seen++;
    const injected = fault?.(described, index);
    let bytesIn = 0;
    const record = (status: number, extra: Partial<LoggedRequest> = {}) => {
      const entry: LoggedRequest = { ...described, status, bytesIn, ...extra };
      requests.push(entry);
      listener?.(entry);
    };

    if (injected !== undefined) {
      req.on('data', (chunk: Buffer) => (bytesIn += chunk.length));
      req.on('end', () => {
        const code = injected === 503 ? 'SlowDown' : injected >= 500 ? 'InternalError' : 'InjectedError';
        res.writeHead(injected, { 'content-type': 'application/xml', connection: 'close' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>Injected by the test proxy</Message></Error>`);
        record(injected, { injected: true });
      });
      return;
    }

    const upstream = http.request(
      { host: '127.0.0.1', port: options.targetPort, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
        upstreamRes.on('end', () => record(upstreamRes.statusCode ?? 502));
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${error.message}`);
      record(502);
    });
    req.on('data', (chunk: Buffer) => (bytesIn += chunk.length));
    req.pipe(upstream);
  });
  // Clients keep connections alive; close() must not wait for them.
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    counts() {
      const counts: Record<string, number> = {};
      for (const request of requests) counts[request.operation] = (counts[request.operation] ?? 0) + 1;
      return counts;
    },
    count: (operation) => requests.filter((request) => request.operation === operation).length,
    bytesUploaded: () => requests.reduce((sum, request) => sum + (request.method === 'PUT' ? request.bytesIn : 0), 0),
    clear() {
      requests.length = 0;
    },
    inject(next) {
      fault = next;
      seen = 0;
    },
    onRequest(next) {
      listener = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Names an S3 REST request the way the API reference does. */
export function describe(req: Pick<http.IncomingMessage, 'method' | 'url' | 'headers'>): Omit<LoggedRequest, 'status' | 'bytesIn'> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://local');
  const query = url.searchParams;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  const segments = url.pathname.split('/').slice(1);
  // Path-style for the API endpoint; browsers reach a bucket by its host name.
  const virtualHost = host !== '' && host !== 'localhost' && isIP(host) === 0;
  const bucket = virtualHost ? host : decodeURIComponent(segments.shift() ?? '');
  const key = segments.map((segment) => decodeURIComponent(segment)).join('/');
  const operation = operationOf(method, key, query, req.headers);
  const prefix = operation.startsWith('ListObjects') ? (query.get('prefix') ?? '') : undefined;
  return { operation, method, bucket, key, ...(prefix === undefined ? {} : { prefix }) };
}

function operationOf(method: string, key: string, query: URLSearchParams, headers: http.IncomingHttpHeaders): string {
  if (key === '') {
    if (method === 'GET') {
      if (query.get('list-type') === '2') return 'ListObjectsV2';
      for (const sub of ['website', 'cors', 'location', 'versioning', 'policy', 'acl']) if (query.has(sub)) return `GetBucket:${sub}`;
      return 'ListObjects';
    }
    if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    return `${method} bucket`;
  }
  switch (method) {
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'PUT':
      if (query.has('uploadId')) return 'UploadPart';
      return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      return 'PostObject';
    default:
      return `${method} object`;
  }
}
