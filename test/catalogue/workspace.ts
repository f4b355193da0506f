/**
 * What every case of the bad-input catalogue starts from: a fixture
 * workspace (one valid site, the real shared layouts and widgets) whose
 * `edge` environment publishes to this case's own bucket on the shared
 * s3rver, a home folder with empty AWS files, and a previous build's output
 * in dist/ (a build that fails must leave it as it was). And the evidence a
 * case is judged by: what changed in the workspace, and what reached the
 * servers.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { publishSites } from '../../scripts/publish/publish.ts';
import type { ObjectStore } from '../../scripts/publish/ports.ts';
import { isolatedAwsEnv } from '../helpers/cli.ts';
import { copySharedParts, tempDir, type TempDir, type Tree } from '../helpers/fixture.ts';
import { environmentYaml, type EnvironmentYaml, type PublishServers } from '../helpers/publish-servers.ts';
import { fixtureSite, type FixtureSiteOptions } from '../helpers/sites.ts';

/** The one distribution the CloudFront stand-in knows. */
export const DISTRIBUTION = 'E2CATALOGUE01';
export const SITE = 'sites/fixture.test';
/** The environments whose previous output is seeded in dist/. */
const SEEDED_ENVIRONMENTS = ['production', 'staging', 'edge'];

export interface CaseWorkspace {
  dir: string;
  /** This case's bucket, created empty on s3rver; `edge` publishes there. */
  bucket: string;
  /** A second bucket, for staging (production's gate reads it). */
  stagingBucket: string;
  servers: PublishServers;
  home: string;
  write(tree: Tree): Promise<void>;
  /** The fixture site with the `edge` environment on the test servers; `options.edge` replaces parts of it. */
  site(options?: FixtureSiteOptions & { edge?: Partial<EnvironmentYaml> }): Tree;
  store(bucket?: string): ObjectStore;
  /** A real publish in this process (setting the stage, before the case's command runs). */
  publishNow(envName?: string): Promise<void>;
  /** Environment for the child process: no credentials but the case's own files, the SDK pointed at the stand-ins. */
  childEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

let counter = 0;

export async function caseWorkspace(servers: PublishServers): Promise<CaseWorkspace> {
  const tmp: TempDir = await tempDir('bad-input-');
  const number = ++counter;
  const bucket = `catalogue-${number}`;
  const stagingBucket = `catalogue-${number}-staging`;
  await servers.s3.createBucket(bucket);
  await servers.s3.createBucket(stagingBucket);
  await copySharedParts(tmp.dir);
  const home = path.join(tmp.dir, 'home');
  await mkdir(path.join(home, '.aws', 'sso', 'cache'), { recursive: true });
  await writeFile(path.join(home, '.aws', 'config'), '');
  await writeFile(path.join(home, '.aws', 'credentials'), '');
  // A previous build's output: a failed build must leave it exactly so.
  for (const env of SEEDED_ENVIRONMENTS) {
    await tmp.write({ [`dist/${env}/fixture.test/index.html`]: `<!doctype html><title>previous ${env} build</title>\n` });
  }
  const workspace: CaseWorkspace = {
    dir: tmp.dir,
    bucket,
    stagingBucket,
    servers,
    home,
    write: (tree) => tmp.write(tree),
    site(options = {}) {
      const edge = environmentYaml('edge', { bucket, endpoint: servers.s3.endpoint, distributions: [DISTRIBUTION], ...options.edge });
      return fixtureSite({ ...options, extraConfig: edge + (options.extraConfig ?? '') });
    },
    store: (name = bucket) => servers.s3.store(name),
    async publishNow(envName = 'edge') {
      await publishSites({ workspace: workspaceAt(tmp.dir), envName, sites: [], logger: { info() {}, warn() {} }, connect: servers.connect(), allowDeletes: true });
    },
    childEnv: (extra = {}) => isolatedAwsEnv(home, { sts: servers.sts.endpoint, cloudfront: servers.cloudfront.endpoint }, extra),
    cleanup: () => tmp.cleanup(),
  };
  return workspace;
}

/**
 * Every file under the workspace (sources, layouts, widgets, dist/) by path,
 * with a hash of its bytes (a link: its target). Caches, the AWS home and git
 * are left out; `dist/` too when `withDist` is false.
 */
export function snapshot(root: string, withDist = true): Map<string, string> {
  const files = new Map<string, string>();
  const skip = new Set(['.cache', 'home', '.git', ...(withDist ? [] : ['dist'])]);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const absolute = path.join(dir, entry);
      const relative = path.relative(root, absolute);
      if (dir === root && skip.has(entry)) continue;
      // Replaced outputs wait here for a detached deleter (scripts/build/output-tree.ts), which may run at any time.
      if (relative === path.join('dist', '.trash')) continue;
      const stat = lstatSync(absolute);
      if (stat.isSymbolicLink()) files.set(relative, `link → ${readlinkSync(absolute)}`);
      else if (stat.isDirectory()) {
        files.set(`${relative}/`, 'folder');
        walk(absolute);
      } else files.set(relative, createHash('sha256').update(readFileSync(absolute)).digest('hex'));
    }
  };
  walk(root);
  return files;
}

/** What differs between two snapshots, as "+ added", "- removed", "~ changed" lines. */
export function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [file, hash] of after) {
    if (!before.has(file)) lines.push(`+ ${file}`);
    else if (before.get(file) !== hash) lines.push(`~ ${file}`);
  }
  for (const file of before.keys()) if (!after.has(file)) lines.push(`- ${file}`);
  return lines.sort();
}
