/**
 * Where the build is run from must not matter, even when the current
 * directory's path is the start of the workspace's (`/tmp/a` and `/tmp/a-fx`).
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { displayPath } from '../../scripts/build/context.ts';
import type { Workspace } from '../../scripts/config/sites.ts';
import { hasStackTrace, runCli } from '../helpers/cli.ts';
import { copySharedParts, tempDir, writeTree, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite } from '../helpers/sites.ts';

interface Ctx { cwd: TempDir; root: string }
const test = suite<Ctx>('build from another working directory');

test.before.each(async (ctx) => {
  ctx.cwd = await tempDir('working-dir-');
  ctx.root = path.join(`${ctx.cwd.dir}-fx`, 'ok');
  await mkdir(ctx.root, { recursive: true });
  await copySharedParts(ctx.root);
  await writeTree(ctx.root, fixtureSite());
});
test.after.each(async (ctx) => {
  await ctx.cwd.cleanup();
  await rm(`${ctx.cwd.dir}-fx`, { recursive: true, force: true });
});

test('a build run from a folder whose path starts the workspace\'s builds (no "entry._pages is not iterable")', async (ctx) => {
  const result = await runCli(['--root', ctx.root, 'build'], { cwd: ctx.cwd.dir });
  assert.is(result.code, 0, result.stderr);
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  assert.ok(existsSync(path.join(ctx.root, 'dist/production/fixture.test/index.html')));
  assert.ok(existsSync(path.join(ctx.root, 'dist/production/fixture.test/robots.txt')));
  assert.ok(existsSync(path.join(ctx.root, 'dist/production/fixture.test/sitemap.xml')));
});

test('paths are shown relative to the workspace only when they are inside it', () => {
  const context = { workspace: { root: '/tmp/site' } as Workspace };
  assert.is(displayPath(context, '/tmp/site/sites/a.md'), 'sites/a.md');
  assert.is(displayPath(context, '/tmp/site-fx/sites/a.md'), '/tmp/site-fx/sites/a.md');
});

test.run();
