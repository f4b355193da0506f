/**
 * The command line: thin on purpose. Each command parses its options, calls a
 * function that returns a value (the same functions the tests call), and
 * prints it. One error boundary at the bottom: a UserError prints its message
 * and exits non-zero; anything else is a bug and keeps its stack.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { workspaceAt } from './config/sites.ts';
import { PublishError, isUserError } from './errors.ts';
import { consoleLogger, printError } from './terminal.ts';
// Each command imports what it runs when it runs (below): `--help`, or a build,
// never loads the AWS SDK, the dev server or the prompts.
import type { RunOptions } from './publish/publish.ts';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function createProgram(): Command {
  const program = new Command('site')
    .description('Build, check and publish 86from.com, sailjada.com and queenofsandiego.com')
    .exitOverride()
    // Commander's own errors (an option without its value, a missing --env) said what was wrong but not
    // where to look; subcommands inherit this (the bad-input catalogue holds every message to it).
    .showHelpAfterError('(add --help to see the options)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    // For tests and tooling: run against another checkout or a fixture workspace.
    .addOption(new Option('--root <dir>', 'repository root holding sites/, shared-layouts/ and widgets/').default(repositoryRoot).hideHelp());
  const root = () => path.resolve(program.opts<{ root: string }>().root);

  program
    .command('build')
    .description('Build sites into dist/<env>/<domain>/ (production unless --env says otherwise)')
    .addOption(new Option('--env <name>', 'environment to build for').default('production'))
    .option('--site <name>', 'only this site (short name or domain); repeatable', collect, [])
    .option('--json', 'print the result as JSON on stdout')
    .option('--full', "render every page, instead of taking unchanged pages from the previous build's output")
    .action(async (options: { env: string; site: string[]; json?: boolean; full?: boolean }) => {
      const [{ attemptSites, buildFailure }, { printBuildSummary, summariseBuilds }] = await Promise.all([import('./build/build-sites.ts'), import('./build/summary.ts')]);
      const outcomes = await attemptSites({ workspace: workspaceAt(root()), envName: options.env, sites: options.site, logger: consoleLogger(), full: Boolean(options.full) });
      // The table (or JSON) covers every site, failed ones too, before the failures are reported.
      printBuildSummary(summariseBuilds(outcomes, root()), { json: Boolean(options.json) });
      const failure = buildFailure(outcomes);
      if (failure) throw failure;
    });

  program
    .command('dev')
    .description("Serve one site on 127.0.0.1 with live reload (Eleventy's dev server)")
    .requiredOption('--site <name>', 'site short name or domain')
    .addOption(new Option('--env <name>', 'environment to build for').default('development'))
    .option('--port <number>', 'port (default: the port of the environment URL)', (value) => Number.parseInt(value, 10))
    .action(async (options: { site: string; env: string; port?: number }) => {
      const { startDevServer } = await import('./build/dev-server.ts');
      await startDevServer({ workspace: workspaceAt(root()), site: options.site, envName: options.env, port: options.port, logger: consoleLogger() });
    });

  program
    .command('publish')
    .description('Build, check and publish sites to an environment: upload what changed, delete what is gone, one CloudFront invalidation')
    .requiredOption('--env <name>', 'environment to publish to (staging, production, local, …)')
    .option('--site <name>', 'only this site (short name or domain); repeatable', collect, [])
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'print the plan and the report as JSON on stdout')
    .option('--yes', 'do not ask for confirmation (production asks on a terminal)')
    .option('--allow-deletes', 'allow more deletions than the site config\'s publish.deleteLimit')
    .option('--wait', 'wait for the invalidation to complete, then check the public URL serves the published build-id')
    .option('--skip-staging-check', 'production only: publish without staging serving the same source (needs --reason)')
    .option('--reason <text>', 'why the staging check is skipped; written into the deploy record')
    .option('--rollback', 'restore the previous deploy (the newest record of another build) instead of building')
    .option('--to <build-id>', 'with --rollback: restore this earlier build (its id or first characters) instead')
    .action(
      async (options: {
        env: string;
        site: string[];
        dryRun?: boolean;
        json?: boolean;
        yes?: boolean;
        allowDeletes?: boolean;
        wait?: boolean;
        skipStagingCheck?: boolean;
        reason?: string;
        rollback?: boolean;
        to?: string;
      }) => {
        const json = Boolean(options.json);
        if (options.reason !== undefined && !options.skipStagingCheck) throw new PublishError('--reason goes with --skip-staging-check; without it there is nothing to give a reason for.');
        if (options.to !== undefined && !options.rollback) throw new PublishError('--to goes with --rollback (the build to restore).');
        if (options.rollback && options.skipStagingCheck) throw new PublishError('--rollback restores what the environment already served and passes no staging check; drop --skip-staging-check.');
        const verb = options.rollback ? 'Roll back' : 'Publish';
        const [{ publishSites }, { rollbackSites }, { mismatchError }, { formatPlan, printOutcome }, { terminalProgress }, { confirmOnTerminal }] = await Promise.all([
          import('./publish/publish.ts'),
          import('./publish/rollback.ts'),
          import('./publish/verify.ts'),
          import('./publish/summary.ts'),
          import('./publish/progress.ts'),
          import('./publish/confirm.ts'),
        ]);
        const common: RunOptions = {
          workspace: workspaceAt(root()),
          envName: options.env,
          sites: options.site,
          dryRun: Boolean(options.dryRun),
          allowDeletes: Boolean(options.allowDeletes),
          wait: Boolean(options.wait),
          handleSignals: true,
          logger: consoleLogger({ quiet: json }),
          progress: json ? undefined : terminalProgress,
          onPlanned: (sites) => {
            if (!json) for (const site of sites) process.stdout.write(formatPlan(site) + '\n\n');
          },
          confirm:
            options.env === 'production' && !options.yes
              ? (sites) => confirmOnTerminal(`${verb} ${sites.length === 1 ? sites[0]!.plan.site : `${sites.length} sites`} ${options.rollback ? 'in' : 'to'} production?`)
              : undefined,
        };
        const outcome = options.rollback
          ? await rollbackSites({ ...common, to: options.to })
          : await publishSites({ ...common, ...(options.skipStagingCheck ? { skipStagingCheck: { reason: options.reason ?? '' } } : {}) });
        printOutcome(outcome, { json });
        const refusals = [
          ...outcome.sites.flatMap((site) => (site.stagingCheck?.result === 'refused' ? [site.stagingCheck.reason] : [])),
          ...outcome.sites.flatMap((site) => site.plan.refusals),
        ];
        if (outcome.dryRun && refusals.length > 0) throw new PublishError(`A real ${options.rollback ? 'rollback' : 'publish'} would refuse:\n${refusals.join('\n')}`);
        const mismatch = mismatchError(outcome.sites.map((site) => ({ site: site.plan.site, environment: site.plan.environment, verification: site.verification })));
        if (mismatch) throw mismatch;
      },
    );

  program
    .command('new:page')
    .description('Create a page in a site, with front matter that passes every check; on a terminal, asks for what is missing')
    .option('--site <name>', 'site short name or domain')
    .option('--slug <slug>', "the page's address, /<slug>/: lower-case words joined by hyphens")
    .option('--title <text>', 'the page title (its heading, and the <title> before " | <site title>")')
    .option('--description <text>', 'the meta description, 50-160 characters')
    .option('--booking', 'put the booking widget on the page')
    .action(async (options: { site?: string; slug?: string; title?: string; description?: string; booking?: boolean }) => {
      const onTerminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      const { createPage, formatCreated, terminalPrompter } = await import('./new-page.ts');
      const created = await createPage({ workspace: workspaceAt(root()), values: options, prompter: onTerminal ? await terminalPrompter() : undefined });
      process.stdout.write(formatCreated(created));
    });

  program
    .command('status')
    .description('What every site and environment serves, and what needs doing: live deploys, unpublished changes, production against staging, credentials, live pages')
    .option('--site <name>', 'only this site (short name or domain); repeatable', collect, [])
    .option('--env <name>', 'only this environment; repeatable', collect, [])
    .option('--json', 'print the report as JSON on stdout')
    .action(async (options: { site: string[]; env: string[]; json?: boolean }) => {
      const json = Boolean(options.json);
      const [{ collectStatus }, { printStatus }] = await Promise.all([import('./status/status.ts'), import('./status/format.ts')]);
      const report = await collectStatus({ workspace: workspaceAt(root()), sites: options.site, envs: options.env });
      printStatus(report, { json });
      if (report.needsAction) {
        const things = `${report.actions.length} ${report.actions.length === 1 ? 'thing needs' : 'things need'} action`;
        throw new PublishError(json ? `${things} (the "actions" of the JSON report).` : `${things} (listed above).`);
      }
    });

  program
    .command('publish:apps-script')
    .description("Check the site's Apps Script booking backend, push it with clasp and point its web-app deployment at a new version")
    .requiredOption('--site <name>', 'site short name or domain (one whose site.yaml sets booking.appsScript)')
    .option('--dry-run', 'run the checks and the login preflight, print the clasp commands, run none')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (options: { site: string; dryRun?: boolean; json?: boolean }) => {
      const { formatAppsScriptResult, publishAppsScript } = await import('./apps-script/publish.ts');
      const result = await publishAppsScript({
        workspace: workspaceAt(root()),
        site: options.site,
        home: os.homedir(),
        ...(process.env['clasp_config_auth'] ? { authFile: process.env['clasp_config_auth'] } : {}),
        ...(process.env['SITES_CLASP_CLI'] ? { cli: process.env['SITES_CLASP_CLI'] } : {}),
        dryRun: Boolean(options.dryRun),
        log: (line) => {
          if (!options.json) process.stderr.write(`${line}\n`);
        },
      });
      process.stdout.write(`${options.json ? JSON.stringify(result, null, 2) : formatAppsScriptResult(result)}\n`);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isUserError(error)) {
      printError(error.message);
      return error.exitCode;
    }
    process.stderr.write('This is a bug in the pipeline, not in your input. Details:\n');
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 70;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await main(process.argv.slice(2));
  // Long-lived commands (dev) keep the event loop alive themselves.
  if (code !== 0) process.exit(code);
}
