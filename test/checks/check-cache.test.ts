import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkCodeDigest, checkCodeGraph, CHECK_CODE_ENTRIES } from '../../scripts/checks/check-cache.ts';
import { repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';

interface Ctx {
  tmp: TempDir;
}
const test = suite<Ctx>('check cache: the code digest');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('check-code-');
  // A copy of the real pipeline code, so a test can edit it.
  await cp(path.join(repoRoot, 'scripts'), path.join(ctx.tmp.dir, 'scripts'), { recursive: true });
  await cp(path.join(repoRoot, 'package-lock.json'), path.join(ctx.tmp.dir, 'package-lock.json'));
  await cp(path.join(repoRoot, 'patches'), path.join(ctx.tmp.dir, 'patches'), { recursive: true });
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const digestOf = (ctx: Ctx) =>
  checkCodeDigest({
    entries: CHECK_CODE_ENTRIES.map((file) => path.join(ctx.tmp.dir, path.relative(repoRoot, file))),
    lockfile: path.join(ctx.tmp.dir, 'package-lock.json'),
  });

async function edit(ctx: Ctx, file: string, change: (text: string) => string): Promise<void> {
  const absolute = path.join(ctx.tmp.dir, file);
  await writeFile(absolute, change(await readFile(absolute, 'utf8')));
}

test('the digest covers the code checks import outside scripts/checks (widgets, build) and the libraries they use', () => {
  const { files, packages } = checkCodeGraph(CHECK_CODE_ENTRIES);
  const relative = files.map((file) => path.relative(repoRoot, file).split(path.sep).join('/'));
  for (const file of ['scripts/checks/registry.ts', 'scripts/checks/seo.ts', 'scripts/widgets/widget-integrity.ts', 'scripts/widgets/widget-block.ts', 'scripts/build/page-id.ts']) {
    assert.ok(relative.includes(file), `${file} in ${relative.join(', ')}`);
  }
  assert.not.ok(relative.some((file) => file.startsWith('scripts/publish/')));
  for (const name of ['acorn', 'html-validate', 'htmlparser2']) assert.ok(packages.includes(name), name);
});

for (const file of ['scripts/widgets/widget-integrity.ts', 'scripts/widgets/widget-block.ts', 'scripts/build/page-id.ts', 'scripts/checks/seo.ts']) {
  test(`regression: editing ${file}, which a check runs, changes the digest (a stale cache hid a widget check that always failed)`, async (ctx) => {
    const before = digestOf(ctx);
    await edit(ctx, file, (text) => `${text}\nexport const edited = true;\n`);
    assert.is.not(digestOf(ctx), before);
  });
}

test('a library upgrade (the lockfile) changes the digest; editing code no check runs does not', async (ctx) => {
  const before = digestOf(ctx);
  await edit(ctx, 'scripts/publish/plan.ts', (text) => `${text}\n// an edit no check runs\n`);
  assert.is(digestOf(ctx), before);
  await edit(ctx, 'package-lock.json', (text) => text.replace('"lockfileVersion"', '"lockfileVersion" ').replace(/\n$/, '\n\n'));
  assert.is.not(digestOf(ctx), before);
});

test('regression: editing a patch patch-package applies (html-validate keeps its version number) changes the digest, and so does adding one', async (ctx) => {
  const before = digestOf(ctx);
  await edit(ctx, 'patches/html-validate+10.17.0.patch', (text) => text.replace('const SELECTOR_CACHE_LIMIT = 4096;', 'const SELECTOR_CACHE_LIMIT = 4095;'));
  const edited = digestOf(ctx);
  assert.is.not(edited, before);
  await writeFile(path.join(ctx.tmp.dir, 'patches', 'another+1.0.0.patch'), 'diff --git a/x b/x\n');
  assert.is.not(digestOf(ctx), edited);
});

test.run();
