/**
 * Staging before production: production is published only from a source
 * staging already serves — the same source digest (every input of the
 * build, by bytes), built from a clean tree at the same git commit — read
 * from staging's current deploy record in staging's bucket, not from
 * anyone's memory. An explicit override (`--skip-staging-check --reason`)
 * exists for emergencies and is written into the production deploy record.
 */
import type { BuildRecord } from '../build/build-record.ts';
import { CURRENT_POINTER, parseDeployRecord, parsePointer, type DeployRecord, type StagingCheck } from './deploy-record.ts';
import type { ObjectStore } from './ports.ts';

export const STAGING_ENVIRONMENT = 'staging';

export interface StagingDeploy {
  key: string;
  record: DeployRecord;
}

/** Staging's current deploy: the pointer, then the record it names. Undefined when staging has none. */
export async function readCurrentDeploy(store: ObjectStore, prefix: string): Promise<StagingDeploy | { problem: string } | undefined> {
  const where = `s3://${store.bucket}/${prefix}${CURRENT_POINTER}`;
  const bytes = await store.get(prefix + CURRENT_POINTER);
  if (!bytes) return undefined;
  const pointer = parsePointer(bytes);
  if (!pointer) return { problem: `its deploy pointer ${where} cannot be read` };
  const recordBytes = await store.get(pointer.record);
  const record = recordBytes && parseDeployRecord(recordBytes);
  if (!record) return { problem: `the deploy record ${pointer.record} that ${where} names is missing or unreadable` };
  return { key: pointer.record, record };
}

export type GateResult = { passed: true; check: StagingCheck } | { passed: false; reason: string };

/**
 * Pure: whether this build may go to production given staging's current
 * deploy. The reason is one clause, completed by the caller with the site
 * and the ways forward.
 */
export function stagingGate(build: Pick<BuildRecord, 'sourceDigest' | 'git'>, staging: StagingDeploy | { problem: string } | undefined, stagingWhere: string): GateResult {
  if (!staging) return { passed: false, reason: `staging (${stagingWhere}) has no deploy record, so this source was never published there` };
  if ('problem' in staging) return { passed: false, reason: `staging's current deploy cannot be read: ${staging.problem}` };
  const { record } = staging;
  const short = (value: string | null) => (value ? value.slice(0, 12) : 'none');
  const theirs = `staging serves build ${record.buildId} (commit ${short(record.git.commit)}${record.git.clean ? '' : ', uncommitted changes'}, source digest ${short(record.sourceDigest)}, published ${record.publishedAt})`;
  if (!build.git.commit) return { passed: false, reason: 'this build is not from a git commit (no repository found), so it cannot be matched with what staging serves' };
  if (!build.git.clean) return { passed: false, reason: `this build is from a tree with uncommitted changes at commit ${short(build.git.commit)}; ${theirs}` };
  if (!record.git.clean) return { passed: false, reason: `${theirs}, built from a tree with uncommitted changes, which production never trusts` };
  if (record.git.commit !== build.git.commit) return { passed: false, reason: `${theirs}, but this build is from commit ${short(build.git.commit)}` };
  if (record.sourceDigest !== build.sourceDigest) return { passed: false, reason: `${theirs}, but this build's source digest is ${short(build.sourceDigest)} (the same commit with different inputs)` };
  return { passed: true, check: { result: 'passed', stagingRecord: staging.key, stagingBuildId: record.buildId } };
}
