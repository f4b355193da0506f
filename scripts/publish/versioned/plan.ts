/**
 * The plan of a versioned publish (docs/reference/publishing.md, "Versioned
 * mode"). Pure: from the build's files, the objects already in the bucket,
 * the kept deploys and the live one, it says which objects to upload (only
 * those no deploy has yet), the KeyValueStore writes that stage the new
 * deploy (none of which changes what a visitor is served), the one write that
 * cuts over, and what retention then drops. No invalidation: every changed
 * file is a new object, so a new cache key.
 */
import type { LocalFile } from '../local-files.ts';
import { objectId, objectKey, quotaProblem, storeChanges, storeContents, updateBatches, type KeptDeploy, type StoreChanges } from './path-map.ts';

/**
 * What CloudFront may keep of a file that is not fingerprinted: in versioned
 * mode its object never changes (a new version is a new object), so the edge
 * keeps it for a year while browsers revalidate as the site's policy says.
 */
export const EDGE_CACHE_SECONDS = 31_536_000;

export function versionedCacheControl(file: Pick<LocalFile, 'cacheControl' | 'fingerprinted'>): string {
  if (file.fingerprinted || /\bs-maxage=/.test(file.cacheControl)) return file.cacheControl;
  return `${file.cacheControl}, s-maxage=${EDGE_CACHE_SECONDS}`;
}

/** The page served for a path the deploy lacks; its object carries its status (the function's response side reads it). */
export const NOT_FOUND_PAGE = '404.html';

export interface VersionedObject {
  id: string;
  /** Full bucket key, under the environment's prefix. */
  key: string;
  /** The built file the bytes come from. */
  file: LocalFile;
  cacheControl: string;
  metadata: Record<string, string>;
}

export interface VersionedPlanInput {
  prefix: string;
  /** The built files (directory-index aliases are not needed: the function maps `dir/` to `dir/index.html`). */
  files: readonly LocalFile[];
  /** Object ids already under `<prefix>.objects/`. */
  existingObjects: ReadonlySet<string>;
  /** The deploys kept now, and the live one among them (if any). */
  kept: readonly KeptDeploy[];
  live: { seq: number; deployId: string } | undefined;
  /** What the store holds now, when it was read because the records cannot be trusted to say (default: what they give). */
  currentStore?: ReadonlyMap<string, string>;
  /** The new deploy's id (random, chosen by the caller so this stays pure). */
  deployId: string;
  keepDeploys: number;
  /** Make the new deploy live (false: `--no-cutover`, preview only). */
  cutover: boolean;
}

export interface VersionedPlan {
  deploy: KeptDeploy;
  /** Objects to upload: bytes no kept deploy has. */
  uploads: VersionedObject[];
  /** Objects of this deploy already in the bucket. */
  reused: number;
  /** Store writes that add the deploy without changing what is live, in request-sized batches. */
  stage: StoreChanges[];
  /** The single write that makes it live (absent with `cutover: false`). */
  cutover?: StoreChanges;
  /** After the cutover: deploys retention drops, the store writes that forget them, and the objects no kept deploy uses. */
  retire: { deploys: KeptDeploy[]; store: StoreChanges[]; objects: string[] };
  /** Always empty: said so, since the in-place plan has them. */
  invalidations: [];
  /** Why the store could not hold this, or undefined. */
  quotaProblem?: string;
}

export function planVersioned(input: VersionedPlanInput): VersionedPlan {
  const seq = Math.max(0, ...input.kept.map((deploy) => deploy.seq)) + 1;
  const objects = new Map<string, VersionedObject>();
  const files = new Map<string, string>();
  for (const file of input.files) {
    if (file.aliasOf) continue;
    const cacheControl = versionedCacheControl(file);
    const metadata: Record<string, string> = file.path === NOT_FOUND_PAGE ? { status: '404' } : {};
    const id = objectId({ sha256: file.sha256, contentType: file.contentType, cacheControl: metadata['status'] ? `${cacheControl}\nstatus=404` : cacheControl });
    files.set(file.path, id);
    if (!objects.has(id)) objects.set(id, { id, key: `${input.prefix}${objectKey(id)}`, file, cacheControl, metadata });
  }
  const deploy: KeptDeploy = { seq, deployId: input.deployId, files };
  const uploads = [...objects.values()].filter((object) => !input.existingObjects.has(object.id));

  const before = input.currentStore ?? storeContents(input.kept, input.live);
  const staged = storeContents([...input.kept, deploy], input.live);
  const stage = updateBatches(storeChanges(before, staged));
  if (!input.cutover) {
    return { deploy, uploads, reused: objects.size - uploads.length, stage, retire: { deploys: [], store: [], objects: [] }, invalidations: [], quotaProblem: quotaProblem(staged) };
  }
  const live = { seq, deployId: input.deployId };
  const cutover: StoreChanges = { puts: [{ key: 'live', value: `${seq} ${input.deployId}` }], deletes: [] };
  const all = [...input.kept, deploy].sort((a, b) => b.seq - a.seq);
  // The newest keepDeploys, which include the new live one.
  const keep = all.slice(0, input.keepDeploys);
  const dropped = all.slice(input.keepDeploys);
  const kept = storeContents(keep, live);
  const retireStore = dropped.length ? updateBatches(storeChanges(storeContents(all, live), kept)) : [];
  const used = new Set(keep.flatMap((each) => [...each.files.values()]));
  // Objects of dropped deploys, and any a stopped publish uploaded for a deploy it never recorded (the lock is held: nobody else is uploading).
  const unused = [...new Set([...dropped.flatMap((each) => [...each.files.values()]), ...input.existingObjects])].filter((id) => !used.has(id));
  return {
    deploy,
    uploads,
    reused: objects.size - uploads.length,
    stage,
    cutover,
    retire: { deploys: dropped, store: retireStore, objects: unused.map((id) => `${input.prefix}${objectKey(id)}`).sort() },
    invalidations: [],
    quotaProblem: quotaProblem(storeContents(all, live)),
  };
}

/** Rollback (or `--cutover DEPLOY`) in versioned mode: one write, nothing uploaded, nothing invalidated. */
export function planSwitch(kept: readonly KeptDeploy[], target: string): StoreChanges | undefined {
  const deploy = kept.find((each) => each.deployId === target);
  return deploy && { puts: [{ key: 'live', value: `${deploy.seq} ${deploy.deployId}` }], deletes: [] };
}
