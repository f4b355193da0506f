/**
 * The CDN on CloudFront, through the AWS SDK. With `s3-store.ts`, the only
 * files that import the SDK.
 */
import { CloudFrontClient, CloudFrontServiceException, CreateInvalidationCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { PublishError } from '../errors.ts';
import { CLOUDFRONT_LIMITS } from './invalidation.ts';
import type { Cdn, InvalidationRequest, InvalidationStatus } from './ports.ts';
import type { StaticCredentials } from './s3-store.ts';

export interface CloudFrontCdnOptions {
  /** A stand-in CloudFront API (tests); omitted for AWS. */
  endpoint?: string;
  credentials?: StaticCredentials;
  maxAttempts?: number;
}

export function cloudFrontCdn(options: CloudFrontCdnOptions = {}): Cdn {
  // CloudFront is a global service whose API lives in us-east-1.
  const client = new CloudFrontClient({
    region: 'us-east-1',
    endpoint: options.endpoint,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
  });

  return {
    async invalidate(request: InvalidationRequest): Promise<InvalidationStatus> {
      try {
        const result = await client.send(
          new CreateInvalidationCommand({
            DistributionId: request.distributionId,
            InvalidationBatch: {
              CallerReference: request.callerReference,
              Paths: { Quantity: request.paths.length, Items: [...request.paths] },
            },
          }),
        );
        return { id: result.Invalidation?.Id ?? '', status: result.Invalidation?.Status ?? 'InProgress' };
      } catch (error) {
        throw translate(error, request.distributionId, request.paths.length, true);
      }
    },

    async invalidation(distributionId: string, id: string): Promise<InvalidationStatus> {
      try {
        const result = await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }));
        return { id, status: result.Invalidation?.Status ?? 'InProgress' };
      } catch (error) {
        throw translate(error, distributionId, 0, false);
      }
    },
  };
}

function translate(error: unknown, distributionId: string, paths: number, creating: boolean): PublishError {
  const code = (error as { name?: string }).name ?? '';
  const message = error instanceof Error ? error.message : String(error);
  const rerun = creating ? 'Everything is uploaded; publish again once that is fixed and the paths are invalidated then (the deploy record is written only after the invalidation).' : '';
  let what: string;
  switch (code) {
    case 'TooManyInvalidationsInProgress':
      what = `CloudFront has too many invalidations in progress for ${distributionId} (at most ${CLOUDFRONT_LIMITS.paths.toLocaleString('en-US')} paths and ${CLOUDFRONT_LIMITS.wildcards} wildcard paths at once; this one has ${paths}). Wait for them to complete (aws cloudfront list-invalidations --distribution-id ${distributionId}).`;
      break;
    case 'NoSuchDistribution':
      what = `the CloudFront distribution ${distributionId} does not exist. Fix the distribution id in the site config.`;
      break;
    case 'AccessDenied':
      what = `access to distribution ${distributionId} was denied. The identity needs cloudfront:CreateInvalidation and cloudfront:GetInvalidation on it (README, "Publishing").`;
      break;
    case 'InvalidationBatchAlreadyExists':
      what = `CloudFront already has a different invalidation with this caller reference for ${distributionId}.`;
      break;
    default:
      what =
        error instanceof CloudFrontServiceException
          ? `CloudFront answered ${code}${error.$metadata.httpStatusCode ? ` (HTTP ${error.$metadata.httpStatusCode})` : ''}: ${message}.`
          : `${message}.`;
  }
  const action = creating ? `invalidate ${paths} path${paths === 1 ? '' : 's'} on` : 'read an invalidation of';
  return new PublishError(`Could not ${action} CloudFront distribution ${distributionId}: ${what}${rerun ? ` ${rerun}` : ''}`, { cause: error });
}
