/**
 * Connections for in-process publish tests: the publisher's own SDK
 * adapters pointed at the loopback servers (s3rver behind the counting
 * proxy, the CloudFront and STS stand-ins), signing with s3rver's fake
 * static credentials. The credential chain itself is tested through the
 * command line in a child process (preflight.test.ts), where the
 * environment and the shared config files can be the test's own.
 */
import type { CredentialStatus, Connection } from '../../scripts/publish/ports.ts';
import type { Connector } from '../../scripts/publish/connect.ts';
import { cloudFrontCdn } from '../../scripts/publish/cloudfront-cdn.ts';
import { s3Store } from '../../scripts/publish/s3-store.ts';
import { stsIdentity } from '../../scripts/publish/sts-identity.ts';
import { LOCAL_S3_CREDENTIALS } from '../../scripts/s3-local/server.ts';

export interface TestConnectorOptions {
  cloudfront: { endpoint: string };
  sts: { endpoint: string };
  /** What the credentials port reports (default: no expiry). */
  status?: Partial<CredentialStatus>;
  /** Wraps each connection (fault injection, counting). */
  wrap?: (connection: Connection) => Connection;
}

export function testConnector(options: TestConnectorOptions): Connector {
  const status: CredentialStatus = { source: 'test credentials', renew: 'renew the test credentials', local: false, ...options.status };
  return (target) => {
    const connection: Connection = {
      credentials: { resolve: async () => status },
      identity: stsIdentity({ credentials: LOCAL_S3_CREDENTIALS, region: target.env.region, endpoint: options.sts.endpoint, source: status.source, renew: status.renew }),
      store: s3Store({ bucket: target.env.bucket, region: target.env.region, endpoint: target.env.endpoint, credentials: LOCAL_S3_CREDENTIALS }),
      cdn: target.env.distributions.length > 0 ? cloudFrontCdn({ endpoint: options.cloudfront.endpoint, credentials: LOCAL_S3_CREDENTIALS }) : undefined,
    };
    return options.wrap ? options.wrap(connection) : connection;
  };
}
