/**
 * `--wait`: after a publish, wait for its invalidations to complete
 * (GetInvalidation, polled), then fetch the environment's public URL and
 * check that it serves what was just published.
 *
 * What "what was published" means: the page's own `<meta name="build-id">`,
 * compared with the same meta tag in the copy of that page the publish sent
 * (e.g. `dist/<env>/<domain>/index.html` for the URL `/`). Not the site's
 * build id: a page's id says which content that page has, so an edit that
 * leaves this page alone must not make the check fail.
 *
 * A URL that cannot be reached from here (a private staging host, no network)
 * skips the check with a note rather than failing a publish that succeeded;
 * a page that answers with other content fails it.
 *
 * `npm run status` asks the same questions of every live environment
 * (`checkLivePage`, `exposedRecords`), with the record's page id as the
 * expected one.
 *
 * It also asks the public URL for the deploy pointer (`.publish/current.json`):
 * the deploy records list every object and the publisher's ARN, and nothing
 * else notices when the bucket policy that hides them is missing.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { PublishError } from '../errors.ts';
import type { Logger } from '../build/context.ts';
import { CURRENT_POINTER, parsePointer } from './deploy-record.ts';
import type { Cdn } from './ports.ts';

export interface Verification {
  url: string;
  /** The built page compared, relative to the output tree. */
  page: string;
  invalidations: Array<{ distributionId: string; id: string; status: string; polls: number }>;
  result: 'match' | 'mismatch' | 'skipped';
  expected?: string;
  live?: string;
  note?: string;
  /** The public URL that served the deploy pointer, when it did (it should answer 403 or 404). */
  recordsExposed?: string;
}

export interface VerifyOptions {
  url: string;
  cdn?: Cdn;
  invalidations: readonly { distributionId: string; id: string }[];
  /** The bytes of the page the publish sent for `page`; undefined when it sent none. */
  expectedPage: (page: string) => Promise<Buffer | undefined>;
  logger: Logger;
  /** Between GetInvalidation polls and between page fetches (CloudFront suggests seconds, not milliseconds). */
  pollMs?: number;
  /** How long to wait for the invalidations, all together, before giving up (the upload is complete either way). */
  timeoutMs?: number;
  /** How often to say the wait goes on (which invalidation, its status, how long so far). */
  progressMs?: number;
  /** The clock the limit and the progress lines are measured with (tests advance their own). */
  now?: () => number;
  /** How to wait between polls (tests: not at all). */
  sleep?: (ms: number) => Promise<unknown>;
  /** Page fetches before a mismatch counts (edges converge within seconds of completion). */
  attempts?: number;
  fetchPage?: (url: string) => Promise<{ status: number; body: string }>;
}

export const DEFAULT_POLL_MS = 10_000;
/**
 * CloudFront documents invalidations as completing within minutes; one still
 * in progress after ten is worth a person's look rather than a silent wait.
 */
export const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60_000;
/** A line while waiting, this often: the wait is never silent for long. */
export const DEFAULT_PROGRESS_MS = 60_000;

/**
 * AWS documents `InProgress` and `Completed`; other implementations of the
 * API spell them otherwise (moto answers `COMPLETED`), so a status is
 * compared without case. One that is neither is waited on, and shown.
 */
export function isCompletedStatus(status: string): boolean {
  return status.toLowerCase() === 'completed';
}

export async function verifyDeploy(options: VerifyOptions): Promise<Verification> {
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const page = pageForUrl(options.url);
  const invalidations: Verification['invalidations'] = [];

  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const progressMs = options.progressMs ?? DEFAULT_PROGRESS_MS;
  // One limit for the publish's invalidations together: they complete side by side.
  const started = now();
  let nextProgress = started + progressMs;
  for (const invalidation of options.invalidations) {
    let polls = 0;
    let status = '';
    const check = `aws cloudfront get-invalidation --distribution-id ${invalidation.distributionId} --id ${invalidation.id}`;
    options.logger.info(`  waiting for invalidation ${invalidation.id} on ${invalidation.distributionId} (at most ${duration(timeoutMs)})`);
    for (;;) {
      polls++;
      status = (await options.cdn!.invalidation(invalidation.distributionId, invalidation.id)).status;
      if (isCompletedStatus(status)) break;
      const elapsed = now() - started;
      if (elapsed >= timeoutMs) {
        throw new PublishError(
          `The upload is complete, but invalidation ${invalidation.id} on ${invalidation.distributionId} was still ${status || 'not completed'} after ${duration(elapsed)}, so --wait stopped waiting (its limit is ${duration(timeoutMs)}) and the public URL was not checked; check the invalidation with \`${check}\`.`,
        );
      }
      if (now() >= nextProgress) {
        options.logger.info(`  invalidation ${invalidation.id} on ${invalidation.distributionId} is still ${status || 'not completed'} after ${duration(elapsed)} (waiting at most ${duration(timeoutMs)}; ${check})`);
        while (nextProgress <= now()) nextProgress += progressMs;
      }
      await wait(pollMs);
    }
    invalidations.push({ distributionId: invalidation.distributionId, id: invalidation.id, status, polls });
  }

  const fetchPage = options.fetchPage ?? defaultFetch;
  const recordsExposed = await exposedRecords(options.url, fetchPage);
  if (recordsExposed) options.logger.warn(recordsExposedWarning(recordsExposed));
  const base = { url: options.url, page, invalidations, ...(recordsExposed ? { recordsExposed } : {}) };
  const expectedBytes = await options.expectedPage(page);
  if (!expectedBytes) {
    return { ...base, result: 'skipped', note: `${options.url} names ${page}, which is not in this build (a URL's path is read from the site's root), so there is nothing to compare` };
  }
  const expected = buildIdIn(expectedBytes.toString('utf8'));
  if (!expected) return { ...base, result: 'skipped', note: `the published ${page} has no <meta name="build-id">, so there is nothing to compare` };
  return { ...base, ...(await checkLivePage({ url: options.url, expected, fetchPage, attempts: options.attempts, pollMs })) };
}

export interface LivePageCheck {
  result: 'match' | 'mismatch' | 'skipped';
  expected: string;
  live?: string;
  note?: string;
}

/**
 * Fetches the public URL (up to `attempts` times, `pollMs` apart, while it
 * serves something else) and compares its build-id meta tag with
 * `expected`. Unreachable, 401 and 403 skip the check; any other answer
 * than the expected page is a mismatch. `--wait` and `npm run status` both
 * ask this.
 */
export async function checkLivePage(options: {
  url: string;
  expected: string;
  fetchPage?: (url: string) => Promise<{ status: number; body: string }>;
  attempts?: number;
  pollMs?: number;
}): Promise<LivePageCheck> {
  const { url, expected } = options;
  const fetchPage = options.fetchPage ?? defaultFetch;
  const attempts = options.attempts ?? 3;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  let live: string | undefined;
  let status = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let answer: { status: number; body: string };
    try {
      answer = await fetchPage(url);
    } catch (error) {
      return { expected, result: 'skipped', note: `${url} is not reachable from here (${reasonOf(error)}), so the build-id check was skipped` };
    }
    status = answer.status;
    if (status === 401 || status === 403) {
      return { expected, result: 'skipped', note: `${url} answered HTTP ${status} (not public from here), so the build-id check was skipped` };
    }
    live = status === 200 ? buildIdIn(answer.body) : undefined;
    if (live === expected) return { expected, live, result: 'match' };
    if (attempt < attempts) await sleep(pollMs);
  }
  return {
    expected,
    ...(live ? { live } : {}),
    result: 'mismatch',
    note: status !== 200 ? `${url} answered HTTP ${status}` : live ? `${url} serves build-id ${live}, not ${expected}` : `${url} serves a page without <meta name="build-id">`,
  };
}

/** The public URL of the deploy pointer when it answers with one (the bucket policy does not hide `.publish/`); undefined otherwise. */
export async function exposedRecords(url: string, fetchPage: (url: string) => Promise<{ status: number; body: string }> = defaultFetch): Promise<string | undefined> {
  return servedPointer(recordsUrlFor(url), fetchPage);
}

export function recordsExposedWarning(recordsUrl: string): string {
  return `${recordsUrl} serves this environment's deploy pointer to anyone, so its deploy records (every object, and the publisher's ARN) are public; add the "NeverServePublishRecords" statement to the bucket policy (docs/infrastructure.md; the stacks of npm run infra have it).`;
}

/** The build-id meta tag of a page, in either attribute order. */
export function buildIdIn(html: string): string | undefined {
  for (const match of html.matchAll(/<meta\b[^>]*>/gi)) {
    const tag = match[0];
    if (!/\bname\s*=\s*["']?build-id["']?/i.test(tag)) continue;
    const content = /\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
    if (content) return content[1] ?? content[2] ?? content[3];
  }
  return undefined;
}

/** The built file a URL's path serves: `/` → index.html, `/about/` and `/about` → about/index.html. */
export function pageForUrl(url: string): string {
  const pathname = decodeURIComponent(new URL(url).pathname).replace(/^\/+/, '');
  if (pathname === '' || pathname.endsWith('/')) return `${pathname}index.html`;
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  return last.includes('.') ? pathname : `${pathname}/index.html`;
}

/**
 * Where the URL would serve the deploy pointer: the URL's root is the
 * environment's prefix (as for `pageForUrl`), where `<prefix>.publish/` lives.
 */
export function recordsUrlFor(url: string): string {
  return new URL(`/${CURRENT_POINTER}`, url).href;
}

/** The URL when it answers with a deploy pointer; a 403, a 404, an error page (a SPA's 200 fallback) or no answer is fine. */
async function servedPointer(url: string, fetchPage: (url: string) => Promise<{ status: number; body: string }>): Promise<string | undefined> {
  try {
    const answer = await fetchPage(url);
    return answer.status === 200 && parsePointer(Buffer.from(answer.body)) ? url : undefined;
  } catch {
    // Unreachable: the page check says so.
    return undefined;
  }
}

async function defaultFetch(url: string): Promise<{ status: number; body: string }> {
  const parsed = new URL(url);
  // RFC 6761: *.localhost is this machine. Browsers know; the system resolver
  // often does not, so the local environments' URLs (http://86from.localhost:4568)
  // are asked of 127.0.0.1 with their own Host header.
  if (parsed.hostname.endsWith('.localhost') && parsed.protocol === 'http:') return fetchLoopback(parsed);
  const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(15_000), headers: { 'user-agent': 'three-sites-publish --wait' } });
  return { status: response.status, body: await response.text() };
}

function fetchLoopback(url: URL): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port: url.port || 80, path: `${url.pathname}${url.search}`, headers: { host: url.host }, timeout: 15_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('no answer within 15 s'), { name: 'TimeoutError' })));
    request.on('error', (error) => reject(Object.assign(new Error(error.message), { cause: error })));
  });
}

/** "45 s", "3 min", "1 min 30 s". */
function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if ((error as { name?: string }).name === 'TimeoutError') return 'no answer within 15 s';
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** The mismatches among verified sites, as one error; undefined when every check matched or was skipped. */
export function mismatchError(results: readonly { site: string; environment: string; verification?: Verification }[]): PublishError | undefined {
  const failed = results.filter((entry) => entry.verification?.result === 'mismatch');
  if (failed.length === 0) return undefined;
  return new PublishError(
    failed
      .map(
        (entry) =>
          `${entry.site} → ${entry.environment} was published, but ${entry.verification!.note}; the published ${entry.verification!.page} has build-id ${entry.verification!.expected}. Check that the distribution serves this environment's bucket, and the page's caching.`,
      )
      .join('\n'),
  );
}
