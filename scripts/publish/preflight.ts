/**
 * Preflight: before any build or write, everything a publish needs from AWS
 * is known to work, in an order where each step only runs once the one
 * before it has passed:
 *
 *   credentials    found through the standard chain; expiry shown; refused
 *                  with the renewal command when missing or already expired
 *                  (no network request is made with them)
 *   identity       STS GetCallerIdentity: AWS accepts them, and who they are
 *   buckets        HeadBucket on each environment bucket, and for production
 *                  on staging's too (the staging gate reads it after the build)
 *   distributions  GetDistribution on each configured distribution; its
 *                  origin in the bucket must have the configured originPath
 *
 * So credentials that are missing, expired or rejected never reach a bucket.
 * Placeholder resource ids are refused even earlier, from the config alone
 * (`resolveTargets` in publish.ts). Each failure is one sentence.
 */
import path from 'node:path';
import { DEPLOYED_FILE } from '../config/deployed.ts';
import type { Logger } from '../build/context.ts';
import { PublishError } from '../errors.ts';
import { publisher } from './lock.ts';
import type { Publisher } from './deploy-record.ts';
import type { Connection, CredentialStatus, DistributionInfo } from './ports.ts';
import type { PublishTarget } from './publish.ts';

/** Credentials expiring sooner than this draw a warning: a long publish may outlive them. */
export const EXPIRY_WARNING_MS = 15 * 60_000;

/** The one sentence for credentials past their expiry; `then` is what to do after renewing (publish, infra and status differ). */
export function expiredCredentials(status: CredentialStatus & { expiration: Date }, then = ' and publish again'): string {
  return `The AWS credentials from ${status.source} expired at ${status.expiration.toISOString()}; renew them with \`${status.renew}\`${then}.`;
}

export interface PreflightEntry {
  target: PublishTarget;
  connection: Connection;
  /** Only read (the staging gate's staging bucket): HeadBucket, but no distributions. */
  readOnly?: boolean;
}

export interface PreflightReport {
  credentials: Array<{ source: string; expiration?: string; local: boolean }>;
  /** Who publishes, per entry (same order as the entries). */
  publishers: Publisher[];
  buckets: string[];
  distributions: Array<Pick<DistributionInfo, 'id' | 'domainName' | 'status' | 'enabled'>>;
  warnings: string[];
}

export async function preflight(entries: readonly PreflightEntry[], options: { logger: Logger; now?: () => Date }): Promise<PreflightReport> {
  const now = options.now ?? (() => new Date());
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.logger.warn(message);
  };

  // Credentials: one resolution per set (targets sharing a profile share it).
  const statuses = new Map<unknown, CredentialStatus>();
  for (const { connection } of entries) {
    if (statuses.has(connection.credentials)) continue;
    const status = await connection.credentials.resolve();
    statuses.set(connection.credentials, status);
    if (status.expiration) {
      const left = status.expiration.getTime() - now().getTime();
      if (left <= 0) {
        throw new PublishError(expiredCredentials({ ...status, expiration: status.expiration }));
      }
      if (left < EXPIRY_WARNING_MS) warn(`the AWS credentials from ${status.source} expire in ${Math.ceil(left / 60_000)} min (${status.expiration.toISOString()}); a long publish may outlive them — renew first with \`${status.renew}\`.`);
    }
    options.logger.info(`preflight  credentials: ${status.source}${status.expiration ? `, expire ${status.expiration.toISOString()} (in ${formatDuration(status.expiration.getTime() - now().getTime())})` : ''}`);
  }

  // Identity: the first network request, and not to a bucket.
  const callers = new Map<unknown, Publisher>();
  const publishers: Publisher[] = [];
  for (const entry of entries) {
    const { connection } = entry;
    let who = callers.get(connection.credentials);
    if (!who) {
      const caller = await connection.identity.caller();
      who = publisher(caller.arn, caller.account);
      callers.set(connection.credentials, who);
      options.logger.info(`preflight  identity: ${who.arn}`);
    }
    publishers.push(who);
    // Credentials of another account than the one `npm run infra -- deploy` recorded for this environment
    // would only meet "access denied" at the bucket; say which account is wanted instead (bad-input catalogue).
    const wanted = entry.target.site.deployed?.environments[entry.target.envName]?.account;
    if (wanted && who.account && who.account !== wanted) {
      const source = statuses.get(entry.connection.credentials)?.source ?? 'the credential chain';
      throw new PublishError(
        `The AWS credentials from ${source} are of account ${who.account} (${who.arn}), but ${path.join(path.dirname(entry.target.site.configFile), DEPLOYED_FILE)} records ${entry.target.site.domain} → ${entry.target.envName} in account ${wanted}. Publish with credentials of account ${wanted} (name their profile in the environment's "profile" key, or set AWS_PROFILE) and publish again.`,
      );
    }
  }

  // Buckets, then distributions: collected, so every missing one is named at once.
  const buckets = new Map<string, PreflightEntry>();
  for (const entry of entries) {
    const key = `${entry.target.env.endpoint ?? ''} ${entry.target.env.bucket}`;
    if (!buckets.has(key)) buckets.set(key, entry);
  }
  const bucketProblems: string[] = [];
  for (const entry of buckets.values()) {
    try {
      await entry.connection.store.checkBucket();
    } catch (error) {
      if (!(error instanceof PublishError)) throw error;
      // Otherwise a production publish would wonder why staging is asked.
      bucketProblems.push(entry.readOnly ? `${error.message.replace(/\.$/, '')} (${entry.target.envName}: production's staging gate reads its deploy record there).` : error.message);
    }
  }
  if (bucketProblems.length > 0) throw new PublishError(bucketProblems.join('\n'));
  const bucketNames = [...buckets.values()].map((entry) => `s3://${entry.target.env.bucket}${entry.target.env.endpoint ? ` at ${entry.target.env.endpoint}` : ''}`);
  options.logger.info(`preflight  reachable: ${bucketNames.join(', ')}`);

  const distributions: PreflightReport['distributions'] = [];
  const seen = new Set<string>();
  const distributionProblems: string[] = [];
  for (const entry of entries) {
    if (entry.readOnly) continue;
    for (const [index, configured] of entry.target.env.distributions.entries()) {
      if (seen.has(configured.id)) continue;
      seen.add(configured.id);
      try {
        const info = await entry.connection.cdn!.distribution(configured.id);
        distributions.push({ id: info.id, domainName: info.domainName, status: info.status, enabled: info.enabled });
        if (!info.enabled) warn(`CloudFront distribution ${info.id} (${entry.target.site.domain}, ${entry.target.envName}) is disabled: the files will be published and invalidated, but not served.`);
        const origins = info.origins.filter((origin) => inBucket(origin.domainName, entry.target.env.bucket));
        if (origins.length === 0) {
          warn(
            `CloudFront distribution ${info.id} (${entry.target.site.domain}, ${entry.target.envName}) has no origin in the bucket ${entry.target.env.bucket} (its origins: ${info.origins.map((origin) => origin.domainName).join(', ') || 'none'}); check that ${entry.target.site.configFile} pairs the right bucket and distribution.`,
          );
        } else if (!origins.some((origin) => origin.originPath.replace(/\/+$/, '') === configured.originPath)) {
          // A warning, like the pairing above: the files are published right,
          // and only caching is affected (HTML revalidates), while the fix is
          // one config value this sentence names.
          const actual = origins[0]!.originPath.replace(/\/+$/, '');
          warn(
            `CloudFront distribution ${info.id} (${entry.target.site.domain}, ${entry.target.envName}) reads the bucket ${entry.target.env.bucket} from origin path "${actual}", but ${entry.target.site.configFile} says "${configured.originPath}", so its invalidation paths would name URLs it does not serve and changed files would stay cached; set environments.${entry.target.envName}.distributions.${index}.originPath to "${actual}".`,
          );
        }
      } catch (error) {
        if (!(error instanceof PublishError)) throw error;
        distributionProblems.push(error.message);
      }
    }
  }
  if (distributionProblems.length > 0) throw new PublishError(distributionProblems.join('\n'));
  if (distributions.length > 0) options.logger.info(`preflight  distributions: ${distributions.map((info) => `${info.id} (${info.domainName}, ${info.status})`).join(', ')}`);

  return {
    credentials: [...statuses.values()].map((status) => ({ source: status.source, ...(status.expiration ? { expiration: status.expiration.toISOString() } : {}), local: status.local })),
    publishers,
    buckets: bucketNames,
    distributions,
    warnings,
  };
}

/** An origin in the bucket: its REST (`bucket.s3…`) or website (`bucket.s3-website…`) endpoint. */
function inBucket(domainName: string, bucket: string): boolean {
  return domainName === bucket || domainName.startsWith(`${bucket}.s3`);
}

export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}
