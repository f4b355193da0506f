/**
 * The two independent implementations the publish scenarios run against,
 * behind one interface (test/publish/two-implementations.test.ts):
 *
 * - `standIns`: s3rver behind the counting proxy (which answers conditional
 *   writes, as s3rver ignores them), the hand-written CloudFront stand-in
 *   (test/helpers/cloudfront-server.ts) and STS from test/helpers/moto-sts.ts;
 * - `moto`: one moto_server for S3 (its own conditional writes), CloudFront
 *   and STS, the bucket and a distribution created in it through the SDK.
 *
 * Both are driven through the publisher's own adapters (s3-store.ts,
 * cloudfront-cdn.ts, sts-identity.ts), and both report, from the server's
 * side, which S3 and CloudFront requests arrived: the proxy's log for
 * s3rver, the stand-in's log, and moto's own request recorder.
 */
import { CloudFrontClient, CreateDistributionCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { describe } from '../../scripts/s3-local/request-log.ts';
import { LOCAL_S3_CREDENTIALS } from '../../scripts/s3-local/server.ts';
import type { Connector } from '../../scripts/publish/connect.ts';
import type { Connection, ObjectStore } from '../../scripts/publish/ports.ts';
import { s3Store } from '../../scripts/publish/s3-store.ts';
import { startMotoServer, type MotoServer } from './moto-server.ts';
import { testConnector } from './publish-connection.ts';
import { startPublishServers, type PublishServers } from './publish-servers.ts';

export interface S3Call {
  operation: string;
  method: string;
  bucket: string;
  key: string;
}

export interface CloudFrontCall {
  operation: 'CreateInvalidation' | 'GetInvalidation' | 'ListInvalidations' | 'GetDistribution' | 'Other';
  distributionId: string;
  /** CreateInvalidation's paths. */
  paths?: string[];
}

export interface PublishBackend {
  name: 'stand-ins' | 'moto';
  /** The S3 endpoint for site.yaml. */
  endpoint: string;
  /** Where the CloudFront API answers (moto: the same endpoint). */
  cloudFrontEndpoint: string;
  /** A fresh bucket and a distribution whose origin is that bucket. */
  newSite(): Promise<{ bucket: string; distributionId: string }>;
  /** A bucket without a distribution. */
  newBucket(): Promise<string>;
  store(bucket: string): ObjectStore;
  connect(wrap?: (connection: Connection) => Connection): Connector;
  /** What the S3 server received since the last `clear`. */
  s3Calls(): Promise<S3Call[]>;
  /** What the CloudFront server received since the last `clear`. */
  cloudFrontCalls(): Promise<CloudFrontCall[]>;
  /** GetInvalidation's Status exactly as the server spells it, through the bare SDK client. */
  rawInvalidationStatus(distributionId: string, id: string): Promise<string | undefined>;
  /** The caller ARN STS answers for the test credentials. */
  callerArn: string;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const CREDENTIALS = LOCAL_S3_CREDENTIALS;
/** Enough for one test file; the stand-in's distributions must be known when it starts. */
const STAND_IN_SITES = 24;

const originOf = (bucket: string) => `${bucket}.s3.${REGION}.amazonaws.com`;

/** Bucket names stay unique across backends sharing one moto_server. */
let made = 0;

/** `moto`: the test file's moto_server, for STS (stopped by the file, not here). */
export async function standIns(shared: { moto?: MotoServer } = {}): Promise<PublishBackend> {
  const ids = Array.from({ length: STAND_IN_SITES }, (_, index) => `E2STANDIN${String(index + 1).padStart(4, '0')}`);
  const bucketOf = (index: number) => `standin-site-${index + 1}`;
  const servers: PublishServers = await startPublishServers({ distributions: ids, origins: Object.fromEntries(ids.map((id, index) => [id, [originOf(bucketOf(index))]])) }, shared);
  let sites = 0;
  const rawClient = new CloudFrontClient({ region: REGION, endpoint: servers.cloudfront.endpoint, credentials: CREDENTIALS });
  const clear = async () => {
    servers.clear();
    // An invalidation completes on its first GetInvalidation, as moto's do at once.
    servers.cloudfront.completeOnPoll(1);
  };
  await clear();
  return {
    name: 'stand-ins',
    endpoint: servers.s3.endpoint,
    cloudFrontEndpoint: servers.cloudfront.endpoint,
    async newSite() {
      if (sites >= ids.length) throw new Error(`the stand-in was started with ${ids.length} distributions; raise STAND_IN_SITES`);
      const index = sites++;
      await servers.s3.createBucket(bucketOf(index));
      return { bucket: bucketOf(index), distributionId: ids[index]! };
    },
    async newBucket() {
      const bucket = `standin-bucket-${++made}`;
      await servers.s3.createBucket(bucket);
      return bucket;
    },
    store: (bucket) => servers.s3.store(bucket),
    connect: (wrap) => servers.connect({ wrap }),
    s3Calls: async () => servers.s3.log.requests.map(({ operation, method, bucket, key }) => ({ operation, method, bucket, key })),
    cloudFrontCalls: async () =>
      servers.cloudfront.requests.map((request) => ({
        operation: request.operation === 'Unknown' ? 'Other' : request.operation,
        distributionId: request.distributionId,
        ...(request.paths ? { paths: request.paths } : {}),
      })),
    rawInvalidationStatus: async (distributionId, id) => (await rawClient.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }))).Invalidation?.Status,
    callerArn: servers.sts.callerArn,
    clear,
    async stop() {
      rawClient.destroy();
      await servers.stop();
    },
  };
}

/** `server`: the test file's moto_server, started with `record: true` (stopped by the file, not here). */
export async function moto(shared: { moto?: MotoServer } = {}): Promise<PublishBackend> {
  const server: MotoServer = shared.moto ?? (await startMotoServer({ record: true }));
  const s3 = new S3Client({ region: REGION, endpoint: server.endpoint, forcePathStyle: true, credentials: CREDENTIALS });
  const cloudfront = new CloudFrontClient({ region: REGION, endpoint: server.endpoint, credentials: CREDENTIALS });
  const newBucket = async (kind: string) => {
    const bucket = `moto-${kind}-${++made}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    return bucket;
  };
  const connector = testConnector({ cloudfront: server, sts: server, status: { source: 'test credentials' } });
  return {
    name: 'moto',
    endpoint: server.endpoint,
    cloudFrontEndpoint: server.endpoint,
    async newSite() {
      const bucket = await newBucket('site');
      const created = await cloudfront.send(
        new CreateDistributionCommand({
          DistributionConfig: {
            CallerReference: `two-implementations-${bucket}`,
            Comment: '',
            Enabled: true,
            Origins: { Quantity: 1, Items: [{ Id: 's3', DomainName: originOf(bucket), OriginPath: '', S3OriginConfig: { OriginAccessIdentity: '' } }] },
            DefaultCacheBehavior: { TargetOriginId: 's3', ViewerProtocolPolicy: 'redirect-to-https', ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } }, MinTTL: 0, TrustedSigners: { Enabled: false, Quantity: 0 } },
          },
        }),
      );
      return { bucket, distributionId: created.Distribution!.Id! };
    },
    newBucket: () => newBucket('bucket'),
    store: (bucket) => s3Store({ bucket, region: REGION, endpoint: server.endpoint, credentials: CREDENTIALS }),
    connect: (wrap) => (wrap ? (target) => wrap(connector(target)) : connector),
    async s3Calls() {
      return (await server.requests())
        .filter((request) => request.service === 's3')
        .map((request) => {
          const { operation, method, bucket, key } = describe({ method: request.method, url: request.url, headers: request.headers });
          return { operation, method, bucket, key };
        });
    },
    async cloudFrontCalls() {
      return (await server.requests()).filter((request) => request.service === 'cloudfront').map(cloudFrontCall);
    },
    rawInvalidationStatus: async (distributionId, id) => (await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }))).Invalidation?.Status,
    // moto answers every key pair it did not issue itself with its default user.
    callerArn: `arn:aws:sts::123456789012:user/moto`,
    clear: () => server.clearRequests(),
    async stop() {
      s3.destroy();
      cloudfront.destroy();
      if (!shared.moto) await server.stop();
    },
  };
}

/** A CloudFront REST request (API version 2020-05-31) named as the API reference does. */
function cloudFrontCall(request: { method: string; url: string; body: Buffer }): CloudFrontCall {
  const pathname = request.url.split('?')[0]!;
  const invalidations = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(pathname);
  const invalidation = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation\/[^/]+$/.exec(pathname);
  const distribution = /^\/2020-05-31\/distribution\/([^/]+)$/.exec(pathname);
  if (invalidations && request.method === 'POST') {
    const paths = [...request.body.toString('utf8').matchAll(/<Path>([\s\S]*?)<\/Path>/g)].map((match) => match[1]!);
    return { operation: 'CreateInvalidation', distributionId: invalidations[1]!, paths };
  }
  if (invalidations && request.method === 'GET') return { operation: 'ListInvalidations', distributionId: invalidations[1]! };
  if (invalidation && request.method === 'GET') return { operation: 'GetInvalidation', distributionId: invalidation[1]! };
  if (distribution && request.method === 'GET') return { operation: 'GetDistribution', distributionId: distribution[1]! };
  return { operation: 'Other', distributionId: '' };
}
