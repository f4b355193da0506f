import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAllSites, workspaceAt } from '../../scripts/config/sites.ts';
import { PIPELINE_ROOT, sourceDigest } from '../../scripts/build/source-digest.ts';
import { tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite } from '../helpers/sites.ts';

interface Ctx { workspace: TempDir; pipeline: TempDir }
const test = suite<Ctx>('source digest');

test.before.each(async (ctx) => {
  ctx.workspace = await tempDir('digest-workspace-');
  ctx.pipeline = await tempDir('digest-pipeline-');
  await ctx.workspace.write({
    ...fixtureSite(),
    'shared-layouts/base.njk': '<html>{{ content | safe }}</html>\n',
    'widgets/booking/widget.js': 'export const version = 1;\n',
  });
  // A stand-in for the pipeline's own checkout: what it is made of, and what it is not.
  await ctx.pipeline.write({
    'scripts/build/render.ts': 'export const render = 1;\n',
    'scripts/images/encode.ts': 'export const quality = 80;\n',
    'scripts/publish/apply.ts': 'export const apply = 1;\n',
    'package.json': '{ "dependencies": { "@11ty/eleventy": "3.1.8" } }\n',
    'package-lock.json': '{ "lockfileVersion": 3 }\n',
    'patches/@11ty+eleventy+3.1.8.patch': 'diff --git a/x b/x\n',
    'test/build.test.ts': 'test();\n',
    'README.md': '# Read me\n',
  });
});
test.after.each(async (ctx) => {
  await ctx.workspace.cleanup();
  await ctx.pipeline.cleanup();
});

async function digestOf(ctx: Ctx): Promise<string> {
  const workspace = workspaceAt(ctx.workspace.dir);
  const [site] = await loadAllSites(workspace);
  return sourceDigest(workspace, site!, ctx.pipeline.dir);
}

for (const [what, where, file] of [
  ['a shared layout', 'workspace', 'shared-layouts/base.njk'],
  ['a widget file', 'workspace', 'widgets/booking/widget.js'],
  ['a page', 'workspace', 'sites/fixture.test/content/index.md'],
  ['a build script', 'pipeline', 'scripts/build/render.ts'],
  ['an image script', 'pipeline', 'scripts/images/encode.ts'],
  ['package-lock.json', 'pipeline', 'package-lock.json'],
  ['package.json', 'pipeline', 'package.json'],
  ['a dependency patch', 'pipeline', 'patches/@11ty+eleventy+3.1.8.patch'],
] as const) {
  test(`changing ${what} changes the digest`, async (ctx) => {
    const before = await digestOf(ctx);
    await ctx[where].write({ [file]: 'changed\n' });
    assert.is.not(await digestOf(ctx), before);
  });
}

for (const file of ['test/build.test.ts', 'README.md', 'scripts/publish/apply.ts', 'sites/fixture.test/.DS_Store']) {
  test(`changing ${file} leaves the digest as it was`, async (ctx) => {
    const before = await digestOf(ctx);
    await (file.startsWith('sites/') ? ctx.workspace : ctx.pipeline).write({ [file]: 'changed\n' });
    assert.is(await digestOf(ctx), before);
  });
}

test('the same sources in another folder give the same digest', async (ctx) => {
  const before = await digestOf(ctx);
  const copy = await tempDir('digest-copy-');
  try {
    await copy.write({ ...fixtureSite(), 'shared-layouts/base.njk': '<html>{{ content | safe }}</html>\n', 'widgets/booking/widget.js': 'export const version = 1;\n' });
    const workspace = workspaceAt(copy.dir);
    const [site] = await loadAllSites(workspace);
    assert.is(await sourceDigest(workspace, site!, ctx.pipeline.dir), before);
  } finally {
    await copy.cleanup();
  }
});

test('by default the pipeline is this checkout', () => {
  assert.is(PIPELINE_ROOT, path.resolve(import.meta.dirname, '..', '..'));
});

test.run();
