/**
 * `npm run publish:apps-script -- --site <name>` up to the network: the
 * real CLI in a child process, on a fixture workspace whose script is the
 * repository's BookingAutomation.gs, with a temporary HOME for clasp's
 * credentials. clasp itself would talk to Google, which the tests cannot
 * reach, so SITES_CLASP_CLI puts a recording stand-in in its place: it
 * logs its arguments, its working folder and every file of the project it
 * was handed, and replays what the real clasp 3.4.1 prints (the formats are
 * taken from its source, build/src/commands/push.js and
 * update-deployment.js, and build/src/index.js for errors). The last tests
 * run the real clasp where it needs no network, so the recordings cannot
 * drift from it unnoticed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { claspTokenStatus } from '../../scripts/apps-script/auth.ts';
import { formatAppsScriptResult, publishAppsScript } from '../../scripts/apps-script/publish.ts';
import { claspExecutable, claspFailureMessage, type ClaspOutput, type FailureContext } from '../../scripts/apps-script/clasp.ts';
import { stageProject } from '../../scripts/apps-script/staging.ts';
import { loadAllSites, workspaceAt } from '../../scripts/config/sites.ts';
import { ConfigError, isUserError } from '../../scripts/errors.ts';
import { rejects } from '../helpers/assert.ts';
import { hasStackTrace, runCli, type CliResult } from '../helpers/cli.ts';
import { repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';
import { siteConfigYaml } from '../helpers/sites.ts';

const test = suite('npm run publish:apps-script');

const SCRIPT_ID = '1BookingTestScriptId0123456789abcdefghijklmnopqrstuvwxyzAB';
const DEPLOYMENT_ID = 'AKfycbyBookingTestDeployment0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ';
const ENDPOINT = `https://script.google.com/macros/s/${DEPLOYMENT_ID}/exec`;
const RERUN = 'npm run publish:apps-script -- --site booking';
const HOUR = 3_600_000;

/** Stands in for clasp: logs what it was given, replays a recorded answer per command. */
const FAKE_CLASP = `
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const project = args[args.indexOf('--project') + 1];
const dir = path.dirname(project);
const files = Object.fromEntries(fs.readdirSync(dir).sort().map((name) => [name, fs.readFileSync(path.join(dir, name)).toString('base64')]));
const auth = args[args.indexOf('--auth') + 1];
fs.appendFileSync(process.env.FAKE_CLASP_LOG, JSON.stringify({ args, cwd: process.cwd(), files, authFileExists: fs.existsSync(auth) }) + '\\n');
const step = args.includes('push') ? 'push' : args.includes('update-deployment') ? 'update-deployment' : 'other';
const replay = JSON.parse(process.env.FAKE_CLASP_REPLAY || '{}')[step] || { stderr: 'the stand-in has no recording for ' + step + '\\n', code: 9 };
process.stdout.write(replay.stdout || '');
process.stderr.write(replay.stderr || '');
process.exitCode = replay.code || 0;
`;

interface Replay {
  stdout?: string;
  stderr?: string;
  code?: number;
}

/**
 * What clasp 3.4.1 prints. push --json: the pushed files' local paths, sorted
 * (push.js: `JSON.stringify(files.map(f => f.localPath), null, 2)`).
 * update-deployment --json: `{ deploymentId, versionNumber, description }`.
 * An error: its message on stderr (index.js: `console.error(error.message)`,
 * exit 1) — except a 400 answer to update-deployment, which goes through
 * commander's `this.error()` and so exits 0. A refresh token Google no
 * longer accepts answers 400 invalid_grant (gaxios takes the message from
 * the token endpoint's `error` field).
 */
const RECORDED = {
  pushed: { stdout: `${JSON.stringify(['appsscript.json', 'BookingAutomation.gs'], null, 2)}\n` },
  upToDate: { stdout: `${JSON.stringify([], null, 2)}\n` },
  deployed: (versionNumber: number, description: string): Replay => ({ stdout: `${JSON.stringify({ deploymentId: DEPLOYMENT_ID, versionNumber, description }, null, 2)}\n` }),
  invalidGrant: { stderr: 'invalid_grant\n', code: 1 },
  invalidGrantThroughCommander: { stderr: 'invalid_grant\n', code: 0 },
  notLoggedIn: { stderr: 'No credentials found.\n', code: 1 },
  noRefreshToken: { stderr: 'The incoming JSON object does not contain a refresh_token field\n', code: 1 },
  apiDisabled: {
    stderr: 'User has not enabled the Apps Script API. Enable it by visiting https://script.google.com/home/usersettings then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.\n',
    code: 1,
  },
  unauthenticated: { stderr: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.\n', code: 1 },
  notFound: { stderr: 'Requested entity was not found.\n', code: 1 },
  permission: { stderr: 'The caller does not have permission\n', code: 1 },
  offline: { stderr: 'request to https://oauth2.googleapis.com/token failed, reason: getaddrinfo ENOTFOUND oauth2.googleapis.com\n', code: 1 },
} satisfies Record<string, Replay | ((...args: never[]) => Replay)>;

let tmp: TempDir;
let home: string;
let scriptBytes: Buffer;

const credentials = (fields: Record<string, unknown>) => JSON.stringify({ tokens: { default: { client_id: 'client.apps.googleusercontent.com', client_secret: 'secret', type: 'authorized_user', ...fields } } }, null, 2);
const LOGGED_IN = credentials({ access_token: 'ya29.test', refresh_token: '1//test-refresh', expiry_date: Date.now() - HOUR });

function bookingSiteYaml(appsScript = `  appsScript:\n    scriptId: ${SCRIPT_ID}\n`, endpoint = ENDPOINT): string {
  return siteConfigYaml('booking.test', 'booking').replace('  endpoint: http://127.0.0.1:9/booking\n', `  endpoint: ${endpoint}\n`).replace('  timezone: America/Los_Angeles\n', `  timezone: America/Los_Angeles\n${appsScript}`);
}

async function resetWorkspace(options: { script?: string | Buffer; yaml?: string; clasprc?: string | null } = {}): Promise<void> {
  await tmp.write({
    'sites/booking.test/site.yaml': options.yaml ?? bookingSiteYaml(),
    'sites/booking.test/BookingAutomation.gs': options.script ?? scriptBytes,
    // Another site booking through the same web app, without a script of its own.
    'sites/plain.test/site.yaml': siteConfigYaml('plain.test', 'plain').replace('  endpoint: http://127.0.0.1:9/booking\n', `  endpoint: ${ENDPOINT}\n`),
    'clasp.log': '',
  });
  const rc = path.join(home, '.clasprc.json');
  if (options.clasprc === null) await rm(rc, { force: true });
  else await writeFile(rc, options.clasprc ?? LOGGED_IN);
}

interface ClaspCall {
  args: string[];
  cwd: string;
  files: Record<string, string>;
  authFileExists: boolean;
}

async function claspCalls(): Promise<ClaspCall[]> {
  const text = await readFile(path.join(tmp.dir, 'clasp.log'), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ClaspCall);
}

type Replays = Partial<Record<'push' | 'update-deployment', Replay>>;

/** The real CLI in a child process, as the owner runs it. */
function publishCli(args: string[], replay: Replays = {}): Promise<CliResult> {
  return runCli(['--root', tmp.dir, 'publish:apps-script', ...args], {
    env: {
      HOME: home,
      clasp_config_auth: undefined,
      SITES_BOOKING_SCRIPT: undefined,
      SITES_CLASP_CLI: path.join(tmp.dir, 'fake-clasp.cjs'),
      FAKE_CLASP_LOG: path.join(tmp.dir, 'clasp.log'),
      FAKE_CLASP_REPLAY: JSON.stringify(replay),
    },
  });
}

/**
 * The same command in this process (the CLI's startup is most of a run's
 * time): what the CLI would print, `error: <message>` and exit 1 for a
 * user error; anything else is thrown, as the CLI would show it as a bug.
 */
async function publish(args: string[], replay: Replays = {}, root = tmp.dir): Promise<CliResult> {
  const site = args.includes('--site') ? args[args.indexOf('--site') + 1]! : '';
  const json = args.includes('--json');
  process.env['FAKE_CLASP_LOG'] = path.join(tmp.dir, 'clasp.log');
  process.env['FAKE_CLASP_REPLAY'] = JSON.stringify(replay);
  const lines: string[] = [];
  try {
    const result = await publishAppsScript({ workspace: workspaceAt(root), site, home, cli: path.join(tmp.dir, 'fake-clasp.cjs'), dryRun: args.includes('--dry-run'), log: (line) => lines.push(line) });
    return { code: 0, stdout: `${json ? JSON.stringify(result, null, 2) : formatAppsScriptResult(result)}\n`, stderr: json ? '' : lines.map((line) => `${line}\n`).join('') };
  } catch (error) {
    if (!isUserError(error)) throw error;
    return { code: 1, stdout: '', stderr: [...lines, `error: ${error.message}`].map((line) => `${line}\n`).join('') };
  } finally {
    delete process.env['FAKE_CLASP_REPLAY'];
  }
}

/** A user error: one `error:` message, exit 1, no stack trace, and clasp never ran. */
async function refusedBeforeClasp(result: CliResult): Promise<string> {
  assert.is(result.code, 1, result.stderr);
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  assert.equal(await claspCalls(), [], 'clasp never ran');
  assert.is(result.stdout, '');
  return result.stderr;
}

test.before(async () => {
  tmp = await tempDir('apps-script-');
  home = path.join(tmp.dir, 'home');
  await mkdir(home, { recursive: true });
  scriptBytes = await readFile(path.join(repoRoot, 'sites/queenofsandiego.com/BookingAutomation.gs'));
  await tmp.write({ 'fake-clasp.cjs': FAKE_CLASP });
});
test.after(async () => {
  await tmp.cleanup();
});

test('checks, then push, then update-deployment of the endpoint\'s deployment; the version and the web app URL are printed', async () => {
  await resetWorkspace();
  const before = await readdir(os.tmpdir());
  const result = await publishCli(['--site', 'booking'], { push: RECORDED.pushed, 'update-deployment': RECORDED.deployed(7, 'booking.test BookingAutomation.gs outside git') });
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, `booking.test: version 7 of sites/booking.test/BookingAutomation.gs is live.\nWeb app: ${ENDPOINT} (also the booking backend of plain.test)\n`);
  const progress = result.stderr.split('\n').filter(Boolean).map((line) => line.split(/\s+/)[0]);
  assert.equal(progress, ['check', 'check', 'auth', 'push', 'deploy'], result.stderr);
  assert.match(result.stderr, 'check    sites/booking.test/BookingAutomation.gs parses as ES2020');
  assert.match(result.stderr, /check {4}contract tests: \d+ passed/);
  assert.match(result.stderr, 'auth     ~/.clasprc.json (clasp user "default"): refresh token present, access token expired');
  assert.match(result.stderr, `push     appsscript.json, BookingAutomation.gs → script ${SCRIPT_ID}`);
  assert.match(result.stderr, `deploy   version 7 → deployment ${DEPLOYMENT_ID}`);

  const [push, deploy, ...more] = await claspCalls();
  assert.equal(more, []);
  const rc = path.join(home, '.clasprc.json');
  assert.ok(push && deploy);
  const project = path.join(push.cwd, '.clasp.json');
  assert.equal(push.args, ['--auth', rc, '--project', project, '--json', 'push', '--force']);
  assert.equal(deploy.args, ['--auth', rc, '--project', project, '--json', 'update-deployment', DEPLOYMENT_ID, '--description', 'booking.test BookingAutomation.gs outside git']);
  assert.ok(push.authFileExists);
  // A folder of its own outside the repository, holding the project file, the manifest and the script byte for byte.
  assert.not.ok(push.cwd.startsWith(tmp.dir), push.cwd);
  assert.is(deploy.cwd, push.cwd);
  assert.equal(Object.keys(push.files), ['.clasp.json', 'BookingAutomation.gs', 'appsscript.json']);
  const file = (name: string) => Buffer.from(push.files[name]!, 'base64');
  assert.equal(JSON.parse(file('.clasp.json').toString()), { scriptId: SCRIPT_ID, rootDir: '.' });
  assert.ok(file('BookingAutomation.gs').equals(scriptBytes), 'the script is pushed byte for byte');
  assert.equal(JSON.parse(file('appsscript.json').toString()), {
    timeZone: 'America/Los_Angeles',
    dependencies: {},
    exceptionLogging: 'STACKDRIVER',
    runtimeVersion: 'V8',
    webapp: { executeAs: 'USER_DEPLOYING', access: 'ANYONE_ANONYMOUS' },
  });
  // Nothing left behind: not in the temporary folder, not in the site folder.
  assert.not.ok(existsSync(push.cwd), 'the staging folder is removed');
  assert.equal((await readdir(os.tmpdir())).filter((name) => name.startsWith('sites-apps-script-') && !before.includes(name)), []);
  assert.equal((await readdir(path.join(tmp.dir, 'sites/booking.test'))).sort(), ['BookingAutomation.gs', 'site.yaml']);
});

test('--json prints the result; a project already up to date still gets a new version; --dry-run runs no clasp', async () => {
  await resetWorkspace();
  const result = await publishCli(['--site', 'booking.test', '--json'], { push: RECORDED.upToDate, 'update-deployment': RECORDED.deployed(8, 'x') });
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stderr, '');
  const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.is(parsed['versionNumber'], 8);
  assert.equal(parsed['pushed'], []);
  assert.is(parsed['webAppUrl'], ENDPOINT);
  assert.is(parsed['deploymentId'], DEPLOYMENT_ID);
  assert.equal(parsed['sharedWith'], ['plain.test']);
  assert.equal(parsed['credentials'], { file: path.join(home, '.clasprc.json'), user: 'default', hasRefreshToken: true, expiresAt: (parsed['credentials'] as { expiresAt: string }).expiresAt });
  assert.is((await claspCalls()).length, 2);

  await resetWorkspace();
  const dry = await publish(['--site', 'booking', '--dry-run']);
  assert.is(dry.code, 0, dry.stderr);
  assert.equal(await claspCalls(), []);
  assert.match(dry.stdout, 'Dry run: sites/booking.test/BookingAutomation.gs passed its checks and clasp is logged in; a real run would do:');
  assert.match(dry.stdout, `--json update-deployment ${DEPLOYMENT_ID} --description 'booking.test BookingAutomation.gs outside git'`);
  assert.match(dry.stdout, 'Nothing was pushed.');
});

test('a syntax error in the script: refused with file, line and column before clasp runs', async () => {
  await resetWorkspace({ script: 'function doGet(e) {\n  return ContentService.createTextOutput(;\n}\n' });
  const stderr = await refusedBeforeClasp(await publish(['--site', 'booking']));
  assert.match(stderr, 'error: booking.test: Apps Script source does not parse as ES2020');
  assert.match(stderr, 'sites/booking.test/BookingAutomation.gs:2:42: Unexpected token [script-syntax]');
  assert.match(stderr, 'Nothing was pushed.');
  assert.not.match(stderr, 'contract tests');
});

test('a script that parses but breaks the booking contract: refused by the contract tests before clasp runs', async () => {
  await resetWorkspace({ script: scriptBytes.toString('utf8').replace("MAX_PARTY_SIZE: '6'", "MAX_PARTY_SIZE: '8'") });
  const stderr = await refusedBeforeClasp(await publish(['--site', 'booking']));
  assert.match(stderr, 'check    sites/booking.test/BookingAutomation.gs parses as ES2020');
  assert.match(stderr, "error: sites/booking.test/BookingAutomation.gs fails the booking backend's contract tests (test/widgets/booking-backend.test.ts), so it was not pushed:");
  assert.match(stderr, / passed, [1-9]\d* failed/);
});

test('not logged in (no ~/.clasprc.json): one clear error naming npx clasp login; clasp never runs', async () => {
  await resetWorkspace({ clasprc: null });
  const stderr = await refusedBeforeClasp(await publishCli(['--site', 'booking']));
  assert.match(stderr, `error: clasp is not logged in: there is no ~/.clasprc.json. Run npx clasp login. Then run ${RERUN} again. Nothing was pushed.`);
});

test('an expired access token without a refresh token: "expired", npx clasp login; clasp never runs', async () => {
  await resetWorkspace({ clasprc: credentials({ access_token: 'ya29.old', expiry_date: Date.parse('2025-01-02T03:04:05Z') }) });
  const stderr = await refusedBeforeClasp(await publish(['--site', 'booking']));
  assert.match(stderr, "error: clasp's Google login in ~/.clasprc.json has expired (its access token expired 2025-01-02T03:04:05.000Z, and there is no refresh token to renew it). Run npx clasp login.");
});

test('clasp push answering invalid_grant (a revoked or expired login): translated, and nothing deployed', async () => {
  await resetWorkspace();
  const result = await publish(['--site', 'booking'], { push: RECORDED.invalidGrant, 'update-deployment': RECORDED.deployed(9, 'x') });
  assert.is(result.code, 1);
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  assert.match(
    result.stderr,
    `error: clasp's Google login in ~/.clasprc.json has expired or been revoked: Google refused to renew it (clasp said: invalid_grant). Run npx clasp login, then run ${RERUN} again. Nothing was deployed.`,
  );
  assert.equal((await claspCalls()).map((call) => call.args[5]), ['push'], 'no update-deployment after a failed push');
  assert.is(result.stdout, '');
});

test('update-deployment answering invalid_grant with exit code 0 (clasp reports 400s through commander): still a failure, saying the web app was not updated', async () => {
  await resetWorkspace();
  const result = await publish(['--site', 'booking'], { push: RECORDED.pushed, 'update-deployment': RECORDED.invalidGrantThroughCommander });
  assert.is(result.code, 1);
  assert.not.ok(hasStackTrace(result.stderr), result.stderr);
  assert.match(result.stderr, "error: clasp's Google login in ~/.clasprc.json has expired or been revoked");
  assert.match(result.stderr, "The new code is pushed (the project's HEAD), but the web-app deployment was not updated: visitors still get the previous version.");
  assert.not.match(result.stdout, 'is live');
});

test('clasp failures read as one sentence with the command that fixes it', () => {
  const context = (step: FailureContext['step']): FailureContext => ({ step, authFile: '~/.clasprc.json', scriptId: SCRIPT_ID, deploymentId: DEPLOYMENT_ID, rerun: RERUN });
  const output = (replay: Replay, extra: Partial<ClaspOutput> = {}): ClaspOutput => ({ code: replay.code ?? 0, signal: null, stdout: replay.stdout ?? '', stderr: replay.stderr ?? '', ...extra });
  const cases: Array<[Replay, FailureContext['step'], string]> = [
    [RECORDED.notLoggedIn, 'push', 'clasp is not logged in (clasp said: No credentials found.). Run npx clasp login, then run'],
    [RECORDED.noRefreshToken, 'push', "clasp's credentials in ~/.clasprc.json have no refresh token, so clasp cannot use them"],
    [RECORDED.unauthenticated, 'push', "Google refused clasp's credentials in ~/.clasprc.json as not authenticated"],
    [RECORDED.apiDisabled, 'push', 'The Apps Script API is turned off for the Google account clasp is logged in as'],
    [RECORDED.offline, 'push', 'clasp could not reach Google (clasp said: request to https://oauth2.googleapis.com/token failed, reason: getaddrinfo ENOTFOUND oauth2.googleapis.com). Check the network connection'],
    [RECORDED.notFound, 'push', `Google has no Apps Script project ${SCRIPT_ID} that the account clasp is logged in as can open`],
    [RECORDED.notFound, 'update-deployment', `Google has no deployment ${DEPLOYMENT_ID} in the script ${SCRIPT_ID}`],
    [RECORDED.permission, 'push', `The Google account clasp is logged in as may not change the script ${SCRIPT_ID}`],
    [{ stderr: 'Something unforeseen.\n', code: 3 }, 'push', `clasp push failed (exit 3): Something unforeseen.. Run ${RERUN} again once that is fixed.`],
    [{ code: 0 }, 'update-deployment', 'clasp update-deployment failed (exit 0), and printed nothing.'],
  ];
  for (const [replay, step, expected] of cases) {
    const message = claspFailureMessage(output(replay), context(step));
    assert.match(message, expected, message);
    assert.match(message, step === 'push' ? /Nothing was deployed\.$/ : /visitors still get the previous version\.$/, message);
  }
  assert.match(claspFailureMessage(output({ stderr: '' }, { code: null, signal: 'SIGTERM' }), context('push')), 'clasp push did not finish within 5 minutes and was stopped');
});

test('the real repository: placeholders in booking.appsScript and booking.endpoint are refused with file and line, before any check', async () => {
  await resetWorkspace();
  const stderr = await refusedBeforeClasp(await publish(['--site', 'queenofsandiego'], {}, repoRoot));
  assert.match(stderr, 'error: queenofsandiego.com: the Apps Script backend is not set up yet, so nothing was checked or pushed:');
  assert.match(stderr, /sites\/queenofsandiego\.com\/site\.yaml:\d+: booking\.endpoint: "https:\/\/script\.google\.com\/macros\/s\/PLACEHOLDER-deployment-id\/exec" names no real deployment yet\. Deploy the script once as a web app/);
  assert.match(stderr, /sites\/queenofsandiego\.com\/site\.yaml:\d+: booking\.appsScript\.scriptId: "PLACEHOLDER-script-id" is a placeholder\. Put the script's ID there \(Apps Script editor → Project Settings → IDs → Script ID\)\./);
  assert.not.match(stderr, 'check ');
});

test('a placeholder script ID in a fixture is refused the same way', async () => {
  await resetWorkspace({ yaml: bookingSiteYaml('  appsScript:\n    scriptId: PLACEHOLDER-script-id\n') });
  const stderr = await refusedBeforeClasp(await publish(['--site', 'booking']));
  assert.match(stderr, 'sites/booking.test/site.yaml:14: booking.appsScript.scriptId: "PLACEHOLDER-script-id" is a placeholder.');
  assert.not.match(stderr, 'booking.endpoint');
});

test('an unknown --site suggests the nearest name; a site without booking.appsScript names the sites that have one', async () => {
  await resetWorkspace();
  const typo = await refusedBeforeClasp(await publish(['--site', 'bookign']));
  assert.match(typo, 'error: Unknown site "bookign". Did you mean booking? Sites with an Apps Script backend: booking (booking.test).');
  const plain = await refusedBeforeClasp(await publish(['--site', 'plain']));
  assert.match(plain, 'error: plain.test has no Apps Script backend: sites/plain.test/site.yaml sets no booking.appsScript (the script project to push to). Sites with one: booking (booking.test).');
});

test('site.yaml: a /dev endpoint, a deploymentId the endpoint contradicts, a missing source file — each with its line', async () => {
  const loadError = async (yaml: string) => {
    await resetWorkspace({ yaml });
    return (await rejects(() => loadAllSites(workspaceAt(tmp.dir)), ConfigError)).message;
  };
  assert.match(await loadError(bookingSiteYaml(undefined, ENDPOINT.replace(/exec$/, 'dev'))), 'sites/booking.test/site.yaml:10: booking.endpoint: "https://script.google.com/macros/s/AKfycb');
  assert.match(await loadError(bookingSiteYaml(undefined, ENDPOINT.replace(/exec$/, 'dev'))), "is the /dev URL of the editor's test deployment");
  const other = 'AKfycbzSomeOtherDeployment0123456789abcdefghijklmnopqrstuvwxyz';
  assert.match(
    await loadError(bookingSiteYaml(`  appsScript:\n    scriptId: ${SCRIPT_ID}\n    deploymentId: ${other}\n`)),
    `sites/booking.test/site.yaml:15: booking.appsScript.deploymentId: "${other}" is not the deployment booking.endpoint calls (${DEPLOYMENT_ID}), so publishing would update a deployment no visitor uses`,
  );
  assert.match(await loadError(bookingSiteYaml(undefined, 'https://book.example.com/api')), 'sites/booking.test/site.yaml:13: booking.appsScript: names no deployment: booking.endpoint "https://book.example.com/api" is not a web app URL');
  assert.match(await loadError(bookingSiteYaml(`  appsScript:\n    scriptId: not-an-id\n`)), 'booking.appsScript.scriptId: "not-an-id" must be an Apps Script script ID');

  // A Workspace (G Suite) domain's web app URL names the deployment too; an explicit deploymentId serves a proxied endpoint.
  await resetWorkspace({ yaml: bookingSiteYaml(undefined, `https://script.google.com/a/macros/example.com/s/${DEPLOYMENT_ID}/exec`) });
  assert.is((await loadAllSites(workspaceAt(tmp.dir))).find((site) => site.shortName === 'booking')?.booking.appsScript?.source, 'BookingAutomation.gs');

  await resetWorkspace({ yaml: bookingSiteYaml(`  appsScript:\n    scriptId: ${SCRIPT_ID}\n    source: backend/Missing.gs\n`) });
  const stderr = await refusedBeforeClasp(await publish(['--site', 'booking']));
  assert.match(stderr, 'error: sites/booking.test/site.yaml:15: booking.appsScript.source: sites/booking.test/backend/Missing.gs does not exist.');
});

test('claspTokenStatus reads clasp\'s credentials file the way clasp does', async () => {
  const dir = path.join(tmp.dir, 'status');
  await mkdir(dir, { recursive: true });
  const now = new Date('2026-03-01T12:00:00Z');
  const status = async (contents: string | null, options: { authFile?: string; user?: string } = {}) => {
    const file = path.join(dir, '.clasprc.json');
    await rm(file, { force: true });
    if (contents !== null) await writeFile(file, contents);
    return claspTokenStatus({ home: dir, now, ...options });
  };
  const renew = 'npx clasp login';

  assert.equal(await status(null), { file: path.join(dir, '.clasprc.json'), user: 'default', hasRefreshToken: false, renew, problem: 'clasp is not logged in: there is no ~/.clasprc.json. Run npx clasp login.' });
  assert.match((await status('{"tokens":{}}')).problem ?? '', 'holds no credentials for the user "default" (npx clasp logout leaves it so)');
  assert.match((await status('{ not json')).problem ?? '', 'is not valid JSON');

  // Logged in: a refresh token makes an expired access token harmless (clasp renews it); `clasp login` itself writes no expiry.
  const fresh = await status(credentials({ access_token: 'a', refresh_token: 'r' }));
  assert.equal(fresh, { file: path.join(dir, '.clasprc.json'), user: 'default', hasRefreshToken: true, renew });
  const renewed = await status(credentials({ access_token: 'a', refresh_token: 'r', expiry_date: now.getTime() - HOUR }));
  assert.equal(renewed.expiresAt, new Date(now.getTime() - HOUR));
  assert.is(renewed.problem, undefined);

  // No refresh token: expired says so; otherwise clasp 3 refuses the credentials anyway.
  assert.match((await status(credentials({ access_token: 'a', expiry_date: now.getTime() - HOUR }))).problem ?? '', "clasp's Google login in ~/.clasprc.json has expired (its access token expired 2026-03-01T11:00:00.000Z");
  assert.match((await status(credentials({ access_token: 'a', expiry_date: now.getTime() + HOUR }))).problem ?? '', 'have no refresh token, and clasp 3 refuses credentials without one');

  // Another clasp user, and clasp 1/2 files (still read for the default user).
  const named = JSON.stringify({ tokens: { work: { access_token: 'a', refresh_token: 'r' } } });
  assert.is((await status(named, { user: 'work' })).problem, undefined);
  assert.match((await status(named)).problem ?? '', 'no credentials for the user "default"');
  assert.is((await status(JSON.stringify({ access_token: 'a', refresh_token: 'r', token_type: 'Bearer' }))).hasRefreshToken, true);
  assert.is((await status(JSON.stringify({ token: { access_token: 'a', refresh_token: 'r' }, oauth2ClientSettings: { clientId: 'c' } }))).problem, undefined);

  // --auth / clasp_config_auth: a file, or a folder holding .clasprc.json.
  const elsewhere = path.join(tmp.dir, 'elsewhere');
  await mkdir(elsewhere, { recursive: true });
  await writeFile(path.join(elsewhere, '.clasprc.json'), credentials({ refresh_token: 'r' }));
  assert.is((await status(null, { authFile: elsewhere })).file, path.join(elsewhere, '.clasprc.json'));
  assert.is((await status(null, { authFile: elsewhere })).problem, undefined);
  await symlink(path.join(elsewhere, '.clasprc.json'), path.join(elsewhere, 'linked.json'));
  assert.is((await status(null, { authFile: path.join(elsewhere, 'linked.json') })).hasRefreshToken, true);
});

/** Runs the real clasp (no network needed for these) with an empty HOME. */
function realClasp(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [claspExecutable(), ...args], { cwd, env: { ...process.env, HOME: path.join(tmp.dir, 'real-home'), clasp_config_auth: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the real clasp 3.4.1 prints what the recordings say, and would push exactly the staged script and manifest', async () => {
  const pkg = JSON.parse(await readFile(path.join(path.dirname(claspExecutable()), '../../package.json'), 'utf8')) as { name: string; version: string };
  assert.equal([pkg.name, pkg.version], ['@google/clasp', '3.4.1']);
  await mkdir(path.join(tmp.dir, 'real-home'), { recursive: true });
  const staged = await stageProject({ scriptId: SCRIPT_ID, scriptName: 'BookingAutomation.gs', script: scriptBytes, timeZone: 'America/Los_Angeles' });
  try {
    const missingAuth = path.join(tmp.dir, 'real-home/.clasprc.json');
    const staleAuth = path.join(tmp.dir, 'real-home/stale.json');
    await writeFile(staleAuth, credentials({ access_token: 'ya29.old', expiry_date: 1 }));
    const run = (auth: string, extra: string[]) => realClasp(['--auth', auth, '--project', staged.projectFile, '--json', ...extra], staged.dir);
    // Independent, and each a second of clasp's startup: in parallel.
    const [status, push, deploy, stale, missing] = await Promise.all([
      run(missingAuth, ['show-file-status']),
      run(missingAuth, ['push', '--force']),
      run(missingAuth, ['update-deployment', DEPLOYMENT_ID, '--description', 'x']),
      run(staleAuth, ['push', '--force']),
      run(missingAuth, ['update-deployment']),
    ]);

    assert.is(status.code, 0, status.stderr);
    // The set is the promise; clasp lists the files in the order its asynchronous directory crawl finds them.
    const listed = JSON.parse(status.stdout) as { filesToPush: string[]; untrackedFiles: string[] };
    assert.equal({ ...listed, filesToPush: [...listed.filesToPush].sort() }, { filesToPush: ['BookingAutomation.gs', 'appsscript.json'], untrackedFiles: ['.clasp.json'] });
    // Not logged in: fails before any request.
    for (const result of [push, deploy]) assert.equal([result.code, result.stdout, result.stderr], [RECORDED.notLoggedIn.code, '', RECORDED.notLoggedIn.stderr]);
    // No refresh token: google-auth-library refuses the credentials as clasp loads them, before any request.
    assert.equal([stale.code, stale.stdout, stale.stderr], [RECORDED.noRefreshToken.code, '', RECORDED.noRefreshToken.stderr]);
    // Errors through commander exit 0: why success is read from the JSON, not the exit code.
    assert.equal([missing.code, missing.stdout], [0, '']);
    assert.match(missing.stderr, "error: missing required argument 'deploymentId'");
  } finally {
    await staged.cleanup();
  }
});

test.run();
