/**
 * The two things publishing needs from AWS, as narrow interfaces. Only the
 * adapters (`s3-store.ts`, `cloudfront-cdn.ts`) import the SDK, so the
 * recipe, the plan and apply are tested against real protocol servers
 * through the adapters, or in memory, without a mocking library.
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

export interface ObjectStore {
  /** The bucket, for messages. */
  readonly bucket: string;
  /** Every object under `prefix`, following continuation tokens; reports each page to `onPage`. */
  list(prefix: string, onPage?: (count: number) => void): Promise<ListedObject[]>;
  /** Undefined when there is no such key. */
  head(key: string): Promise<ObjectHead | undefined>;
  /** Undefined when there is no such key. */
  get(key: string): Promise<Buffer | undefined>;
  put(request: PutRequest): Promise<{ etag: string }>;
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

export interface Cdn {
  invalidate(request: InvalidationRequest): Promise<InvalidationStatus>;
  /** The status of an earlier invalidation (e.g. to wait for it to complete). */
  invalidation(distributionId: string, id: string): Promise<InvalidationStatus>;
}

/** The adapters for one site and environment. */
export interface Ports {
  store: ObjectStore;
  /** Undefined when the environment declares no distributions. */
  cdn?: Cdn;
}
