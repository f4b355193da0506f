/**
 * Credentials through the standard AWS chain (environment variables, shared
 * profiles, SSO, credential_process, web identity, container and instance
 * roles), resolved once in preflight and then shared by every SDK client of
 * the publish, so a credential that is missing or expired stops the publish
 * before its first request, with the command that renews it.
 *
 * With `sts-identity.ts`, `s3-store.ts` and `cloudfront-cdn.ts`, the only
 * files that import the SDK.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { PublishError } from '../errors.ts';
import { LOCAL_S3_CREDENTIALS } from '../s3-local/server.ts';
import type { CredentialStatus, Credentials } from './ports.ts';

/** What SDK clients take as `credentials`. */
export type CredentialProvider = NonNullable<S3ClientConfig['credentials']>;

export interface AwsCredentials {
  port: Credentials;
  /** Given to every SDK client of the publish: memoised, so it resolves once. */
  provider: CredentialProvider;
  /** How to renew them, known before resolving (from the profile's kind). */
  renew: string;
  /** Where they come from, in words, before resolving. */
  source: string;
}

export interface AwsCredentialsOptions {
  /** The environment's `profile`; otherwise AWS_PROFILE, otherwise the chain's default. */
  profile?: string;
  /** For tests; defaults to process.env (the SDK itself always reads process.env). */
  env?: NodeJS.ProcessEnv;
}

export function awsCredentials(options: AwsCredentialsOptions = {}): AwsCredentials {
  const env = options.env ?? process.env;
  const profile = options.profile ?? env['AWS_PROFILE'];
  const fromEnv = !profile && Boolean(env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']);
  const kind = fromEnv ? undefined : profileKind(profile ?? 'default', env);
  const renew = renewal(profile ?? 'default', kind, fromEnv, Boolean(profile));
  const chain = fromNodeProviderChain(profile ? { profile } : {});
  const source = fromEnv ? 'environment variables (AWS_ACCESS_KEY_ID)' : `profile ${profile ?? 'default'}${kind ? ` (${KIND_WORDS[kind.kind]})` : ''}`;

  return {
    provider: chain,
    renew,
    source,
    port: {
      describe: { source, renew },
      async resolve(): Promise<CredentialStatus> {
        try {
          const credentials = await chain();
          const sources = Object.keys((credentials as { $source?: Record<string, string> }).$source ?? {});
          return { source: describeSource(sources, profile ?? 'default') ?? source, expiration: credentials.expiration, renew, local: false };
        } catch (error) {
          throw await explain(error, profile, renew);
        }
      },
    },
  };
}

/** s3rver's well-known pair, for an environment on a loopback endpoint that names no profile. */
export function localCredentials(): AwsCredentials {
  return {
    provider: LOCAL_S3_CREDENTIALS,
    renew: '',
    source: "s3rver's well-known local credentials",
    port: {
      describe: { source: "s3rver's well-known local credentials", renew: '' },
      resolve: async () => ({ source: "s3rver's well-known local credentials (a loopback endpoint without a profile)", renew: '', local: true }),
    },
  };
}

/** Names from the SDK's credential feature ids ($source), most specific first. */
function describeSource(sources: readonly string[], profile: string): string | undefined {
  const has = (name: string) => sources.includes(name);
  if (has('CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN')) return 'a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)';
  if (has('CREDENTIALS_ENV_VARS')) return 'environment variables (AWS_ACCESS_KEY_ID)';
  if (has('CREDENTIALS_PROFILE_SSO') || has('CREDENTIALS_PROFILE_SSO_LEGACY') || has('CREDENTIALS_SSO') || has('CREDENTIALS_SSO_LEGACY')) return `profile ${profile} (SSO)`;
  if (has('CREDENTIALS_PROFILE_PROCESS') || has('CREDENTIALS_PROCESS')) return `profile ${profile} (credential_process)`;
  if (has('CREDENTIALS_PROFILE_LOGIN') || has('CREDENTIALS_LOGIN')) return `profile ${profile} (aws login)`;
  if (has('CREDENTIALS_PROFILE_SOURCE_PROFILE') || has('CREDENTIALS_STS_ASSUME_ROLE')) return `profile ${profile} (assumed role)`;
  if (has('CREDENTIALS_PROFILE')) return `profile ${profile} (access keys)`;
  if (has('CREDENTIALS_HTTP')) return 'the container role (ECS/EKS)';
  if (has('CREDENTIALS_IMDS')) return 'the EC2 instance role';
  return undefined;
}

interface ProfileKind {
  kind: 'sso' | 'process' | 'role' | 'login' | 'keys' | 'missing';
  /** For a role: the profile whose credentials assume it. */
  sourceProfile?: string;
  process?: string;
}

const KIND_WORDS: Record<ProfileKind['kind'], string> = {
  sso: 'SSO',
  process: 'credential_process',
  role: 'assumed role',
  login: 'aws login',
  keys: 'access keys',
  missing: 'not configured',
};

/**
 * How a named profile gets its credentials, read from the shared files only
 * to give the right renewal advice — resolving is the SDK's job. A small
 * reader on purpose: sections and `key = value` lines are all it needs.
 */
export function profileKind(profile: string, env: NodeJS.ProcessEnv = process.env, depth = 0): ProfileKind {
  const home = env['HOME'] ?? os.homedir();
  const config = readIni(env['AWS_CONFIG_FILE'] ?? path.join(home, '.aws', 'config'));
  const credentials = readIni(env['AWS_SHARED_CREDENTIALS_FILE'] ?? path.join(home, '.aws', 'credentials'));
  const section = { ...(credentials[profile] ?? {}), ...(config[profile === 'default' ? 'default' : `profile ${profile}`] ?? config[profile] ?? {}) };
  if (section['sso_session'] || section['sso_start_url']) return { kind: 'sso' };
  if (section['login_session']) return { kind: 'login' };
  if (section['credential_process']) return { kind: 'process', process: section['credential_process'] };
  if (section['role_arn']) {
    const sourceProfile = section['source_profile'];
    if (sourceProfile && depth < 3) {
      const inner = profileKind(sourceProfile, env, depth + 1);
      if (inner.kind === 'sso' || inner.kind === 'login') return { kind: 'role', sourceProfile };
    }
    return { kind: 'role' };
  }
  if (section['aws_access_key_id']) return { kind: 'keys' };
  return { kind: 'missing' };
}

function renewal(profile: string, kind: ProfileKind | undefined, fromEnv: boolean, named: boolean): string {
  const flag = named || profile !== 'default' ? ` --profile ${profile}` : '';
  if (fromEnv || !kind) return 'export fresh AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (or unset them and use a profile)';
  switch (kind.kind) {
    case 'sso':
      return `aws sso login${flag}`;
    case 'login':
      return `aws login${flag}`;
    case 'role':
      return kind.sourceProfile ? `aws sso login --profile ${kind.sourceProfile}` : `renew the source credentials of profile ${profile}`;
    case 'process':
      return `make the credential_process of profile ${profile} (${kind.process}) return fresh credentials`;
    case 'keys':
      return `put fresh keys under [${profile}] in the shared credentials file (aws configure${flag})`;
    case 'missing':
      return `aws configure sso${flag} once, then aws sso login${flag}`;
  }
}

/** One sentence: what is wrong with the credentials and the command that fixes it. */
async function explain(error: unknown, profile: string | undefined, renew: string): Promise<PublishError> {
  let reason = error instanceof Error ? error.message : String(error);
  // The chain reports only that every provider failed; the named profile's
  // own provider says why (expired SSO session, expired process credentials).
  if (profile) {
    try {
      await fromIni({ profile })();
    } catch (inner) {
      if (inner instanceof Error) reason = inner.message;
    }
  }
  if (/expired|cannot refresh/i.test(reason)) {
    return new PublishError(`The AWS credentials of ${profile ? `profile ${profile}` : 'this shell'} have expired (${trimReason(reason)}); renew them with \`${renew}\` and publish again.`, { cause: error });
  }
  if (/could not resolve credentials using profile|was not found|could not load credentials from any providers/i.test(reason)) {
    return new PublishError(
      profile
        ? `No AWS credentials were found for profile ${profile} (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE or ~/.aws); set them up with \`${renew}\`, or name another profile in the environment's "profile" key.`
        : 'No AWS credentials were found (environment variables, the default profile, SSO, container or instance roles); sign in with `aws sso login --profile <name>` and set AWS_PROFILE, or name a profile in the environment\'s "profile" key in site.yaml.',
      { cause: error },
    );
  }
  return new PublishError(`The AWS credentials${profile ? ` of profile ${profile}` : ''} could not be loaded (${trimReason(reason)}); fix them with \`${renew}\` and publish again.`, { cause: error });
}

function trimReason(reason: string): string {
  return reason.replace(/\s*To refresh this SSO session run .*$/s, '').replace(/\.$/, '').trim();
}

function readIni(file: string): Record<string, Record<string, string>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = sections[header[1]!] ??= {};
      continue;
    }
    const pair = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (pair && current) current[pair[1]!.toLowerCase()] = pair[2]!;
  }
  return sections;
}
