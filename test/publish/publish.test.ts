/**
 * The whole recipe — config, build with its checks, plan, guard, confirm,
 * apply — and the `publish` command, against s3rver on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { BuildError, CheckError, ConfigError, PublishError } from '../../scripts/errors.ts';
import { planSite, publishSites, resolveTargets, type PublishOptions } from '../../scripts/publish/publish.ts';
import { formatPlan } from '../../scripts/publish/summary.ts';
import { rejects } from '../helpers/assert.ts';
import { hasStackTrace, runCli, runCliUnderTerminal, stopCli } from '../helpers/cli.ts';
import { freePort } from '../helpers/http.ts';
import { startCloudFrontServer, type CloudFrontServer } from '../helpers/cloudfront-server.ts';
import { copySharedParts, repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';
import { testConnector } from '../helpers/publish-connection.ts';
import { startTestS3, type TestS3 } from '../helpers/s3-server.ts';
import { startMotoSts, type MotoSts } from '../helpers/moto-sts.ts';
import { html, publishTree, treeBuild } from '../helpers/publish-tree.ts';
import { fixtureSite, page, siteConfigYaml } from '../helpers/sites.ts';

const quiet = { info() {}, warn() {} };
const DISTRIBUTION = 'E2EDGEDIST001';

let s3: TestS3;
let cloudfront: CloudFrontServer;
let sts: MotoSts;
let buckets = 0;

interface Ctx {
  tmp: TempDir;
  bucket: string;
}
const test = suite<Ctx>('publish recipe and command');

test.before(async () => {
  s3 = await startTestS3();
  cloudfront = await startCloudFrontServer({ distributions: [DISTRIBUTION] });
  sts = await startMotoSts();
});
test.after(async () => {
  await sts.close();
  await cloudfront.close();
  await s3.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('publish-recipe-');
  ctx.bucket = `recipe-test-${++buckets}`;
  await s3.createBucket(ctx.bucket);
  await copySharedParts(ctx.tmp.dir);
  s3.log.clear();
  cloudfront.clear();
  sts.clear();
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const about = page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', 'About.');

/** The fixture site with an `edge` environment on the test servers. */
function edgeEnvironment(ctx: Ctx, options: { bucket?: string; distributions?: boolean; prefix?: string } = {}): string {
  return (
    `  edge:\n    url: https://edge.fixture.test\n    bucket: ${options.bucket ?? ctx.bucket}\n    endpoint: ${s3.endpoint}\n` +
    (options.prefix ? `    prefix: ${options.prefix}\n` : '') +
    (options.distributions === false ? '' : `    distributions:\n      - id: ${DISTRIBUTION}\n`)
  );
}

function publish(ctx: Ctx, options: Partial<PublishOptions> = {}) {
  return publishSites({
    workspace: workspaceAt(ctx.tmp.dir),
    envName: 'edge',
    sites: [],
    logger: quiet,
    connect: testConnector({ cloudfront, sts }),
    ...options,
  });
}

/** Writes, the lock aside: a refused publish takes and removes its lock, and changes nothing else. */
const writes = () => s3.log.requests.filter((request) => request.method !== 'GET' && request.method !== 'HEAD' && request.key !== '.publish/lock.json');
/** CloudFront requests other than preflight's GetDistribution. */
const invalidationRequests = () => cloudfront.requests.filter((request) => request.operation !== 'GetDistribution');

test('builds, checks and publishes; after a clean rebuild (dist/ removed) the same sources upload nothing', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ extraConfig: edgeEnvironment(ctx), pages: { 'content/about.md': about } }));
  const first = await publish(ctx);
  const report = first.sites[0]!.report!;
  assert.ok(report.uploaded >= 5, String(report.uploaded));
  assert.ok(s3.log.requests.some((request) => request.key === 'about/index.html' && request.operation === 'PutObject'));
  await rm(path.join(ctx.tmp.dir, 'dist'), { recursive: true, force: true });
  s3.log.clear();
  const second = await publish(ctx);
  assert.is(second.sites[0]!.report!.uploaded, 0);
  // Preflight's HeadBucket; the lock put and removed; the listing and the
  // last record; the new record and the pointer to it.
  assert.equal(s3.log.counts(), { HeadBucket: 1, PutObject: 3, ListObjectsV2: 1, GetObject: 1, DeleteObject: 1 });
  assert.equal(invalidationRequests(), []);
});

test('--dry-run returns the plan and touches nothing: the request logs show only reads', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ extraConfig: edgeEnvironment(ctx), pages: { 'content/about.md': about, 'assets/old.txt': 'old' } }));
  await publish(ctx);
  await ctx.tmp.write({ 'sites/fixture.test/content/about.md': about.replace('About.', 'About, changed.') });
  await rm(path.join(ctx.tmp.dir, 'sites/fixture.test/assets/old.txt'));
  s3.log.clear();
  cloudfront.clear();
  let planned = 0;
  const outcome = await publish(ctx, { dryRun: true, onPlanned: (sites) => (planned = sites.length) });
  assert.is(planned, 1);
  assert.ok(outcome.dryRun);
  const plan = outcome.sites[0]!.plan;
  assert.ok(plan.uploads.some((upload) => upload.key === 'about/index.html'));
  assert.equal(plan.deletes.map((deletion) => deletion.key), ['assets/old.txt']);
  assert.ok(plan.invalidations[0]!.paths.includes('/about/'));
  assert.is(outcome.sites[0]!.report, undefined);
  assert.equal(writes(), []);
  assert.equal(Object.keys(s3.log.counts()).sort(), ['GetObject', 'HeadBucket', 'ListObjectsV2']);
  // CloudFront is only asked what is in progress (the plan shows it), never sent an invalidation.
  assert.equal([...new Set(invalidationRequests().map((request) => request.operation))], ['ListInvalidations']);
  assert.ok(plan.invalidations[0]!.inProgress);
});

/** Preflight's reads are the only requests a publish stopped before planning may make. */
const onlyPreflight = () => {
  assert.equal(s3.log.requests.map((request) => request.operation), ['HeadBucket']);
  assert.equal(cloudfront.requests.map((request) => request.operation), ['GetDistribution']);
};

test('a build failure stops after preflight, before anything is listed, uploaded or invalidated', async (ctx) => {
  await ctx.tmp.write(
    fixtureSite({ extraConfig: edgeEnvironment(ctx), pages: { 'content/broken.md': page('Broken', 'A page whose layout does not exist, so the build must fail.', 'missing.njk', 'x') } }),
  );
  await rejects(() => publish(ctx), BuildError);
  onlyPreflight();
});

test('a failed check uploads nothing: a template left unrendered stops the publish before anything is listed or written', async (ctx) => {
  await ctx.tmp.write(
    fixtureSite({
      extraConfig: edgeEnvironment(ctx),
      pages: { 'content/leak.md': page('Leak', 'A page that leaks a template delimiter into its built HTML on purpose.', 'page.njk', '{% raw %}{{ name }}{% endraw %}') },
    }),
  );
  await rejects(() => publish(ctx), CheckError);
  onlyPreflight();
});

test('placeholders are refused in one sentence naming the keys, before any build or request', async (ctx) => {
  const extra = `  edge:\n    url: https://edge.fixture.test\n    bucket: placeholder-edge\n    endpoint: ${s3.endpoint}\n    distributions:\n      - id: PLACEHOLDER-EDGE\n`;
  await ctx.tmp.write(fixtureSite({ extraConfig: extra }));
  const error = await rejects(() => publish(ctx), ConfigError);
  assert.is(
    error.message,
    'sites/fixture.test/site.yaml: environments.edge.bucket, environments.edge.distributions.0.id are placeholders, so fixture.test cannot be published to edge; put the real resource names there first.',
  );
  assert.equal(s3.log.requests, []);
  assert.equal(cloudfront.requests, []);
  assert.equal(sts.requests, []);
});

test('the same bucket and prefix for two environments is refused in one sentence naming both files and keys, before any request', async (ctx) => {
  await ctx.tmp.write({
    ...fixtureSite({ extraConfig: edgeEnvironment(ctx, { distributions: false, prefix: 'shared/' }) }),
    ...fixtureSite({ domain: 'second.test', shortName: 'second', extraConfig: edgeEnvironment(ctx, { distributions: false, prefix: 'shared/' }).replace('  edge:', '  preview:') }),
  });
  const error = await rejects(() => publish(ctx, { sites: ['fixture'] }), ConfigError);
  assert.is(
    error.message,
    `sites/fixture.test/site.yaml (environments.edge) and sites/second.test/site.yaml (environments.preview) both publish to s3://${ctx.bucket}/shared/, so each would delete the other's files; give one of them its own bucket or prefix.`,
  );
  assert.equal(s3.log.requests, []);
});

test('a prefix nested in another site’s is set aside by the outer site; the inner one needs nothing', async (ctx) => {
  await ctx.tmp.write({
    ...fixtureSite({ extraConfig: edgeEnvironment(ctx, { distributions: false }) }),
    ...fixtureSite({ domain: 'inner.test', shortName: 'inner', extraConfig: edgeEnvironment(ctx, { distributions: false, prefix: 'inner/' }) }),
  });
  const targets = await resolveTargets(workspaceAt(ctx.tmp.dir), 'edge', []);
  assert.equal(
    targets.map((target) => [target.site.domain, target.nested]),
    [
      ['fixture.test', [{ prefix: 'inner/', owner: 'inner.test → edge' }]],
      ['inner.test', []],
    ],
  );
});

/** The fixture site with staging under "staging/" and production at the root of one bucket on the test server. */
function stagingInsideProduction(ctx: Ctx): string {
  return siteConfigYaml('fixture.test', 'fixture')
    .replace('    bucket: fixture-staging\n', `    bucket: ${ctx.bucket}\n    endpoint: ${s3.endpoint}\n    prefix: staging/\n`)
    .replace('    bucket: fixture-production\n    distributions:\n      - id: E1FIXTUREPROD\n', `    bucket: ${ctx.bucket}\n    endpoint: ${s3.endpoint}\n`);
}

test('regression: production at the bucket root never lists, overwrites or deletes staging under staging/, and its plan says it kept it', async (ctx) => {
  await ctx.tmp.write({ 'sites/fixture.test/site.yaml': stagingInsideProduction(ctx) });
  const workspace = workspaceAt(ctx.tmp.dir);
  const [staging] = await resolveTargets(workspace, 'staging', []);
  const [production] = await resolveTargets(workspace, 'production', []);
  const ports = { store: s3.store(ctx.bucket) };
  const tree = { 'index.html': html('Home'), 'about/index.html': html('About'), 'assets/site.css': 'body{}\n', 'robots.txt': 'User-agent: *\n' };
  await publishTree(ctx.tmp.dir, staging!, ports, { ...tree, 'index.html': html('Staging home') }, 'staging-1');
  const stagingBefore = await s3.store(ctx.bucket).list('staging/');
  assert.is(stagingBefore.length, 6);

  s3.log.clear();
  // Production's build happens to hold a page at staging/: it must not overwrite staging's.
  const first = await publishTree(ctx.tmp.dir, production!, ports, { ...tree, 'staging/index.html': html('Not staging') }, 'production-1');
  assert.equal(first.plan.deletes, []);
  assert.equal(first.plan.kept, [{ key: 'staging/', reason: 'belongs to fixture.test → staging', objects: 6 }]);
  assert.equal(first.plan.skipped, [{ path: 'staging/index.html', reason: 'under "staging/", which belongs to fixture.test → staging' }]);
  assert.ok(formatPlan(first).includes('= staging/  belongs to fixture.test → staging (6 objects)'), formatPlan(first));
  assert.equal(s3.log.requests.filter((request) => request.key.startsWith('staging/')), []);
  assert.equal(await s3.store(ctx.bucket).list('staging/'), stagingBefore);

  // The deletion guard counts production's own four objects, not staging's.
  const built = await treeBuild(ctx.tmp.dir, { 'index.html': html('Home') }, 'production-2', 'production');
  const { plan } = await planSite(production!, built, ports, { logger: quiet });
  assert.equal(plan.deletes.map((deletion) => deletion.key), ['about/index.html', 'assets/site.css', 'robots.txt']);
  assert.match(plan.refusals[0] ?? '', `would delete 3 of its 4 objects in s3://${ctx.bucket}/ (75%)`);
});

test('a refusal in any site stops every site before the first write; declining the confirmation does too', async (ctx) => {
  await ctx.tmp.write({
    ...fixtureSite({ extraConfig: edgeEnvironment(ctx, { distributions: false }) }),
    ...fixtureSite({ domain: 'second.test', shortName: 'second', extraConfig: edgeEnvironment(ctx, { distributions: false, bucket: `${ctx.bucket}-2` }) }),
  });
  await s3.createBucket(`${ctx.bucket}-2`);
  // second.test's bucket holds many files nothing builds: its plan is refused.
  const other = s3.store(`${ctx.bucket}-2`);
  for (let index = 0; index < 12; index++) {
    await other.put({ key: `old/${index}.html`, body: Buffer.from('x'), contentType: 'text/html', cacheControl: 'no-cache', md5: '9dd4e461268c8034f5c8564e155c67a6', metadata: {} });
  }
  s3.log.clear();
  const error = await rejects(() => publish(ctx), PublishError);
  assert.match(error.message, /^Nothing was published:\nsecond\.test \(edge\) would delete 12 of its 12 objects/);
  assert.equal(writes(), []);

  let asked = 0;
  const cancelled = await rejects(() => publish(ctx, { sites: ['fixture'], confirm: async () => (asked++, false) }), PublishError);
  assert.is(cancelled.message, 'Publishing cancelled; nothing was changed.');
  assert.is(asked, 1);
  assert.equal(writes(), []);
  // The locks taken for the plans are gone again.
  for (const bucket of [ctx.bucket, `${ctx.bucket}-2`]) assert.is(await s3.store(bucket).head('.publish/lock.json'), undefined);
});

test('the command: --dry-run --json prints the plan for machines and exits 0, writing nothing', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ extraConfig: edgeEnvironment(ctx, { distributions: false }) }));
  const result = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'edge', '--dry-run', '--json']);
  assert.is(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as { dryRun: boolean; sites: Array<{ plan: { summary: string; uploads: unknown[] }; report: unknown }> };
  assert.ok(parsed.dryRun);
  assert.match(parsed.sites[0]!.plan.summary, /^fixture\.test → edge: upload \d+ files \([^)]+\), 0 unchanged, delete 0 files, no invalidation \(no CloudFront distribution for edge\)$/);
  assert.is(parsed.sites[0]!.report, null);
  assert.equal(writes(), []);
});

test('the command: on a terminal the upload shows a progress bar on stderr; piped, none', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ extraConfig: edgeEnvironment(ctx, { distributions: false }) }));
  const terminal = await runCliUnderTerminal(['--root', ctx.tmp.dir, 'publish', '--env', 'edge']);
  // cli-progress draws "  <site> <bar> 3/12 files  …" with the shades preset's block characters.
  assert.match(terminal, /fixture\.test [\u2588\u2591]+ \d+\/\d+ files/);
  assert.match(terminal.replace(/\x1b\[[\d;]*[A-Za-z]/g, ''), /published fixture\.test → edge: uploaded \d+ files/);
  await ctx.tmp.write({ 'sites/fixture.test/content/index.md': page('Fixture home', 'The home page of a fixture site, long enough to be a description.', 'page.njk', 'Changed for the piped run.') });
  const piped = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'edge']);
  assert.is(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /published fixture\.test → edge: uploaded 1 file/);
  assert.not.match(piped.stderr + piped.stdout, /[\u2588\u2591]/);
});

function productionOnTestServer(ctx: Ctx): string {
  return siteConfigYaml('fixture.test', 'fixture').replace(
    '    bucket: fixture-production\n    distributions:\n      - id: E1FIXTUREPROD\n',
    `    bucket: ${ctx.bucket}\n    endpoint: ${s3.endpoint}\n`,
  );
}

test('the command: production asks for confirmation, and without a terminal refuses before any write', async (ctx) => {
  await ctx.tmp.write({ ...fixtureSite(), 'sites/fixture.test/site.yaml': productionOnTestServer(ctx) });
  const refused = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'production', '--skip-staging-check', '--reason', 'the staging gate has its own tests']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, 'error: Publishing to production asks for confirmation, and there is no terminal to ask on; review the plan with --dry-run, then add --yes.');
  assert.not.ok(hasStackTrace(refused.stderr), refused.stderr);
  assert.match(refused.stdout, 'fixture.test → production');
  assert.equal(writes(), []);
});

test('the command: production with --yes publishes and reports one line per site', async (ctx) => {
  await ctx.tmp.write({ ...fixtureSite(), 'sites/fixture.test/site.yaml': productionOnTestServer(ctx) });
  const published = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'production', '--yes', '--skip-staging-check', '--reason', 'the staging gate has its own tests']);
  assert.is(published.code, 0, published.stderr);
  assert.match(published.stdout, /published fixture\.test → production: uploaded \d+ files \([^)]+\), 0 unchanged, deleted 0 files, no invalidation in \d+ ms/);
  assert.ok(writes().some((request) => request.key === 'index.html'));
});

test('npm run s3:local, as the command starts it: publish --env local uploads the site, and a second publish uploads nothing', async (ctx) => {
  const port = await freePort();
  const local = `  local:\n    url: http://fixture.localhost:${port}\n    bucket: fixture.localhost\n    endpoint: http://127.0.0.1:${port}\n`;
  await ctx.tmp.write(fixtureSite({ extraConfig: local, pages: { 'content/about.md': about } }));
  // What `npm run s3:local` runs (package.json), with the fixture as the repository.
  const server = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/s3-local/main.ts'), '--root', ctx.tmp.dir, '--dir', path.join(ctx.tmp.dir, '.s3-local')], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    detached: true,
  });
  let printed = '';
  const ready = new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      if (printed.includes('Publish with:')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`s3:local exited with code ${code}: ${printed}`)));
  });
  try {
    await ready;
    assert.match(printed, `Local S3 server on http://127.0.0.1:${port}`);
    const first = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'local']);
    assert.is(first.code, 0, first.stderr);
    assert.match(first.stdout, /published fixture\.test → local: uploaded [1-9]\d* files \([^)]+\), 0 unchanged, deleted 0 files, no invalidation/);
    assert.match(printed, /^200 PutObject +fixture\.localhost\/about\/index\.html /m);
    const before = printed.length;
    const second = await runCli(['--root', ctx.tmp.dir, 'publish', '--env', 'local']);
    assert.is(second.code, 0, second.stderr);
    assert.match(second.stdout, /published fixture\.test → local: uploaded 0 files \(0 B\), [1-9]\d* unchanged, deleted 0 files, no invalidation/);
    // The server's own request lines: the second run wrote only the lock, its deploy record and the pointer.
    const puts = printed.slice(before).split('\n').filter((line) => / PutObject /.test(line)).map((line) => line.split(/\s+/)[2]);
    assert.ok(puts.length > 0 && puts.every((key) => key?.startsWith('fixture.localhost/.publish/')), puts.join('\n'));
  } finally {
    await stopCli(server);
  }
});

test.run();
