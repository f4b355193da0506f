import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { checkReportOf } from '../../scripts/checks/check-step.ts';
import { formatProblem } from '../../scripts/checks/problem.ts';
import { loadAllSites, workspaceAt } from '../../scripts/config/sites.ts';
import { repoRoot, tempDir } from '../helpers/fixture.ts';

const test = suite('real sites pass every check');
const quiet = { info() {}, warn() {} };

const sites = await loadAllSites(workspaceAt(repoRoot));

/**
 * A fresh check cache, so every page is checked now rather than vouched for
 * by results a developer's earlier builds left in .cache/checks. Encoded
 * images are shared with the repository's cache: they are verified against
 * their hashes on every read (images/image-cache.ts), and encoding the three
 * sites cold would only make the test slow.
 */
async function freshCheckCache(dir: string): Promise<string> {
  const images = path.join(repoRoot, '.cache', 'images');
  await mkdir(images, { recursive: true });
  await mkdir(path.join(dir, 'cache'), { recursive: true });
  await symlink(images, path.join(dir, 'cache', 'images'));
  return path.join(dir, 'cache');
}
const environments = [...new Set(sites.flatMap((site) => Object.keys(site.environments)))].sort();

for (const envName of environments) {
  test(`${envName}: every site that declares it builds and passes every check`, async () => {
    const tmp = await tempDir('real-sites-checks-');
    try {
      const names = sites.filter((site) => envName in site.environments).map((site) => site.shortName);
      const workspace = { ...workspaceAt(repoRoot), cacheDir: await freshCheckCache(tmp.dir) };
      const results = await buildSites({ workspace, envName, sites: names, distDir: path.join(tmp.dir, 'dist'), logger: quiet });
      for (const result of results) {
        const report = checkReportOf(result.pages);
        assert.ok(report, `${result.site.domain} has a check report`);
        assert.equal(report!.problems.map(formatProblem), [], `${result.site.domain} (${envName})`);
        assert.equal(
          report!.checks.filter((check) => !check.passed).map((check) => check.name),
          [],
        );
        assert.ok(report!.pages >= 4, `${result.site.domain} checked ${report!.pages} pages`);
        assert.is(report!.cache.hits, 0, `${result.site.domain}: no result came from a cache`);
        assert.ok(report!.images > 0, `${result.site.domain} has images`);
      }
    } finally {
      await tmp.cleanup();
    }
  });
}

test.run();
