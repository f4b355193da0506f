/**
 * Who is publishing, from STS GetCallerIdentity (which needs no permission).
 * Preflight calls it before the bucket is touched, so credentials that look
 * valid locally but that AWS no longer accepts (an expired session token
 * without a known expiry, revoked keys) are refused before any S3 request.
 *
 * With `aws-credentials.ts`, `s3-store.ts` and `cloudfront-cdn.ts`, the only
 * files that import the SDK.
 */
import os from 'node:os';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { PublishError } from '../errors.ts';
import { guardCalls } from './aws-calls.ts';
import type { CredentialProvider } from './aws-credentials.ts';
import type { Caller, Identity } from './ports.ts';

export interface StsIdentityOptions {
  credentials: CredentialProvider;
  region: string;
  /** A stand-in STS (tests); the SDK also honours AWS_ENDPOINT_URL_STS. */
  endpoint?: string;
  /** Where the credentials came from and how to renew them, for messages. */
  source: string;
  renew: string;
}

export function stsIdentity(options: StsIdentityOptions): Identity {
  const client = guardCalls(new STSClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials, maxAttempts: 3 }), 'sts');
  let known: Promise<Caller> | undefined;
  return {
    caller() {
      known ??= client.send(new GetCallerIdentityCommand({})).then(
        (result) => ({ arn: result.Arn ?? 'unknown', account: result.Account }),
        (error: unknown) => {
          known = undefined;
          throw translate(error, options);
        },
      );
      return known;
    },
  };
}

/** The local server has no accounts: the operating-system user stands in for the caller. */
export function localIdentity(): Identity {
  return { caller: async () => ({ arn: `local:${os.userInfo().username}@${os.hostname()}` }) };
}

function translate(error: unknown, options: StsIdentityOptions): PublishError {
  const code = (error as { name?: string }).name ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ExpiredToken' || code === 'ExpiredTokenException' || code === 'RequestExpired') {
    return new PublishError(`The AWS credentials from ${options.source} have expired (STS answered ${code}); renew them with \`${options.renew}\` and publish again.`, { cause: error });
  }
  if (code === 'InvalidClientTokenId' || code === 'SignatureDoesNotMatch' || code === 'UnrecognizedClientException' || code === 'AccessDenied') {
    return new PublishError(`AWS does not accept the credentials from ${options.source} (STS answered ${code}); renew them with \`${options.renew}\` and publish again.`, { cause: error });
  }
  return new PublishError(`Could not ask AWS STS who is publishing (${message}); check the network and the environment's region, then publish again.`, { cause: error });
}
