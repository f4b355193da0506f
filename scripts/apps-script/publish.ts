/**
 * `npm run publish:apps-script -- --site <name>`: the booking backend
 * deployed like the sites. In order, stopping at the first refusal:
 *
 *   1. config    the site's booking.appsScript, placeholders refused
 *   2. checks    the build's parse check, then the contract tests, on the
 *                staged copy of the script (byte for byte the repository's)
 *   3. auth      clasp's credentials file: logged in, renewable
 *   4. push      `clasp push --force` of the staged project (script + manifest)
 *   5. deploy    `clasp update-deployment <id>`: a new version, and the
 *                web-app deployment the site calls pointed at it
 *
 * Only 4 and 5 talk to Google. clasp's first request in a push is a read
 * (the remote files, to compare), so a login Google no longer accepts
 * fails there, before anything changes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Workspace } from '../config/sites.ts';
import { gitState } from '../build/git-state.ts';
import { PublishError } from '../errors.ts';
import { claspTokenStatus, homeRelative } from './auth.ts';
import { checkSyntax, runContractTests } from './checks.ts';
import { claspFailureMessage, claspJson, runClasp, type ClaspOutput, type ClaspStep } from './clasp.ts';
import { resolveAppsScriptTarget } from './config.ts';
import { stageProject } from './staging.ts';
import { SITE_ECMA_VERSION } from '../checks/inline-scripts.ts';

export interface PublishAppsScriptOptions {
  workspace: Workspace;
  /** Short name or domain. */
  site: string;
  /** Where clasp keeps its credentials (`os.homedir()`). */
  home: string;
  /** clasp's `--auth` file or folder (`clasp_config_auth`), instead of ~/.clasprc.json. */
  authFile?: string;
  /** A stand-in for clasp (SITES_CLASP_CLI). */
  cli?: string;
  /** Check, stage and preflight, print the clasp commands, run none. */
  dryRun?: boolean;
  /** Progress lines (stderr). */
  log: (line: string) => void;
  now?: Date;
}

export interface AppsScriptPublishResult {
  site: string;
  source: string;
  scriptId: string;
  deploymentId: string;
  webAppUrl: string;
  /** Other sites whose booking.endpoint calls the same deployment, and so get the new version too. */
  sharedWith: string[];
  /** Contract tests the script passed. */
  contractTests: number;
  credentials: { file: string; user: string; hasRefreshToken: boolean; expiresAt?: string };
  /** The version's (and deployment's) description: the site, the file and the commit. */
  description: string;
  dryRun: boolean;
  /** The clasp arguments, in order (run, or with --dry-run to be run). */
  commands: string[][];
  /** What clasp pushed, as it names them; empty when the project already held these files. */
  pushed?: string[];
  /** The new version the deployment serves. */
  versionNumber?: number;
}

export async function publishAppsScript(options: PublishAppsScriptOptions): Promise<AppsScriptPublishResult> {
  const target = await resolveAppsScriptTarget(options.workspace, options.site);
  const { site } = target;
  const rerun = `npm run publish:apps-script -- --site ${site.shortName}`;
  const bytes = await readFile(target.source);
  const scriptName = path.basename(target.source);
  const staged = await stageProject({ scriptId: target.scriptId, scriptName, script: bytes, timeZone: site.booking.timezone });
  try {
    checkSyntax(site.domain, target.sourceDisplay, bytes.toString('utf8'));
    options.log(`check    ${target.sourceDisplay} parses as ES${SITE_ECMA_VERSION}`);
    const tests = await runContractTests(staged.script, target.sourceDisplay);
    options.log(`check    contract tests: ${tests.passed} passed`);

    const auth = await claspTokenStatus({ home: options.home, ...(options.authFile ? { authFile: options.authFile } : {}), ...(options.now ? { now: options.now } : {}) });
    if (auth.problem) throw new PublishError(`${auth.problem} Then run ${rerun} again. Nothing was pushed.`);
    const shownAuth = homeRelative(auth.file, options.home);
    const expiry = !auth.expiresAt
      ? ''
      : auth.expiresAt.getTime() > (options.now ?? new Date()).getTime()
        ? `, access token valid until ${auth.expiresAt.toISOString()}`
        : `, access token expired ${auth.expiresAt.toISOString()} (clasp renews it)`;
    options.log(`auth     ${shownAuth} (clasp user "${auth.user}"): refresh token present${expiry}`);

    const git = await gitState(options.workspace.root);
    const description = `${site.domain} ${scriptName} ${git.commit ? `at ${git.commit.slice(0, 12)}${git.clean ? '' : ' with uncommitted changes'}` : 'outside git'}`;
    const common = ['--auth', auth.file, '--project', staged.projectFile, '--json'];
    const commands = [
      [...common, 'push', '--force'],
      [...common, 'update-deployment', target.deploymentId, '--description', description],
    ];
    const result: AppsScriptPublishResult = {
      site: site.domain,
      source: target.sourceDisplay,
      scriptId: target.scriptId,
      deploymentId: target.deploymentId,
      webAppUrl: target.webAppUrl,
      sharedWith: target.sharedWith,
      contractTests: tests.passed,
      credentials: { file: auth.file, user: auth.user, hasRefreshToken: auth.hasRefreshToken, ...(auth.expiresAt ? { expiresAt: auth.expiresAt.toISOString() } : {}) },
      description,
      dryRun: Boolean(options.dryRun),
      commands,
    };
    if (options.dryRun) return result;

    const fail = (step: ClaspStep, output: ClaspOutput) =>
      new PublishError(claspFailureMessage(output, { step, authFile: shownAuth, scriptId: target.scriptId, deploymentId: target.deploymentId, rerun }));

    const pushOutput = await runClasp({ args: commands[0]!, cwd: staged.dir, ...(options.cli ? { cli: options.cli } : {}) });
    const pushed = claspJson(pushOutput);
    if (pushOutput.code !== 0 || !Array.isArray(pushed) || !pushed.every((file) => typeof file === 'string')) throw fail('push', pushOutput);
    result.pushed = pushed as string[];
    options.log(`push     ${pushed.length ? pushed.join(', ') : 'nothing changed (the project already holds these files)'} → script ${target.scriptId}`);

    const deployOutput = await runClasp({ args: commands[1]!, cwd: staged.dir, ...(options.cli ? { cli: options.cli } : {}) });
    const deployed = claspJson(deployOutput) as { deploymentId?: unknown; versionNumber?: unknown } | undefined;
    if (deployOutput.code !== 0 || typeof deployed?.versionNumber !== 'number') throw fail('update-deployment', deployOutput);
    result.versionNumber = deployed.versionNumber;
    options.log(`deploy   version ${deployed.versionNumber} → deployment ${target.deploymentId}`);
    return result;
  } finally {
    await staged.cleanup();
  }
}

/** What the command prints on stdout. */
export function formatAppsScriptResult(result: AppsScriptPublishResult): string {
  if (result.dryRun) {
    const shown = result.commands.map((args) => `  clasp ${args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ')}`);
    return `Dry run: ${result.source} passed its checks and clasp is logged in; a real run would do:\n${shown.join('\n')}\nNothing was pushed.`;
  }
  const shared = result.sharedWith.length ? ` (also the booking backend of ${result.sharedWith.join(', ')})` : '';
  return `${result.site}: version ${result.versionNumber} of ${result.source} is live.\nWeb app: ${result.webAppUrl}${shared}`;
}
