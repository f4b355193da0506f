/**
 * A loopback proxy in front of the local S3 server that names and counts
 * every request (ListObjectsV2, PutObject, DeleteObjects, …) and the bytes
 * sent. The tests use its log as proof ("a dry run sends only list
 * requests"), the benchmark counts requests by type with it, and
 * `npm run s3:local` prints it so a person sees what a publish did.
 *
 * It can also answer a chosen request with an error instead of forwarding
 * it, to test retries and interrupted publishes against the real client,
 * and hold chosen requests until told to let them through, so a test can
 * act while a publish is part-way (a second publish, Ctrl-C). A trap sees
 * every request as it arrives, its body already read, and decides whether
 * it reaches the server at all: the crash harness (test/publish/crash.test.ts)
 * kills the publishing process there, then lets that request through or
 * drops it.
 *
 * Conditional writes: s3rver 3.7.1 ignores `If-None-Match: *` and
 * `If-Match` (a conditional put silently overwrites), which is what the
 * publish lock relies on. The proxy therefore answers them itself the way S3
 * does — 412 PreconditionFailed when the key exists (If-None-Match) or has
 * another ETag (If-Match), 404 NoSuchKey for If-Match on a missing key —
 * checking with an unsigned HEAD and handling one conditional request per
 * key at a time, so two racing conditional puts cannot both win. So the
 * tests and `npm run s3:local` exercise the lock as it behaves on AWS.
 */
import http from 'node:http';
import { isIP } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
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
  /** Set when the request carried If-None-Match or If-Match (answered by the proxy, see above). */
  conditional?: boolean;
}

/** Returns a status (e.g. 503) to answer with instead of forwarding, or undefined to forward. */
export type FaultInjector = (request: Omit<LoggedRequest, 'status' | 'bytesIn'>, index: number) => number | undefined;

/**
 * What a trap does with an arrived request: `forward` it (the usual path:
 * faults, holds, conditional writes, s3rver), or `drop` it (the connection
 * is closed; nothing reaches the server or the log).
 */
export type TrapDecision = 'forward' | 'drop';
export type Trap = (request: Omit<LoggedRequest, 'status' | 'bytesIn'>) => TrapDecision | Promise<TrapDecision>;

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
  /** Holds every request matching `predicate` (before it is forwarded) until `release()`; undefined stops holding new ones. */
  hold(predicate: ((request: Omit<LoggedRequest, 'status' | 'bytesIn'>) => boolean) | undefined): void;
  /** Resolves with the first held request (at once if one is held already). */
  held(): Promise<Omit<LoggedRequest, 'status' | 'bytesIn'>>;
  /** Lets every held request through, and holds no more. */
  release(): void;
  /**
   * Asks `trap` about each request as it arrives, once its whole body is
   * here (so a request forwarded after its client died still arrives
   * whole), before anything else sees it; undefined stops asking.
   */
  trap(trap: Trap | undefined): void;
  close(): Promise<void>;
}

type Described = Omit<LoggedRequest, 'status' | 'bytesIn'>;

export async function startRequestLog(options: { targetPort: number; port?: number }): Promise<RequestLog> {
  const requests: LoggedRequest[] = [];
  let fault: FaultInjector | undefined;
  let listener: ((request: LoggedRequest) => void) | undefined;
  let seen = 0;
  let holdWhen: ((request: Described) => boolean) | undefined;
  let heldRequests: Array<{ request: Described; go: () => void }> = [];
  let heldWaiters: Array<(request: Described) => void> = [];
  let trapped: Trap | undefined;
  // One conditional request per key at a time (see the file comment).
  const keyQueues = new Map<string, Promise<void>>();

  const server = http.createServer((req, res) => {
    const described = describe(req);
    if (trapped) return ask(trapped, req, res, described);
    arrive(req, res, described);
  });

  const arrive = (req: http.IncomingMessage, res: http.ServerResponse, described: Described) => {
    const index = seen++;
    const forward = () => handle(req, res, described, index);
    if (holdWhen?.(described)) {
      heldRequests.push({ request: described, go: forward });
      for (const waiter of heldWaiters) waiter(described);
      heldWaiters = [];
      return;
    }
    forward();
  };

  const ask = (trap: Trap, req: http.IncomingMessage, res: http.ServerResponse, described: Described) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A body that never arrives whole (its client died sending it) never reached the server.
    req.on('end', () => {
      void Promise.resolve(trap(described)).then((decision) => {
        if (decision === 'drop') {
          req.socket.destroy();
          return;
        }
        // The body read, replayed; to a client gone meanwhile, the answer goes nowhere.
        const body = new PassThrough();
        body.end(Buffer.concat(chunks));
        const replay = Object.assign(body, { method: req.method, url: req.url, headers: req.headers }) as unknown as http.IncomingMessage;
        const gone = req.socket.destroyed || res.destroyed;
        const sink = Object.assign(new Writable({ write: (_chunk, _encoding, done) => done() }), { writeHead: () => sink }) as unknown as http.ServerResponse;
        arrive(replay, gone ? sink : res, described);
      });
    });
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, described: Described, index: number) => {
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

    const ifNoneMatch = req.headers['if-none-match'];
    const ifMatch = req.headers['if-match'];
    const conditional = described.key !== '' && (req.method === 'PUT' || req.method === 'DELETE') && (ifNoneMatch !== undefined || ifMatch !== undefined);

    const pass = (done: () => void = () => undefined) => {
      const upstream = http.request(
        { host: '127.0.0.1', port: options.targetPort, method: req.method, path: req.url, headers: req.headers },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          // A client that went away (killed) unpipes its answer; the request is logged all the same.
          res.once('close', () => upstreamRes.resume());
          upstreamRes.pipe(res);
          upstreamRes.on('end', () => {
            record(upstreamRes.statusCode ?? 502, conditional ? { conditional: true } : {});
            done();
          });
        },
      );
      upstream.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${error.message}`);
        record(502);
        done();
      });
      req.on('data', (chunk: Buffer) => (bytesIn += chunk.length));
      req.pipe(upstream);
    };
    if (!conditional) return pass();

    const refuse = (status: number, code: string, message: string, done: () => void) => {
      req.on('data', (chunk: Buffer) => (bytesIn += chunk.length));
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
        record(status, { conditional: true });
        done();
      });
      req.resume();
    };
    const queueKey = `${described.bucket}/${described.key}`;
    const previous = keyQueues.get(queueKey) ?? Promise.resolve();
    const turn = previous.then(
      () =>
        new Promise<void>((done) => {
          const path = (req.url ?? '/').split('?')[0];
          const head = http.request({ host: '127.0.0.1', port: options.targetPort, method: 'HEAD', path }, (headRes) => {
            headRes.resume();
            const exists = headRes.statusCode === 200;
            const etag = String(headRes.headers.etag ?? '').replace(/"/g, '');
            if (ifNoneMatch !== undefined && String(ifNoneMatch).trim() === '*' && exists) {
              return refuse(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', done);
            }
            if (ifMatch !== undefined) {
              if (!exists) return refuse(404, 'NoSuchKey', 'The specified key does not exist.', done);
              if (String(ifMatch).replace(/"/g, '').trim() !== etag) return refuse(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', done);
            }
            pass(done);
          });
          head.on('error', () => pass(done));
          head.end();
        }),
    );
    keyQueues.set(queueKey, turn);
    void turn.then(() => {
      if (keyQueues.get(queueKey) === turn) keyQueues.delete(queueKey);
    });
  };
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
    hold(predicate) {
      holdWhen = predicate;
    },
    held() {
      const first = heldRequests[0];
      if (first) return Promise.resolve(first.request);
      return new Promise((resolve) => heldWaiters.push(resolve));
    },
    trap(next) {
      trapped = next;
    },
    release() {
      holdWhen = undefined;
      const waiting = heldRequests;
      heldRequests = [];
      for (const entry of waiting) entry.go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        holdWhen = undefined;
        const waiting = heldRequests;
        heldRequests = [];
        for (const entry of waiting) entry.go();
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
