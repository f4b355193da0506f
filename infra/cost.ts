/**
 * What the stacks cost, from AWS's published prices (us-east-1, North
 * America and Europe edge locations, on-demand), written once here with the
 * page each one comes from. `npm run infra -- cost` prints the estimate; the
 * figures are a plan, not a bill: check the pages when prices change.
 */

export interface Price {
  usd: number;
  per: string;
  source: string;
}

export const PRICES = {
  s3Storage: { usd: 0.023, per: 'GB-month (S3 Standard, first 50 TB)', source: 'https://aws.amazon.com/s3/pricing/' },
  s3Put: { usd: 0.005, per: '1,000 PUT, COPY, POST or LIST requests', source: 'https://aws.amazon.com/s3/pricing/' },
  s3Get: { usd: 0.0004, per: '1,000 GET requests (and the other reads)', source: 'https://aws.amazon.com/s3/pricing/' },
  cloudFrontRequests: { usd: 0.01, per: '10,000 HTTPS requests (United States, Europe)', source: 'https://aws.amazon.com/cloudfront/pricing/' },
  cloudFrontTransfer: { usd: 0.085, per: 'GB out to the internet (United States, Europe, first 10 TB)', source: 'https://aws.amazon.com/cloudfront/pricing/' },
  cloudFrontFunctions: { usd: 0.1, per: '1,000,000 CloudFront Functions invocations', source: 'https://aws.amazon.com/cloudfront/pricing/' },
  cloudFrontInvalidation: { usd: 0.005, per: 'invalidation path beyond the first 1,000 a month', source: 'https://aws.amazon.com/cloudfront/pricing/' },
  certificate: { usd: 0, per: 'public ACM certificate used with CloudFront', source: 'https://aws.amazon.com/certificate-manager/pricing/' },
  route53AliasQueries: { usd: 0, per: 'alias query to a CloudFront distribution', source: 'https://aws.amazon.com/route53/pricing/' },
  route53HostedZone: { usd: 0.5, per: 'hosted zone a month (the owner’s zone; the stacks add records to it, never a zone)', source: 'https://aws.amazon.com/route53/pricing/' },
  iamAndOidc: { usd: 0, per: 'IAM role, policy or OIDC provider', source: 'https://aws.amazon.com/iam/pricing/' },
} as const satisfies Record<string, Price>;

/** CloudFront's always-free tier, a month per account. */
export const CLOUDFRONT_FREE_TIER = { requests: 10_000_000, transferGb: 1024, functionInvocations: 2_000_000 } as const;

const GB = 1024 ** 3;

export interface CostInput {
  /** Bytes stored for the environment (its built files; S3 keeps replaced versions 30 days more). */
  storedBytes: number;
  /** What one request sends on average, after compression. */
  bytesPerRequest: number;
}

export interface CostLine {
  item: string;
  usd: number;
  /** How the figure was reached, in words. */
  basis: string;
}

export interface CostEstimate {
  idle: CostLine[];
  perMillionRequests: CostLine[];
  idleTotal: number;
  perMillionTotal: number;
}

/**
 * One environment's month at zero traffic (storage; everything else is free
 * while idle), and what each million requests adds beyond the free tier:
 * CloudFront's request and function charges, the bytes sent, and in the
 * worst case one S3 GET per request (HTML is revalidated on every view, so
 * a page view is a conditional GET at the origin; assets are mostly cached).
 */
export function estimateCost(input: CostInput): CostEstimate {
  const idle: CostLine[] = [
    { item: 'S3 storage', usd: (input.storedBytes / GB) * PRICES.s3Storage.usd, basis: `${formatBytes(input.storedBytes)} at $${PRICES.s3Storage.usd} per ${PRICES.s3Storage.per}` },
    { item: 'CloudFront distribution, function, certificate, role', usd: 0, basis: 'no charge while nobody visits' },
  ];
  const million = 1_000_000;
  const transferGb = (input.bytesPerRequest * million) / GB;
  const perMillionRequests: CostLine[] = [
    { item: 'CloudFront HTTPS requests', usd: (million / 10_000) * PRICES.cloudFrontRequests.usd, basis: `$${PRICES.cloudFrontRequests.usd} per ${PRICES.cloudFrontRequests.per}` },
    { item: 'CloudFront Functions (viewer request)', usd: PRICES.cloudFrontFunctions.usd, basis: `one invocation a request, $${PRICES.cloudFrontFunctions.usd} per million` },
    { item: 'Data transfer out', usd: transferGb * PRICES.cloudFrontTransfer.usd, basis: `${formatBytes(input.bytesPerRequest)} a request on average, ${transferGb.toFixed(1)} GB at $${PRICES.cloudFrontTransfer.usd}/GB` },
    { item: 'S3 GET at the origin (worst case: every request)', usd: (million / 1000) * PRICES.s3Get.usd, basis: `$${PRICES.s3Get.usd} per 1,000; HTML revalidates on every view` },
  ];
  const sum = (lines: CostLine[]) => lines.reduce((total, line) => total + line.usd, 0);
  return { idle, perMillionRequests, idleTotal: sum(idle), perMillionTotal: sum(perMillionRequests) };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < GB) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / GB).toFixed(2)} GiB`;
}

export function formatUsd(usd: number): string {
  return usd === 0 ? '$0.00' : usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
