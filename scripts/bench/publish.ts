/**
 * `npm run bench:publish` — what a publish costs, in requests, bytes and
 * time, next to `aws s3 sync --delete` (and `--size-only`) and `hugo deploy`
 * when Debian's `awscli` and `hugo` are installed. Prints figures; asserts
 * nothing.
 *
 * 1. Generates a site of 4,000 pages and 200 images (about 4,200 files and
 *    60 MB) into a temporary folder, deterministically, so a regeneration
 *    gives the same bytes with new modification times (a clean rebuild).
 * 2. Starts s3rver on 127.0.0.1 behind the request-counting proxy, and the
 *    loopback CloudFront API for this pipeline's invalidations.
 * 3. Per scenario the tree is regenerated from scratch, then each tool
 *    publishes it to its own bucket: first publish; no change after a clean
 *    rebuild; one page changed with the same size; one page changed with a
 *    different size; one page deleted (and the sitemap without it).
 * 4. After each run the bucket is compared with the tree: a tool that missed
 *    a change is marked.
 *
 *   npm run bench:publish -- --pages 4000 --images 200
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { scriptArgs, wholeNumber } from '../script-args.ts';
import { mulberry32 } from '../seeded-random.ts';
import { hashOutputTree, type BuildRecord } from '../build/build-record.ts';
import { formatBytes } from '../build/summary.ts';
import { siteConfigSchema } from '../config/schema.ts';
import type { SiteConfig } from '../config/sites.ts';
import { applyPlan } from '../publish/apply.ts';
import { cloudFrontCdn } from '../publish/cloudfront-cdn.ts';
import { RESERVED_PREFIX } from '../publish/local-files.ts';
import { planSite, type PublishTarget } from '../publish/publish.ts';
import { s3Store } from '../publish/s3-store.ts';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '../s3-local/server.ts';
import { startRequestLog, type LoggedRequest } from '../s3-local/request-log.ts';
// The CloudFront stand-in the tests use; the benchmark needs the same API.
import { startCloudFrontServer } from '../../test/helpers/cloudfront-server.ts';

const USAGE = 'npm run bench:publish -- [--pages 4000] [--images 200] [--keep] [--pipeline-only]';
const { values } = scriptArgs({ options: { pages: { type: 'string', default: '4000' }, images: { type: 'string', default: '200' }, keep: { type: 'boolean', default: false }, 'pipeline-only': { type: 'boolean', default: false } } }, USAGE);
const PAGES = wholeNumber(values.pages, '--pages', USAGE);
const IMAGES = wholeNumber(values.images, '--images', USAGE, 0);
const SECTIONS = 20;
const DISTRIBUTION = 'E2BENCHDIST01';
const AWS = '/usr/bin/aws';
const HUGO = '/usr/bin/hugo';

// ---- the generated site ---------------------------------------------------

const WORDS = 'the a of line bar kitchen service ticket expo rail station prep cook server host order table guest menu special sold out eighty-six fire all day behind corner heard walk-in lowboy sauté grill fry pass window plate garnish tonight board shift close open'.split(' ');

const random = mulberry32;

const sectionOf = (index: number) => `section-${String(index % SECTIONS).padStart(2, '0')}`;
const pagePath = (index: number) => `${sectionOf(index)}/page-${String(index).padStart(4, '0')}/index.html`;
const pageUrl = (index: number) => `/${pagePath(index).slice(0, -'index.html'.length)}`;

function pageHtml(index: number): string {
  const next = random(index + 1);
  const paragraph = () => Array.from({ length: 55 }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
  const nav = Array.from({ length: SECTIONS }, (_, section) => `<li><a href="/section-${String(section).padStart(2, '0')}/">Section ${section}</a></li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Page ${index}</title>
<meta name="description" content="Generated page ${index} of the publish benchmark.">
<link rel="stylesheet" href="/assets/site.css"></head>
<body><nav><ul>${nav}</ul></nav><main><h1>Page ${index}</h1>
<p>${paragraph()}.</p>
<p>${paragraph()}.</p>
<p>${paragraph()}.</p>
<img src="/images/photo-${String(index % IMAGES).padStart(3, '0')}.jpg" alt=""></main>
<footer><p>Benchmark site</p></footer></body></html>
`;
}

/** Incompressible, deterministic bytes: AES-CTR over zeros with a key per image. */
function imageBytes(index: number): Buffer {
  const size = 150_000 + Math.floor(random(10_000 + index)() * 200_000);
  const key = createHash('sha256').update(`image-${index}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), cipher.update(Buffer.alloc(size - 4))]);
}

interface Variant {
  sameSize?: number;
  grown?: number;
  deleted?: number;
}

/** A clean build: the old tree removed, every file written anew (new modification times). */
async function generate(dir: string, variant: Variant): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const files = new Map<string, string | Buffer>();
  const live: number[] = [];
  for (let index = 0; index < PAGES; index++) {
    if (index === variant.deleted) continue;
    live.push(index);
    let html = pageHtml(index);
    if (index === variant.sameSize) html = html.replace('<h1>Page', '<h1>PAGE');
    if (index === variant.grown) html = html.replace('</main>', '<p>Updated.</p></main>');
    files.set(pagePath(index), html);
  }
  for (let image = 0; image < IMAGES; image++) files.set(`images/photo-${String(image).padStart(3, '0')}.jpg`, imageBytes(image));
  files.set('index.html', pageHtml(-1));
  files.set('404.html', '<!doctype html><title>Not found</title><h1>Not found</h1>\n');
  files.set('assets/site.css', `${'body { font: 16px/1.5 system-ui; color: #222; }\n'.repeat(200)}`);
  files.set('robots.txt', 'User-agent: *\nAllow: /\nSitemap: https://bench.example/sitemap.xml\n');
  files.set('sitemap.xml', `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${live.map((index) => `  <url><loc>https://bench.example${pageUrl(index)}</loc></url>`).join('\n')}\n</urlset>\n`);
  const folders = new Set([...files.keys()].map((file) => path.dirname(path.join(dir, file))));
  await Promise.all([...folders].map((folder) => mkdir(folder, { recursive: true })));
  const entries = [...files];
  for (let start = 0; start < entries.length; start += 256) {
    await Promise.all(entries.slice(start, start + 256).map(([file, contents]) => writeFile(path.join(dir, file), contents)));
  }
}

// ---- the tools --------------------------------------------------------------

interface Run {
  requests: Record<string, number>;
  bytes: number;
  /** Invalidation paths sent (this pipeline), or what the tool would send. */
  invalidation: string;
  ms: number;
  /** Keys whose remote bytes differ from the tree, or that are missing or extra. */
  stale: number;
  note?: string;
  /** Part of the wall time worth naming (this pipeline: hashing the tree, which its build does). */
  detail?: string;
}

interface Tool {
  name: string;
  bucket: string;
  publish(dir: string): Promise<{ invalidation: string; note?: string; detail?: string }>;
}

const awsEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_PAGER: '',
};

/** Asynchronously: the counting proxy lives in this process and must keep answering. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-2000)}`))));
  });
}

function benchSite(bucket: string, endpoint: string): PublishTarget {
  const data = siteConfigSchema.parse({
    domain: 'bench.example',
    shortName: 'bench',
    title: 'Publish benchmark',
    description: 'A generated site of thousands of pages and hundreds of images for the publish benchmark.',
    language: 'en',
    ogImage: '/images/photo-000.jpg',
    analytics: { measurementId: 'G-BENCH12345' },
    booking: { endpoint: 'http://127.0.0.1:9/booking', siteName: 'Bench', timezone: 'UTC' },
    nav: [{ title: 'Home', url: '/' }],
    environments: {
      development: { url: 'http://127.0.0.1:8080', bucket: 'bench-development' },
      staging: { url: 'https://staging.bench.example', bucket: 'bench-staging' },
      production: { url: 'https://bench.example', bucket, endpoint, distributions: [{ id: DISTRIBUTION }] },
    },
  });
  const site: SiteConfig = { ...data, dir: '', configFile: 'bench/site.yaml', declaredEnvironments: data.environments };
  return { site, envName: 'production', env: data.environments['production']! };
}

// ---- the run ----------------------------------------------------------------

// Each scenario builds on the previous one, so each changes exactly one page.
const [SAME, GROWN, DELETED] = [Math.floor(PAGES / 10), Math.floor(PAGES / 4), Math.floor((PAGES * 5) / 8)];
const SCENARIOS: Array<{ name: string; variant: Variant }> = [
  { name: 'first publish', variant: {} },
  { name: 'no change, clean rebuild', variant: {} },
  { name: 'one page changed, same size', variant: { sameSize: SAME } },
  { name: 'one page changed, other size', variant: { sameSize: SAME, grown: GROWN } },
  { name: 'one page deleted', variant: { sameSize: SAME, grown: GROWN, deleted: DELETED } },
];

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'bench-publish-'));
  const siteDir = path.join(work, 'site');
  const s3 = await startLocalS3({ directory: path.join(work, 's3') });
  const log = await startRequestLog({ targetPort: s3.port });
  const cloudfront = await startCloudFrontServer({ distributions: [DISTRIBUTION] });
  const hugoProject = path.join(work, 'hugo');

  const ours: Tool = {
    name: 'this pipeline',
    bucket: 'bench-pipeline',
    async publish(dir) {
      // The build records the tree's hashes; publishing reads them. Timed
      // here as part of the publish, since the other tools hash or stat too.
      const hashStarted = performance.now();
      const record: BuildRecord = {
        version: 1,
        site: 'bench.example',
        shortName: 'bench',
        environment: 'production',
        buildId: 'bench',
        sourceDigest: 'bench',
        git: { commit: null, clean: false },
        builtAt: new Date().toISOString(),
        files: await hashOutputTree(dir),
      };
      const hashMs = performance.now() - hashStarted;
      const target = benchSite(this.bucket, log.endpoint);
      const ports = { store: s3Store({ bucket: this.bucket, region: 'us-east-1', endpoint: log.endpoint }), cdn: cloudFrontCdn({ endpoint: cloudfront.endpoint, credentials: LOCAL_S3_CREDENTIALS }) };
      const quiet = { info() {}, warn() {} };
      const before = cloudfront.requests.length;
      const planStarted = performance.now();
      const { plan } = await planSite(target, { outputDir: dir, record }, ports, { logger: quiet, allowDeletes: false });
      const planMs = performance.now() - planStarted;
      await applyPlan({ plan, outputDir: dir, build: record, ports, logger: quiet });
      const applyMs = performance.now() - planStarted - planMs;
      const sent = cloudfront.requests.slice(before).flatMap((request) => request.paths ?? []);
      const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      return { invalidation: sent.length ? `${sent.length}: ${sent.join(' ')}` : '0', detail: `hashing ${seconds(hashMs)}, listing and planning ${seconds(planMs)}, applying ${seconds(applyMs)}` };
    },
  };
  const tools: Tool[] = [ours];
  const skipped: string[] = [];

  if (values['pipeline-only']) skipped.push('aws s3 sync and hugo deploy (--pipeline-only)');
  else if (existsSync(AWS)) {
    const version = (await run(AWS, ['--version'], awsEnv)).trim().split(' ')[0];
    for (const sizeOnly of [false, true]) {
      tools.push({
        name: `aws s3 sync --delete${sizeOnly ? ' --size-only' : ''}`,
        bucket: sizeOnly ? 'bench-aws-size-only' : 'bench-aws',
        async publish(dir) {
          await run(AWS, ['s3', 'sync', dir, `s3://${this.bucket}/`, '--delete', '--no-progress', '--only-show-errors', '--endpoint-url', log.endpoint, ...(sizeOnly ? ['--size-only'] : [])], awsEnv);
          return { invalidation: '— (no CDN support)', note: version };
        },
      });
    }
  } else {
    skipped.push(`aws s3 sync (${AWS} not installed: apt-get install -y awscli)`);
  }

  if (values['pipeline-only']) {
    // skipped above
  } else if (existsSync(HUGO)) {
    const version = (await run(HUGO, ['version'], awsEnv)).trim().split(' ')[1];
    tools.push({
      name: 'hugo deploy',
      bucket: 'bench-hugo',
      async publish(dir) {
        const url = `s3://${this.bucket}?region=us-east-1&endpoint=${encodeURIComponent(log.endpoint)}&s3ForcePathStyle=true&disableSSL=true`;
        await mkdir(hugoProject, { recursive: true });
        await writeFile(path.join(hugoProject, 'config.toml'), `baseURL = "https://bench.example/"\npublishDir = ${JSON.stringify(dir)}\n[deployment]\n[[deployment.targets]]\nname = "bench"\nURL = ${JSON.stringify(url)}\n`);
        const output = await run(HUGO, ['deploy', '--target', 'bench', '--source', hugoProject, '--maxDeletes', '-1'], { ...awsEnv, HOME: hugoProject, HUGO_CACHEDIR: path.join(hugoProject, 'cache') });
        const changed = !/No changes required/.test(output);
        // With a distribution configured, hugo deploy sends "/*" whenever anything changed.
        return { invalidation: changed ? '1: /* (always; not sent here)' : '0', note: version };
      },
    });
  } else {
    skipped.push(`hugo deploy (${HUGO} not installed: apt-get install -y hugo)`);
  }

  for (const tool of tools) await createBucket(s3.endpoint, tool.bucket);

  const results: Array<{ scenario: string; tool: Tool; run: Run }> = [];
  process.stderr.write(`Generating ${PAGES.toLocaleString('en-US')} pages and ${IMAGES} images in ${siteDir}\n`);
  for (const scenario of SCENARIOS) {
    await generate(siteDir, scenario.variant);
    const local = await hashOutputTree(siteDir);
    if (scenario === SCENARIOS[0]) {
      process.stderr.write(`Site: ${local.length.toLocaleString('en-US')} files, ${formatBytes(local.reduce((sum, file) => sum + file.size, 0))}\n`);
    }
    for (const tool of tools) {
      process.stderr.write(`  ${scenario.name}: ${tool.name}…\n`);
      log.clear();
      const started = performance.now();
      const outcome = await tool.publish(siteDir);
      const ms = performance.now() - started;
      const mine = log.requests.filter((request) => request.bucket === tool.bucket);
      const stale = await staleCount(s3Store({ bucket: tool.bucket, region: 'us-east-1', endpoint: s3.endpoint }), local);
      results.push({ scenario: scenario.name, tool, run: { requests: countByOperation(mine), bytes: bytesUploaded(mine), invalidation: outcome.invalidation, ms, stale, note: outcome.note, detail: outcome.detail } });
    }
  }

  printTable(results, local0Summary(await hashOutputTree(siteDir)), skipped, tools);
  await cloudfront.close();
  await log.close();
  await s3.stop();
  if (!values.keep) await rm(work, { recursive: true, force: true });
  else process.stderr.write(`Kept ${work}\n`);
}

async function createBucket(endpoint: string, bucket: string): Promise<void> {
  const response = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
  if (!response.ok) throw new Error(`Could not create bucket ${bucket}: HTTP ${response.status}`);
}

function countByOperation(requests: readonly LoggedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of requests) counts[request.operation] = (counts[request.operation] ?? 0) + 1;
  return counts;
}

function bytesUploaded(requests: readonly LoggedRequest[]): number {
  return requests.filter((request) => request.method === 'PUT').reduce((sum, request) => sum + request.bytesIn, 0);
}

/** Keys whose remote ETag is not the tree's MD5, missing keys and extra keys (the pipeline's own records aside). */
async function staleCount(store: ReturnType<typeof s3Store>, local: Awaited<ReturnType<typeof hashOutputTree>>): Promise<number> {
  const remote = new Map((await store.list('')).filter((object) => !object.key.startsWith(RESERVED_PREFIX)).map((object) => [object.key, object.etag]));
  let stale = 0;
  for (const file of local) {
    if (remote.get(file.path) !== file.md5) stale++;
    remote.delete(file.path);
  }
  return stale + remote.size;
}

function local0Summary(files: Awaited<ReturnType<typeof hashOutputTree>>): string {
  return `${files.length.toLocaleString('en-US')} files, ${formatBytes(files.reduce((sum, file) => sum + file.size, 0))}`;
}

const SHORT: Record<string, string> = {
  ListObjectsV2: 'LIST',
  ListObjects: 'LIST(v1)',
  GetObject: 'GET',
  HeadObject: 'HEAD',
  PutObject: 'PUT',
  DeleteObjects: 'DELETE-BATCH',
  DeleteObject: 'DELETE',
  CopyObject: 'COPY',
};

function describeRequests(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, count]) => `${SHORT[operation] ?? operation} ${count.toLocaleString('en-US')}`);
  return parts.join(', ') || 'none';
}

function printTable(results: Array<{ scenario: string; tool: Tool; run: Run }>, site: string, skipped: string[], tools: Tool[]): void {
  const lines: string[] = [];
  lines.push('');
  lines.push(`Publish benchmark: ${site} (${PAGES.toLocaleString('en-US')} pages, ${IMAGES} images), s3rver on 127.0.0.1 behind a counting proxy, ${os.cpus().length} CPUs`);
  for (const tool of tools) if (tool.name !== 'this pipeline') lines.push(`  ${tool.name}: ${results.find((result) => result.tool === tool)?.run.note ?? ''}`);
  for (const note of skipped) lines.push(`  skipped: ${note}`);
  const header = ['scenario', 'tool', 'requests', 'uploaded', 'invalidation paths', 'wall', 'bucket matches'];
  const rows = results.map(({ scenario, tool, run: figures }) => [
    scenario,
    tool.name,
    describeRequests(figures.requests),
    formatBytes(figures.bytes),
    figures.invalidation.length > 72 ? `${figures.invalidation.slice(0, 71)}…` : figures.invalidation,
    `${(figures.ms / 1000).toFixed(2)} s${figures.detail ? ` (${figures.detail})` : ''}`,
    figures.stale === 0 ? 'yes' : `NO: ${figures.stale} stale`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  lines.push('');
  lines.push(format(header));
  lines.push(widths.map((width) => '-'.repeat(width)).join('  '));
  let previous = '';
  for (const row of rows) {
    if (row[0] !== previous && previous !== '') lines.push('');
    lines.push(format(row[0] === previous ? ['', ...row.slice(1)] : row));
    previous = row[0]!;
  }
  lines.push('');
  lines.push('This pipeline: wall time includes hashing the tree (its build does that) and the deploy record (GET the last, PUT the new);');
  lines.push('it runs in this process, while aws and hugo include their process start. DELETE-BATCH is one DeleteObjects request.');
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
