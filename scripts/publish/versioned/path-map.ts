/**
 * Versioned mode's map from a site path to the object that serves it, held in
 * the environment's CloudFront KeyValueStore and read by the viewer-request
 * function (docs/reference/publishing.md, "Versioned mode"). Pure.
 *
 * Objects are content-addressed: `.objects/<id>` in the bucket, where the id
 * is a hash of the bytes and of the headers they are served with, so an
 * object never changes once written and bytes already in the bucket are never
 * uploaded again. Every deploy gets the next sequence number. Per site path,
 * one key `p:<path>` holds the history of that path across the kept deploys,
 * as `seq=id` entries, ascending, written only where the path changed from the
 * previous deploy (`seq=-`: gone from that deploy on). A deploy's view of a
 * path is its last entry at or below the deploy's sequence number. `live`
 * holds the live deploy (`<seq> <deployId>`); `d:<deployId>` holds a kept
 * deploy's sequence number, for previews.
 *
 * Every value here is a function of the set of kept deploys alone, so a plan
 * is "the values for the kept set after the change, minus what is there
 * now": no store read is needed to know what to write, a re-run writes the
 * same values, and retention is the same computation with fewer deploys.
 * Writing the entries of a new deploy changes nothing a visitor is served:
 * its entries sit above the live sequence number until `live` moves.
 */
import { createHash } from 'node:crypto';

/** Where content-addressed objects live, under the environment's prefix. A dotted folder: never a site path. */
export const OBJECTS_PREFIX = '.objects/';
export const LIVE_KEY = 'live';
export const PATH_KEY_PREFIX = 'p:';
export const DEPLOY_KEY_PREFIX = 'd:';
export const GONE = '-';

/**
 * The service's documented limits: a key of at most 512 bytes, a value of at
 * most 1 KB, 5 MB a store, and (its quota) 50 keys in one UpdateKeys request.
 */
export const KVS_QUOTAS = { keyBytes: 512, valueBytes: 1024, storeBytes: 5 * 1024 * 1024, keysPerUpdate: 50 } as const;

/** 22 base64url characters: 132 bits of SHA-256, far past any chance of two objects meeting. */
const ID_LENGTH = 22;

export interface ServedObject {
  /** Site path without the leading slash, as in the build record: `about/index.html`. */
  path: string;
  sha256: string;
  contentType: string;
  cacheControl: string;
}

/** The object id for bytes served with these headers: the same file with other headers is another object. */
export function objectId(object: Pick<ServedObject, 'sha256' | 'contentType' | 'cacheControl'>): string {
  return createHash('sha256').update(`${object.sha256}\n${object.contentType}\n${object.cacheControl}`).digest('base64url').slice(0, ID_LENGTH);
}

export function objectKey(id: string): string {
  return `${OBJECTS_PREFIX}${id}`;
}

/** One kept deploy: its sequence number, id and the object id of each path. */
export interface KeptDeploy {
  seq: number;
  deployId: string;
  /** Site path (no leading slash) → object id. */
  files: ReadonlyMap<string, string>;
}

export function pathKey(path: string): string {
  return `${PATH_KEY_PREFIX}/${path}`;
}

/**
 * Every key and value the store holds for these kept deploys and this live
 * one. Deploys need not be given in order; sequence numbers must be unique.
 */
export function storeContents(kept: readonly KeptDeploy[], live: { seq: number; deployId: string } | undefined): Map<string, string> {
  const ordered = [...kept].sort((a, b) => a.seq - b.seq);
  for (let index = 1; index < ordered.length; index++) {
    if (ordered[index]!.seq === ordered[index - 1]!.seq) throw new Error(`two kept deploys share sequence number ${ordered[index]!.seq}`);
  }
  const histories = new Map<string, string[]>();
  const last = new Map<string, string>();
  for (const deploy of ordered) {
    for (const [path, id] of deploy.files) {
      if (last.get(path) === id) continue;
      last.set(path, id);
      pushEntry(histories, path, `${deploy.seq}=${id}`);
    }
    for (const [path, id] of last) {
      if (id === GONE || deploy.files.has(path)) continue;
      last.set(path, GONE);
      pushEntry(histories, path, `${deploy.seq}=${GONE}`);
    }
  }
  const contents = new Map<string, string>();
  for (const [path, entries] of histories) {
    // A path gone from every deploy since the oldest kept one needs no key at all.
    if (entries.length === 1 && entries[0]!.endsWith(`=${GONE}`)) continue;
    contents.set(pathKey(path), entries.join(','));
  }
  for (const deploy of ordered) contents.set(`${DEPLOY_KEY_PREFIX}${deploy.deployId}`, String(deploy.seq));
  if (live) contents.set(LIVE_KEY, `${live.seq} ${live.deployId}`);
  return contents;
}

function pushEntry(histories: Map<string, string[]>, path: string, entry: string): void {
  const entries = histories.get(path);
  if (entries) entries.push(entry);
  else histories.set(path, [entry]);
}

export interface StoreChanges {
  puts: Array<{ key: string; value: string }>;
  deletes: string[];
}

/** What turns `current` into `wanted`: keys whose value differs, and keys no longer wanted. */
export function storeChanges(current: ReadonlyMap<string, string>, wanted: ReadonlyMap<string, string>): StoreChanges {
  const puts = [...wanted].filter(([key, value]) => current.get(key) !== value).map(([key, value]) => ({ key, value }));
  const deletes = [...current.keys()].filter((key) => !wanted.has(key));
  return { puts: puts.sort((a, b) => (a.key < b.key ? -1 : 1)), deletes: deletes.sort() };
}

/**
 * The UpdateKeys requests for a set of changes, within the quota of keys per
 * request; `live` goes last, alone, so moving it is the one write that changes
 * what visitors see, and it happens only after every entry it points into.
 */
export function updateBatches(changes: StoreChanges, perRequest: number = KVS_QUOTAS.keysPerUpdate): Array<StoreChanges> {
  const live = changes.puts.find((put) => put.key === LIVE_KEY);
  const items: Array<{ put?: { key: string; value: string }; delete?: string }> = [
    ...changes.puts.filter((put) => put.key !== LIVE_KEY).map((put) => ({ put })),
    ...changes.deletes.filter((key) => key !== LIVE_KEY).map((key) => ({ delete: key })),
  ];
  const batches: StoreChanges[] = [];
  for (let start = 0; start < items.length; start += perRequest) {
    const slice = items.slice(start, start + perRequest);
    batches.push({ puts: slice.flatMap((item) => (item.put ? [item.put] : [])), deletes: slice.flatMap((item) => (item.delete ? [item.delete] : [])) });
  }
  if (live) batches.push({ puts: [live], deletes: [] });
  return batches;
}

/**
 * Which object serves `path` in deploy `seq`, as the viewer-request function
 * decides it (viewer-request.js implements the same rule; the tests hold the
 * two to each other). A fingerprinted asset (its name carries a hash of its
 * bytes) missing from the deploy is served from the newest kept deploy that
 * has it: a page of the previous deploy still open in a browser keeps getting
 * the assets it names, which are the same bytes in any deploy that has them.
 */
export function resolveEntry(value: string | undefined, seq: number, options: { fingerprinted?: boolean } = {}): string | undefined {
  if (value === undefined) return undefined;
  let found: string | undefined;
  let newest: string | undefined;
  for (const entry of value.split(',')) {
    const at = entry.indexOf('=');
    const entrySeq = Number(entry.slice(0, at));
    const id = entry.slice(at + 1);
    if (id !== GONE) newest = id;
    if (entrySeq <= seq) found = id;
  }
  if (found !== undefined && found !== GONE) return found;
  return options.fingerprinted ? newest : undefined;
}

/** The store's size as the service counts it (TotalSizeInBytes): the bytes of every key and value. */
export function storeBytes(contents: ReadonlyMap<string, string>): number {
  let total = 0;
  for (const [key, value] of contents) total += Buffer.byteLength(key) + Buffer.byteLength(value);
  return total;
}

/** Why the store's contents do not fit the service's limits, or undefined when they do. */
export function quotaProblem(contents: ReadonlyMap<string, string>): string | undefined {
  for (const [key, value] of contents) {
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = Buffer.byteLength(value);
    if (keyBytes > KVS_QUOTAS.keyBytes) return `the path key ${key.slice(0, 60)}… is ${keyBytes} bytes, over the KeyValueStore's ${KVS_QUOTAS.keyBytes}`;
    if (valueBytes > KVS_QUOTAS.valueBytes) return `the history of ${key} is ${valueBytes} bytes, over the KeyValueStore's ${KVS_QUOTAS.valueBytes} per value; keep fewer deploys (keepDeploys)`;
  }
  const total = storeBytes(contents);
  if (total > KVS_QUOTAS.storeBytes) return `the map would take ${total.toLocaleString('en-US')} bytes, over the KeyValueStore's ${KVS_QUOTAS.storeBytes.toLocaleString('en-US')}; keep fewer deploys (keepDeploys)`;
  return undefined;
}

/**
 * The largest number of files one store serves, for paths of `averagePathBytes`
 * that each change in `changesPerPath` of the kept deploys: each file costs its
 * key, its entries, and the separators.
 */
export function filesPerStore(averagePathBytes: number, changesPerPath = 1, maxSeqDigits = 5): number {
  const perFile = PATH_KEY_PREFIX.length + 1 + averagePathBytes + changesPerPath * (maxSeqDigits + 1 + ID_LENGTH) + (changesPerPath - 1);
  return Math.floor(KVS_QUOTAS.storeBytes / perFile);
}
