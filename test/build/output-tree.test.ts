/**
 * The atomic output's trash (scripts/build/output-tree.ts): what a build
 * hands to the background deleter, and what it must not.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commitOutput, startOutput } from '../../scripts/build/output-tree.ts';
import { tempDir, writeTree, type TempDir } from '../helpers/fixture.ts';

const test = suite<{ tmp: TempDir }>('output tree');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('output-tree-');
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

test('a build that finds leftovers in dist/.trash has them deleted, but never the folder itself, which its own commit renames into (regression: ENOENT mkdir dist/.trash when a build followed another)', async (ctx) => {
  const final = path.join(ctx.tmp.dir, 'dist/edge/fixture.test');
  const trash = path.join(ctx.tmp.dir, 'dist/.trash');
  await writeTree(ctx.tmp.dir, { 'dist/edge/fixture.test/index.html': 'previous', 'dist/.trash/edge-fixture.test-1-1/index.html': 'left by an earlier build' });
  const pending = await startOutput(final);
  // The deleter runs in a detached process; wait (without a time limit on the outcome) until it is done with the leftover.
  while (existsSync(path.join(trash, 'edge-fixture.test-1-1'))) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(existsSync(trash), 'dist/.trash itself is kept');
  await writeTree(pending.temporary, { 'index.html': 'new' });
  await commitOutput(pending);
  assert.equal(await readdir(path.join(ctx.tmp.dir, 'dist/edge')), ['fixture.test']);
});

test.run();
