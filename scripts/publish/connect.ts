/**
 * The SDK adapters an environment's config describes, all signing with the
 * one set of credentials preflight resolves.
 *
 * Which credentials: an environment that names a `profile`, or that is on
 * AWS itself, goes through the standard chain; an environment on a loopback
 * endpoint (`npm run s3:local`) without a profile signs with s3rver's
 * well-known pair, so real credentials are never sent to a local server and
 * trying the publisher needs no AWS account.
 */
import { awsCredentials, localCredentials, type AwsCredentials } from './aws-credentials.ts';
import { cloudFrontCdn } from './cloudfront-cdn.ts';
import type { Connection } from './ports.ts';
import type { PublishTarget } from './publish.ts';
import { isLoopback, s3Store } from './s3-store.ts';
import { localIdentity, stsIdentity } from './sts-identity.ts';

export type Connector = (target: PublishTarget) => Connection;

/** One connector per run: targets that share a profile share its (memoised) credentials. */
export function awsConnector(): Connector {
  const byProfile = new Map<string, AwsCredentials>();
  return (target) => {
    const { env } = target;
    const local = !env.profile && isLoopback(env.endpoint);
    const cacheKey = local ? '\0local' : (env.profile ?? '\0chain');
    let credentials = byProfile.get(cacheKey);
    if (!credentials) {
      credentials = local ? localCredentials() : awsCredentials({ profile: env.profile });
      byProfile.set(cacheKey, credentials);
    }
    return {
      credentials: credentials.port,
      identity: local ? localIdentity() : stsIdentity({ credentials: credentials.provider, region: env.region, source: credentials.source, renew: credentials.renew }),
      store: s3Store({ bucket: env.bucket, region: env.region, endpoint: env.endpoint, checksums: env.checksums, credentials: credentials.provider }),
      cdn: env.distributions.length > 0 ? cloudFrontCdn({ credentials: credentials.provider }) : undefined,
    };
  };
}
