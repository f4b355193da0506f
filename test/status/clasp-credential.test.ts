/**
 * clasp's Google login in `npm run status`: listed for the sites whose
 * booking backend is a real Apps Script project, read from a credentials
 * file in the test's own HOME, and an action when clasp could not deploy.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { claspCredentialSource } from '../../scripts/status/clasp-credential.ts';
import { collectStatus } from '../../scripts/status/status.ts';
import { tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, siteConfigYaml } from '../helpers/sites.ts';

interface Ctx {
  tmp: TempDir;
  home: string;
}
const test = suite<Ctx>('status: the clasp login');
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('status-clasp-');
  ctx.home = path.join(ctx.tmp.dir, 'home');
  await ctx.tmp.write({ 'home/.keep': '' });
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

const SCRIPT_ID = '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';

/** A site whose environments are all placeholders (so status asks AWS nothing) with an Apps Script backend. */
async function site(ctx: Ctx, scriptId: string): Promise<void> {
  const yaml = siteConfigYaml('fixture.test', 'fixture')
    .replace('  endpoint: http://127.0.0.1:9/booking\n', '  endpoint: https://script.google.com/macros/s/AKfycbFixtureDeployment0123456789/exec\n')
    .replace('  timezone: America/Los_Angeles\n', `  timezone: America/Los_Angeles\n  appsScript:\n    scriptId: ${scriptId}\n`)
    .replace(/bucket: fixture-(\w+)/g, 'bucket: placeholder-fixture-$1');
  await ctx.tmp.write({ ...fixtureSite(), 'sites/fixture.test/site.yaml': yaml });
}

const run = (ctx: Ctx) => collectStatus({ workspace: workspaceAt(ctx.tmp.dir), credentialChecks: [claspCredentialSource({ home: ctx.home })] });

test('not logged in: a missing credential, an action naming npx clasp login', async (ctx) => {
  await site(ctx, SCRIPT_ID);
  const report = await run(ctx);
  assert.equal(report.credentials.map((row) => [row.source, row.usedBy, row.state, row.renew]), [["clasp's Google login (~/.clasprc.json)", ['fixture.test booking backend'], 'missing', 'npx clasp login']]);
  assert.is(report.needsAction, true);
  assert.ok(report.actions.some((action) => action.message.includes('clasp is not logged in: there is no ~/.clasprc.json. Run npx clasp login.')), JSON.stringify(report.actions));
});

test('an expired login without a refresh token: expired; with a refresh token: valid, with no expiry shown', async (ctx) => {
  await site(ctx, SCRIPT_ID);
  const stored = (token: Record<string, unknown>) => writeFile(path.join(ctx.home, '.clasprc.json'), JSON.stringify({ tokens: { default: { access_token: 'ya29.x', token_type: 'Bearer', ...token } } }));
  await stored({ expiry_date: Date.now() - 3_600_000 });
  let [row] = (await run(ctx)).credentials;
  assert.is(row!.state, 'expired');
  assert.match(row!.problem ?? '', "clasp's Google login in ~/.clasprc.json has expired");
  await stored({ expiry_date: Date.now() - 3_600_000, refresh_token: '1//renewable' });
  const report = await run(ctx);
  [row] = report.credentials;
  assert.is(row!.state, 'valid');
  assert.is(row!.expiresAt, undefined, 'clasp renews the access token itself');
  assert.is(report.needsAction, false);
});

test('a backend still on a placeholder script id is not set up: no clasp row', async (ctx) => {
  await site(ctx, 'PLACEHOLDER-script-id');
  assert.equal((await run(ctx)).credentials, []);
});

test.run();
