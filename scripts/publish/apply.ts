/**
 * Executes a plan, in the order that keeps the live site whole at every
 * moment: new and changed assets, then new pages, then changed pages (which may name those),
 * then deletions (nothing live names them any more), then one invalidation
 * per distribution, then the deploy record. Stopped anywhere, the bucket
 * serves a consistent site, and running the publish again converges: what
 * landed is unchanged next time, and the deploy record — written last — lets
 * the next plan invalidate what this run changed but never invalidated.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { BuildRecord } from '../build/build-record.ts';
import type { Logger } from '../build/context.ts';
import { PublishError } from '../errors.ts';
import {
  CURRENT_POINTER,
  DEPLOY_RECORD_VERSION,
  PENDING_INVALIDATION,
  deployRecordKey,
  encodeDeployRecord,
  encodePending,
  encodePointer,
  pointerFor,
  type DeployRecord,
  type Publisher,
  type RecordedObject,
  type StagingCheck,
} from './deploy-record.ts';
import type { Plan, PlannedUpload } from './plan.ts';
import type { Ports } from './ports.ts';

export interface ProgressSink {
  start(files: number, bytes: number): void;
  advance(upload: PlannedUpload): void;
  stop(): void;
}

export interface ApplyOptions {
  plan: Plan;
  /** The built tree the plan's paths are relative to. */
  outputDir: string;
  build: Pick<BuildRecord, 'buildId' | 'sourceDigest' | 'git' | 'builtAt' | 'files'>;
  ports: Ports;
  logger: Logger;
  progress?: ProgressSink;
  /** Uploads in flight at once. */
  concurrency?: number;
  now?: () => Date;
  /** What the deploy record says beyond the plan and the build: who, the staging check, a rollback's records. */
  record?: RecordExtras;
}

export interface RecordExtras {
  by?: Publisher;
  command?: 'publish' | 'rollback';
  stagingCheck?: StagingCheck;
  rollback?: { replaced: string; restored: string };
}

export interface PublishReport {
  site: string;
  environment: string;
  bucket: string;
  prefix: string;
  buildId: string;
  uploaded: number;
  uploadedBytes: number;
  unchanged: number;
  deleted: number;
  invalidations: Array<{ distributionId: string; id: string; status: string; paths: string[] }>;
  deployRecordKey: string;
  /** Live objects copied into the archive first. */
  archived: number;
  /** The record itself, as written (rollback and retention read it). */
  record: DeployRecord;
  publishedAt: string;
  milliseconds: number;
}

export const DEFAULT_CONCURRENCY = 16;

export async function applyPlan(options: ApplyOptions): Promise<PublishReport> {
  const { plan, ports } = options;
  const started = performance.now();
  const publishedAt = (options.now?.() ?? new Date()).toISOString();
  assertApplicable(plan, ports);

  // Without a deploy record to compare with, a stop before the
  // invalidation would leave the next plan blind to what this one changed:
  // what it is about to invalidate is noted first (deploy-record.ts).
  const pendingKey = plan.prefix + PENDING_INVALIDATION;
  if (plan.pendingInvalidation === 'write') {
    const note = encodePending(plan.stale.map((entry) => entry.key.slice(plan.prefix.length)));
    await ports.store.put({ key: pendingKey, body: note, contentType: 'application/json', cacheControl: 'no-store', md5: createHash('md5').update(note).digest('hex'), metadata: {} });
  }

  // Before anything live changes: what is about to be replaced or deleted
  // is kept, so an earlier deploy can be restored (archive.ts).
  if (plan.archive.length > 0) {
    options.logger.info(`  archiving ${plan.archive.length} object${plan.archive.length === 1 ? '' : 's'} about to be replaced or deleted`);
    const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
    await Promise.all(plan.archive.map((copy) => limit(() => ports.store.copy(copy.from, copy.to))));
  }

  const etags = new Map<string, string>();
  const assets = plan.uploads.filter((upload) => upload.group === 'assets');
  const pages = plan.uploads.filter((upload) => upload.group === 'html');
  options.progress?.start(plan.totals.uploadFiles, plan.totals.uploadBytes);
  try {
    await uploadGroup(assets, options, etags);
    // New pages before changed ones: a changed page may link to a new page,
    // and until it does, no page a visitor can reach links to a new one.
    await uploadGroup(pages.filter((page) => !page.replaces), options, etags);
    await uploadGroup(pages.filter((page) => page.replaces), options, etags);
  } finally {
    options.progress?.stop();
  }

  if (plan.deletes.length > 0) {
    options.logger.info(`  deleting ${plan.deletes.length} object${plan.deletes.length === 1 ? '' : 's'}`);
    await ports.store.delete(plan.deletes.map((deletion) => deletion.key));
  }

  const invalidations: PublishReport['invalidations'] = [];
  for (const invalidation of plan.invalidations) {
    // Unique to this publish, and the same on the SDK's retries of the
    // request: a retry after a lost answer returns the first invalidation
    // rather than paying for a second one.
    const callerReference = `${plan.site}/${plan.environment}/${plan.buildId}/${publishedAt}`;
    const result = await ports.cdn!.invalidate({ distributionId: invalidation.distributionId, paths: invalidation.paths, callerReference });
    invalidations.push({ distributionId: invalidation.distributionId, id: result.id, status: result.status, paths: [...invalidation.paths] });
  }

  const record = deployRecord(options, etags, invalidations, publishedAt);
  const recordKey = deployRecordKey(plan.prefix, publishedAt, plan.buildId);
  const body = encodeDeployRecord(record);
  await ports.store.put({
    key: recordKey,
    body,
    contentType: 'application/json',
    contentEncoding: 'gzip',
    cacheControl: 'no-store',
    md5: createHash('md5').update(body).digest('hex'),
    metadata: {},
  });
  // After the record it names: a reader of the pointer always finds the record.
  const pointer = encodePointer(pointerFor(record, recordKey));
  await ports.store.put({
    key: plan.prefix + CURRENT_POINTER,
    body: pointer,
    contentType: 'application/json',
    cacheControl: 'no-store',
    md5: createHash('md5').update(pointer).digest('hex'),
    metadata: {},
  });
  // The record answers for the bucket now. Should this removal fail, the
  // next publish invalidates those paths once more: a cost, not a loss.
  if (plan.pendingInvalidation) {
    await ports.store.delete([pendingKey]).catch((error: unknown) => options.logger.warn(`could not remove ${pendingKey} (${error instanceof Error ? error.message : String(error)}); the next publish invalidates its paths again and removes it.`));
  }

  return {
    site: plan.site,
    environment: plan.environment,
    bucket: plan.bucket,
    prefix: plan.prefix,
    buildId: plan.buildId,
    uploaded: plan.uploads.length,
    uploadedBytes: plan.totals.uploadBytes,
    unchanged: plan.unchanged.length,
    deleted: plan.deletes.length,
    invalidations,
    deployRecordKey: recordKey,
    archived: plan.archive.length,
    record,
    publishedAt,
    milliseconds: Math.round(performance.now() - started),
  };
}

/** Checks that make a wrong plan fail before its first request. */
function assertApplicable(plan: Plan, ports: Ports): void {
  if (plan.refusals.length > 0) throw new PublishError(plan.refusals.join('\n'));
  if (ports.store.bucket !== plan.bucket) throw new Error(`Plan for bucket ${plan.bucket} applied to ${ports.store.bucket}`);
  const nested = plan.kept.filter((entry) => entry.objects !== undefined).map((entry) => entry.key);
  for (const key of [...plan.uploads.map((upload) => upload.key), ...plan.deletes.map((deletion) => deletion.key)]) {
    // The plan never makes such a key; this guards the guarantee, not the input.
    if (!key.startsWith(plan.prefix) || key === plan.prefix) throw new Error(`Key "${key}" is outside the site's prefix "${plan.prefix}"`);
    const owned = nested.find((prefix) => key.startsWith(prefix));
    if (owned) throw new Error(`Key "${key}" is under "${owned}", which another site or environment owns`);
  }
  if (plan.invalidations.length > 0 && !ports.cdn) throw new Error('The plan invalidates paths but no CDN adapter was given');
}

async function uploadGroup(uploads: readonly PlannedUpload[], options: ApplyOptions, etags: Map<string, string>): Promise<void> {
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  let failed = false;
  const results = await Promise.allSettled(
    uploads.map((upload) =>
      limit(async () => {
        // After one failure the queue drains without sending more: the group
        // is incomplete either way, and pages must not follow partial assets.
        if (failed) return;
        try {
          const body = await readFile(path.join(options.outputDir, ...upload.path.split('/')));
          if (createHash('md5').update(body).digest('hex') !== upload.md5) {
            throw new PublishError(
              `${path.join(options.outputDir, upload.path)} changed after it was built (its MD5 no longer matches the build record). Publish again: it rebuilds first.`,
            );
          }
          const { etag } = await options.ports.store.put({
            key: upload.key,
            body,
            contentType: upload.contentType,
            cacheControl: upload.cacheControl,
            md5: upload.md5,
            metadata: { sha256: upload.sha256, headers: upload.headerHash },
          });
          etags.set(upload.key, etag);
          options.progress?.advance(upload);
        } catch (error) {
          failed = true;
          throw error;
        }
      }),
    ),
  );
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}

function deployRecord(options: ApplyOptions, etags: ReadonlyMap<string, string>, invalidations: PublishReport['invalidations'], publishedAt: string): DeployRecord {
  const { plan, build } = options;
  const objects: Record<string, RecordedObject> = {};
  const relative = (key: string) => key.slice(plan.prefix.length);
  // The sha256 and size of every object: rollback rebuilds the file list
  // from the record alone and finds replaced bytes in the archive by hash.
  const sizes = new Map(plan.uploads.map((upload) => [upload.key, upload.size]));
  const entry = (etag: string, headerHash: string, sha256: string, size: number): RecordedObject => [etag, headerHash, sha256, size];
  for (const object of plan.unchanged) objects[relative(object.key)] = entry(object.etag, object.headerHash, object.sha256, object.size);
  for (const upload of plan.uploads) objects[relative(upload.key)] = entry(etags.get(upload.key) ?? '', upload.headerHash, upload.sha256, sizes.get(upload.key)!);
  return {
    version: DEPLOY_RECORD_VERSION,
    site: plan.site,
    environment: plan.environment,
    bucket: plan.bucket,
    prefix: plan.prefix,
    buildId: build.buildId,
    sourceDigest: build.sourceDigest,
    git: build.git,
    builtAt: build.builtAt,
    publishedAt,
    ...(options.record?.by ? { by: options.record.by } : {}),
    command: options.record?.command ?? 'publish',
    ...(options.record?.stagingCheck ? { stagingCheck: options.record.stagingCheck } : {}),
    ...(options.record?.rollback ? { rollback: options.record.rollback } : {}),
    counts: {
      uploaded: plan.uploads.length,
      uploadedBytes: plan.totals.uploadBytes,
      unchanged: plan.unchanged.length,
      deleted: plan.deletes.length,
      invalidationPaths: plan.totals.invalidationPaths,
    },
    invalidations,
    objects,
    pageIds: Object.fromEntries(build.files.flatMap((file) => (file.pageId ? [[file.path, file.pageId]] : []))),
  };
}
