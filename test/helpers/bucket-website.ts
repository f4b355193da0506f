/**
 * The environment's public URL for `--wait` tests: an HTTP server on
 * 127.0.0.1 that serves what the bucket holds (through the publisher's own
 * store adapter), like a CDN in front of it — `/` and `/dir/` serve the
 * folder's index.html. `stale()` makes it keep answering with an old page,
 * as a cache that was not invalidated would. The publisher's records under
 * `.publish/` answer 403, as the stacks' bucket policy makes them, unless
 * `servePublishRecords` models a bucket without that statement.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RESERVED_PREFIX } from '../../scripts/publish/local-files.ts';
import type { ObjectStore } from '../../scripts/publish/ports.ts';

export interface BucketWebsite {
  url: string;
  /** Paths asked for, in order. */
  readonly requests: readonly string[];
  /** Serve this body for every page instead of the bucket's (undefined: the bucket again). */
  stale(body: string | undefined): void;
  /** Answer every request with this status (a host behind a login or an IP allow-list; undefined: serve again). */
  refuse(status: number | undefined): void;
  close(): Promise<void>;
}

export async function serveBucket(store: ObjectStore, prefix = '', options: { servePublishRecords?: boolean } = {}): Promise<BucketWebsite> {
  const requests: string[] = [];
  let staleBody: string | undefined;
  let refusal: number | undefined;
  const server = http.createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    requests.push(pathname);
    if (refusal !== undefined) return void res.writeHead(refusal, { 'content-type': 'text/plain' }).end('not for you');
    if (staleBody !== undefined) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(staleBody);
    const key = prefix + (pathname.endsWith('/') ? `${pathname}index.html` : pathname).replace(/^\/+/, '');
    if (!options.servePublishRecords && key.startsWith(`${prefix}${RESERVED_PREFIX}`)) return void res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code></Error>');
    try {
      const body = await store.get(key);
      if (!body) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      res.writeHead(200, { 'content-type': key.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream' }).end(body);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stale(body) {
      staleBody = body;
    },
    refuse(status) {
      refusal = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
