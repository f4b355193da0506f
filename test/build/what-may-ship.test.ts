import { existsSync, lstatSync, symlinkSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { buildSites } from '../../scripts/build/build-sites.ts';
import { readBuildRecord } from '../../scripts/build/build-record.ts';
import { isDotfile, maskSecret, secretIn } from '../../scripts/build/what-may-ship.ts';
import { BuildError, ConfigError } from '../../scripts/errors.ts';
import { rejects } from '../helpers/assert.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite } from '../helpers/sites.ts';

interface Ctx { tmp: TempDir; warnings: string[] }
const test = suite<Ctx>('what may ship');

test.before.each(async (ctx) => {
  ctx.tmp = await tempDir();
  ctx.warnings = [];
  await copySharedParts(ctx.tmp.dir);
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const site = 'sites/fixture.test';
const out = (ctx: Ctx) => path.join(ctx.tmp.dir, 'dist', 'staging', 'fixture.test');

async function build(ctx: Ctx) {
  return buildSites({ workspace: workspaceAt(ctx.tmp.dir), envName: 'staging', sites: [], logger: { info() {}, warn: (message) => ctx.warnings.push(message) } });
}

const fakeKeyId = 'AKIA' + 'IOSFODNN7EXAMPL9';
const fakeSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

test('a symbolic link to /etc/passwd is refused, with the file, its target and what to do; the previous output stays', async (ctx) => {
  await ctx.tmp.write(fixtureSite());
  await build(ctx);
  const before = (await readdir(path.join(out(ctx), 'assets'))).sort();
  symlinkSync('/etc/passwd', path.join(ctx.tmp.dir, site, 'assets', 'passwd.txt'));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, `${site}/assets/passwd.txt`);
  assert.match(error.message, '/etc/passwd');
  assert.match(error.message, 'Replace the link with the file itself');
  assert.equal((await readdir(path.join(out(ctx), 'assets'))).sort(), before);
  assert.not.ok(existsSync(path.join(out(ctx), 'assets', 'passwd.txt')));
});

test('a symbolic link inside the site is published as a regular file', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'assets/notes/original.txt': 'Opening hours: nine to five.\n' } }));
  symlinkSync('notes/original.txt', path.join(ctx.tmp.dir, site, 'assets', 'linked.txt'));
  await build(ctx);
  const copied = path.join(out(ctx), 'assets', 'linked.txt');
  assert.not.ok(lstatSync(copied).isSymbolicLink());
  assert.ok(lstatSync(copied).isFile());
  assert.is(await readFile(copied, 'utf8'), 'Opening hours: nine to five.\n');
  const record = await readBuildRecord(`${out(ctx)}.build.json`);
  assert.ok(record.files.some((file) => file.path === 'assets/linked.txt'));
});

test('a link among the pages or images pointing outside the site is refused too', async (ctx) => {
  await ctx.tmp.write(fixtureSite());
  symlinkSync('/etc', path.join(ctx.tmp.dir, site, 'content', 'etc'));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, `${site}/content/etc: a symbolic link to /etc, outside ${site}`);
});

test('a .env is refused as a dotfile, and the secret is not printed', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'assets/.env': `AWS_SECRET_ACCESS_KEY=${fakeSecret}\n` } }));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'assets/.env');
  assert.match(error.message, 'dotfile');
  assert.match(error.message, 'build.allowFiles');
  assert.not.match(error.message, fakeSecret);
  assert.not.ok(existsSync(out(ctx)));
});

test('an AWS access key id in credentials.txt is refused, named by its source and masked', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'assets/credentials.txt': `[default]\naws_access_key_id = ${fakeKeyId}\n` } }));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, `assets/credentials.txt (from ${site}/assets/credentials.txt)`);
  assert.match(error.message, 'an AWS access key id');
  assert.match(error.message, 'AKIA…MPL9');
  assert.not.match(error.message, fakeKeyId);
});

test('an AWS secret access key and a private key are refused', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ pages: { 'assets/config.txt': `aws_secret_access_key: ${fakeSecret}\n`, 'assets/server.pem': '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----\n' } }));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'assets/config.txt');
  assert.match(error.message, 'an AWS secret access key (wJal…EKEY)');
  assert.match(error.message, 'assets/server.pem');
  assert.match(error.message, 'a private key');
  assert.not.match(error.message, fakeSecret);
});

test('a file allowed in site.yaml with a reason passes; an allowed path that is not there warns', async (ctx) => {
  const extraConfig = `build:\n  allowFiles:\n    - path: assets/example-key.txt\n      reason: the documented example key from the AWS guide, not a real one\n    - path: assets/gone.txt\n      reason: an old entry\n`;
  await ctx.tmp.write(fixtureSite({ extraConfig, pages: { 'assets/example-key.txt': `${fakeKeyId}\n` } }));
  await build(ctx);
  assert.ok(existsSync(path.join(out(ctx), 'assets', 'example-key.txt')));
  assert.ok(ctx.warnings.some((warning) => warning.includes('assets/gone.txt') && warning.includes('not in the output')), ctx.warnings.join('\n'));
});

test('an allowed file needs a reason', async (ctx) => {
  await ctx.tmp.write(fixtureSite({ extraConfig: `build:\n  allowFiles:\n    - path: assets/x.txt\n` }));
  const error = await rejects(() => build(ctx), ConfigError);
  assert.match(error.message, 'reason');
});

test('a file over the size limit is refused, one over the warning size warns', async (ctx) => {
  const extraConfig = `build:\n  fileSize:\n    warningMiB: 0.01\n    limitMiB: 0.05\n`;
  await ctx.tmp.write(fixtureSite({ extraConfig, pages: { 'assets/medium.bin': Buffer.alloc(20_000, 1) } }));
  await build(ctx);
  assert.ok(ctx.warnings.some((warning) => warning.includes('assets/medium.bin') && warning.includes('0.01 MiB')), ctx.warnings.join('\n'));
  await ctx.tmp.write({ [`${site}/assets/large.bin`]: Buffer.alloc(100_000, 1) });
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'assets/large.bin');
  assert.match(error.message, 'assets/large.bin (from sites/fixture.test/assets/large.bin): 97.7 KiB');
  assert.match(error.message, 'limit of 0.05 MiB');
  assert.match(error.message, 'build.fileSize.limitMiB');
});

test('the whole site over its limit is refused', async (ctx) => {
  const extraConfig = `build:\n  siteSize:\n    warningMiB: 0.01\n    limitMiB: 0.05\n`;
  await ctx.tmp.write(fixtureSite({ extraConfig, pages: { 'assets/a.bin': Buffer.alloc(30_000, 1), 'assets/b.bin': Buffer.alloc(30_000, 1) } }));
  const error = await rejects(() => build(ctx), BuildError);
  assert.match(error.message, 'build.siteSize.limitMiB');
});

test('patterns: masked, dotfiles, binary skipped, GA ids and Apps Script URLs pass', () => {
  assert.is(maskSecret(fakeKeyId), 'AKIA…MPL9');
  assert.ok(isDotfile('assets/.env'));
  assert.ok(isDotfile('.git/config'));
  assert.not.ok(isDotfile('.well-known/security.txt'));
  assert.not.ok(isDotfile('assets/a.b.css'));
  assert.is(secretIn(Buffer.from(`\0${fakeKeyId}`)), undefined);
  assert.is(secretIn(Buffer.from('gtag("config", "G-ABCDEF1234"); fetch("https://script.google.com/macros/s/AKfycbx1234567890abcdefghijklmnopqrstuvwxyzABCDEFG/exec")')), undefined);
  assert.is(secretIn(Buffer.from('ghp_' + 'a'.repeat(36)))?.name, 'a GitHub token');
  assert.is(secretIn(Buffer.from('xoxb-' + '1234567890-abc'))?.name, 'a Slack token');
  assert.is(secretIn(Buffer.from('AIza' + 'B'.repeat(35)))?.name, 'a Google API key');
  assert.is(secretIn(Buffer.from('sk_live_' + 'c'.repeat(24)))?.name, 'a Stripe live secret key');
});

test.run();
