/**
 * A fault-injecting HTTP proxy on 127.0.0.1, in front of the S3 server (the
 * counting proxy before s3rver) or the CloudFront stand-in, so the
 * publisher's real SDK clients meet what a network and a busy service do:
 *
 *   error-500     HTTP 500 InternalError, with the service's own XML error body
 *   slowdown-503  HTTP 503: S3's SlowDown, CloudFront's ServiceUnavailable
 *   reset-before  the connection destroyed before anything is forwarded
 *   reset-after   forwarded and answered (the server applied it), then the
 *                 connection destroyed before the client hears the answer
 *   delay         forwarded, and the answer held back 50–300 ms (or `delayMs`)
 *
 * Which request gets which fault is decided by a PRNG seeded from the
 * seed *and the request itself* (method, path and query, and how many times
 * that same request was seen before), not from arrival order — so with 16
 * uploads in flight a seed still gives the same faults to the same requests,
 * and a failure reproduces from the seed it prints. (What is sent after a
 * failure can still depend on timing: an upload group stops sending once one
 * upload has failed.)
 *
 * Lives with the tests rather than in scripts/s3-local/: `npm run s3:local`
 * is for trying the publisher, and a server that fails on purpose is only
 * useful to a test. It knows nothing of S3 beyond the error bodies, so the
 * same proxy sits in front of CloudFront.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from '../../scripts/seeded-random.ts';

export const FAULT_KINDS = ['error-500', 'slowdown-503', 'reset-before', 'reset-after', 'delay'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Decoded path without the query (for S3 `/<bucket>/<key>`). */
  path: string;
  /** How many times this same method and URL came before since the last configure(): 0 for the first attempt, 1 for the first retry… */
  occurrence: number;
}

export interface FaultRecord extends FaultRequest {
  kind?: FaultKind;
  /** The delay applied, for `delay`. */
  ms?: number;
}

/** What a scripted fault returns: a kind, or a kind with a delay (beyond a client's timeout, say). */
export type ScriptedFault = FaultKind | { kind: 'delay'; ms: number } | undefined;

export interface RandomFaults {
  seed: number;
  /** Fraction of eligible requests that get a fault, e.g. 0.1 or 0.3. */
  rate: number;
  /** Which kinds, chosen evenly (default: all five). */
  kinds?: readonly FaultKind[];
  /** Which requests may get a fault (default: all). */
  eligible?: (request: FaultRequest) => boolean;
}

export interface FaultProxy {
  endpoint: string;
  port: number;
  /** Faults on a seeded fraction of requests; undefined: none (counts and occurrences start again). */
  configure(faults: RandomFaults | undefined): void;
  /** A fault chosen by the test per request (checked before the random ones); undefined: none. */
  script(decide: ((request: FaultRequest) => ScriptedFault) | undefined): void;
  /** Faults injected since the last configure(), by kind. */
  readonly injected: Readonly<Record<FaultKind, number>>;
  /** Every request since the last configure(), with its fault. */
  readonly requests: readonly FaultRecord[];
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The server behind it, on 127.0.0.1. */
  targetPort: number;
  /** Whose error bodies to answer with. */
  service: 's3' | 'cloudfront';
}

const CLOUDFRONT_NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let random: RandomFaults | undefined;
  let scripted: ((request: FaultRequest) => ScriptedFault) | undefined;
  const seen = new Map<string, number>();
  const injected = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  const requests: FaultRecord[] = [];
  let errors = 0;

  const decide = (request: FaultRequest): { kind: FaultKind; ms?: number } | undefined => {
    const chosen = scripted?.(request);
    if (chosen) return typeof chosen === 'string' ? { kind: chosen, ...(chosen === 'delay' ? { ms: 150 } : {}) } : chosen;
    if (!random || !(random.eligible?.(request) ?? true)) return undefined;
    const next = prng(`${random.seed}|${request.method} ${request.url}|${request.occurrence}`);
    if (next() >= random.rate) return undefined;
    const kinds = random.kinds ?? FAULT_KINDS;
    const kind = kinds[Math.floor(next() * kinds.length)]!;
    return kind === 'delay' ? { kind, ms: 50 + Math.floor(next() * 250) } : { kind };
  };

  const errorBody = (status: 500 | 503, requestId: string): string => {
    if (options.service === 'cloudfront') {
      const [code, message] = status === 503 ? ['ServiceUnavailable', 'CloudFront is temporarily unavailable.'] : ['InternalError', 'An internal error occurred.'];
      return `<?xml version="1.0"?>\n<ErrorResponse xmlns="${CLOUDFRONT_NS}"><Error><Type>Receiver</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    }
    const [code, message] = status === 503 ? ['SlowDown', 'Please reduce your request rate.'] : ['InternalError', 'We encountered an internal error. Please try again.'];
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId><HostId>fault-proxy</HostId></Error>`;
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const identity = `${req.method} ${url}`;
    const occurrence = seen.get(identity) ?? 0;
    seen.set(identity, occurrence + 1);
    const request: FaultRequest = { method: req.method ?? 'GET', url, path: safeDecode(url.split('?')[0]!), occurrence };
    const fault = decide(request);
    requests.push({ ...request, ...(fault ? { kind: fault.kind } : {}), ...(fault?.ms !== undefined ? { ms: fault.ms } : {}) });
    if (fault) injected[fault.kind]++;

    if (fault?.kind === 'reset-before') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'error-500' || fault?.kind === 'slowdown-503') {
      const status = fault.kind === 'error-500' ? 500 : 503;
      const requestId = `FAULT${String(++errors).padStart(6, '0')}`;
      // The body is read first, so the connection stays usable for the next request.
      req.resume();
      req.on('end', () => {
        const headers: Record<string, string> = options.service === 's3' ? { 'content-type': 'application/xml', 'x-amz-request-id': requestId } : { 'content-type': 'text/xml', 'x-amzn-requestid': requestId };
        res.writeHead(status, headers);
        res.end(req.method === 'HEAD' ? undefined : errorBody(status, requestId));
      });
      return;
    }

    const upstream = http.request({ host: '127.0.0.1', port: options.targetPort, method: req.method, path: url, headers: req.headers }, (upstreamRes) => {
      const chunks: Buffer[] = [];
      upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
      upstreamRes.on('end', () => {
        if (fault?.kind === 'reset-after') {
          // The server has done it; the client never hears.
          req.socket.destroy();
          return;
        }
        const answer = () => {
          if (res.destroyed) return;
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          res.end(Buffer.concat(chunks));
        };
        if (fault?.kind === 'delay') setTimeout(answer, fault.ms).unref();
        else answer();
      });
    });
    upstream.on('error', (error) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${error.message}`);
    });
    req.pipe(upstream);
  });
  // Clients keep connections alive; close() must not wait for them.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    configure(faults) {
      random = faults;
      seen.clear();
      requests.length = 0;
      for (const kind of FAULT_KINDS) injected[kind] = 0;
    },
    script(next) {
      scripted = next;
    },
    injected,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** mulberry32, seeded by the FNV-1a hash of a string. */
export function prng(seedText: string): () => number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < seedText.length; index++) {
    hash ^= seedText.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return mulberry32(hash);
}
