/**
 * A built site folder on 127.0.0.1 with a fixed set of response headers on
 * every answer — pages, assets and the 404 alike — as a CloudFront
 * ResponseHeadersPolicy adds them. `/x/` is `/x/index.html`; a missing file
 * gets the site's own 404.html when it has one. Every request is recorded,
 * so a test can tell which assets the browser really fetched.
 */
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import mime from 'mime-types';

/** The Content-Type S3 would be given for the file (the publisher uses the same table, mime-types). */
const typeOf = (file: string): string => mime.contentType(path.extname(file)) || 'application/octet-stream';

export interface HeadersServer {
  url: string;
  /** Every request as "METHOD /path?query", in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function serveWithHeaders(root: string, headers: Readonly<Record<string, string>>): Promise<HeadersServer> {
  const requests: string[] = [];
  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const send = (status: number, type: string, body: Buffer | string) => response.writeHead(status, { ...headers, 'Content-Type': type }).end(body);
    const pathname = decodeURIComponent(url.pathname);
    let file = path.join(root, pathname);
    if (file !== root && !file.startsWith(root + path.sep)) return void send(403, 'text/plain; charset=utf-8', 'forbidden');
    try {
      if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
      send(200, typeOf(file), await readFile(file));
    } catch {
      const notFound = await readFile(path.join(root, '404.html')).catch(() => undefined);
      if (notFound) send(404, typeOf('404.html'), notFound);
      else send(404, 'text/plain; charset=utf-8', 'not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}
