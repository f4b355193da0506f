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
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { BuildRecord } from '../build/build-record.ts';
import { RESERVED_PREFIX, compareKeys } from './local-files.ts';
import type { ListedObject } from './ports.ts';

export const DEPLOY_RECORD_VERSION = 1;
export const DEPLOYS_FOLDER = `${RESERVED_PREFIX}deploys/`;

/** `[etag, headerHash, sha256]`; the sha256 is '' when the ETag is the MD5 (it identifies the bytes already). */
export type RecordedObject = readonly [etag: string, headerHash: string, sha256: string];

export interface DeployRecord {
  version: typeof DEPLOY_RECORD_VERSION;
  site: string;
  environment: string;
  bucket: string;
  prefix: string;
  buildId: string;
  sourceDigest: string;
  git: BuildRecord['git'];
  builtAt: string;
  publishedAt: string;
  counts: { uploaded: number; uploadedBytes: number; unchanged: number; deleted: number; invalidationPaths: number };
  invalidations: Array<{ distributionId: string; id: string; paths: string[] }>;
  /** The bucket after this publish: key relative to the prefix → what it held. */
  objects: Record<string, RecordedObject>;
}

/** Sortable by time, then unique per build: `<prefix>.publish/deploys/2026-11-28T09-19-39.894Z-<buildId>.json`. */
export function deployRecordKey(prefix: string, publishedAt: string, buildId: string): string {
  return `${prefix}${DEPLOYS_FOLDER}${publishedAt.replace(/:/g, '-')}-${buildId}.json`;
}

/** The newest deploy record among listed reserved objects (keys sort by time). */
export function latestDeployRecordKey(reserved: readonly ListedObject[], prefix: string): string | undefined {
  const folder = prefix + DEPLOYS_FOLDER;
  return reserved
    .map((object) => object.key)
    .filter((key) => key.startsWith(folder) && key.endsWith('.json'))
    .sort(compareKeys)
    .at(-1);
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
    if (value.version !== DEPLOY_RECORD_VERSION || typeof value.objects !== 'object' || value.objects === null) return undefined;
    return value as DeployRecord;
  } catch {
    return undefined;
  }
}

export function isPlainMd5(etag: string): boolean {
  return /^[0-9a-f]{32}$/.test(etag);
}
