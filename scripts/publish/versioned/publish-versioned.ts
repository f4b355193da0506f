/**
 * A versioned publish, executed (docs/reference/publishing.md, "Versioned
 * mode"): reads the kept deploys' records, the objects already in the bucket
 * and the live deploy; plans (plan.ts); uploads only new objects; stages the
 * deploy in the KeyValueStore; writes its record; cuts over with one write;
 * then retires what retention drops. Until the cutover nothing a visitor is
 * served has changed, so a publish stopped anywhere leaves the live deploy
 * whole, and a re-run either finishes or stages a new deploy.
 *
 * A stopped publish may leave map entries for a deploy it never recorded.
 * The map is computed from the records, so the next publish would not know
 * to undo them: the pending note, written before the first map write and
 * removed after the record, tells it to read the store as it is instead (as
 * does a store whose item count or size differs from what the records give).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { BuildRecord } from '../../build/build-record.ts';
import type { Logger } from '../../build/context.ts';
import { PublishError } from '../../errors.ts';
import { RESERVED_PREFIX, type LocalFile } from '../local-files.ts';
import type { ObjectStore } from '../ports.ts';
import type { DeployMap } from './kvs-store.ts';
import { LIVE_KEY, OBJECTS_PREFIX, storeBytes, storeContents, type KeptDeploy } from './path-map.ts';
import { planSwitch, planVersioned, type VersionedPlan } from './plan.ts';
import { VERSIONS_FOLDER, encodeVersionRecord, keptDeployOf, newDeployId, parseVersionRecord, versionRecordKey, type VersionRecord } from './records.ts';

export const PENDING_NOTE = `${RESERVED_PREFIX}versions-pending.json`;

export interface VersionedState {
  kept: KeptDeploy[];
  records: Map<number, { key: string; record: VersionRecord }>;
  live: { seq: number; deployId: string } | undefined;
  existingObjects: Set<string>;
  /** What the store holds: computed from the records, or read when they cannot be trusted to say. */
  store: Map<string, string>;
  etag: string;
  /** Why the store was read rather than computed, if it was. */
  readBecause?: string;
}

export async function readVersionedState(options: { prefix: string; store: ObjectStore; map: DeployMap }): Promise<VersionedState> {
  const { prefix, store, map } = options;
  const [described, live, listedRecords, listedObjects, pending] = await Promise.all([
    map.describe(),
    map.get(LIVE_KEY),
    store.list(`${prefix}${VERSIONS_FOLDER}`),
    store.list(`${prefix}${OBJECTS_PREFIX}`),
    store.get(`${prefix}${PENDING_NOTE}`),
  ]);
  const records = new Map<number, { key: string; record: VersionRecord }>();
  const limit = pLimit(8);
  await Promise.all(
    listedRecords.map((object) =>
      limit(async () => {
        const record = parseVersionRecord((await store.get(object.key)) ?? Buffer.alloc(0));
        if (!record) throw new PublishError(`The deploy record ${object.key} in s3://${store.bucket} is damaged; restore it from the bucket's versions, or delete it to forget that deploy (its objects are then deleted by retention).`);
        records.set(record.seq, { key: object.key, record });
      }),
    ),
  );
  const kept = [...records.values()].map(({ record }) => keptDeployOf(record));
  const parsedLive = live === undefined ? undefined : parseLive(live);
  const computed = storeContents(kept, parsedLive);
  const bytes = storeBytes(computed);
  const readBecause = pending ? 'a stopped publish left its pending note' : described.items !== computed.size || described.bytes !== bytes ? `it holds ${described.items} keys (${described.bytes} bytes) where the deploy records give ${computed.size} (${bytes})` : undefined;
  return {
    kept,
    records,
    live: parsedLive,
    existingObjects: new Set(listedObjects.map((object) => object.key.slice(prefix.length + OBJECTS_PREFIX.length))),
    store: readBecause ? await map.list() : computed,
    etag: described.etag,
    ...(readBecause ? { readBecause } : {}),
  };
}

function parseLive(value: string): { seq: number; deployId: string } | undefined {
  const [seq, deployId] = value.split(' ');
  return seq && deployId && Number.isInteger(Number(seq)) ? { seq: Number(seq), deployId } : undefined;
}

export interface VersionedPublishOptions {
  site: string;
  environment: string;
  prefix: string;
  files: readonly LocalFile[];
  outputDir: string;
  build: Pick<BuildRecord, 'buildId' | 'sourceDigest' | 'git'>;
  store: ObjectStore;
  map: DeployMap;
  keepDeploys: number;
  cutover: boolean;
  logger: Logger;
  concurrency?: number;
  now?: () => Date;
  deployId?: string;
}

export interface VersionedReport {
  deploy: { seq: number; deployId: string };
  live: boolean;
  uploaded: number;
  uploadedBytes: number;
  reused: number;
  /** UpdateKeys requests: staging, the cutover, retention. */
  mapWrites: { stage: number; cutover: number; retire: number };
  retired: { deploys: string[]; objects: number };
  plan: VersionedPlan;
}

export async function publishVersioned(options: VersionedPublishOptions): Promise<VersionedReport> {
  const { prefix, store, map, logger } = options;
  const state = await readVersionedState({ prefix, store, map });
  if (state.readBecause) logger.warn(`${options.site} → ${options.environment}: read the whole KeyValueStore, since ${state.readBecause}`);
  const deployId = options.deployId ?? newDeployId(randomBytes);
  const plan = planVersioned({ prefix, files: options.files, existingObjects: state.existingObjects, kept: state.kept, live: state.live, currentStore: state.store, deployId, keepDeploys: options.keepDeploys, cutover: options.cutover });
  if (plan.quotaProblem) throw new PublishError(`${options.site} → ${options.environment}: ${plan.quotaProblem}. Nothing was uploaded.`);

  // 1. Objects no kept deploy has. Nothing serves them until the map names them.
  const limit = pLimit(options.concurrency ?? 16);
  let uploadedBytes = 0;
  await Promise.all(
    plan.uploads.map((object) =>
      limit(async () => {
        const body = await readFile(path.join(options.outputDir, ...object.file.path.split('/')));
        const md5 = createHash('md5').update(body).digest('hex');
        if (md5 !== object.file.md5) throw new PublishError(`${path.join(options.outputDir, object.file.path)} changed after it was built (its MD5 no longer matches the build record). Publish again: it rebuilds first.`);
        await store.put({ key: object.key, body, contentType: object.file.contentType, cacheControl: object.cacheControl, md5, metadata: object.metadata });
        uploadedBytes += body.length;
      }),
    ),
  );

  // 2. The deploy's entries, above the live sequence number: what visitors see is unchanged.
  const pendingKey = `${prefix}${PENDING_NOTE}`;
  const note = Buffer.from(JSON.stringify({ seq: plan.deploy.seq, deployId }));
  await store.put({ key: pendingKey, body: note, contentType: 'application/json', cacheControl: 'no-store', md5: createHash('md5').update(note).digest('hex'), metadata: {} });
  let etag = await map.update(plan.stage, state.etag);

  // 3. The record, which makes the deploy one of the kept ones (and previewable by id).
  const record: VersionRecord = {
    version: 1,
    seq: plan.deploy.seq,
    deployId,
    site: options.site,
    environment: options.environment,
    buildId: options.build.buildId,
    sourceDigest: options.build.sourceDigest,
    git: options.build.git,
    publishedAt: (options.now?.() ?? new Date()).toISOString(),
    files: Object.fromEntries(plan.deploy.files),
  };
  const recordBytes = encodeVersionRecord(record);
  await store.put({ key: versionRecordKey(prefix, record.seq, deployId), body: recordBytes, contentType: 'application/json', cacheControl: 'no-store', md5: createHash('md5').update(recordBytes).digest('hex'), metadata: {} });
  await store.delete([pendingKey]);

  // 4. The cutover: one write. 5. Retention, after it: nothing live is retired.
  let retire = 0;
  if (plan.cutover) {
    etag = await map.update([plan.cutover], etag);
    if (plan.retire.deploys.length > 0) {
      await map.update(plan.retire.store, etag);
      retire = plan.retire.store.length;
      const dropped = new Set(plan.retire.deploys.map((each) => each.seq));
      const recordKeys = [...state.records].filter(([seq]) => dropped.has(seq)).map(([, { key }]) => key);
      await store.delete([...recordKeys, ...plan.retire.objects]);
    } else if (plan.retire.objects.length > 0) {
      await store.delete(plan.retire.objects);
    }
  }
  return {
    deploy: { seq: plan.deploy.seq, deployId },
    live: Boolean(plan.cutover),
    uploaded: plan.uploads.length,
    uploadedBytes,
    reused: plan.reused,
    mapWrites: { stage: plan.stage.length, cutover: plan.cutover ? 1 : 0, retire },
    retired: { deploys: plan.retire.deploys.map((each) => each.deployId), objects: plan.retire.objects.length },
    plan,
  };
}

/**
 * `--cutover DEPLOY` and `--rollback [--to DEPLOY]`: one conditional write
 * naming a kept deploy (by id or its first characters); no upload, no
 * invalidation. Rollback without a target goes to the newest kept deploy
 * older than the live one.
 */
export async function switchLive(options: { prefix: string; store: ObjectStore; map: DeployMap; to?: string; rollback?: boolean }): Promise<{ from?: string; to: KeptDeploy }> {
  const state = await readVersionedState(options);
  const ordered = [...state.kept].sort((a, b) => b.seq - a.seq);
  let target: KeptDeploy | undefined;
  if (options.to) {
    const matches = ordered.filter((each) => each.deployId.startsWith(options.to!));
    if (matches.length > 1) throw new PublishError(`"${options.to}" is the start of ${matches.length} kept deploys (${matches.map((each) => each.deployId).join(', ')}); give more characters.`);
    target = matches[0];
    if (!target) throw new PublishError(`No kept deploy is called "${options.to}"; the kept ones are ${ordered.map((each) => each.deployId).join(', ') || 'none'}.`);
  } else if (options.rollback) {
    target = ordered.find((each) => state.live === undefined || each.seq < state.live.seq);
    if (!target) throw new PublishError('There is no kept deploy older than the live one to roll back to.');
  } else {
    throw new PublishError('Name the deploy to make live.');
  }
  const change = planSwitch(state.kept, target.deployId)!;
  await options.map.update([change], state.etag);
  return { ...(state.live ? { from: state.live.deployId } : {}), to: target };
}
