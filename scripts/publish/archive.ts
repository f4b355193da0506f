/**
 * The archive: the bytes a publish replaces or deletes, kept under
 * `<prefix>.publish/objects/<sha256>` so that rollback can put an earlier
 * deploy back exactly as it was served.
 *
 * Why an archive, and not a rebuild from the deploy record's git commit:
 * rollback is what an operator reaches for when something is already wrong,
 * often because of the build itself (a dependency, the toolchain, an image
 * tool, a machine without the repository). It must not depend on any of
 * them, and it must restore the bytes that were live, not bytes that ought to
 * come out the same — a rebuild can differ (another Node or Eleventy
 * version), cannot exist for a deploy from a dirty tree, and needs the commit
 * fetched. Deploy services that offer instant rollback (Firebase Hosting,
 * Netlify, Vercel) keep every deployed file, content-addressed, for the same
 * reasons.
 *
 * Why only what is replaced or deleted: everything else a recent deploy
 * served is still live. A retained deploy record's object is therefore
 * either live under its key or archived by its SHA-256, as long as every
 * change to the bucket goes through a publish (which archives first). The
 * copy is server-side (CopyObject), so a changed page costs one extra request
 * and no bandwidth; a first publish, or one that changes nothing, costs
 * nothing. Identical bytes are archived once.
 *
 * Retention: the newest `publish.keepDeploys` records stay restorable. Older
 * records, and archived bytes no kept record names, are removed a few at a
 * time (see RETENTION_BATCH), never by the site diff.
 */
import type { Logger } from '../build/context.ts';
import { RESERVED_PREFIX } from './local-files.ts';
import { deployRecordKeys, parseDeployRecord, type DeployRecord } from './deploy-record.ts';
import type { ListedObject, ObjectStore } from './ports.ts';

export const ARCHIVE_FOLDER = `${RESERVED_PREFIX}objects/`;

/**
 * Records are pruned only once this many more than `keepDeploys` exist, so
 * that the pruning — which reads every kept record to know which archived
 * bytes they still need — runs once every few publishes, not on each one.
 */
export const RETENTION_BATCH = 5;

export function archiveKey(prefix: string, sha256: string): string {
  return `${prefix}${ARCHIVE_FOLDER}${sha256}`;
}

export function isArchiveKey(prefix: string, key: string): boolean {
  return key.startsWith(prefix + ARCHIVE_FOLDER);
}

export interface ArchiveCopy {
  /** The live key whose current bytes are kept. */
  readonly from: string;
  /** `<prefix>.publish/objects/<sha256>`. */
  readonly to: string;
  readonly sha256: string;
}

/**
 * Which live objects to copy into the archive before the publish replaces or
 * deletes them: those whose SHA-256 is known (from the last deploy record or
 * the object's metadata) and not archived already. An object whose bytes are
 * unknown was not written by a completed publish, so no deploy record needs
 * it. Pure.
 */
export function archiveCopies(
  prefix: string,
  replaced: readonly { key: string; sha256?: string }[],
  archived: ReadonlySet<string>,
): ArchiveCopy[] {
  const copies = new Map<string, ArchiveCopy>();
  for (const object of replaced) {
    if (!object.sha256 || !/^[0-9a-f]{64}$/.test(object.sha256)) continue;
    const to = archiveKey(prefix, object.sha256);
    if (archived.has(to) || copies.has(object.sha256)) continue;
    copies.set(object.sha256, { from: object.key, to, sha256: object.sha256 });
  }
  return [...copies.values()];
}

export interface PruneResult {
  records: number;
  archived: number;
}

/**
 * Removes the oldest records beyond `keep`, then the archived bytes that no
 * kept record names. Records go first: a crash in between leaves extra bytes
 * (removed next time), never a kept record missing its bytes.
 *
 * `reserved` is the listing of `<prefix>.publish/` taken before this publish;
 * `written` the record it just wrote, and `copied` what it archived.
 */
export async function pruneDeploys(options: {
  store: ObjectStore;
  prefix: string;
  reserved: readonly ListedObject[];
  written: { key: string; record: DeployRecord };
  copied: readonly string[];
  keep: number;
  logger: Logger;
}): Promise<PruneResult> {
  const { store, prefix, keep } = options;
  const keys = [...new Set([...deployRecordKeys(options.reserved, prefix), options.written.key])].sort();
  if (keys.length < keep + RETENTION_BATCH) return { records: 0, archived: 0 };
  const dropped = keys.slice(0, keys.length - keep);
  const kept = keys.slice(keys.length - keep);

  const needed = new Set<string>();
  for (const key of kept) {
    const record = key === options.written.key ? options.written.record : parseDeployRecord((await store.get(key)) ?? Buffer.alloc(0));
    // An unreadable kept record could name anything: keep every archived byte.
    if (!record || record.version < 2) return { records: 0, archived: 0 };
    for (const [, , sha256] of Object.values(record.objects)) if (sha256) needed.add(archiveKey(prefix, sha256));
  }
  const archived = [...new Set([...options.reserved.map((object) => object.key).filter((key) => isArchiveKey(prefix, key)), ...options.copied])];
  const unneeded = archived.filter((key) => !needed.has(key));

  await store.delete(dropped);
  if (unneeded.length > 0) await store.delete(unneeded);
  options.logger.info(`  kept the newest ${keep} deploy records: removed ${dropped.length} older record${dropped.length === 1 ? '' : 's'} and ${unneeded.length} archived file${unneeded.length === 1 ? '' : 's'} only they needed`);
  return { records: dropped.length, archived: unneeded.length };
}
