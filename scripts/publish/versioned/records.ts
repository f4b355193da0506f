/**
 * Versioned mode's deploy records: one object per kept deploy under
 * `<prefix>.publish/versions/`, named by sequence number and deploy id, holding
 * what the deploy serves (path → object id) and where it came from. The set
 * of these records is what the KeyValueStore's map is computed from
 * (path-map.ts), so a record is written only after the deploy's objects and
 * map entries are in place, and deleted only by retention.
 */
import { RESERVED_PREFIX } from '../local-files.ts';
import type { KeptDeploy } from './path-map.ts';

export const VERSIONS_FOLDER = `${RESERVED_PREFIX}versions/`;
export const VERSION_RECORD_VERSION = 1;

export interface VersionRecord {
  version: typeof VERSION_RECORD_VERSION;
  seq: number;
  deployId: string;
  site: string;
  environment: string;
  buildId: string;
  sourceDigest: string;
  git?: unknown;
  publishedAt: string;
  /** Site path → object id. */
  files: Record<string, string>;
}

export function versionRecordKey(prefix: string, seq: number, deployId: string): string {
  return `${prefix}${VERSIONS_FOLDER}${String(seq).padStart(8, '0')}-${deployId}.json`;
}

export function encodeVersionRecord(record: VersionRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

/** The record, or undefined when the bytes are not one (a damaged record is reported by the caller). */
export function parseVersionRecord(bytes: Buffer): VersionRecord | undefined {
  try {
    const record = JSON.parse(bytes.toString('utf8')) as Partial<VersionRecord>;
    if (record.version !== VERSION_RECORD_VERSION || typeof record.seq !== 'number' || typeof record.deployId !== 'string' || !record.files || typeof record.files !== 'object') return undefined;
    return record as VersionRecord;
  } catch {
    return undefined;
  }
}

export function keptDeployOf(record: VersionRecord): KeptDeploy {
  return { seq: record.seq, deployId: record.deployId, files: new Map(Object.entries(record.files)) };
}

/** A deploy id: 10 characters of base32, unguessable enough that a preview of an unreleased deploy cannot be found by trying. */
export function newDeployId(random: (bytes: number) => Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...random(10)].map((byte) => alphabet[byte % 32]).join('');
}
