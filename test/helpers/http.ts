/** Small loopback HTTP helpers for tests that start servers. */
import http from 'node:http';
import net from 'node:net';

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * GET like a browser navigating: Eleventy's dev server only injects its
 * live-reload client then (Node's fetch cannot send `sec-fetch-mode: navigate`).
 * Resolves to the body of a 200 answer, or undefined.
 */
export function fetchPage(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 ? body : undefined));
    });
    request.on('error', () => resolve(undefined));
  });
}
