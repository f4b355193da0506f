/**
 * A loopback stand-in for CloudFront's API (REST XML, 2020-05-31):
 * GetDistribution (for preflight), CreateInvalidation, GetInvalidation and
 * ListInvalidations (newest first, paged with Marker/NextMarker), with the behaviour
 * the publisher relies on — a repeated CallerReference with the same batch
 * returns the first invalidation, the in-progress limits (3,000 paths, 15
 * wildcard paths) answer TooManyInvalidationsInProgress — so the real
 * @aws-sdk/client-cloudfront serialises and parses real requests. Every
 * request is logged for the tests' counts.
 *
 * Why a stand-in next to moto (test/helpers/moto-server.ts), which also
 * implements this API: moto covers GetDistribution (origins, origin paths,
 * enabled), CreateInvalidation, GetInvalidation and ListInvalidations, and
 * test/publish/two-implementations.test.ts runs the publish scenarios on it.
 * It does not cover what the tests here control: when an invalidation
 * completes (moto's are COMPLETED at once, so no --wait polling, limit, or
 * invalidations in progress against CloudFront's limits), seeding
 * invalidations made elsewhere, the CallerReference rule (moto creates a
 * second invalidation), ListInvalidations paging, or injected failures
 * (`failNext`). `completedSpelling` answers "Completed" as moto spells it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CloudFrontRequest {
  operation: 'CreateInvalidation' | 'GetInvalidation' | 'ListInvalidations' | 'GetDistribution' | 'Unknown';
  distributionId: string;
  status: number;
  paths?: string[];
  callerReference?: string;
}

export interface StoredInvalidation {
  id: string;
  distributionId: string;
  callerReference: string;
  paths: string[];
  status: 'InProgress' | 'Completed';
  createTime: string;
}

export interface CloudFrontServer {
  endpoint: string;
  readonly requests: readonly CloudFrontRequest[];
  readonly invalidations: readonly StoredInvalidation[];
  count(operation: CloudFrontRequest['operation']): number;
  /** Invalidations start InProgress; this completes them all. */
  completeAll(): void;
  /** From now on, an invalidation completes on its n-th GetInvalidation (as CloudFront does after a while); undefined: never by itself. */
  completeOnPoll(n: number | undefined): void;
  /**
   * Answer the next CreateInvalidation with an error: 'too-many' (400
   * TooManyInvalidationsInProgress), or 'lost-answer' (the invalidation is
   * created, then a 500 is returned, as when the response is lost).
   */
  failNext(kind: 'too-many' | 'lost-answer'): void;
  /** Invalidations made elsewhere (another publish, the console), one per list of paths, still InProgress; returns their ids. */
  seed(distributionId: string, batches: readonly (readonly string[])[]): string[];
  /** At most this many summaries a ListInvalidations page, whatever MaxItems asks (CloudFront's own cap is 100). */
  listPageSize(n: number): void;
  clear(): void;
  close(): Promise<void>;
}

const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';
const LIMITS = { paths: 3000, wildcards: 15 };

export interface CloudFrontServerOptions {
  distributions: readonly string[];
  /** Origins per distribution, for GetDistribution: a domain name, or one with its origin path (default: one S3 origin named after the id). */
  origins?: Record<string, Array<string | { domainName: string; originPath: string }>>;
  /** Distributions GetDistribution reports as disabled. */
  disabled?: readonly string[];
  /** How a completed invalidation's status is spelled on the wire (AWS: `Completed`; moto: `COMPLETED`). */
  completedSpelling?: string;
}

export async function startCloudFrontServer(options: CloudFrontServerOptions): Promise<CloudFrontServer> {
  const known = new Set(options.distributions);
  const polls = new Map<string, number>();
  let completeAfter: number | undefined;
  const requests: CloudFrontRequest[] = [];
  const invalidations: StoredInvalidation[] = [];
  const pendingFailures: Array<'too-many' | 'lost-answer'> = [];
  let counter = 0;
  let pageSize = 100;
  const spell = (status: StoredInvalidation['status']) => (status === 'Completed' ? (options.completedSpelling ?? 'Completed') : status);
  const store = (distributionId: string, callerReference: string, paths: string[]): StoredInvalidation => {
    const created: StoredInvalidation = {
      id: `I${String(++counter).padStart(12, '0')}`,
      distributionId,
      callerReference,
      paths,
      status: 'InProgress',
      createTime: new Date().toISOString(),
    };
    invalidations.push(created);
    return created;
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const create = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(url.pathname);
      const get = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation\/([^/]+)$/.exec(url.pathname);
      const distribution = /^\/2020-05-31\/distribution\/([^/]+)$/.exec(url.pathname);
      const reply = (status: number, xml: string, entry: CloudFrontRequest, headers: Record<string, string> = {}) => {
        requests.push({ ...entry, status });
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amz-request-id': `req-${requests.length}`, ...headers });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
      };
      const error = (status: number, code: string, message: string, entry: CloudFrontRequest) =>
        reply(status, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>req</RequestId></ErrorResponse>`, entry);

      if (req.method === 'POST' && create) {
        const distributionId = decodeURIComponent(create[1]!);
        const paths = [...body.matchAll(/<Path>([\s\S]*?)<\/Path>/g)].map((match) => unescapeXml(match[1]!));
        const quantity = Number(/<Quantity>(\d+)<\/Quantity>/.exec(body)?.[1] ?? -1);
        const callerReference = unescapeXml(/<CallerReference>([\s\S]*?)<\/CallerReference>/.exec(body)?.[1] ?? '');
        const entry: CloudFrontRequest = { operation: 'CreateInvalidation', distributionId, status: 0, paths, callerReference };
        if (!known.has(distributionId)) return error(404, 'NoSuchDistribution', 'The specified distribution does not exist.', entry);
        if (quantity !== paths.length || paths.length === 0 || !callerReference) return error(400, 'InvalidArgument', 'Quantity must match the number of paths; CallerReference is required.', entry);
        if (paths.some((path) => !path.startsWith('/'))) return error(400, 'InvalidArgument', 'Each path must start with /.', entry);

        const existing = invalidations.find((invalidation) => invalidation.distributionId === distributionId && invalidation.callerReference === callerReference);
        if (existing) {
          if (JSON.stringify(existing.paths) !== JSON.stringify(paths)) {
            return error(409, 'InvalidationBatchAlreadyExists', 'A different batch was sent with this caller reference.', entry);
          }
          return reply(201, invalidationXml(existing, spell), entry, { location: `/2020-05-31/distribution/${distributionId}/invalidation/${existing.id}` });
        }
        const failure = pendingFailures.shift();
        const inProgress = invalidations.filter((invalidation) => invalidation.distributionId === distributionId && invalidation.status === 'InProgress');
        const pathsInProgress = inProgress.reduce((sum, invalidation) => sum + invalidation.paths.length, 0) + paths.length;
        const wildcardsInProgress = [...inProgress.flatMap((invalidation) => invalidation.paths), ...paths].filter((path) => path.endsWith('*')).length;
        if (failure === 'too-many' || pathsInProgress > LIMITS.paths || wildcardsInProgress > LIMITS.wildcards) {
          return error(400, 'TooManyInvalidationsInProgress', 'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.', entry);
        }
        const created = store(distributionId, callerReference, paths);
        if (failure === 'lost-answer') {
          return reply(500, `<ErrorResponse xmlns="${NS}"><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>lost</Message></Error></ErrorResponse>`, entry);
        }
        return reply(201, invalidationXml(created, spell), entry, { location: `/2020-05-31/distribution/${distributionId}/invalidation/${created.id}` });
      }

      if (req.method === 'GET' && create) {
        const distributionId = decodeURIComponent(create[1]!);
        const entry: CloudFrontRequest = { operation: 'ListInvalidations', distributionId, status: 0 };
        if (!known.has(distributionId)) return error(404, 'NoSuchDistribution', 'The specified distribution does not exist.', entry);
        // Newest first, as CloudFront lists them; NextMarker is the last id of
        // a page, and the page asked for with it starts after that id.
        const all = invalidations.filter((invalidation) => invalidation.distributionId === distributionId).reverse();
        const marker = url.searchParams.get('Marker') ?? '';
        const start = marker ? all.findIndex((invalidation) => invalidation.id === marker) + 1 : 0;
        if (start === 0 && marker) return error(400, 'InvalidArgument', `Unknown Marker ${marker}.`, entry);
        const maxItems = Math.min(Number(url.searchParams.get('MaxItems') ?? 100), pageSize);
        const page = all.slice(start, start + maxItems);
        const truncated = start + maxItems < all.length;
        return reply(200, invalidationListXml(page, { marker, maxItems, next: truncated ? page.at(-1)!.id : undefined }, spell), entry);
      }

      if (req.method === 'GET' && get) {
        const distributionId = decodeURIComponent(get[1]!);
        const entry: CloudFrontRequest = { operation: 'GetInvalidation', distributionId, status: 0 };
        const found = invalidations.find((invalidation) => invalidation.distributionId === distributionId && invalidation.id === get[2]);
        if (!found) return error(404, 'NoSuchInvalidation', 'The specified invalidation does not exist.', entry);
        const count = (polls.get(found.id) ?? 0) + 1;
        polls.set(found.id, count);
        if (completeAfter !== undefined && count >= completeAfter) found.status = 'Completed';
        return reply(200, invalidationXml(found, spell), entry);
      }

      if (req.method === 'GET' && distribution) {
        const id = decodeURIComponent(distribution[1]!);
        const entry: CloudFrontRequest = { operation: 'GetDistribution', distributionId: id, status: 0 };
        if (!known.has(id)) return error(404, 'NoSuchDistribution', 'The specified distribution does not exist.', entry);
        const origins = options.origins?.[id] ?? [`${id.toLowerCase()}.s3.us-east-1.amazonaws.com`];
        const enabled = !(options.disabled ?? []).includes(id);
        return reply(200, distributionXml(id, origins, enabled), entry, { etag: 'E2TESTETAG' });
      }

      error(404, 'NotFound', `No route for ${req.method} ${url.pathname}`, { operation: 'Unknown', distributionId: '', status: 0 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    invalidations,
    count: (operation) => requests.filter((request) => request.operation === operation).length,
    completeAll() {
      for (const invalidation of invalidations) invalidation.status = 'Completed';
    },
    completeOnPoll(n) {
      completeAfter = n;
    },
    failNext(kind) {
      pendingFailures.push(kind);
    },
    seed(distributionId, batches) {
      return batches.map((paths) => store(distributionId, `seeded-${counter + 1}`, [...paths]).id);
    },
    listPageSize(n) {
      pageSize = n;
    },
    clear() {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Spell = (status: StoredInvalidation['status']) => string;

function invalidationXml(invalidation: StoredInvalidation, spell: Spell): string {
  const items = invalidation.paths.map((path) => `<Path>${escapeXml(path)}</Path>`).join('');
  return (
    `<Invalidation xmlns="${NS}"><Id>${invalidation.id}</Id><Status>${spell(invalidation.status)}</Status><CreateTime>${invalidation.createTime}</CreateTime>` +
    `<InvalidationBatch><Paths><Quantity>${invalidation.paths.length}</Quantity><Items>${items}</Items></Paths>` +
    `<CallerReference>${escapeXml(invalidation.callerReference)}</CallerReference></InvalidationBatch></Invalidation>`
  );
}

function invalidationListXml(page: readonly StoredInvalidation[], options: { marker: string; maxItems: number; next: string | undefined }, spell: Spell): string {
  const items = page
    .map((invalidation) => `<InvalidationSummary><Id>${invalidation.id}</Id><CreateTime>${invalidation.createTime}</CreateTime><Status>${spell(invalidation.status)}</Status></InvalidationSummary>`)
    .join('');
  return (
    `<InvalidationList xmlns="${NS}"><Marker>${escapeXml(options.marker)}</Marker>${options.next ? `<NextMarker>${options.next}</NextMarker>` : ''}` +
    `<MaxItems>${options.maxItems}</MaxItems><IsTruncated>${options.next !== undefined}</IsTruncated><Quantity>${page.length}</Quantity>` +
    `${page.length ? `<Items>${items}</Items>` : ''}</InvalidationList>`
  );
}

function distributionXml(id: string, origins: NonNullable<CloudFrontServerOptions['origins']>[string], enabled: boolean): string {
  const items = origins
    .map((origin) => (typeof origin === 'string' ? { domainName: origin, originPath: '' } : origin))
    .map((origin, index) => `<Origin><Id>origin-${index}</Id><DomainName>${escapeXml(origin.domainName)}</DomainName><OriginPath>${escapeXml(origin.originPath)}</OriginPath><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig></Origin>`)
    .join('');
  return (
    `<Distribution xmlns="${NS}"><Id>${id}</Id><ARN>arn:aws:cloudfront::123456789012:distribution/${id}</ARN><Status>Deployed</Status>` +
    `<LastModifiedTime>2026-01-01T00:00:00Z</LastModifiedTime><InProgressInvalidationBatches>0</InProgressInvalidationBatches><DomainName>${id.toLowerCase()}.cloudfront.net</DomainName>` +
    `<DistributionConfig><CallerReference>test</CallerReference><Comment></Comment><Enabled>${enabled}</Enabled>` +
    `<Origins><Quantity>${origins.length}</Quantity><Items>${items}</Items></Origins></DistributionConfig></Distribution>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, decimal: string) => String.fromCodePoint(Number.parseInt(decimal, 10)))
    .replace(/&amp;/g, '&');
}
