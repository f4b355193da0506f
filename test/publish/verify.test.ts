/**
 * `--wait`: the invalidations polled until complete (the CloudFront stand-in
 * completes them after a few polls), then the environment's public URL —
 * here a loopback server serving the bucket's content — compared by the
 * page's own build-id with the copy the publish sent.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { PublishError } from '../../scripts/errors.ts';
import { cloudFrontCdn } from '../../scripts/publish/cloudfront-cdn.ts';
import { publishSites, type PublishOptions } from '../../scripts/publish/publish.ts';
import { buildIdIn, mismatchError, pageForUrl } from '../../scripts/publish/verify.ts';
import { LOCAL_S3_CREDENTIALS } from '../../scripts/s3-local/server.ts';
import { rejects } from '../helpers/assert.ts';
import { freePort } from '../helpers/http.ts';
import { hasStackTrace, runCli } from '../helpers/cli.ts';
import { serveBucket, type BucketWebsite } from '../helpers/bucket-website.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { environmentYaml, startPublishServers, type PublishServers } from '../helpers/publish-servers.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

const units = suite('publish --wait, the pure parts');

units('the build-id meta tag is found in either attribute order, quoted or not', () => {
  assert.equal(
    [
      buildIdIn('<head><meta charset="utf-8"><meta name="build-id" content="abc123"></head>'),
      buildIdIn("<meta content='def456' name='build-id'>"),
      buildIdIn('<meta name=build-id content=ghi789>'),
      buildIdIn('<meta name="description" content="x">'),
    ],
    ['abc123', 'def456', 'ghi789', undefined],
  );
});

units('the page a URL serves', () => {
  assert.equal(
    ['https://staging.86from.com', 'https://x.test/', 'https://x.test/about/', 'https://x.test/about', 'https://x.test/menu.html', 'https://x.test/caf%C3%A9/'].map(pageForUrl),
    ['index.html', 'index.html', 'about/index.html', 'about/index.html', 'menu.html', 'café/index.html'],
  );
});

units.run();

const DISTRIBUTION = 'E2EDGEDIST001';
let servers: PublishServers;
let buckets = 0;

interface Ctx {
  tmp: TempDir;
  bucket: string;
  website: BucketWebsite;
}
const test = suite<Ctx>('publish --wait, against the loopback servers');

test.before(async () => {
  servers = await startPublishServers({ distributions: [DISTRIBUTION] });
});
test.after(async () => {
  await servers.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('publish-wait-');
  ctx.bucket = `wait-test-${++buckets}`;
  await servers.s3.createBucket(ctx.bucket);
  ctx.website = await serveBucket(servers.s3.store(ctx.bucket));
  await copySharedParts(ctx.tmp.dir);
  servers.clear();
});
test.after.each(async (ctx) => {
  await ctx.website.close();
  await ctx.tmp.cleanup();
});

const quiet = { info() {}, warn() {} };
const home = (body: string) => page('Fixture home', 'The home page of a fixture site, long enough to be a description.', 'page.njk', body);

async function site(ctx: Ctx, url: string, distributions: string[] = [DISTRIBUTION]): Promise<void> {
  await ctx.tmp.write(fixtureSite({ extraConfig: environmentYaml('edge', { bucket: ctx.bucket, endpoint: servers.s3.endpoint, url, distributions }) }));
}

function publish(ctx: Ctx, options: Partial<PublishOptions> = {}) {
  return publishSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'edge', sites: [], logger: quiet, connect: servers.connect(), wait: { pollMs: 0 }, ...options });
}

const builtId = async (ctx: Ctx) => buildIdIn(await readFile(path.join(ctx.tmp.dir, 'dist/edge/fixture.test/index.html'), 'utf8'));

test('after the invalidation completes, the public page serves the build-id of the page just published', async (ctx) => {
  await site(ctx, ctx.website.url);
  const first = await publish(ctx);
  // A first publish replaces nothing, so there is nothing to wait for: the page is checked at once.
  assert.equal(first.sites[0]!.verification, { url: ctx.website.url, page: 'index.html', invalidations: [], expected: await builtId(ctx), live: await builtId(ctx), result: 'match' });
  // The deploy pointer was asked for, and hidden (403) as the stacks' bucket policy makes it: no recordsExposed above.
  assert.ok(ctx.website.requests.includes('/.publish/current.json'));

  await ctx.tmp.write({ 'sites/fixture.test/content/index.md': home('Welcome aboard, again.') });
  servers.cloudfront.completeOnPoll(3);
  const second = await publish(ctx);
  const verification = second.sites[0]!.verification!;
  const invalidation = second.sites[0]!.report!.invalidations[0]!;
  assert.equal(verification.invalidations, [{ distributionId: DISTRIBUTION, id: invalidation.id, status: 'Completed', polls: 3 }]);
  assert.equal([verification.result, verification.live], ['match', await builtId(ctx)]);
  assert.is(servers.cloudfront.count('GetInvalidation'), 3);
  // Fetched only once the invalidation had completed.
  const operations = servers.cloudfront.requests.map((request) => request.operation);
  assert.is(operations.at(-1), 'GetInvalidation');
});

test('a page still served from a stale cache: a mismatch naming both build-ids, which the command turns into an error', async (ctx) => {
  await site(ctx, ctx.website.url, []);
  ctx.website.stale('<!doctype html><html><head><meta name="build-id" content="0ld0ld0ld0ld0ld0"></head></html>');
  const outcome = await publish(ctx);
  const verification = outcome.sites[0]!.verification!;
  assert.equal([verification.result, verification.live, verification.note], ['mismatch', '0ld0ld0ld0ld0ld0', `${ctx.website.url} serves build-id 0ld0ld0ld0ld0ld0, not ${await builtId(ctx)}`]);
  // Asked again before concluding: an edge may lag the invalidation by seconds.
  assert.is(ctx.website.requests.filter((request) => request === '/').length, 3);
  const error = mismatchError([{ site: 'fixture.test', environment: 'edge', verification }]);
  assert.is(
    error?.message,
    `fixture.test → edge was published, but ${ctx.website.url} serves build-id 0ld0ld0ld0ld0ld0, not ${await builtId(ctx)}; the published index.html has build-id ${await builtId(ctx)}. Check that the distribution serves this environment's bucket, and the page's caching.`,
  );
});

test('deploy records the public URL serves (the bucket policy does not hide .publish/): a warning naming the statement to add', async (ctx) => {
  const website = await serveBucket(servers.s3.store(ctx.bucket), 'site/', { servePublishRecords: true });
  try {
    await ctx.tmp.write(fixtureSite({ extraConfig: environmentYaml('edge', { bucket: ctx.bucket, endpoint: servers.s3.endpoint, url: website.url, prefix: 'site/' }) }));
    const warnings: string[] = [];
    const outcome = await publish(ctx, { logger: { info() {}, warn: (message) => warnings.push(message) } });
    const records = `${website.url}/.publish/current.json`;
    const verification = outcome.sites[0]!.verification!;
    assert.equal([verification.result, verification.recordsExposed], ['match', records]);
    assert.equal(warnings, [
      `${records} serves this environment's deploy pointer to anyone, so its deploy records (every object, and the publisher's ARN) are public; add the "NeverServePublishRecords" statement to the bucket policy (docs/infrastructure.md; the stacks of npm run infra have it).`,
    ]);
  } finally {
    await website.close();
  }
});

test('a public URL that cannot be reached: the check is skipped with a note, and the publish stands', async (ctx) => {
  const port = await freePort();
  await site(ctx, `http://127.0.0.1:${port}`, []);
  const outcome = await publish(ctx);
  assert.ok(outcome.sites[0]!.report);
  assert.equal([outcome.sites[0]!.verification?.result, outcome.sites[0]!.verification?.note], ['skipped', `http://127.0.0.1:${port} is not reachable from here (ECONNREFUSED), so the build-id check was skipped`]);
});

test('a URL naming a page the build did not produce (a path prefix, say): skipped as not in this build', async (ctx) => {
  await site(ctx, `${ctx.website.url}/site/`, []);
  const outcome = await publish(ctx);
  assert.equal([outcome.sites[0]!.verification?.result, outcome.sites[0]!.verification?.note], [
    'skipped',
    `${ctx.website.url}/site names site/index.html, which is not in this build (a URL's path is read from the site's root), so there is nothing to compare`,
  ]);
});

test('a public URL that answers 401 or 403 (not public from here): the check is skipped with a note, and the publish stands', async (ctx) => {
  await site(ctx, ctx.website.url, []);
  const notes: Array<string | undefined> = [];
  for (const status of [401, 403]) {
    ctx.website.refuse(status);
    const outcome = await publish(ctx);
    assert.ok(outcome.sites[0]!.report);
    assert.is(outcome.sites[0]!.verification?.result, 'skipped');
    notes.push(outcome.sites[0]!.verification?.note);
  }
  assert.equal(notes, [401, 403].map((status) => `${ctx.website.url} answered HTTP ${status} (not public from here), so the build-id check was skipped`));
});

test("CloudFront's own message ends the sentence once: an unknown invalidation says 'does not exist.', not 'does not exist..'", async () => {
  const cdn = cloudFrontCdn({ endpoint: servers.cloudfront.endpoint, credentials: LOCAL_S3_CREDENTIALS, maxAttempts: 1 });
  const error = await rejects(() => cdn.invalidation(DISTRIBUTION, 'INOSUCHONE'), PublishError);
  assert.is(error.message, `Could not read an invalidation of CloudFront distribution ${DISTRIBUTION}: CloudFront answered NoSuchInvalidation (HTTP 404): The specified invalidation does not exist.`);
});

test('the command: --wait prints the verification', async (ctx) => {
  await site(ctx, ctx.website.url, []);
  const result = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'edge', '--wait']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, `  verified: ${ctx.website.url} serves build-id ${await builtId(ctx)} (index.html)`);
});

test('the command: a page still served stale after --wait exits 1 with the mismatch, once the files are published', async (ctx) => {
  await site(ctx, ctx.website.url, []);
  ctx.website.stale('<!doctype html><html><head><meta name="build-id" content="0ld0ld0ld0ld0ld0"></head></html>');
  // The command asks three times, 10 s apart, before it concludes.
  const result = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'edge', '--wait']);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stdout, /published fixture\.test → edge: uploaded \d+ files/);
  assert.match(result.stderr, `error: fixture.test → edge was published, but ${ctx.website.url} serves build-id 0ld0ld0ld0ld0ld0, not ${await builtId(ctx)};`);
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
});

/** A port nothing listens on (bound, then released). */
test.run();
