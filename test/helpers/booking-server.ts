/**
 * A local booking backend for the browser tests: the real BookingAutomation.gs
 * (through the Apps Script stand-ins) behind an HTTP server on 127.0.0.1 that
 * answers like a deployed web app — JSON bodies, always 200, and the
 * `Access-Control-Allow-Origin: *` Google adds — so the widget is tested
 * against the one implementation of the contract.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadBookingBackend, type BackendOptions, type BookingBackend } from './apps-script.ts';

export interface BookingServer {
  /** The web app URL to put in a site's booking.endpoint. */
  endpoint: string;
  backend: BookingBackend;
  /** Every request as "METHOD /path?query", in order. */
  requests: string[];
  /** While down, every request gets the 503 HTML page a broken deployment gives. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export const ENDPOINT_PATH = '/macros/s/local-test/exec';

export async function startBookingServer(options: BackendOptions = {}): Promise<BookingServer> {
  const backend = loadBookingBackend(options);
  const requests: string[] = [];
  let down = false;
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const cors = { 'Access-Control-Allow-Origin': '*' };
      if (down) {
        response.writeHead(503, { ...cors, 'Content-Type': 'text/html' }).end('<!doctype html><title>Error</title><p>Service unavailable');
        return;
      }
      if (url.pathname !== ENDPOINT_PATH || (request.method !== 'GET' && request.method !== 'POST')) {
        response.writeHead(404, { 'Content-Type': 'text/html' }).end('<!doctype html><title>Not found</title>');
        return;
      }
      const result =
        request.method === 'GET'
          ? backend.doGet(Object.fromEntries(url.searchParams))
          : backend.doPost(Buffer.concat(chunks).toString('utf8'), request.headers['content-type'] ?? '');
      response.writeHead(200, { ...cors, 'Content-Type': `${result.mimeType}; charset=utf-8` }).end(JSON.stringify(result.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}${ENDPOINT_PATH}`,
    backend,
    requests,
    setDown: (value) => {
      down = value;
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}
