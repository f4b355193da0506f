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
const environments = [...new Set(sites.flatMap((site) => Object.keys(site.environments)))].sort();

for (const envName of environments) {
  test(`${envName}: every site that declares it builds and passes every check`, async () => {
    const tmp = await tempDir('real-sites-checks-');
    try {
      const names = sites.filter((site) => envName in site.environments).map((site) => site.shortName);
      const results = await buildSites({ workspace: workspaceAt(repoRoot), envName, sites: names, distDir: tmp.dir, logger: quiet });
      for (const result of results) {
        const report = checkReportOf(result.pages);
        assert.ok(report, `${result.site.domain} has a check report`);
        assert.equal(report!.problems.map(formatProblem), [], `${result.site.domain} (${envName})`);
        assert.equal(
          report!.checks.filter((check) => !check.passed).map((check) => check.name),
          [],
        );
        assert.ok(report!.pages >= 4, `${result.site.domain} checked ${report!.pages} pages`);
        assert.ok(report!.images > 0, `${result.site.domain} has images`);
      }
    } finally {
      await tmp.cleanup();
    }
  });
}

test.run();
