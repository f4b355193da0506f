/**
 * Which stacks the site configs call for, as plain data: one per site and
 * non-local environment, with every name the stack and the publisher must
 * agree on. Pure, so the tests and `npm run infra -- targets` read the same
 * answer the CDK app builds from; adding a site folder adds its targets.
 */
import { ConfigError } from '../scripts/errors.ts';
import { suggestName } from '../scripts/config/closest-name.ts';
import { isPlaceholder, type EnvironmentConfig } from '../scripts/config/schema.ts';
import type { SiteConfig } from '../scripts/config/sites.ts';

/** CloudFront only takes certificates from us-east-1, so the stacks live there (see `regionProblem`). */
export const INFRA_REGION = 'us-east-1';

export interface InfraTarget {
  site: SiteConfig;
  envName: string;
  /** As site.yaml declares it (placeholders and all). */
  env: EnvironmentConfig;
  stackName: string;
  /** The host the environment's URL names; CloudFront answers it, and the certificate covers it. */
  canonicalHost: string;
  /** Hosts that answer with a redirect to `canonicalHost` (www. of an apex, or the apex of www.). */
  redirectHosts: string[];
  /**
   * The bucket's name: site.yaml's, when it names one; otherwise undefined,
   * and the stack names it `<shortName>-<env>-<account id>` (`bucketNameFor`),
   * which no other account can have taken.
   */
  bucketName?: string;
  /** '' or a prefix ending in '/'; the distribution's origin path is this without its slash. */
  prefix: string;
  /** The publishing role's name, fixed so that CI's OIDC trust and the role's ARN are predictable. */
  roleName: string;
  /** Production: where staging's deploy records are, for the gate's read permission. */
  stagingGate?: { bucketName?: string; shortName: string; envName: string; prefix: string };
}

const LOOPBACK_HOST = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\]|.+\.localhost)$/;

/** A local environment (a local S3 server, or a development URL on this machine) has no AWS resources. */
export function isLocalEnvironment(env: EnvironmentConfig): boolean {
  return env.endpoint !== undefined || LOOPBACK_HOST.test(new URL(env.url).hostname);
}

export function stackNameFor(shortName: string, envName: string): string {
  return `Sites-${shortName}-${envName}`;
}

/** Built from the account id at deploy time; the `account` may be a CloudFormation token. */
export function bucketNameFor(shortName: string, envName: string, account: string): string {
  return `${shortName}-${envName}-${account}`;
}

export function infraTargets(sites: readonly SiteConfig[], options: { envName?: string } = {}): InfraTarget[] {
  const targets: InfraTarget[] = [];
  for (const site of sites) {
    const managed = Object.entries(site.declaredEnvironments).filter(([, env]) => !isLocalEnvironment(env));
    if (options.envName !== undefined && !managed.some(([name]) => name === options.envName)) {
      const names = managed.map(([name]) => name);
      const guess = suggestName(options.envName, names);
      throw new ConfigError(
        `${site.configFile}: "${options.envName}" is not an environment with AWS resources${guess ? ` (did you mean "${guess}"?)` : ''}. Environments with AWS resources: ${names.join(', ') || 'none'}; local ones (an endpoint, or a URL on this machine) have none.`,
      );
    }
    for (const [envName, env] of managed) {
      if (options.envName !== undefined && envName !== options.envName) continue;
      targets.push(targetFor(site, envName, env));
    }
  }
  refuseSharedBuckets(targets);
  return targets;
}

function targetFor(site: SiteConfig, envName: string, env: EnvironmentConfig): InfraTarget {
  const problem = regionProblem(site, envName, env);
  if (problem) throw new ConfigError(problem);
  const canonicalHost = new URL(env.url).hostname;
  const redirectHosts = canonicalHost === site.domain ? [`www.${site.domain}`] : canonicalHost === `www.${site.domain}` ? [site.domain] : [];
  const derivedLength = bucketNameFor(site.shortName, envName, '123456789012').length;
  if (isPlaceholder(env.bucket) && derivedLength > 63) {
    throw new ConfigError(
      `${site.configFile}: environments.${envName}.bucket is a placeholder, and the name infra would give it (${bucketNameFor(site.shortName, envName, '<account id>')}) is over S3's 63 characters; name the bucket in site.yaml.`,
    );
  }
  const roleName = `sites-publish-${site.shortName}-${envName}`;
  if (roleName.length > 64) {
    throw new ConfigError(`${site.configFile}: the publishing role's name ${roleName} is over IAM's 64 characters; use a shorter shortName or environment name.`);
  }
  const staging = envName === 'production' ? site.declaredEnvironments['staging'] : undefined;
  return {
    site,
    envName,
    env,
    stackName: stackNameFor(site.shortName, envName),
    canonicalHost,
    redirectHosts,
    ...(isPlaceholder(env.bucket) ? {} : { bucketName: env.bucket }),
    prefix: env.prefix,
    roleName,
    ...(staging
      ? { stagingGate: { shortName: site.shortName, envName: 'staging', prefix: staging.prefix, ...(isPlaceholder(staging.bucket) ? {} : { bucketName: staging.bucket }) } }
      : {}),
  };
}

/**
 * One stack makes everything an environment needs, and CloudFront takes its
 * certificate only from us-east-1, so a bucket elsewhere would need a second
 * stack and cross-region references (custom resources) for the certificate.
 * Until a site needs that, the region is us-east-1, and this says so.
 */
function regionProblem(site: SiteConfig, envName: string, env: EnvironmentConfig): string | undefined {
  if (env.region === INFRA_REGION) return undefined;
  return `${site.configFile}: environments.${envName}.region is ${env.region}, but npm run infra creates every environment's bucket, distribution and certificate in ${INFRA_REGION} (CloudFront takes certificates only from there, and CloudFront serves every region anyway). Remove the region key (it defaults to ${INFRA_REGION}).`;
}

function refuseSharedBuckets(targets: readonly InfraTarget[]): void {
  const byBucket = new Map<string, InfraTarget>();
  for (const target of targets) {
    if (!target.bucketName) continue;
    const other = byBucket.get(target.bucketName);
    if (other) {
      throw new ConfigError(
        `${target.site.configFile}: environments.${target.envName}.bucket "${target.bucketName}" is also the bucket of ${other.site.domain} → ${other.envName}; infra makes one bucket per environment. Give each its own bucket (or a placeholder, and infra names it).`,
      );
    }
    byBucket.set(target.bucketName, target);
  }
}
