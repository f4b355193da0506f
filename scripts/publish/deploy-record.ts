/**
 * The deploy record: written into the bucket after the invalidation, one per
 * publish, under the site's reserved prefix (`<prefix>.publish/deploys/`).
 *
 * It says which build the environment now serves (build id, source digest,
 * git commit) and what the bucket held afterwards: each key's ETag, content
 * hash and header hash. The next publish reads it instead of asking S3 for
 * each object's headers (ListObjectsV2 returns no metadata), trusting an
 * entry only while the listing still shows the same ETag. A key whose ETag
 * moved since the record was written changed after the last completed
 * publish — an interrupted one, or another tool — so the next publish
 * invalidates it even if its bytes now match the build.
 *
 * Version 2 adds who published (the STS caller), the staging check or its
 * override, what a rollback restored, and each object's SHA-256 and size
 * always: rollback rebuilds a deploy's file list from its record alone, and
 * finds any bytes no longer live in the archive by that SHA-256
 * (`archive.ts`). Version 1 records are still read, for the plan's
 * shortcuts, but cannot be rolled back to.
 *
 * Next to the records, `<prefix>.publish/current.json` points at the record
 * of the deploy the environment serves, so the staging gate (and a person
 * with `aws s3 cp`) reads one small object instead of listing.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { BuildRecord } from '../build/build-record.ts';
import { RESERVED_PREFIX, compareKeys } from './local-files.ts';
import type { ListedObject } from './ports.ts';

export const DEPLOY_RECORD_VERSION = 2;
export const DEPLOYS_FOLDER = `${RESERVED_PREFIX}deploys/`;
export const CURRENT_POINTER = `${RESERVED_PREFIX}current.json`;
/**
 * What a publish is about to invalidate, written before its first write when
 * no deploy record vouches for the bucket (the first publish to a bucket
 * another tool filled): were it to stop before its invalidation, the next
 * plan could not tell from ETags what it changed or deleted. Removed after
 * the deploy record, which answers for the bucket from then on.
 */
export const PENDING_INVALIDATION = `${RESERVED_PREFIX}pending-invalidation.json`;

export function encodePending(keys: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify({ version: 1, keys }, null, 2) + '\n');
}

/** The keys (relative to the prefix) a stopped publish left to invalidate; undefined when unreadable. */
export function parsePending(bytes: Buffer): string[] | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as { version?: number; keys?: unknown };
    if (value.version !== 1 || !Array.isArray(value.keys) || !value.keys.every((key) => typeof key === 'string')) return undefined;
    return value.keys as string[];
  } catch {
    return undefined;
  }
}

/**
 * `[etag, headerHash, sha256, size]`. Version 1 wrote `[etag, headerHash,
 * sha256]` with the sha256 '' when the ETag is the MD5.
 */
export type RecordedObject = readonly [etag: string, headerHash: string, sha256: string, size?: number];

/** Who published, as AWS saw it, and from where. */
export interface Publisher {
  /** The STS caller ARN (or `local:<user>@<host>` on the local server). */
  arn: string;
  account?: string;
  /** The operating-system user and host the command ran on. */
  user: string;
  host: string;
}

/** How a production publish met the staging gate. */
export type StagingCheck =
  | { result: 'passed'; stagingRecord: string; stagingBuildId: string }
  | { result: 'skipped'; reason: string };

export interface DeployRecord {
  version: 1 | typeof DEPLOY_RECORD_VERSION;
  site: string;
  environment: string;
  bucket: string;
  prefix: string;
  buildId: string;
  sourceDigest: string;
  git: BuildRecord['git'];
  builtAt: string;
  publishedAt: string;
  /** Version 2. */
  by?: Publisher;
  /** Version 2: a rollback restores an earlier deploy's files. */
  command?: 'publish' | 'rollback';
  /** Version 2, production only. */
  stagingCheck?: StagingCheck;
  /** Version 2, rollbacks: the record that was current, and the one restored. */
  rollback?: { replaced: string; restored: string };
  counts: { uploaded: number; uploadedBytes: number; unchanged: number; deleted: number; invalidationPaths: number };
  invalidations: Array<{ distributionId: string; id: string; paths: string[] }>;
  /** The bucket after this publish: key relative to the prefix → what it held. */
  objects: Record<string, RecordedObject>;
  /**
   * Each page's `<meta name="build-id">`, by key relative to the prefix: the id
   * a person reads off a live page finds the deploy (and build) that sent it.
   */
  pageIds?: Record<string, string>;
}

/** `<prefix>.publish/current.json`: the deploy the environment serves now. */
export interface CurrentPointer {
  version: 1;
  /** Full key of the deploy record. */
  record: string;
  site: string;
  environment: string;
  buildId: string;
  sourceDigest: string;
  git: BuildRecord['git'];
  publishedAt: string;
  by?: Publisher;
}

/** Sortable by time, then unique per build: `<prefix>.publish/deploys/2026-11-28T09-19-39.894Z-<buildId>.json`. */
export function deployRecordKey(prefix: string, publishedAt: string, buildId: string): string {
  return `${prefix}${DEPLOYS_FOLDER}${publishedAt.replace(/:/g, '-')}-${buildId}.json`;
}

/** The newest deploy record among listed reserved objects (keys sort by time). */
export function latestDeployRecordKey(reserved: readonly ListedObject[], prefix: string): string | undefined {
  return deployRecordKeys(reserved, prefix).at(-1);
}

/** Every deploy record among listed reserved objects, oldest first. */
export function deployRecordKeys(reserved: readonly ListedObject[], prefix: string): string[] {
  const folder = prefix + DEPLOYS_FOLDER;
  return reserved
    .map((object) => object.key)
    .filter((key) => key.startsWith(folder) && key.endsWith('.json'))
    .sort(compareKeys);
}

/**
 * Gzipped JSON (stored with Content-Encoding: gzip, so `curl --compressed`
 * and browsers show it as JSON): a 4,000-page site's record shrinks from
 * about 400 KB to a third, and every publish reads the last one.
 */
export function encodeDeployRecord(record: DeployRecord): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(record) + '\n'));
}

/** Undefined for anything that is not a record this version understands (the caller says so). */
export function parseDeployRecord(bytes: Buffer): DeployRecord | undefined {
  try {
    const json = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
    const value = JSON.parse(json.toString('utf8')) as Partial<DeployRecord>;
    if ((value.version !== 1 && value.version !== DEPLOY_RECORD_VERSION) || typeof value.objects !== 'object' || value.objects === null) return undefined;
    return value as DeployRecord;
  } catch {
    return undefined;
  }
}

/**
 * Shaped like the MD5 of a single-part upload. A single-part SSE-KMS ETag
 * has the same shape without being one, so only an ETag equal to the
 * file's MD5 proves anything (remote.ts asks HeadObject otherwise).
 */
export function isPlainMd5(etag: string): boolean {
  return /^[0-9a-f]{32}$/.test(etag);
}

/** Whether a record lists every object's SHA-256 and size, which rollback needs. */
export function isRestorable(record: DeployRecord): boolean {
  return record.version >= 2;
}

export function encodePointer(pointer: CurrentPointer): Buffer {
  return Buffer.from(JSON.stringify(pointer, null, 2) + '\n');
}

export function parsePointer(bytes: Buffer): CurrentPointer | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as Partial<CurrentPointer>;
    if (value.version !== 1 || typeof value.record !== 'string' || typeof value.sourceDigest !== 'string') return undefined;
    return value as CurrentPointer;
  } catch {
    return undefined;
  }
}

export function pointerFor(record: DeployRecord, key: string): CurrentPointer {
  return {
    version: 1,
    record: key,
    site: record.site,
    environment: record.environment,
    buildId: record.buildId,
    sourceDigest: record.sourceDigest,
    git: record.git,
    publishedAt: record.publishedAt,
    ...(record.by ? { by: record.by } : {}),
  };
}

/** The build id and publish time a record's key carries (`…/2026-11-28T09-19-39.894Z-<buildId>.json`), without reading it. */
export function parseDeployRecordKey(key: string): { buildId: string; publishedAt: string } | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2}(?:\.\d+)?Z)-(.+)\.json$/.exec(name);
  if (!match) return undefined;
  return { publishedAt: `${match[1]}:${match[2]}:${match[3]}`, buildId: match[4]! };
}
