/**
 * One publish at a time per site and environment: a lock object at
 * `<prefix>.publish/lock.json`, created with a conditional put
 * (`If-None-Match: *`), so of two publishes racing for it S3 lets exactly one
 * write it and answers the other 412.
 *
 * The lock says who holds it (the caller's ARN, user, host, process), since
 * when, and until when. It is renewed (a put with `If-Match` on the ETag this
 * publish wrote) before the first write and then every third of its
 * lifetime, and removed (a delete with `If-Match`) when the publish ends —
 * also after an error or Ctrl-C. A lock whose holder died stays until it
 * expires; the next publish after that takes it over, with a warning, by a
 * put with `If-Match` on the dead holder's ETag, so two publishes cannot
 * both take over the same expired lock.
 *
 * Every site's environment has its own lock in its own bucket prefix, so
 * publishes to two environments (or of two sites) proceed side by side.
 */
import { createHash, randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Logger } from '../build/context.ts';
import { PublishError } from '../errors.ts';
import { RESERVED_PREFIX } from './local-files.ts';
import type { Publisher } from './deploy-record.ts';
import type { ObjectStore, PutRequest } from './ports.ts';

export const LOCK_KEY = `${RESERVED_PREFIX}lock.json`;

export interface LockBody {
  version: 1;
  /** Unique to one publish: tells this publish's lock from a later one. */
  token: string;
  site: string;
  environment: string;
  command: 'publish' | 'rollback';
  by: Publisher;
  pid: number;
  since: string;
  expiresAt: string;
}

export interface LockOptions {
  store: ObjectStore;
  prefix: string;
  site: string;
  environment: string;
  command: 'publish' | 'rollback';
  by: Publisher;
  minutes: number;
  logger: Logger;
  now?: () => Date;
}

export interface HeldLock {
  /** Full key, for messages. */
  readonly key: string;
  readonly body: LockBody;
  /** Pushes the expiry forward; throws a PublishError when another publish has taken the lock. */
  renew(): Promise<void>;
  /** Renews only when a third of the lifetime has passed since the last write (after a slow confirmation, say). */
  renewIfDue(): Promise<void>;
  /** Renews every third of the lock's lifetime until released; `onLost` hears if another publish took it. */
  keepAlive(onLost: (error: PublishError) => void): void;
  /** Removes the lock if it is still this publish's; never throws (the publish's own outcome matters more). */
  release(): Promise<void>;
}

export function lockKey(prefix: string): string {
  return prefix + LOCK_KEY;
}

export async function acquireLock(options: LockOptions): Promise<HeldLock> {
  const now = options.now ?? (() => new Date());
  const key = lockKey(options.prefix);
  const where = `s3://${options.store.bucket}/${key}`;
  const token = randomUUID();
  const bodyAt = (time: Date): LockBody => ({
    version: 1,
    token,
    site: options.site,
    environment: options.environment,
    command: options.command,
    by: options.by,
    pid: process.pid,
    since: since ?? time.toISOString(),
    expiresAt: new Date(time.getTime() + options.minutes * 60_000).toISOString(),
  });
  let since: string | undefined;

  // A refusal names who holds the lock; anything else (a request that
  // failed on every attempt) may have come after our put landed unheard.
  const refusals = new WeakSet<PublishError>();
  const refuse = (message: string) => {
    const error = new PublishError(message);
    refusals.add(error);
    return error;
  };
  const take = async (): Promise<HeldLock> => {
    // Three rounds: the lock may be released, or taken over by a third
    // publish, between our failed put and our read of it, or between that
    // read and our takeover (a put with If-Match on a key that is gone is not
    // written: the next round's put creates it).
    for (let round = 0; round < 3; round++) {
      const body = bodyAt(now());
      const created = await options.store.putIfAbsent(lockRequest(key, body));
      if (created.written) {
        since = body.since;
        return held(options, key, body, created.etag, bodyAt, now);
      }
      const existing = await options.store.getWithEtag(key);
      if (!existing) continue;
      const holder = parseLock(existing.body);
      // Our own write, whose answer was lost: the put landed, the connection
      // broke before the client heard, and the SDK's retry met the lock it had
      // just written (412). Only this call writes this token.
      if (holder?.token === token) {
        since = holder.since;
        return held(options, key, holder, existing.etag, bodyAt, now);
      }
      if (!holder) {
        throw refuse(
          `${options.site} → ${options.environment} is locked by ${where}, which this publisher cannot read; if no publish is running, remove it (aws s3 rm ${where}) and publish again.`,
        );
      }
      const expired = Date.parse(holder.expiresAt) <= now().getTime();
      if (!expired) throw refuse(describeRefusal(holder, where, now()));
      options.logger.warn(
        `taking over the lock of ${options.site} → ${options.environment}: it expired at ${holder.expiresAt} (${describeHolder(holder)}, since ${holder.since}); that publish stopped without releasing it, so its changes may be incomplete — this one converges them.`,
      );
      const takenOver = await options.store.putIfMatch(lockRequest(key, body), existing.etag);
      if (takenOver.written) {
        since = body.since;
        return held(options, key, body, takenOver.etag, bodyAt, now);
      }
    }
    const current = await options.store.getWithEtag(key);
    const holder = current && parseLock(current.body);
    throw refuse(holder ? describeRefusal(holder, where, now()) : `${options.site} → ${options.environment}: other publishes keep taking and releasing ${where}; try again in a moment.`);
  };
  try {
    return await take();
  } catch (error) {
    // Our put may have landed with its answer lost, and the read after it
    // failed: then this publish's lock is there with nobody to release it.
    // Removed if it is ours (once, best effort); if that fails too, it
    // expires, and the next publish's refusal says how to remove it.
    if (!(error instanceof PublishError && refusals.has(error))) {
      await options.store
        .getWithEtag(key)
        .then((existing) => (existing && parseLock(existing.body)?.token === token ? options.store.deleteIfMatch(key, existing.etag) : undefined))
        .catch(() => undefined);
    }
    throw error;
  }
}

function held(options: LockOptions, key: string, body: LockBody, firstEtag: string, bodyAt: (time: Date) => LockBody, now: () => Date): HeldLock {
  let etag = firstEtag;
  let current = body;
  let writtenAt = now().getTime();
  let timer: NodeJS.Timeout | undefined;
  let released = false;
  // The renewal in flight: release() waits for it, or its put could land
  // after the delete read the ETag, and the delete (If-Match on the old
  // ETag) would leave the lock for the next publish to be refused by.
  let renewing: Promise<void> | undefined;
  const where = `s3://${options.store.bucket}/${key}`;

  const renew = (): Promise<void> => {
    if (released) return Promise.resolve();
    const attempt = renewOnce().finally(() => {
      if (renewing === attempt) renewing = undefined;
    });
    renewing = attempt;
    return attempt;
  };

  const renewOnce = async () => {
    const next = bodyAt(now());
    const result = await options.store.putIfMatch(lockRequest(key, next), etag);
    if (result.written) {
      etag = result.etag;
      current = next;
      writtenAt = now().getTime();
      return;
    }
    const existing = await options.store.getWithEtag(key);
    const holder = existing && parseLock(existing.body);
    // A renewal whose answer was lost (see acquireLock): the lock holds our
    // token, so the ETag that moved is the one our put wrote.
    if (existing && holder?.token === current.token) {
      etag = existing.etag;
      current = holder;
      writtenAt = now().getTime();
      return;
    }
    throw new PublishError(
      holder
        ? `Stopped: the lock of ${options.site} → ${options.environment} was taken over by ${describeHolder(holder)} at ${holder.since} (this publish held it past its expiry, ${current.expiresAt}); publish again when that one has finished.`
        : `Stopped: the lock of ${options.site} → ${options.environment} (${where}) was removed while this publish held it; publish again.`,
    );
  };

  return {
    key,
    get body() {
      return current;
    },
    renew,
    async renewIfDue() {
      if (now().getTime() - writtenAt >= (options.minutes * 60_000) / 3) await renew();
    },
    keepAlive(onLost) {
      const every = Math.max(1000, Math.floor((options.minutes * 60_000) / 3));
      timer = setInterval(() => {
        // A slow renewal is not overtaken by the next one on the same ETag.
        if (renewing) return;
        renew().catch((error: unknown) => {
          if (timer) clearInterval(timer);
          onLost(error instanceof PublishError ? error : new PublishError(`Could not renew the lock ${where}: ${String(error)}`, { cause: error }));
        });
      }, every);
      // The renewal must never be what keeps the process alive.
      timer.unref();
    },
    async release() {
      if (timer) clearInterval(timer);
      if (released) return;
      released = true;
      // Its failure (a lost lock) is reported by whoever started it.
      await renewing?.catch(() => undefined);
      try {
        const removed = await options.store.deleteIfMatch(key, etag);
        if (!removed) options.logger.warn(`the lock ${where} was no longer this publish's when it ended, so it was left in place.`);
      } catch (error) {
        options.logger.warn(`could not remove the lock ${where} (${error instanceof Error ? error.message : String(error)}); it expires at ${current.expiresAt}, or remove it by hand (aws s3 rm ${where}).`);
      }
    },
  };
}

function lockRequest(key: string, body: LockBody): PutRequest {
  const bytes = Buffer.from(JSON.stringify(body, null, 2) + '\n');
  return { key, body: bytes, contentType: 'application/json', cacheControl: 'no-store', md5: createHash('md5').update(bytes).digest('hex'), metadata: {} };
}

export function parseLock(bytes: Buffer): LockBody | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as Partial<LockBody>;
    if (value.version !== 1 || typeof value.expiresAt !== 'string' || typeof value.since !== 'string' || !value.by) return undefined;
    return value as LockBody;
  } catch {
    return undefined;
  }
}

export function describeHolder(holder: LockBody): string {
  return `${holder.by.arn} (${holder.by.user} on ${holder.by.host}, pid ${holder.pid}, ${holder.command})`;
}

/** The one sentence a refused publish prints: who holds the lock, where, since when, and what to do. */
export function describeRefusal(holder: LockBody, where: string, now: Date): string {
  return (
    `${holder.site} → ${holder.environment} is being published by ${describeHolder(holder)} since ${holder.since} (${ago(Date.parse(holder.since), now)}); ` +
    `its lock ${where} expires at ${holder.expiresAt}. Wait for that publish to finish; if it died, a publish after the expiry takes the lock over (or remove it: aws s3 rm ${where}).`
  );
}

export function ago(time: number, now: Date): string {
  const minutes = Math.round((now.getTime() - time) / 60_000);
  if (minutes < 1) return 'less than a minute ago';
  if (minutes < 120) return `${minutes} min ago`;
  return `${Math.round(minutes / 60)} h ago`;
}

/** The operating-system side of "who": user and host, next to the AWS caller. */
export function publisher(arn: string, account?: string): Publisher {
  return { arn, ...(account ? { account } : {}), user: os.userInfo().username, host: os.hostname() };
}
