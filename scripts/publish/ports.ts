/**
 * What publishing needs from AWS, as narrow interfaces. Only the adapters
 * (`s3-store.ts`, `cloudfront-cdn.ts`, `aws-credentials.ts`,
 * `sts-identity.ts`) import the SDK, so the recipe, the plan and apply are
 * tested against real protocol servers through the adapters, or in memory,
 * without a mocking library.
 *
 * Every key here is a full bucket key; the store knows its bucket, not the
 * site's prefix, and apply checks each key against the prefix before a write.
 */

/** One entry of a ListObjectsV2 page. */
export interface ListedObject {
  key: string;
  size: number;
  /** Without quotes, lower case. A plain MD5 for single-part uploads without KMS. */
  etag: string;
}

export interface ObjectHead extends ListedObject {
  contentType?: string;
  cacheControl?: string;
  /** User metadata (`x-amz-meta-*`), keys in lower case. */
  metadata: Record<string, string>;
}

export interface PutRequest {
  key: string;
  body: Buffer;
  contentType: string;
  cacheControl: string;
  contentEncoding?: string;
  /** Hex MD5 of `body`; sent as Content-MD5 so S3 refuses bytes that changed on the way. */
  md5: string;
  metadata: Record<string, string>;
}

/** The answer to a conditional write: written (with the new ETag), or the condition did not hold. */
export type ConditionalResult = { written: true; etag: string } | { written: false };

export interface ObjectStore {
  /** The bucket, for messages. */
  readonly bucket: string;
  /** HeadBucket: resolves when the bucket exists and may be read; throws a PublishError saying why not. */
  checkBucket(): Promise<void>;
  /** Every object under `prefix`, following continuation tokens; reports each page to `onPage`. */
  list(prefix: string, onPage?: (count: number) => void): Promise<ListedObject[]>;
  /** Undefined when there is no such key. */
  head(key: string): Promise<ObjectHead | undefined>;
  /** Undefined when there is no such key. */
  get(key: string): Promise<Buffer | undefined>;
  /** Undefined when there is no such key; the ETag is the one to pass to `putIfMatch`/`deleteIfMatch`. */
  getWithEtag(key: string): Promise<{ body: Buffer; etag: string } | undefined>;
  put(request: PutRequest): Promise<{ etag: string }>;
  /** PutObject with `If-None-Match: *`: written only when no object has the key (S3 answers 412 otherwise). */
  putIfAbsent(request: PutRequest): Promise<ConditionalResult>;
  /** PutObject with `If-Match: <etag>`: written only over exactly that version of the object. */
  putIfMatch(request: PutRequest, etag: string): Promise<ConditionalResult>;
  /** DeleteObject with `If-Match: <etag>`; false when the object is a different version. A missing key counts as deleted. */
  deleteIfMatch(key: string, etag: string): Promise<boolean>;
  /** CopyObject inside the bucket (server side: no bytes travel through the publisher). */
  copy(from: string, to: string): Promise<void>;
  /** Batched (DeleteObjects takes 1,000 keys a request); throws when any key failed. */
  delete(keys: readonly string[]): Promise<void>;
}

export interface InvalidationRequest {
  distributionId: string;
  paths: readonly string[];
  /** The same reference for the same batch makes a retried request return the first invalidation instead of a second one. */
  callerReference: string;
}

export interface InvalidationStatus {
  id: string;
  status: string;
}

/** What a distribution's invalidations still in progress hold, against CloudFront's limits on them. */
export interface InvalidationsInProgress {
  invalidations: number;
  /** Every path, wildcards included (the stand-in and the cautious reading of CloudFront's limit both count them). */
  paths: number;
  /** Paths ending in `*`. */
  wildcards: number;
}

export interface DistributionInfo {
  id: string;
  /** e.g. d111111abcdef8.cloudfront.net */
  domainName: string;
  /** 'Deployed' or 'InProgress' (a configuration change is propagating). */
  status: string;
  enabled: boolean;
  /** Each origin's domain name and path, to tell whether the distribution serves the environment's bucket. */
  origins: Array<{ domainName: string; originPath: string }>;
}

export interface Cdn {
  invalidate(request: InvalidationRequest): Promise<InvalidationStatus>;
  /** The status of an earlier invalidation (e.g. to wait for it to complete). */
  invalidation(distributionId: string, id: string): Promise<InvalidationStatus>;
  /** ListInvalidations (every page), then GetInvalidation for each one still InProgress, to count its paths. */
  inProgress(distributionId: string): Promise<InvalidationsInProgress>;
  /** GetDistribution; throws a PublishError when the distribution is unknown or cannot be read. */
  distribution(id: string): Promise<DistributionInfo>;
}

/** Where the credentials came from and how long they last; never the secrets themselves. */
export interface CredentialStatus {
  /** In words: "profile staging (SSO)", "environment variables", "s3rver's well-known local credentials". */
  source: string;
  /** Undefined for credentials that do not expire (long-term keys, the local server's). */
  expiration?: Date;
  /** The command or step that renews them, for messages: "aws sso login --profile staging". */
  renew: string;
  /** True for the local server's credentials: no AWS account, no caller identity to ask for. */
  local: boolean;
}

export interface Credentials {
  /** Resolves the credentials (through the standard chain); throws a PublishError, with the renewal step, when there are none. */
  resolve(): Promise<CredentialStatus>;
  /** Where they come from and how to renew them, known before resolving: what `npm run status` shows when resolving fails. */
  readonly describe?: { source: string; renew: string };
}

/** Who is publishing, as AWS sees it. */
export interface Caller {
  /** e.g. arn:aws:sts::123456789012:assumed-role/Deployer/jane; for the local server, "local:<user>". */
  arn: string;
  account?: string;
}

export interface Identity {
  /** STS GetCallerIdentity; throws a PublishError (expired or invalid credentials) with the renewal step. */
  caller(): Promise<Caller>;
}

/** The adapters for one site and environment. */
export interface Ports {
  store: ObjectStore;
  /** Undefined when the environment declares no distributions. */
  cdn?: Cdn;
}

/** Everything the recipe talks to for one site and environment: the adapters, and whose credentials sign them. */
export interface Connection extends Ports {
  credentials: Credentials;
  identity: Identity;
}
