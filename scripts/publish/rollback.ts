/**
 * `npm run publish -- --env staging --rollback`: put the previous deploy
 * back — the newest deploy record of another build than the one served —
 * through the same lock, plan, guard, confirm and apply as a publish, so it
 * uploads only what differs, deletes what that deploy did not have, sends one
 * invalidation, and writes a deploy record of its own (saying what it
 * replaced and what it restored). Rolling back twice therefore returns to
 * where the first rollback started.
 *
 * No build is involved: the file list comes from the deploy record (every
 * key with its SHA-256, size and ETag), and the bytes from the bucket — the
 * archive (`archive.ts` explains why an archive rather than a rebuild) for
 * what was replaced since, the live key for what only needs new headers.
 * Every byte fetched is checked against the recorded SHA-256. Rollback does
 * not pass the staging gate: it restores what the environment already served.
 *
 * When it cannot, it says exactly why, before any write: no deploy record,
 * no earlier build, a record from before the archive existed, or files that
 * are neither live nor archived (changed outside the publisher, or pruned).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuildRecord, OutputFile } from '../build/build-record.ts';
import { PublishError } from '../errors.ts';
import { archiveKey } from './archive.ts';
import { awsConnector } from './connect.ts';
import { DEPLOYS_FOLDER, isPlainMd5, isRestorable, parseDeployRecord, parseDeployRecordKey, type DeployRecord } from './deploy-record.ts';
import { compareKeys } from './local-files.ts';
import type { ObjectStore, Ports } from './ports.ts';
import { preflight } from './preflight.ts';
import { planSite, resolveTargets, runJobs, type Job, type Prepared, type PublishOutcome, type PublishTarget, type RunOptions } from './publish.ts';

export interface RollbackOptions extends RunOptions {
  /** A build id (or its first characters) to restore instead of the previous build. */
  to?: string;
}

export async function rollbackSites(options: RollbackOptions): Promise<PublishOutcome> {
  const targets = await resolveTargets(options.workspace, options.envName, options.sites);
  const connect = options.connect ?? awsConnector();
  const connections = targets.map((target) => connect(target));
  const report = await preflight(
    targets.map((target, index) => ({ target, connection: connections[index]! })),
    options,
  );
  const jobs = targets.map(
    (target, index): Job => ({
      target,
      connection: connections[index]!,
      by: report.publishers[index]!,
      prepare: (ports) => prepareRollback(target, ports, options),
    }),
  );
  return runJobs(jobs, options, { command: 'rollback', preflight: report });
}

async function prepareRollback(target: PublishTarget, ports: Ports, options: RollbackOptions): Promise<Prepared> {
  const { site, envName, env } = target;
  const { store } = ports;
  const where = `s3://${env.bucket}/${env.prefix}`;
  const cannot = (why: string) => new PublishError(`${site.domain} → ${envName} cannot be rolled back: ${why}.`);

  const keys = (await store.list(env.prefix + DEPLOYS_FOLDER))
    .map((object) => object.key)
    .filter((key) => parseDeployRecordKey(key))
    .sort(compareKeys);
  // Each refusal ends with what to do (the bad-input catalogue holds them to it).
  const fixForward = `to change what it serves, publish a fixed build instead (npm run publish -- --env ${envName} --site ${site.shortName})`;
  if (keys.length === 0) throw cannot(`${where} has no deploy record, so this publisher never published there; check --env, and the environment's bucket and prefix in ${site.configFile}`);
  const currentKey = keys.at(-1)!;
  const current = parseDeployRecordKey(currentKey)!;
  const earlier = keys.slice(0, -1).reverse();
  const targetKey = options.to
    ? earlier.find((key) => parseDeployRecordKey(key)!.buildId.startsWith(options.to!))
    : earlier.find((key) => parseDeployRecordKey(key)!.buildId !== current.buildId);
  if (!targetKey) {
    if (options.to) {
      const builds = [...new Set(earlier.map((key) => parseDeployRecordKey(key)!.buildId))];
      throw cannot(
        `no earlier deploy of build ${options.to} is recorded in ${where} (earlier builds kept: ${builds.join(', ') || 'none'})${builds.length ? '; pass one of those to --to, or leave --to out to restore the previous build' : `; ${fixForward}`}`,
      );
    }
    throw cannot(
      keys.length === 1
        ? `${where} has one deploy record (build ${current.buildId}, the one it serves); there is no earlier deploy to restore; ${fixForward}`
        : `all ${keys.length} deploy records in ${where} are of build ${current.buildId}, the one it serves; there is no earlier build to restore; ${fixForward}`,
    );
  }

  const recordBytes = await store.get(targetKey);
  const record = recordBytes && parseDeployRecord(recordBytes);
  if (!record) throw cannot(`the deploy record ${targetKey} is missing or unreadable`);
  if (!isRestorable(record)) {
    const rebuild =
      record.git.commit && record.git.clean
        ? `publish its commit instead: git checkout ${record.git.commit} && npm run publish -- --env ${envName} --site ${site.shortName}`
        : 'it was built from uncommitted changes, so it cannot be rebuilt either';
    throw cannot(`deploy ${record.buildId} (published ${record.publishedAt}) was recorded by an older version of this publisher (deploy record version 1), which kept no archive of replaced files; ${rebuild}`);
  }
  if (record.bucket !== env.bucket || record.prefix !== env.prefix) {
    throw cannot(`the deploy record ${targetKey} describes s3://${record.bucket}/${record.prefix}, not ${where}`);
  }

  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'publish-rollback-'));
  const cleanup = () => rm(outputDir, { recursive: true, force: true });
  try {
    const restorer = restoreFrom(store, env.prefix, outputDir);
    const files = filesOf(record);
    // An ETag that is not an MD5 (KMS, multipart) gives no MD5 to upload
    // with: those few files are fetched before planning.
    const missing: string[] = [];
    for (const file of files.filter((entry) => entry.md5 === '')) {
      const body = await restorer.fetch(file);
      if (!body) missing.push(file.path);
      else file.md5 = createHash('md5').update(body).digest('hex');
    }

    const build: BuildRecord = {
      version: 1,
      site: site.domain,
      shortName: site.shortName,
      environment: envName,
      buildId: record.buildId,
      sourceDigest: record.sourceDigest,
      git: record.git,
      builtAt: record.builtAt,
      files,
    };
    const publish = await planSite(target, { outputDir, record: build }, ports, options);
    const byPath = new Map(files.map((file) => [file.path, file]));
    for (const upload of publish.plan.uploads) {
      if (missing.includes(upload.path)) continue;
      if (!(await restorer.fetch(byPath.get(upload.path)!))) missing.push(upload.path);
    }
    if (missing.length > 0) {
      const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, … (${missing.length - 10} more)` : '');
      throw cannot(
        `${missing.length} file${missing.length === 1 ? '' : 's'} of deploy ${record.buildId} (published ${record.publishedAt}) ${missing.length === 1 ? 'is' : 'are'} neither live nor archived with the recorded SHA-256: ${shown}. They were changed or removed outside this publisher, so that deploy cannot be restored exactly; publish its commit instead (${record.git.commit ?? 'no commit recorded'})`,
      );
    }

    publish.rollback = {
      replaced: { key: currentKey, buildId: current.buildId, publishedAt: current.publishedAt },
      restored: { key: targetKey, buildId: record.buildId, publishedAt: record.publishedAt, commit: record.git.commit },
    };
    return {
      publish,
      outputDir,
      build,
      record: { command: 'rollback', rollback: { replaced: currentKey, restored: targetKey } },
      expectedPage: async (page) => {
        const file = byPath.get(page);
        return file && restorer.fetch(file);
      },
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The record's files as a build record lists them; directory index aliases (`dir/`) are made again from `dir/index.html`. */
function filesOf(record: DeployRecord): OutputFile[] {
  return Object.entries(record.objects)
    .filter(([relative]) => !relative.endsWith('/'))
    .map(([relative, [etag, , sha256, size]]) => {
      const pageId = record.pageIds?.[relative];
      return { path: relative, size: size ?? 0, sha256, md5: isPlainMd5(etag) ? etag : '', ...(pageId ? { pageId } : {}) };
    });
}

/**
 * Fetches a recorded file's bytes into the tree apply reads from: from the
 * archive (bytes replaced since), else the live key (bytes unchanged, headers
 * not), accepted only with the recorded SHA-256.
 */
function restoreFrom(store: ObjectStore, prefix: string, outputDir: string) {
  const done = new Map<string, Buffer>();
  return {
    async fetch(file: OutputFile): Promise<Buffer | undefined> {
      const known = done.get(file.path);
      if (known) return known;
      for (const key of [archiveKey(prefix, file.sha256), prefix + file.path]) {
        const body = await store.get(key);
        if (!body || createHash('sha256').update(body).digest('hex') !== file.sha256) continue;
        const target = path.join(outputDir, ...file.path.split('/'));
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, body);
        done.set(file.path, body);
        return body;
      }
      return undefined;
    },
  };
}
