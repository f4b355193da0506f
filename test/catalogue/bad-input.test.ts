/**
 * The catalogue of bad input (issue 14, point 7; the cases are in
 * cases.ts): every case runs the real CLI in a child process against a
 * workspace with exactly one defect, and is refused cleanly — a non-zero
 * exit code, a message naming the problem and what to do, no stack trace,
 * and nothing written: the workspace and dist/ as they were, the bucket as
 * it was (the lock's own put and delete aside), no CloudFront invalidation.
 *
 * One s3rver (behind the counting proxy), one CloudFront and one STS
 * stand-in serve every case, each case with buckets of its own; the cases
 * run two at a time, in the background, and each test waits for its own.
 * Two controls first show that the evidence can fail: a valid build does
 * change dist/, and a valid publish does write.
 */
import { writeFile } from 'node:fs/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LoggedRequest } from '../../scripts/s3-local/request-log.ts';
import { hasStackTrace, runCli, type CliResult } from '../helpers/cli.ts';
import { startPublishServers, type PublishServers } from '../helpers/publish-servers.ts';
import { cases, fileNameCases, fileNameRule, type BadInput } from './cases.ts';
import { caseWorkspace, changes, DISTRIBUTION, snapshot, type CaseWorkspace } from './workspace.ts';

const CONCURRENCY = 2;
const LOCK_KEY = '.publish/lock.json';

interface Evidence {
  result: CliResult;
  /** Workspace files added, removed or changed by the command. */
  changed: string[];
  /** Requests that write or delete in the case's buckets, the lock aside. */
  writes: LoggedRequest[];
  /** Every request the command made to the case's buckets. */
  requests: LoggedRequest[];
  /** The buckets' listings (key and ETag) before and after. */
  bucketsBefore: string[];
  bucketsAfter: string[];
  /** CloudFront invalidations created while the command ran (by anyone). */
  invalidations: number;
  problem: RegExp;
  advice: RegExp;
}

async function listing(ws: CaseWorkspace): Promise<string[]> {
  const keys: string[] = [];
  for (const bucket of [ws.bucket, ws.stagingBucket]) {
    for (const object of await ws.store(bucket).list('')) keys.push(`${bucket}/${object.key} ${object.etag}`);
  }
  return keys.sort();
}

const isWrite = (request: LoggedRequest) => request.method !== 'GET' && request.method !== 'HEAD';

/** Sets the case up, runs its command, and gathers what it did. */
async function attempt(servers: PublishServers, entry: Pick<BadInput, 'setup' | 'env' | 'problem' | 'advice' | 'built'>): Promise<Evidence> {
  const ws = await caseWorkspace(servers);
  try {
    const args = await entry.setup(ws);
    const before = snapshot(ws.dir, !entry.built);
    const bucketsBefore = await listing(ws);
    const firstRequest = servers.s3.log.requests.length;
    const invalidationsBefore = servers.cloudfront.count('CreateInvalidation');
    const result = await runCli(['--root', ws.dir, ...args], { env: ws.childEnv(entry.env?.(ws)) });
    const requests = servers.s3.log.requests.slice(firstRequest).filter((request) => request.bucket === ws.bucket || request.bucket === ws.stagingBucket);
    return {
      result,
      changed: changes(before, snapshot(ws.dir, !entry.built)),
      requests,
      writes: requests.filter((request) => isWrite(request) && request.key !== LOCK_KEY),
      bucketsBefore,
      bucketsAfter: await listing(ws),
      invalidations: servers.cloudfront.count('CreateInvalidation') - invalidationsBefore,
      problem: typeof entry.problem === 'function' ? entry.problem(ws) : entry.problem,
      advice: typeof entry.advice === 'function' ? entry.advice(ws) : entry.advice,
    };
  } finally {
    await ws.cleanup();
  }
}

/** Runs every job with at most `width` at a time; one promise per job, in order. */
function limited<T>(jobs: Array<() => Promise<T>>, width: number): Array<Promise<T>> {
  let next = 0;
  const settled: Array<Promise<T>> = [];
  const resolvers: Array<{ resolve: (value: T) => void; reject: (error: unknown) => void }> = [];
  for (let index = 0; index < jobs.length; index++) {
    const promise = new Promise<T>((resolve, reject) => resolvers.push({ resolve, reject }));
    promise.catch(() => undefined); // reported by the test that awaits it
    settled.push(promise);
  }
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      try {
        resolvers[index]!.resolve(await jobs[index]!());
      } catch (error) {
        resolvers[index]!.reject(error);
      }
    }
  };
  for (let index = 0; index < Math.min(width, jobs.length); index++) void worker();
  return settled;
}

let servers: PublishServers;
let outcomes: Array<Promise<Evidence>> = [];
let controls: { build: Promise<Evidence>; publish: Promise<Evidence> };
let refusedCleanly = 0;

const test = suite('the catalogue of bad input');

test.before(async () => {
  servers = await startPublishServers({ distributions: [DISTRIBUTION] });
  const control = (args: string[], built = false) =>
    attempt(servers, {
      built,
      problem: /./,
      advice: /./,
      async setup(ws) {
        await ws.write(ws.site());
        return args;
      },
    });
  const jobs = [() => control(['build']), () => control(['publish', '--env', 'edge']), ...cases.map((entry) => () => attempt(servers, entry))];
  const [build, publish, ...rest] = limited(jobs, CONCURRENCY);
  controls = { build: build!, publish: publish! };
  outcomes = rest;
});
test.after(async () => {
  const settled = await Promise.allSettled(outcomes);
  // CATALOGUE_MESSAGES=<file>: every case's message, for reading them side by side.
  const dump = process.env['CATALOGUE_MESSAGES'];
  if (dump) {
    const text = cases.map((entry, index) => {
      const outcome = settled[index]!;
      const said = outcome.status === 'fulfilled' ? `exit ${outcome.value.result.code}\n${outcome.value.result.stderr.trim()}` : String(outcome.reason);
      return `## ${entry.name} (${entry.covers})\n${said}\n`;
    });
    await writeFile(dump, text.join('\n'));
  }
  await servers.stop();
  const pending = fileNameRule ? '' : ` (${fileNameCases.length} file-name cases wait for scripts/build/safe-names.ts)`;
  const verdict =
    refusedCleanly === cases.length
      ? 'all refused cleanly (exit code, a message naming the problem and what to do, no stack trace), nothing written'
      : `${refusedCleanly} refused cleanly, ${cases.length - refusedCleanly} NOT (see the failures above)`;
  console.log(`bad-input catalogue: ${cases.length} bad inputs tried, ${verdict}${pending}`);
});

test('control: a valid build exits 0 and replaces the previous output (so the dist/ evidence can fail)', async () => {
  const { result, changed } = await controls.build;
  assert.is(result.code, 0, result.stderr);
  assert.ok(changed.includes('~ dist/production/fixture.test/index.html'), changed.join('\n'));
});

test('control: a valid publish exits 0 and writes (so the request-log evidence can fail)', async () => {
  const { result, writes, bucketsAfter, bucketsBefore } = await controls.publish;
  assert.is(result.code, 0, result.stderr);
  assert.ok(writes.some((request) => request.operation === 'PutObject' && request.key === 'index.html'), writes.map((request) => request.key).join('\n'));
  assert.not.equal(bucketsAfter, bucketsBefore);
});

test(`the catalogue holds at least 40 cases, each with its own name`, () => {
  assert.ok(cases.length >= 40, String(cases.length));
  assert.is(new Set(cases.map((entry) => entry.name)).size, cases.length);
});

cases.forEach((entry, index) => {
  test(`refused cleanly: ${entry.name}`, async () => {
    const evidence = await outcomes[index]!;
    const { result } = evidence;
    const shown = `exit ${result.code}\n--- stderr\n${result.stderr}\n--- stdout\n${result.stdout}`;
    assert.is(result.code, entry.code ?? 1, shown);
    assert.match(result.stderr, evidence.problem, `the message should name the problem (${evidence.problem}):\n${shown}`);
    assert.match(result.stderr, evidence.advice, `the message should say what to do (${evidence.advice}):\n${shown}`);
    assert.not.ok(hasStackTrace(result.stderr + result.stdout), `a stack trace:\n${shown}`);
    assert.not.match(result.stderr, 'This is a bug in the pipeline', shown);
    assert.equal(evidence.changed, [], `the workspace${entry.built ? '' : ' or dist/'} changed:\n${evidence.changed.join('\n')}\n${shown}`);
    assert.equal(evidence.writes.map((request) => `${request.operation} ${request.bucket}/${request.key}`), [], shown);
    assert.equal(evidence.bucketsAfter, evidence.bucketsBefore, 'the bucket changed');
    assert.is(evidence.invalidations, 0, 'a CloudFront invalidation was created');
    refusedCleanly++;
  });
});

test.run();
