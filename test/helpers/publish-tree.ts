/**
 * Deploys without Eleventy, for tests that need many of them quickly: a
 * site config whose environment points at the test servers, and a "build"
 * that writes a given tree as a fresh build would (old output removed, a new
 * build record with the tree's hashes), published with the recipe's own
 * planSite and applyPlan.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { hashOutputTree, type BuildRecord } from '../../scripts/build/build-record.ts';
import { environmentOf, loadAllSites, workspaceAt } from '../../scripts/config/sites.ts';
import { applyPlan, type RecordExtras } from '../../scripts/publish/apply.ts';
import type { Ports } from '../../scripts/publish/ports.ts';
import { planSite, type PublishTarget } from '../../scripts/publish/publish.ts';
import { writeTree, type Tree } from './fixture.ts';
import { siteConfigYaml } from './sites.ts';

const quiet = { info() {}, warn() {} };

/** Writes sites/fixture.test/site.yaml with `environmentYaml` lines (and an optional publish block) and returns the `edge` target. */
export async function treeTarget(root: string, environments: string, publish = '', envName = 'edge'): Promise<PublishTarget> {
  await writeTree(root, { 'sites/fixture.test/site.yaml': siteConfigYaml('fixture.test', 'fixture', environments + (publish ? `publish:\n${publish}` : '')) });
  const [config] = await loadAllSites(workspaceAt(root));
  return { site: config!, envName, env: environmentOf(config!, envName) };
}

export async function treeBuild(root: string, tree: Tree, buildId: string, envName = 'edge'): Promise<{ outputDir: string; record: BuildRecord }> {
  const outputDir = path.join(root, 'dist', envName, 'fixture.test');
  await rm(outputDir, { recursive: true, force: true });
  await writeTree(outputDir, tree);
  const record: BuildRecord = {
    version: 1,
    site: 'fixture.test',
    shortName: 'fixture',
    environment: envName,
    buildId,
    sourceDigest: `digest-of-${buildId}`,
    git: { commit: `commit-of-${buildId}`, clean: true },
    builtAt: new Date().toISOString(),
    files: await hashOutputTree(outputDir),
  };
  return { outputDir, record };
}

/** Plans and applies one tree; `now` spaces the records' keys apart when several are written within a millisecond. */
export async function publishTree(root: string, target: PublishTarget, ports: Ports, tree: Tree, buildId: string, options: { allowDeletes?: boolean; record?: RecordExtras } = {}) {
  const built = await treeBuild(root, tree, buildId, target.envName);
  const publish = await planSite(target, built, ports, { allowDeletes: options.allowDeletes, logger: quiet });
  const report = await applyPlan({ plan: publish.plan, outputDir: built.outputDir, build: built.record, ports, logger: quiet, record: options.record });
  return { ...publish, report, built };
}

export const html = (title: string, body = '') => `<!doctype html><html><head><meta name="build-id" content="${title.toLowerCase().replace(/\W+/g, '-')}"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>\n`;

/** A small site (three pages, a stylesheet, a fingerprinted script) several publish tests start from. */
export const SMALL_SITE: Tree = {
  'index.html': html('Home', '<script src="/assets/app.3f2a9c1b.js"></script>'),
  'about/index.html': html('About'),
  'contact/index.html': html('Contact'),
  'assets/site.css': 'body { color: black; }\n',
  'assets/app.3f2a9c1b.js': 'console.log("app");\n',
};
