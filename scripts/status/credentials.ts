/**
 * The credentials `npm run status` reports: for each one the pipeline uses,
 * whether it works now, when it expires, and the command that renews it.
 *
 * Every credential is a `CredentialCheck`. The AWS ones are made by the
 * status itself from the environments' connections (one per set of
 * credentials: environments sharing a profile share it); anything else the
 * pipeline signs in to is added to `CREDENTIAL_CHECKS`, a list of sources
 * the status asks once per run with the selected sites — the Apps Script
 * deployment's token (clasp) goes there, and shows up in the same table,
 * counts towards the same exit code, and needs nothing else in status.
 *
 * A check only reads: it never renews, writes, or prompts.
 */
import type { SiteConfig, Workspace } from '../config/sites.ts';
import { isUserError } from '../errors.ts';
import { EXPIRY_WARNING_MS, expiredCredentials } from '../publish/preflight.ts';
import type { Credentials, CredentialStatus, Identity } from '../publish/ports.ts';
import { claspCredentialSource } from './clasp-credential.ts';

/** valid and expiring work; the others need action. */
export type CredentialState = 'valid' | 'expiring' | 'expired' | 'rejected' | 'missing' | 'error';

export const CREDENTIAL_PROBLEMS: readonly CredentialState[] = ['expired', 'rejected', 'missing', 'error'];

export interface CredentialCheckResult {
  /** Set when the credential cannot be used now; `message` is one sentence that names the renew command. */
  problem?: { state: 'expired' | 'rejected' | 'missing' | 'error'; message: string };
  /** Undefined for credentials that do not expire, or whose expiry is not known. A time in the past counts as expired. */
  expiresAt?: Date;
  /** Who the service says the credential is (the STS caller ARN), when it was asked. */
  identity?: string;
  /** A more precise description than the check's own `source`, learnt while checking ("profile edge (SSO)"). */
  source?: string;
  /** The renew command, when checking learnt a better one than the check's own `renew`. */
  renew?: string;
  /** The local S3 server's well-known pair: no account, nothing to renew. */
  local?: boolean;
}

/** One credential, checked once per `npm run status`. */
export interface CredentialCheck {
  /** What it is, in words: "profile sites-staging (SSO)", "the Apps Script deployment token (clasp)". */
  source: string;
  /** What uses it: "86from.com → staging", "queenofsandiego.com booking backend". */
  usedBy: readonly string[];
  /** The command (or step) that renews it, shown next to it and in the action when it has expired. */
  renew: string;
  /** Reads only. A UserError thrown here is reported as the credential's problem (state "error"); anything else is a bug. */
  check(now: Date): Promise<CredentialCheckResult>;
}

/** What a source of checks is told: the run's workspace, the selected sites and environment names. */
export interface CredentialContext {
  workspace: Workspace;
  sites: readonly SiteConfig[];
  envNames: readonly string[];
}

export type CredentialCheckSource = (context: CredentialContext) => CredentialCheck[] | Promise<CredentialCheck[]>;

/**
 * Credentials beyond the environments' AWS ones, asked by every `npm run
 * status`. Add a source here (e.g. the Apps Script deployment's clasp
 * token, for the sites whose booking backend it deploys) and its checks
 * appear in the status's credentials table and exit code.
 */
export const CREDENTIAL_CHECKS: CredentialCheckSource[] = [claspCredentialSource()];

/** One row of the status's credentials table. */
export interface CredentialReport {
  source: string;
  usedBy: string[];
  state: CredentialState;
  /** ISO time. */
  expiresAt?: string;
  renew: string;
  identity?: string;
  /** Set for the states that need action. */
  problem?: string;
  local: boolean;
}

export async function runCredentialCheck(check: CredentialCheck, now: Date): Promise<CredentialReport> {
  let result: CredentialCheckResult;
  try {
    result = await check.check(now);
  } catch (error) {
    if (!isUserError(error)) throw error;
    result = { problem: { state: 'error', message: error.message } };
  }
  const base = {
    source: result.source ?? check.source,
    usedBy: [...check.usedBy],
    renew: result.renew ?? check.renew,
    local: Boolean(result.local),
    ...(result.expiresAt ? { expiresAt: result.expiresAt.toISOString() } : {}),
    ...(result.identity ? { identity: result.identity } : {}),
  };
  if (result.problem) return { ...base, state: result.problem.state, problem: result.problem.message };
  if (result.expiresAt && result.expiresAt.getTime() <= now.getTime()) {
    return { ...base, state: 'expired', problem: `${base.source} expired at ${result.expiresAt.toISOString()}; renew ${base.renew ? `with \`${base.renew}\`` : 'it'}.` };
  }
  const expiring = result.expiresAt !== undefined && result.expiresAt.getTime() - now.getTime() < EXPIRY_WARNING_MS;
  return { ...base, state: expiring ? 'expiring' : 'valid' };
}

/** The publisher's messages end in "and publish again."; a status asks for no publish. */
function forStatus(message: string): string {
  return message.replace(/,? and publish again\.$/, '.');
}

/**
 * The AWS credentials of one or more environments, checked as preflight
 * checks them: resolved through the chain (no request), refused when past
 * their expiry, then STS GetCallerIdentity — which AWS answers for any valid
 * credentials, so expired sessions without a known expiry and revoked keys
 * are caught too. Never a request with credentials already known to be
 * expired.
 */
export function awsCredentialCheck(credentials: Credentials, identity: Identity, usedBy: readonly string[]): CredentialCheck {
  const described = credentials.describe ?? { source: 'AWS credentials', renew: 'renew the AWS credentials' };
  return {
    source: described.source,
    usedBy,
    renew: described.renew,
    async check(now) {
      let status: CredentialStatus;
      try {
        status = await credentials.resolve();
      } catch (error) {
        if (!isUserError(error)) throw error;
        const state = /\bexpired\b/i.test(error.message) ? 'expired' : /^No AWS credentials were found/.test(error.message) ? 'missing' : 'error';
        return { problem: { state, message: forStatus(error.message) } };
      }
      const known = { source: status.source, renew: status.renew, local: status.local, ...(status.expiration ? { expiresAt: status.expiration } : {}) };
      if (status.expiration && status.expiration.getTime() <= now.getTime()) {
        return {
          ...known,
          problem: { state: 'expired', message: expiredCredentials({ ...status, expiration: status.expiration }, '') },
        };
      }
      try {
        const caller = await identity.caller();
        return { ...known, identity: caller.arn };
      } catch (error) {
        if (!isUserError(error)) throw error;
        const state = /\bexpired\b/i.test(error.message) ? 'expired' : /does not accept/.test(error.message) ? 'rejected' : 'error';
        return { ...known, problem: { state, message: forStatus(error.message) } };
      }
    },
  };
}
