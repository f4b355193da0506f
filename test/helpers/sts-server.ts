/**
 * A loopback stand-in for AWS STS (the Query protocol, 2011-06-15) answering
 * GetCallerIdentity, so the real @aws-sdk/client-sts serialises, signs and
 * parses a real request. The caller is derived from the signing access key
 * id; a key id starting with EXPIRED answers ExpiredToken, and one starting
 * with INVALID answers InvalidClientTokenId, as AWS does for a session that
 * has ended or keys that were revoked. Every request is logged.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StsRequest {
  action: string;
  accessKeyId: string;
  status: number;
}

export interface StsServer {
  endpoint: string;
  readonly requests: readonly StsRequest[];
  /** The ARN answered for an access key id. */
  arnFor(accessKeyId: string): string;
  clear(): void;
  close(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const TEST_ACCOUNT = '123456789012';

export async function startStsServer(): Promise<StsServer> {
  const requests: StsRequest[] = [];
  const arnFor = (accessKeyId: string) => `arn:aws:sts::${TEST_ACCOUNT}:assumed-role/Deployer/${accessKeyId.toLowerCase()}`;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const action = params.get('Action') ?? '';
      const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const reply = (status: number, xml: string) => {
        requests.push({ action, accessKeyId, status });
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': `sts-${requests.length}` });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
      };
      const error = (status: number, code: string, message: string) =>
        reply(status, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>sts-error</RequestId></ErrorResponse>`);
      if (req.method !== 'POST' || action !== 'GetCallerIdentity') return error(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
      if (accessKeyId.startsWith('EXPIRED')) return error(403, 'ExpiredToken', 'The security token included in the request is expired');
      if (accessKeyId.startsWith('INVALID') || accessKeyId === '') return error(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      reply(
        200,
        `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult><Arn>${arnFor(accessKeyId)}</Arn><UserId>AROATEST:${accessKeyId.toLowerCase()}</UserId><Account>${TEST_ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>sts-ok</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    arnFor,
    clear() {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
