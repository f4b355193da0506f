/**
 * What the bucket holds under the site's prefix, read from the bucket itself
 * (ListObjectsV2, paginated) — never from a local cache that can go stale.
 *
 * A listing gives each object's size and ETag but no headers or metadata.
 * What it cannot tell comes from the last deploy record (one GET), trusted
 * per key only while the listing shows the ETag the record wrote down, and
 * as a last resort from HeadObject on that key alone. So a publish of an
 * unchanged site costs the list pages and one GET, however many files it has.
 */
import pLimit from 'p-limit';
import type { Logger } from '../build/context.ts';
import { RESERVED_PREFIX, headerHashOf, type LocalFile, type NestedPrefix } from './local-files.ts';
import { PENDING_INVALIDATION, isPlainMd5, latestDeployRecordKey, parseDeployRecord, parsePending, type DeployRecord, type RecordedObject } from './deploy-record.ts';
import type { ListedObject, ObjectHead, ObjectStore } from './ports.ts';

export interface RemoteObject extends ListedObject {
  /** The MD5 of the bytes, when the ETag is one. */
  md5?: string;
  sha256?: string;
  headerHash?: string;
  /** Where `sha256`/`headerHash` came from. */
  knownFrom: 'deploy record' | 'object metadata' | 'listing';
}

export interface RemoteState {
  prefix: string;
  /** Objects of the site, sorted by key; the reserved prefix and nested prefixes are not among them. */
  objects: RemoteObject[];
  /** Other sites' or environments' prefixes inside this one, with how many objects each holds: set aside, never this site's. */
  nested: Array<NestedPrefix & { objects: number }>;
  /** Objects under `<prefix>.publish/` (deploy records; later, locks). */
  reserved: ListedObject[];
  previous?: { key: string; record: DeployRecord };
  /** Keys (relative to the prefix) a publish that stopped before its invalidation left to invalidate (deploy-record.ts PENDING_INVALIDATION); undefined when there is no such note. */
  pending?: string[];
  requests: { listPages: number; gets: number; heads: number };
  notes: string[];
}

const HEAD_CONCURRENCY = 16;

export async function readRemote(store: ObjectStore, prefix: string, local: readonly LocalFile[], logger: Logger, nestedPrefixes: readonly NestedPrefix[] = []): Promise<RemoteState> {
  const requests = { listPages: 0, gets: 0, heads: 0 };
  const notes: string[] = [];
  const listed = await store.list(prefix, () => requests.listPages++);
  const reservedPrefix = prefix + RESERVED_PREFIX;
  const nested = nestedPrefixes.map((entry) => ({ ...entry, objects: 0 }));
  const reserved: ListedObject[] = [];
  const site: ListedObject[] = [];
  for (const object of listed) {
    const owner = nested.find((entry) => object.key.startsWith(entry.prefix));
    if (owner) owner.objects++;
    else if (object.key.startsWith(reservedPrefix)) reserved.push(object);
    else site.push(object);
  }

  let previous: RemoteState['previous'];
  const recordKey = latestDeployRecordKey(reserved, prefix);
  if (recordKey) {
    requests.gets++;
    const bytes = await store.get(recordKey);
    const record = bytes && parseDeployRecord(bytes);
    if (record && record.prefix === prefix && record.bucket === store.bucket) previous = { key: recordKey, record };
    else notes.push(`the last deploy record (${recordKey}) could not be used, so unchanged files are confirmed with HeadObject`);
  }

  let pending: string[] | undefined;
  if (reserved.some((object) => object.key === prefix + PENDING_INVALIDATION)) {
    requests.gets++;
    const bytes = await store.get(prefix + PENDING_INVALIDATION);
    // Unreadable, it still says a publish stopped: everything it may have changed is unknown, so nothing is added, but it is removed after this publish.
    pending = (bytes && parsePending(bytes)) ?? [];
  }

  const localByKey = new Map(local.map((file) => [file.key, file]));
  const entryOf = (key: string) => previous?.record.objects[key.slice(prefix.length)];
  const toInspect = site.filter((object) => needsHead(object, localByKey.get(object.key), entryOf(object.key)));
  if (toInspect.length > 0) logger.info(`  checking headers of ${toInspect.length} object${toInspect.length === 1 ? '' : 's'} the last deploy record does not vouch for`);
  const limit = pLimit(HEAD_CONCURRENCY);
  const heads = new Map<string, ObjectHead>();
  await Promise.all(
    toInspect.map((object) =>
      limit(async () => {
        requests.heads++;
        const head = await store.head(object.key);
        if (head) heads.set(object.key, head);
      }),
    ),
  );

  return {
    prefix,
    objects: site.map((object) => identify(object, entryOf(object.key), heads.get(object.key))),
    nested,
    reserved,
    previous,
    ...(pending ? { pending } : {}),
    requests,
    notes,
  };
}

/**
 * Whether the listing and the record leave a question only HeadObject can
 * answer for this key. Pure, so the request count is predictable and tested.
 */
export function needsHead(listed: ListedObject, local: LocalFile | undefined, recorded: RecordedObject | undefined): boolean {
  // Not built any more: it is deleted or kept whatever its headers are.
  if (!local) return false;
  if (recorded && recorded[0] === listed.etag) return false;
  // Different bytes are re-uploaded anyway; asking about their headers is wasted.
  if (listed.size !== local.size) return false;
  // The same size and an ETag equal to the MD5: only the headers are unknown.
  // Any other ETag may still be these bytes: multipart and SSE-KMS ETags are
  // not MD5s, and a single-part SSE-KMS one is 32 hex digits like an MD5, so
  // a mismatch proves nothing and only our sha256 metadata can tell. That is
  // one HEAD per same-size mismatch, and only while no record vouches for
  // the key — instead of re-uploading a whole KMS bucket once.
  return true;
}

/** Everything known about one remote object, best source first: HeadObject, then the record, then the ETag. */
export function identify(listed: ListedObject, recorded: RecordedObject | undefined, head: ObjectHead | undefined): RemoteObject {
  const md5 = isPlainMd5(listed.etag) ? listed.etag : undefined;
  if (head) {
    return {
      ...listed,
      md5,
      sha256: head.metadata['sha256'],
      // The headers actually served, not the hash we meant to set: an edit
      // made with another tool shows up as a difference.
      headerHash: headerHashOf({ contentType: head.contentType ?? '', cacheControl: head.cacheControl ?? '' }),
      knownFrom: 'object metadata',
    };
  }
  if (recorded && recorded[0] === listed.etag) {
    return { ...listed, md5, sha256: recorded[2] || undefined, headerHash: recorded[1], knownFrom: 'deploy record' };
  }
  return { ...listed, md5, knownFrom: 'listing' };
}
