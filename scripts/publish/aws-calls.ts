/**
 * Every AWS API call the publisher makes, with the IAM actions each one needs
 * and what it acts on. Two readers keep this honest:
 *
 * - the SDK adapters (`s3-store.ts`, `cloudfront-cdn.ts`, `sts-identity.ts`)
 *   install `guardCalls`, which refuses to send a command that is not listed
 *   here, so a new call in an adapter fails every test until it is added;
 * - the infrastructure (`infra/`) derives each environment's publishing role
 *   from `publishingPolicy`, which reads this table, so the role allows what
 *   the adapters send and nothing else (test/infra/publishing-role.test.ts
 *   checks it against the requests a real test publish makes).
 *
 * The README's hand-written policy used to be a third copy of this knowledge.
 */

export type AwsService = 's3' | 'cloudfront' | 'sts' | 'cloudfront-keyvaluestore';

/** What a call acts on: the bucket itself, objects under the site's prefix, a distribution, the environment's KeyValueStore (versioned mode), or nothing (STS). */
export type CallTarget = 'bucket' | 'objects' | 'distribution' | 'kvs' | 'none';

export interface AwsCall {
  service: AwsService;
  /** IAM actions the call needs; empty for calls that need no permission. */
  actions: readonly string[];
  on: CallTarget;
  /** Why the publisher makes it, for the policy's readers. */
  why: string;
}

export const PUBLISHER_CALLS = {
  HeadBucket: { service: 's3', actions: ['s3:ListBucket'], on: 'bucket', why: 'preflight: the bucket exists and may be read' },
  ListObjectsV2: { service: 's3', actions: ['s3:ListBucket'], on: 'bucket', why: 'the plan reads the remote state from the bucket itself' },
  HeadObject: { service: 's3', actions: ['s3:GetObject'], on: 'objects', why: "an object's headers when no deploy record vouches for them" },
  GetObject: { service: 's3', actions: ['s3:GetObject'], on: 'objects', why: 'deploy records, the lock, the staging gate and rollback bytes' },
  PutObject: { service: 's3', actions: ['s3:PutObject'], on: 'objects', why: 'uploads, deploy records and the conditional writes of the lock' },
  CopyObject: { service: 's3', actions: ['s3:GetObject', 's3:PutObject'], on: 'objects', why: 'archiving replaced objects server side, for rollback' },
  DeleteObject: { service: 's3', actions: ['s3:DeleteObject'], on: 'objects', why: "releasing the lock (a conditional delete)" },
  DeleteObjects: { service: 's3', actions: ['s3:DeleteObject'], on: 'objects', why: 'files no longer built, and records past retention' },
  GetDistribution: { service: 'cloudfront', actions: ['cloudfront:GetDistribution'], on: 'distribution', why: 'preflight: the distribution exists and serves the bucket' },
  CreateInvalidation: { service: 'cloudfront', actions: ['cloudfront:CreateInvalidation'], on: 'distribution', why: "the publish's one invalidation" },
  GetInvalidation: { service: 'cloudfront', actions: ['cloudfront:GetInvalidation'], on: 'distribution', why: '--wait, and the paths of invalidations in progress' },
  ListInvalidations: { service: 'cloudfront', actions: ['cloudfront:ListInvalidations'], on: 'distribution', why: 'the invalidations in progress, against CloudFront’s limits' },
  GetCallerIdentity: { service: 'sts', actions: [], on: 'none', why: 'preflight: who is publishing (needs no permission)' },
  DescribeKeyValueStore: { service: 'cloudfront-keyvaluestore', actions: ['cloudfront-keyvaluestore:DescribeKeyValueStore'], on: 'kvs', why: "versioned mode: the store's ETag, which every write must name" },
  GetKey: { service: 'cloudfront-keyvaluestore', actions: ['cloudfront-keyvaluestore:GetKey'], on: 'kvs', why: 'versioned mode: which deploy is live' },
  ListKeys: { service: 'cloudfront-keyvaluestore', actions: ['cloudfront-keyvaluestore:ListKeys'], on: 'kvs', why: 'versioned mode: the whole map, only after a stopped publish left it unlike its records' },
  UpdateKeys: { service: 'cloudfront-keyvaluestore', actions: ['cloudfront-keyvaluestore:UpdateKeys'], on: 'kvs', why: 'versioned mode: a deploy staged, the cutover, rollback and retention' },
} as const satisfies Record<string, AwsCall>;

export type PublisherCall = keyof typeof PUBLISHER_CALLS;

/**
 * The calls the staging gate makes on staging's bucket during a production
 * publish: preflight's HeadBucket and GetObject of `current.json` and the
 * record it names, all under `<prefix>.publish/`.
 */
export const STAGING_GATE_CALLS: readonly PublisherCall[] = ['HeadBucket', 'GetObject'];

/** The one folder under the site's prefix that the gate reads (deploy records and their pointer). */
export const PUBLISH_RECORDS_FOLDER = '.publish/';

/** Throws (a bug, not a user error) when an adapter is about to send a call this table does not list. */
export function assertListedCall(service: AwsService, commandName: string): void {
  const name = commandName.replace(/Command$/, '');
  const call = (PUBLISHER_CALLS as Record<string, AwsCall>)[name];
  if (!call || call.service !== service) {
    throw new Error(
      `bug: the publisher is about to call ${service}:${name}, which scripts/publish/aws-calls.ts does not list; add it there (with its IAM actions) so the publishing role allows it.`,
    );
  }
}

/** The slice of an SDK client this needs: its middleware stack. */
interface WithMiddleware {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Installs the check on a client: every command it sends must be listed. */
export function guardCalls<T>(client: T, service: AwsService): T {
  (client as unknown as WithMiddleware).middlewareStack.add(
    (next, context) => async (args) => {
      assertListedCall(service, context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'publisherCallsGuard' },
  );
  return client;
}

/** An IAM policy statement as plain JSON, the shape CloudFormation and `iam.PolicyStatement.fromJson` take. */
export interface PolicyStatementJson {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: unknown[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** Where one environment publishes. Values may be CloudFormation tokens (strings) when infra builds the role. */
export interface PublishingScope {
  bucket: string;
  /** The environment's key prefix ('' or ending in '/'). */
  prefix: string;
  /** `arn:aws:cloudfront::ACCOUNT:distribution/ID` of each distribution. */
  distributionArns: readonly string[];
  /** Production: staging's bucket and prefix, which the staging gate reads. */
  stagingGate?: { bucket: string; prefix: string };
  /** Versioned mode: the environment's KeyValueStore. */
  keyValueStoreArn?: string;
}

const actionsOf = (calls: readonly PublisherCall[]) => [...new Set(calls.flatMap((name) => PUBLISHER_CALLS[name].actions))].sort();
const callsOn = (target: CallTarget) => (Object.keys(PUBLISHER_CALLS) as PublisherCall[]).filter((name) => PUBLISHER_CALLS[name].on === target);

/** `s3:prefix` only exists on listings; HeadBucket has none, hence IfExists (a plain StringLike would deny preflight). */
function prefixCondition(prefix: string): PolicyStatementJson['Condition'] | undefined {
  return prefix === '' ? undefined : { StringLikeIfExists: { 's3:prefix': [`${prefix}*`] } };
}

/**
 * The publishing role's statements for one environment: exactly the actions
 * of the calls above, on exactly its bucket, prefix and distributions (and,
 * for production, read access to staging's deploy records for the gate).
 */
export function publishingPolicy(scope: PublishingScope): PolicyStatementJson[] {
  const bucketArn = `arn:aws:s3:::${scope.bucket}`;
  const statements: PolicyStatementJson[] = [
    { Sid: 'ReachAndListTheSitePrefix', Effect: 'Allow', Action: actionsOf(callsOn('bucket')), Resource: [bucketArn], ...withCondition(prefixCondition(scope.prefix)) },
    { Sid: 'ReadWriteAndDeleteTheSite', Effect: 'Allow', Action: actionsOf(callsOn('objects')), Resource: [`${bucketArn}/${scope.prefix}*`] },
  ];
  if (scope.distributionArns.length > 0) {
    statements.push({ Sid: 'CheckAndInvalidateTheDistribution', Effect: 'Allow', Action: actionsOf(callsOn('distribution')), Resource: [...scope.distributionArns] });
  }
  if (scope.keyValueStoreArn) {
    statements.push({ Sid: 'ReadAndWriteTheDeployMap', Effect: 'Allow', Action: actionsOf(callsOn('kvs')), Resource: [scope.keyValueStoreArn] });
  }
  if (scope.stagingGate) {
    const gateArn = `arn:aws:s3:::${scope.stagingGate.bucket}`;
    const gateCalls = (target: CallTarget) => STAGING_GATE_CALLS.filter((name) => PUBLISHER_CALLS[name].on === target);
    statements.push(
      { Sid: 'ReachStagingForTheGate', Effect: 'Allow', Action: actionsOf(gateCalls('bucket')), Resource: [gateArn], ...withCondition(prefixCondition(`${scope.stagingGate.prefix}${PUBLISH_RECORDS_FOLDER}`)) },
      { Sid: 'ReadStagingDeployRecords', Effect: 'Allow', Action: actionsOf(gateCalls('objects')), Resource: [`${gateArn}/${scope.stagingGate.prefix}${PUBLISH_RECORDS_FOLDER}*`] },
    );
  }
  return statements;
}

function withCondition(condition: PolicyStatementJson['Condition'] | undefined): Pick<PolicyStatementJson, 'Condition'> {
  return condition ? { Condition: condition } : {};
}
