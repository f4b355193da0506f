import { readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copySharedParts, tempDir, type TempDir } from './helpers/fixture.ts';
import { fixtureSite, page, siteConfigYaml } from './helpers/sites.ts';
import { devServerReady, hasStackTrace, runCli, startCli, stopCli } from './helpers/cli.ts';
import { fetchPage, freePort } from './helpers/http.ts';

interface Ctx { tmp: TempDir }
const test = suite<Ctx>('cli');
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('cli-');
  await copySharedParts(ctx.tmp.dir);
  await ctx.tmp.write(fixtureSite());
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

test('build prints a summary and exits 0; --json is machine-readable', async (ctx) => {
  const result = await runCli(['--root', ctx.tmp.dir, 'build', '--env', 'staging', '--json']);
  assert.is(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as { builds: Array<{ site: string; environment: string; pages: number }> };
  assert.is(parsed.builds[0]?.site, 'fixture.test');
  assert.is(parsed.builds[0]?.environment, 'staging');
  assert.ok(await readFile(path.join(ctx.tmp.dir, 'dist/staging/fixture.test/index.html'), 'utf8'));
});

test('a second build takes unchanged pages from the first; build --full renders every page', async (ctx) => {
  const reuseOf = async (args: string[]) => {
    const result = await runCli(['--root', ctx.tmp.dir, 'build', '--json', ...args]);
    assert.is(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as { builds: Array<{ reuse: unknown }> }).builds[0]?.reuse;
  };
  assert.equal(await reuseOf([]), { reason: 'no earlier build to reuse' });
  assert.equal(await reuseOf([]), { rendered: 0, reused: 1 });
  assert.equal(await reuseOf(['--full']), { reason: 'every page rendered (--full)' });
  const plain = await runCli(['--root', ctx.tmp.dir, 'build']);
  assert.match(plain.stdout, ' · all 1 page unchanged, taken from the previous output · ');
});

for (const [name, setup, expected] of [
  ['unknown site', ['build', '--site', 'nope'], 'error: Unknown site "nope". Valid sites: fixture (fixture.test).'],
  ['unknown environment', ['build', '--env', 'qa'], 'error: Unknown environment "qa" for fixture.test. Valid environments: development, production, staging'],
  ['abbreviated environment (build)', ['build', '--env', 'prod'], 'error: Unknown environment "prod" for fixture.test. Did you mean "production"? Valid environments: development, production, staging'],
  ['misspelt environment (status)', ['status', '--env', 'stagign'], 'error: Unknown environment "stagign" for fixture.test. Did you mean "staging"? Valid environments: development, production, staging'],
  ['abbreviated environment (publish)', ['publish', '--env', 'prod', '--dry-run'], 'error: Unknown environment "prod" for fixture.test. Did you mean "production"?'],
] as const) {
  test(`${name}: one clear line, exit code 1, no stack trace`, async (ctx) => {
    const result = await runCli(['--root', ctx.tmp.dir, ...setup]);
    assert.is(result.code, 1);
    assert.match(result.stderr, expected);
    assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  });
}

test('invalid site config: file, line and key, no stack trace', async (ctx) => {
  await ctx.tmp.write({ 'sites/fixture.test/site.yaml': siteConfigYaml('fixture.test', 'fixture').replace('title: Fixture fixture', 'title: Fixture fixture\ntheme: dark') });
  const result = await runCli(['--root', ctx.tmp.dir, 'build']);
  assert.is(result.code, 1);
  assert.match(result.stderr, 'sites/fixture.test/site.yaml:4: theme: unknown key.');
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
});

test('broken front matter: file and line, no stack trace', async (ctx) => {
  await ctx.tmp.write({ 'sites/fixture.test/content/bad.md': '---\ntitle: [oops\nlayout: page.njk\n---\nBody\n' });
  const result = await runCli(['--root', ctx.tmp.dir, 'build']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /error: sites\/fixture\.test\/content\/bad\.md:\d+: broken front matter/);
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
});


test('a missing include: one message naming the page and the include, exit code 1, no stack trace', async (ctx) => {
  await ctx.tmp.write({ 'sites/fixture.test/content/bad.md': page('Bad', 'A page that includes a partial which exists in no layout folder.', 'page.njk', '{% include "partials/nope.njk" %}') });
  const result = await runCli(['--root', ctx.tmp.dir, 'build']);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, 'error: sites/fixture.test/content/bad.md:6: {% include "partials/nope.njk" %} names a template that does not exist; searched shared-layouts/.');
  assert.not.match(result.stderr, 'bug in the pipeline');
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
});

test('one site failing its checks: the table still shows every site, --json still prints the report, exit code 1', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'content/about.md': page('About', 'The about page of the fixture site, long enough to be a description.', 'page.njk', 'See [the missing page](/nope/).') } }));
  await ctx.tmp.write(fixtureSite({ domain: 'other.test', shortName: 'other' }));
  const table = await runCli(['--root', ctx.tmp.dir, 'build']);
  assert.is(table.code, 1, table.stderr);
  assert.match(table.stdout, /^fixture\.test +production +2 +- +- +\d+ .*FAIL 1/m);
  assert.match(table.stdout, /^other\.test +production +1 +\d+ .* pass /m);
  assert.match(table.stdout, /^fixture\.test: build failed, .* left as it was/m);
  assert.match(table.stderr, 'error: fixture.test (production): 1 check problem in the built pages');
  assert.not.ok(hasStackTrace(table.stderr), table.stderr);

  const json = await runCli(['--root', ctx.tmp.dir, 'build', '--json']);
  assert.is(json.code, 1, json.stderr);
  const parsed = JSON.parse(json.stdout) as { passed: boolean; builds: Array<{ site: string; error?: string; checks?: { problems: Array<{ rule: string }> } }> };
  assert.is(parsed.passed, false);
  assert.equal(parsed.builds.map((row) => [row.site, row.error === undefined]), [['fixture.test', false], ['other.test', true]]);
  assert.equal(parsed.builds[0]!.checks!.problems.map((problem) => problem.rule), ['links/broken']);
});

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('dev server: serves the site on 127.0.0.1 only, with live reload picking up an edit', async (ctx) => {
  const port = await freePort();
  const child = startCli(['--root', ctx.tmp.dir, 'dev', '--site', 'fixture', '--port', String(port)]);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    // An edit made before Eleventy's watcher is ready is never seen.
    await devServerReady(child);
    const home = await waitFor(() => fetchPage(`http://127.0.0.1:${port}/`), `the dev server (${output})`);
    assert.match(home, 'Welcome aboard.');
    assert.match(home, '<meta name="robots" content="noindex, nofollow">');
    assert.match(home, /reload-client\.js/); // Eleventy's live-reload client is injected
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) assert.not.ok(await connects(external.address, port), `reachable on ${external.address}`);
    const edit = () => ctx.tmp.write({ 'sites/fixture.test/content/index.md': page('Fixture home', 'The home page of a fixture site, long enough to be a description.', 'page.njk', 'Edited while serving.') });
    await edit();
    // An edit landing while a rebuild runs can be missed; saving again, as an
    // editor would, keeps a loaded machine from failing the test.
    let saved = Date.now();
    await waitFor(async () => {
      if ((await fetchPage(`http://127.0.0.1:${port}/`))?.includes('Edited while serving.')) return true;
      if (Date.now() - saved > 5_000) {
        await edit();
        saved = Date.now();
      }
      return undefined;
    }, 'the edit to show', 60_000);
  } finally {
    await stopCli(child);
  }
});

test.run();
