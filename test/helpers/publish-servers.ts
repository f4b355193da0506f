/**
 * Everything an environment-safety test publishes against, on 127.0.0.1:
 * s3rver behind the counting proxy (which also honours conditional writes),
 * the CloudFront stand-in, STS from moto (test/helpers/moto-sts.ts: one
 * moto_server per test file), and a connector wiring the publisher's own
 * adapters to them. Plus the fixture pieces these tests share: an
 * environment block for site.yaml and a git repository around the fixture
 * workspace (the staging gate compares commits and clean trees).
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Connector } from '../../scripts/publish/connect.ts';
import { startCloudFrontServer, type CloudFrontServer, type CloudFrontServerOptions } from './cloudfront-server.ts';
import { testConnector, type TestConnectorOptions } from './publish-connection.ts';
import { startTestS3, type TestS3 } from './s3-server.ts';
import { startMotoSts, type MotoSts } from './moto-sts.ts';
import type { MotoServer } from './moto-server.ts';

const run = promisify(execFile);

export interface PublishServers {
  s3: TestS3;
  cloudfront: CloudFrontServer;
  sts: MotoSts;
  connect(options?: Omit<TestConnectorOptions, 'cloudfront' | 'sts'>): Connector;
  /** A fresh, empty staging and production bucket pair, named `<name>-staging-N` and `<name>-production-N`. */
  bucketPair(name: string): Promise<{ staging: string; production: string }>;
  /** Empties every request log (and stops holding or injecting). */
  clear(): void;
  stop(): Promise<void>;
}

/** `moto`: a moto_server the test file already runs (and stops), for STS; otherwise one is started and stopped here. */
export async function startPublishServers(options: CloudFrontServerOptions, shared: { moto?: MotoServer } = {}): Promise<PublishServers> {
  const s3 = await startTestS3();
  const cloudfront = await startCloudFrontServer(options);
  const sts = await startMotoSts({ moto: shared.moto });
  let pairs = 0;
  return {
    s3,
    cloudfront,
    sts,
    connect: (extra = {}) => testConnector({ cloudfront, sts, ...extra }),
    async bucketPair(name) {
      pairs += 1;
      const pair = { staging: `${name}-staging-${pairs}`, production: `${name}-production-${pairs}` };
      await s3.createBucket(pair.staging);
      await s3.createBucket(pair.production);
      return pair;
    },
    clear() {
      s3.log.clear();
      s3.log.inject(undefined);
      s3.log.hold(undefined);
      cloudfront.clear();
      cloudfront.completeOnPoll(undefined);
      sts.clear();
    },
    async stop() {
      await sts.close();
      await cloudfront.close();
      await s3.stop();
    },
  };
}

export interface EnvironmentYaml {
  bucket: string;
  endpoint: string;
  url?: string;
  distributions?: readonly string[];
  prefix?: string;
  profile?: string;
  /** More lines, indented four spaces. */
  extra?: string;
}

/** One `environments:` entry, indented for siteConfigYaml's `extra`. */
export function environmentYaml(name: string, options: EnvironmentYaml): string {
  const distributions = options.distributions ?? [];
  return (
    `  ${name}:\n    url: ${options.url ?? `https://${name}.fixture.test`}\n    bucket: ${options.bucket}\n    endpoint: ${options.endpoint}\n` +
    (options.prefix ? `    prefix: ${options.prefix}\n` : '') +
    (options.profile ? `    profile: ${options.profile}\n` : '') +
    (distributions.length ? `    distributions:\n${distributions.map((id) => `      - id: ${id}\n`).join('')}` : '') +
    (options.extra ?? '')
  );
}

/** The fixture's staging and production environments moved onto the test servers (the gate reads staging). */
export function onTestServers(yaml: string, options: { endpoint: string; staging: string; production: string; distribution?: string }): string {
  return yaml
    .replace('    bucket: fixture-staging\n', `    bucket: ${options.staging}\n    endpoint: ${options.endpoint}\n`)
    .replace(
      '    bucket: fixture-production\n    distributions:\n      - id: E1FIXTUREPROD\n',
      `    bucket: ${options.production}\n    endpoint: ${options.endpoint}\n` + (options.distribution ? `    distributions:\n      - id: ${options.distribution}\n` : ''),
    );
}

/** Makes the workspace a git repository with everything committed (build output ignored), so builds record a clean commit. */
export async function commitAll(dir: string, message = 'fixture'): Promise<string> {
  const git = (...args: string[]) => run('git', ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.test', '-c', 'commit.gpgsign=false', ...args], { cwd: dir });
  await run('git', ['init', '-q', '-b', 'main'], { cwd: dir }).catch(() => run('git', ['init', '-q'], { cwd: dir }));
  await writeFile(`${dir}/.gitignore`, 'dist/\n.cache/\n');
  await git('add', '-A');
  await git('commit', '-q', '--allow-empty', '-m', message);
  return (await git('rev-parse', 'HEAD')).stdout.trim();
}
