/**
 * Publishing checks again what it is about to upload (scripts/build/what-may-ship.ts):
 * a tree changed after its build is refused before the first request.
 */
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hashOutputTree } from '../../scripts/build/build-record.ts';
import { PublishError } from '../../scripts/errors.ts';
import { planSite } from '../../scripts/publish/publish.ts';
import type { Ports } from '../../scripts/publish/ports.ts';
import { rejects } from '../helpers/assert.ts';
import { tempDir, writeTree, type TempDir } from '../helpers/fixture.ts';
import { html, treeBuild, treeTarget } from '../helpers/publish-tree.ts';

const quiet = { info() {}, warn() {} };
const environments = `  edge:\n    url: https://edge.fixture.test\n    bucket: what-may-ship\n    endpoint: http://127.0.0.1:9\n`;
const fakeKeyId = 'AKIA' + 'IOSFODNN7EXAMPL9';

/** A store that fails the test on any request: the refusal comes before the first one. */
const noRequests: Ports = {
  store: new Proxy({}, { get: (_, name) => () => { throw new Error(`no request expected, got ${String(name)}`); } }) as Ports['store'],
};

interface Ctx { tmp: TempDir }
const test = suite<Ctx>('publish: what may ship');
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('publish-ship-');
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

test('a secret added to the tree after its build is refused before any request, masked', async (ctx) => {
  const target = await treeTarget(ctx.tmp.dir, environments);
  const built = await treeBuild(ctx.tmp.dir, { 'index.html': html('Home') }, 'b1');
  await writeTree(built.outputDir, { 'assets/credentials.txt': `aws_access_key_id = ${fakeKeyId}\n` });
  built.record.files = await hashOutputTree(built.outputDir); // as if the record were rewritten too: the md5 check alone would not catch it
  const error = await rejects(() => planSite(target, built, noRequests, { logger: quiet }), PublishError);
  assert.match(error.message, 'publish refuses');
  assert.match(error.message, 'assets/credentials.txt');
  assert.match(error.message, 'AKIA…MPL9');
  assert.not.match(error.message, fakeKeyId);
});

test('a file replaced by a link after the build is refused', async (ctx) => {
  const target = await treeTarget(ctx.tmp.dir, environments);
  const built = await treeBuild(ctx.tmp.dir, { 'index.html': html('Home'), 'notes.txt': 'plain\n' }, 'b1');
  const { rm } = await import('node:fs/promises');
  await rm(path.join(built.outputDir, 'notes.txt'));
  symlinkSync('/etc/hostname', path.join(built.outputDir, 'notes.txt'));
  const error = await rejects(() => planSite(target, built, noRequests, { logger: quiet }), PublishError);
  assert.match(error.message, 'notes.txt: a symbolic link');
});

test('a file over the per-file limit is refused by publish too', async (ctx) => {
  const target = await treeTarget(ctx.tmp.dir, environments + `build:\n  fileSize:\n    warningMiB: 0.01\n    limitMiB: 0.02\n`);
  const built = await treeBuild(ctx.tmp.dir, { 'index.html': html('Home'), 'big.bin': Buffer.alloc(50_000, 1) }, 'b1');
  const error = await rejects(() => planSite(target, built, noRequests, { logger: quiet }), PublishError);
  assert.match(error.message, 'big.bin: 48.8 KiB, over the limit of 0.02 MiB per file');
});

test('a file whose name a URL spells two ways (added to the tree after its build) is refused by publish, with a name to use', async (ctx) => {
  const target = await treeTarget(ctx.tmp.dir, environments);
  const built = await treeBuild(ctx.tmp.dir, { 'index.html': html('Home'), 'menu/fish+chips.txt': 'cod\n' }, 'b1');
  const error = await rejects(() => planSite(target, built, noRequests, { logger: quiet }), PublishError);
  assert.match(error.message, 'menu/fish+chips.txt: its name "fish+chips.txt" has "+"');
  assert.match(error.message, 'Give it the URL /menu/fish-chips.txt instead');
});

test.run();
