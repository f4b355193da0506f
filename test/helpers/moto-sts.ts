/**
 * STS for the publish tests: moto's GetCallerIdentity (an independent
 * implementation, test/helpers/moto-server.ts), reached through a small
 * loopback proxy that logs every request (action, signing key id, status)
 * so tests can prove preflight stopped before STS, or asked it once.
 *
 * What moto cannot do, and the proxy does instead (the minimum, and nothing
 * else is answered here): answer `ExpiredToken`, as AWS does for a session
 * that has ended. moto accepts any key pair (it answers keys it did not
 * issue with its default user), so a request signed with an access key id
 * starting `EXPIRED` is refused by the proxy with STS's own error document
 * and never reaches moto. This replaces the hand-written STS stand-in.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MOTO_ACCOUNT, startMotoServer, type MotoServer } from './moto-server.ts';

export interface StsRequest {
  action: string;
  accessKeyId: string;
  status: number;
}

export interface MotoSts {
  /** The proxy's address: what clients use. */
  endpoint: string;
  readonly requests: readonly StsRequest[];
  /** The ARN moto answers for credentials it did not issue: every test key pair. */
  readonly callerArn: string;
  clear(): void;
  close(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Starts moto (or uses the given one, which the caller stops) and the proxy in front of it. */
export async function startMotoSts(options: { moto?: MotoServer } = {}): Promise<MotoSts> {
  const moto = options.moto ?? (await startMotoServer());
  const target = new URL(moto.endpoint);
  const requests: StsRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? '';
      const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (accessKeyId.startsWith('EXPIRED')) {
        requests.push({ action, accessKeyId, status: 403 });
        res.writeHead(403, { 'content-type': 'text/xml', 'x-amzn-requestid': `expired-${requests.length}` });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>expired</RequestId></ErrorResponse>`);
        return;
      }
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => requests.push({ action, accessKeyId, status: answer.statusCode ?? 502 }));
      });
      upstream.on('error', (error) => {
        requests.push({ action, accessKeyId, status: 502 });
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${error.message}`);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    callerArn: `arn:aws:sts::${MOTO_ACCOUNT}:user/moto`,
    clear() {
      requests.length = 0;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (!options.moto) await moto.stop();
    },
  };
}
