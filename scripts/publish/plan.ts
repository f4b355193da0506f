/**
 * The publish plan: local files × remote state → what to upload (and why),
 * what is unchanged, what to delete, and which paths to invalidate. A pure
 * function returning a plain, readonly value: the dry run prints it, the
 * tests compare it, apply executes it, and the deploy record summarises it.
 */
import type { Distribution, PublishConfig } from '../config/schema.ts';
import { compareKeys, isFingerprinted, skipReason, type LocalFile, type LocalSet, type SkippedFile } from './local-files.ts';
import type { RemoteObject, RemoteState } from './remote.ts';
import { CLOUDFRONT_LIMITS, FREE_PATHS_PER_MONTH, invalidationPaths, worstCaseCostUsd } from './invalidation.ts';
import { archiveCopies, type ArchiveCopy } from './archive.ts';
import type { InvalidationsInProgress, ListedObject } from './ports.ts';

export const PLAN_VERSION = 1;

export interface PlannedUpload extends LocalFile {
  readonly kind: 'upload';
  /** Assets land before the HTML that refers to them. */
  readonly group: 'assets' | 'html';
  /** In words: "not on remote", "content differs (2,891 → 2,904 bytes)", "headers differ", … */
  readonly reason: string;
  /** The key was served before, so a cache may hold the old version. */
  readonly replaces: boolean;
}

export interface PlannedDelete {
  readonly kind: 'delete';
  readonly key: string;
  readonly size: number;
  readonly reason: string;
}

export interface UnchangedObject {
  readonly key: string;
  readonly etag: string;
  readonly sha256: string;
  readonly headerHash: string;
  readonly size: number;
}

/** A remote key left alone although this build does not make it. */
export interface KeptEntry {
  /** The key; for another site's or environment's nested prefix, that prefix. */
  readonly key: string;
  readonly reason: string;
  /** Set for a nested prefix: how many objects it holds (none of them counted as this site's). */
  readonly objects?: number;
}

export interface StaleEntry {
  readonly key: string;
  readonly reason: string;
}

export interface PlannedInvalidation {
  readonly distributionId: string;
  readonly originPath: string;
  readonly paths: readonly string[];
  readonly exactPaths: number;
  readonly wildcards: number;
  /** Unchanged objects the wildcards evict as well. */
  readonly collateral: number;
  /** What CloudFront already had in progress when the plan was made; absent when it was not asked. */
  readonly inProgress?: InvalidationsInProgress;
  /** Set when nothing fits beside what is in progress: `paths` is empty and the plan carries a refusal. */
  readonly refused?: true;
}

export interface Plan {
  readonly version: typeof PLAN_VERSION;
  readonly site: string;
  readonly environment: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly buildId: string;
  /** Live objects copied into the archive before anything is replaced or deleted, so rollback can restore them. */
  readonly archive: readonly ArchiveCopy[];
  /** Apply order: every asset, then every page; sorted by key within each. */
  readonly uploads: readonly PlannedUpload[];
  readonly unchanged: readonly UnchangedObject[];
  readonly deletes: readonly PlannedDelete[];
  /** Remote keys left alone although nothing builds them (protected prefixes, dotfiles), and prefixes of other sites or environments nested in this one. */
  readonly kept: readonly KeptEntry[];
  /** Built files that are never uploaded. */
  readonly skipped: readonly SkippedFile[];
  /** Keys whose cached copy is stale: replaced, deleted, or changed since the last deploy record. */
  readonly stale: readonly StaleEntry[];
  /** One per distribution that has paths to invalidate. */
  readonly invalidations: readonly PlannedInvalidation[];
  /** Distributions declared for the environment, for the report ("no distribution: nothing to invalidate"). */
  readonly distributions: number;
  /**
   * The note of what this publish is about to invalidate (deploy-record.ts
   * PENDING_INVALIDATION): 'write' it before the first write and remove it
   * after the deploy record, when no record vouches for the bucket; 'remove'
   * one a stopped publish left, once its paths are invalidated. Absent: neither.
   */
  readonly pendingInvalidation?: 'write' | 'remove';
  /** Why this plan must not be applied as it is; empty when it may. */
  readonly refusals: readonly string[];
  readonly totals: {
    readonly uploadFiles: number;
    readonly uploadBytes: number;
    readonly unchanged: number;
    readonly deletes: number;
    readonly invalidationPaths: number;
    /** If the month's free 1,000 paths are already used. */
    readonly worstCaseCostUsd: number;
  };
}

export interface PlanInput {
  site: string;
  environment: string;
  bucket: string;
  prefix: string;
  buildId: string;
  local: LocalSet;
  remote: Pick<RemoteState, 'objects' | 'previous'> & { reserved?: readonly ListedObject[]; nested?: RemoteState['nested']; pending?: RemoteState['pending'] };
  publish: PublishConfig;
  distributions: readonly Distribution[];
  allowDeletes: boolean;
  /** Where the operator can change the limits (the site config), for messages. */
  configFile: string;
  /** Per distribution id: what is already in progress there, which CloudFront's limits count against this publish. */
  inProgress?: Readonly<Record<string, InvalidationsInProgress>>;
}

export function planPublish(input: PlanInput): Plan {
  const { prefix } = input;
  const remoteByKey = new Map(input.remote.objects.map((object) => [object.key, object]));
  const localKeys = new Set(input.local.files.map((file) => file.key));

  const uploads: PlannedUpload[] = [];
  const unchanged: UnchangedObject[] = [];
  for (const file of input.local.files) {
    const remote = remoteByKey.get(file.key);
    const reason = uploadReason(file, remote);
    if (reason === undefined && remote) {
      unchanged.push({ key: file.key, etag: remote.etag, sha256: file.sha256, headerHash: file.headerHash, size: file.size });
    } else {
      uploads.push({ ...file, kind: 'upload', group: file.html ? 'html' : 'assets', reason: reason ?? 'not on remote', replaces: remote !== undefined });
    }
  }
  uploads.sort((a, b) => (a.group === b.group ? compareKeys(a.key, b.key) : a.group === 'assets' ? -1 : 1));

  const deletes: PlannedDelete[] = [];
  const keptObjects: KeptEntry[] = [];
  for (const object of input.remote.objects) {
    if (localKeys.has(object.key)) continue;
    const relative = object.key.slice(prefix.length);
    const keep = keepReason(relative, input.publish);
    if (keep) keptObjects.push({ key: object.key, reason: keep });
    else deletes.push({ kind: 'delete', key: object.key, size: object.size, reason: deleteReason(relative, input.publish) });
  }
  const nestedKept = (input.remote.nested ?? []).map(
    (entry): KeptEntry => ({ key: entry.prefix, reason: `belongs to ${entry.owner}`, objects: entry.objects }),
  );

  const archive = archiveCopies(
    prefix,
    [...uploads.filter((upload) => upload.replaces).map((upload) => remoteByKey.get(upload.key)!), ...deletes.map((deletion) => remoteByKey.get(deletion.key)!)],
    new Set((input.remote.reserved ?? []).map((object) => object.key)),
  );

  const stale = staleKeys(uploads, deletes, input);
  const staleSet = new Set(stale.map((entry) => entry.key));
  const unchangedKeys = unchanged.map((object) => object.key).filter((key) => !staleSet.has(key));
  const limitRefusals: string[] = [];
  const invalidations = input.distributions
    .map((distribution): PlannedInvalidation => {
      const inProgress = input.inProgress?.[distribution.id];
      const { fits, budget, ...result } = invalidationPaths({
        changed: [...staleSet],
        unchanged: unchangedKeys,
        originPath: distribution.originPath,
        maxPaths: input.publish.maxInvalidationPaths,
        inProgress,
      });
      if (!fits) limitRefusals.push(inProgressRefusal(distribution.id, result.exactPaths, inProgress ?? { invalidations: 0, paths: 0, wildcards: 0 }));
      return { distributionId: distribution.id, originPath: distribution.originPath, ...result, ...(inProgress ? { inProgress } : {}), ...(fits ? {} : { refused: true as const }) };
    })
    .filter((invalidation) => invalidation.paths.length > 0 || invalidation.refused);

  const pendingInvalidation = invalidations.length > 0 && !input.remote.previous ? 'write' : input.remote.pending !== undefined ? 'remove' : undefined;

  // Nested prefixes were never among the remote objects: only the site's own count.
  const siteObjects = input.remote.objects.length - keptObjects.length;
  const refusals = [...deleteLimitRefusal(deletes.length, siteObjects, input), ...limitRefusals];
  const invalidationPathCount = invalidations.reduce((sum, invalidation) => sum + invalidation.paths.length, 0);

  return {
    version: PLAN_VERSION,
    site: input.site,
    environment: input.environment,
    bucket: input.bucket,
    prefix,
    buildId: input.buildId,
    archive,
    uploads,
    unchanged,
    deletes,
    kept: [...nestedKept, ...keptObjects],
    skipped: input.local.skipped,
    stale,
    invalidations,
    distributions: input.distributions.length,
    ...(pendingInvalidation ? { pendingInvalidation } : {}),
    refusals,
    totals: {
      uploadFiles: uploads.length,
      uploadBytes: uploads.reduce((sum, upload) => sum + upload.size, 0),
      unchanged: unchanged.length,
      deletes: deletes.length,
      invalidationPaths: invalidationPathCount,
      worstCaseCostUsd: worstCaseCostUsd(invalidationPathCount),
    },
  };
}

/** Undefined when the remote object already is this file, with these headers. */
export function uploadReason(file: LocalFile, remote: RemoteObject | undefined): string | undefined {
  if (!remote) return 'not on remote';
  if (remote.size !== file.size) return `content differs (${remote.size.toLocaleString('en-US')} → ${file.size.toLocaleString('en-US')} bytes)`;
  if (remote.sha256 !== undefined) {
    if (remote.sha256 !== file.sha256) return 'content differs (same size, different SHA-256)';
  } else if (remote.md5 !== undefined) {
    if (remote.md5 !== file.md5) return 'content differs (same size, different MD5)';
  } else {
    return 'content unknown on remote (its ETag is not an MD5 and it carries no content hash)';
  }
  if (remote.headerHash === undefined) return 'headers unknown on remote';
  if (remote.headerHash !== file.headerHash) return 'headers differ (content type or cache policy changed)';
  return undefined;
}

function keepReason(relative: string, publish: PublishConfig): string | undefined {
  const owner = publish.protectedPrefixes.find((protectedPrefix) => relative.startsWith(protectedPrefix));
  if (owner) return `under the protected prefix "${owner}"`;
  // Dotfiles are never ours to publish, so never ours to delete (e.g. .well-known/ placed by hand).
  if (relative.split('/').some((segment) => segment.startsWith('.'))) return 'dotfile (never published, never deleted)';
  return undefined;
}

function deleteReason(relative: string, publish: PublishConfig): string {
  const skipped = skipReason(relative, publish);
  return skipped ? `no longer published: ${skipped}` : 'no longer built';
}

/**
 * Keys a cache may hold an outdated copy of. A new key needs nothing (at
 * most a short-lived cached 404); a deleted fingerprinted asset needs
 * nothing either — cached pages that still name it keep working. Keys that
 * changed since the last deploy record was written belong here even when
 * they now match the build: the publish that changed them stopped before
 * its invalidation — and so do the keys such a publish noted as pending
 * when there was no record to compare with.
 */
function staleKeys(uploads: readonly PlannedUpload[], deletes: readonly PlannedDelete[], input: PlanInput): StaleEntry[] {
  const stale = new Map<string, string>();
  for (const upload of uploads) if (upload.replaces) stale.set(upload.key, upload.reason);
  for (const deletion of deletes) if (!isFingerprinted(deletion.key)) stale.set(deletion.key, 'deleted');
  // Left by a publish that stopped before its invalidation, when no deploy
  // record could tell the next plan what it changed.
  for (const relative of input.remote.pending ?? []) {
    const key = input.prefix + relative;
    if (!stale.has(key)) stale.set(key, 'left to invalidate by a publish that stopped before its invalidation');
  }
  const previous = input.remote.previous?.record;
  if (previous) {
    const remoteByKey = new Map(input.remote.objects.map((object) => [object.key, object]));
    for (const [relative, [etag]] of Object.entries(previous.objects)) {
      const key = input.prefix + relative;
      if (stale.has(key)) continue;
      const now = remoteByKey.get(key);
      if (now) {
        if (now.etag !== etag) stale.set(key, 'changed since the last deploy record (an interrupted publish?)');
      } else if (!isFingerprinted(key)) {
        // Deleted by a stopped publish: a fingerprinted one is exempt as above.
        stale.set(key, 'gone since the last deploy record (an interrupted publish?)');
      }
    }
  }
  return [...stale].map(([key, reason]) => ({ key, reason })).sort((a, b) => compareKeys(a.key, b.key));
}

function deleteLimitRefusal(deletes: number, siteObjects: number, input: PlanInput): string[] {
  if (input.allowDeletes || deletes === 0) return [];
  const { count, fraction } = input.publish.deleteLimit;
  const share = siteObjects === 0 ? 0 : deletes / siteObjects;
  if (deletes <= count && share <= fraction) return [];
  const percent = (value: number) => `${Math.round(value * 1000) / 10}%`;
  return [
    `${input.site} (${input.environment}) would delete ${deletes.toLocaleString('en-US')} of its ${siteObjects.toLocaleString('en-US')} objects in s3://${input.bucket}/${input.prefix} (${percent(share)}); the limit is ${count.toLocaleString('en-US')} objects or ${percent(fraction)} of the site. Review the deletions with --dry-run, then re-run with --allow-deletes, or raise publish.deleteLimit in ${input.configFile}.`,
  ];
}

/**
 * Refused here rather than by CloudFront at the end of apply, when every
 * upload has landed and the stale pages would stay cached until a later
 * publish made up for them.
 */
function inProgressRefusal(distributionId: string, exactPaths: number, inProgress: InvalidationsInProgress): string {
  const n = (value: number, noun: string) => `${value.toLocaleString('en-US')} ${noun}${value === 1 ? '' : 's'}`;
  return (
    `CloudFront distribution ${distributionId} already has ${n(inProgress.paths, 'path')} and ${n(inProgress.wildcards, 'wildcard')} in progress in ${n(inProgress.invalidations, 'invalidation')}, ` +
    `so this publish's ${n(exactPaths, 'path')} fit neither as they are nor collapsed to wildcards (CloudFront allows ${CLOUDFRONT_LIMITS.paths.toLocaleString('en-US')} paths and ${CLOUDFRONT_LIMITS.wildcards} wildcards in progress); ` +
    `wait for them to complete (aws cloudfront list-invalidations --distribution-id ${distributionId}) and publish again.`
  );
}

/**
 * A one-line cost note for the plan summary: the least and the most these
 * paths can cost. The plan cannot know how many of the month's free paths
 * earlier invalidations used, so it says both ends.
 */
export function costNote(paths: number): string {
  if (paths === 0) return 'no invalidation';
  const free = FREE_PATHS_PER_MONTH.toLocaleString('en-US');
  const most = `$${worstCaseCostUsd(paths).toFixed(3)} once they are used`;
  const counted = `${paths.toLocaleString('en-US')} path${paths === 1 ? '' : 's'}`;
  if (paths <= FREE_PATHS_PER_MONTH) return `${counted}: free within CloudFront's first ${free} a month, ${most}`;
  const beyond = paths - FREE_PATHS_PER_MONTH;
  return `${counted}: $${worstCaseCostUsd(beyond).toFixed(3)} in a month with none used yet (${beyond.toLocaleString('en-US')} beyond CloudFront's free ${free} a month), ${most}`;
}
