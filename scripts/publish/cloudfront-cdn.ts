/**
 * The CDN on CloudFront, through the AWS SDK. With `s3-store.ts`, the only
 * files that import the SDK.
 */
import {
  CloudFrontClient,
  CloudFrontServiceException,
  CreateInvalidationCommand,
  GetDistributionCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
  type CloudFrontClientConfig,
} from '@aws-sdk/client-cloudfront';
import pLimit from 'p-limit';
import { PublishError } from '../errors.ts';
import { guardCalls } from './aws-calls.ts';
import { CLOUDFRONT_LIMITS } from './invalidation.ts';
import { attemptsNote, describeNetworkFailure, networkFailure, requestHandlerFor, type NetworkTimeouts } from './s3-store.ts';
import type { Cdn, DistributionInfo, InvalidationRequest, InvalidationsInProgress, InvalidationStatus } from './ports.ts';

export interface CloudFrontCdnOptions {
  /**
   * A stand-in CloudFront API (tests); omitted for AWS. The SDK also honours
   * AWS_ENDPOINT_URL_CLOUDFRONT, which is how the command-line tests point a
   * child process at the loopback stand-in.
   */
  endpoint?: string;
  /** The provider preflight resolved; defaults to the standard chain. */
  credentials?: CloudFrontClientConfig['credentials'];
  maxAttempts?: number;
  /** As for S3 (s3-store.ts DEFAULT_TIMEOUTS); the SDK's own default for CloudFront is 5 silent minutes. */
  timeouts?: Partial<NetworkTimeouts>;
}

/** CloudFront's most (and default) summaries a ListInvalidations page. */
const LIST_PAGE = 100;

export function cloudFrontCdn(options: CloudFrontCdnOptions = {}): Cdn {
  // CloudFront is a global service whose API lives in us-east-1.
  const client = guardCalls(new CloudFrontClient({
    region: 'us-east-1',
    endpoint: options.endpoint,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
    requestHandler: requestHandlerFor(options.timeouts),
  }), 'cloudfront');
  const translate = (error: unknown, distributionId: string, paths: number, mode: Mode) => translateError(error, distributionId, paths, mode, options.timeouts ?? {});

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
        return { id: result.Invalidation?.Id ?? '', status: documentedStatus(result.Invalidation?.Status) };
      } catch (error) {
        throw translate(error, request.distributionId, request.paths.length, 'create');
      }
    },

    async invalidation(distributionId: string, id: string): Promise<InvalidationStatus> {
      try {
        const result = await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }));
        return { id, status: documentedStatus(result.Invalidation?.Status) };
      } catch (error) {
        throw translate(error, distributionId, 0, 'get');
      }
    },

    async inProgress(distributionId: string): Promise<InvalidationsInProgress> {
      try {
        // Newest first. Invalidations complete within minutes and roughly in
        // order, so a whole page of completed ones means the older pages (the
        // listing reaches back a billing period or two) hold none in progress.
        const ids: string[] = [];
        let marker: string | undefined;
        for (;;) {
          const result = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId, Marker: marker, MaxItems: LIST_PAGE }));
          const items = result.InvalidationList?.Items ?? [];
          const running = items.filter((item) => documentedStatus(item.Status) === IN_PROGRESS && item.Id);
          ids.push(...running.map((item) => item.Id!));
          marker = result.InvalidationList?.NextMarker;
          if (!result.InvalidationList?.IsTruncated || !marker || (items.length > 0 && running.length === 0)) break;
        }
        // Summaries carry no paths, so each one in progress is read (usually a few).
        const limit = pLimit(4);
        const read = await Promise.all(
          ids.map((id) => limit(async () => (await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }))).Invalidation)),
        );
        // One may have completed between the listing and its read.
        const stillRunning = read.filter((invalidation) => documentedStatus(invalidation?.Status) !== COMPLETED);
        const paths = stillRunning.flatMap((invalidation) => invalidation?.InvalidationBatch?.Paths?.Items ?? []);
        return {
          invalidations: stillRunning.length,
          paths: paths.length,
          wildcards: paths.filter((path) => path.endsWith('*')).length,
        };
      } catch (error) {
        throw translate(error, distributionId, 0, 'list');
      }
    },

    async distribution(id: string): Promise<DistributionInfo> {
      try {
        const result = await client.send(new GetDistributionCommand({ Id: id }));
        const distribution = result.Distribution;
        return {
          id,
          domainName: distribution?.DomainName ?? '',
          status: distribution?.Status ?? '',
          enabled: distribution?.DistributionConfig?.Enabled ?? false,
          origins: (distribution?.DistributionConfig?.Origins?.Items ?? []).map((origin) => ({ domainName: origin.DomainName ?? '', originPath: origin.OriginPath ?? '' })),
        };
      } catch (error) {
        throw translate(error, id, 0, 'read');
      }
    },
  };
}

const IN_PROGRESS = 'InProgress';
const COMPLETED = 'Completed';

/**
 * An invalidation's status in AWS's documented spelling (`InProgress`,
 * `Completed`), whatever case the server used: moto 5 answers `COMPLETED`,
 * and a `--wait` comparing it exactly never ended. Anything else is passed
 * on as it came; none (a malformed answer) counts as still in progress.
 */
export function documentedStatus(status: string | undefined): string {
  if (status === undefined || status === '') return IN_PROGRESS;
  const lower = status.toLowerCase();
  if (lower === 'completed') return COMPLETED;
  if (lower === 'inprogress') return IN_PROGRESS;
  return status;
}

type Mode = 'create' | 'get' | 'list' | 'read';

function translateError(error: unknown, distributionId: string, paths: number, mode: Mode, timeouts: Partial<NetworkTimeouts>): PublishError {
  const creating = mode === 'create';
  const tries = attemptsNote(error);
  const network = networkFailure(error);
  const code = (error as { name?: string }).name ?? '';
  // CloudFront's own messages end in a period; ours adds one.
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  const transient = network !== undefined || status >= 500 || status === 429;
  const rerun = creating
    ? 'Everything is uploaded; publish again once that is fixed and the paths are invalidated then (the deploy record is written only after the invalidation).'
    : transient
      ? 'Publish again; a publish that stopped part-way converges when re-run.'
      : '';
  let what: string;
  switch (code) {
    case 'TooManyInvalidationsInProgress':
      what = `CloudFront has too many invalidations in progress for ${distributionId} (at most ${CLOUDFRONT_LIMITS.paths.toLocaleString('en-US')} paths and ${CLOUDFRONT_LIMITS.wildcards} wildcard paths at once; this one has ${paths}). Wait for them to complete (aws cloudfront list-invalidations --distribution-id ${distributionId}).`;
      break;
    case 'NoSuchDistribution':
      what = `the CloudFront distribution ${distributionId} does not exist. Fix the distribution id in the site config.`;
      break;
    case 'AccessDenied':
      what = `access to distribution ${distributionId} was denied. The identity needs cloudfront:GetDistribution, cloudfront:CreateInvalidation, cloudfront:GetInvalidation and cloudfront:ListInvalidations on it ("npm run infra -- policy" prints the policy; see docs/infrastructure.md).`;
      break;
    case 'ExpiredToken':
    case 'ExpiredTokenException':
      what = 'the AWS credentials have expired. Renew them (aws sso login, or refresh your session) and publish again.';
      break;
    case 'InvalidationBatchAlreadyExists':
      what = `CloudFront already has a different invalidation with this caller reference for ${distributionId}.`;
      break;
    default:
      what = network
        ? `${describeNetworkFailure(network, timeouts, tries)}.`
        : error instanceof CloudFrontServiceException
          ? `CloudFront answered ${code}${error.$metadata.httpStatusCode ? ` (HTTP ${error.$metadata.httpStatusCode})` : ''}${tries}: ${message}.`
          : `${message}${tries}.`;
  }
  const action = {
    create: `invalidate ${paths} path${paths === 1 ? '' : 's'} on`,
    get: 'read an invalidation of',
    list: 'read the invalidations in progress on',
    read: 'read',
  }[mode];
  return new PublishError(`Could not ${action} CloudFront distribution ${distributionId}: ${what}${rerun ? ` ${rerun}` : ''}`, { cause: error });
}
