/**
 * `npm run infra -- <command>`: the AWS resources of every site, from the
 * site configs. Thin like scripts/cli.ts: each command calls functions that
 * return values (the tests call the same ones) and one error boundary prints
 * user errors without a stack.
 *
 *   synth                      synthesize every stack offline, run cdk-nag, count resources
 *   diff    --env E [--site S] what a deploy would change (preflight, then cdk diff)
 *   deploy  --env E [--site S] create or update the stacks, then write deployed.yaml
 *   destroy --env E [--site S] delete the stacks (buckets are kept); production needs --production
 *   cost    [--env E]          what the stacks cost a month, idle and per million requests
 *   targets --env E [--json]   the deployed sites and their publishing roles (CI's matrix)
 *   policy  --env E --site S   the publishing policy, for a bucket made by hand
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { selectSites, unknownEnvironmentMessage, workspaceAt, type SiteConfig } from '../scripts/config/sites.ts';
import { ConfigError, isUserError } from '../scripts/errors.ts';
import { printError } from '../scripts/terminal.ts';
import { publishingPolicy } from '../scripts/publish/aws-calls.ts';
import { loadInfraInputs, type InfraInputs } from './app.ts';
import { runCdk } from './cdk-cli.ts';
import { costReport } from './cost-report.ts';
import { GITHUB_OIDC_STACK } from './github-oidc-stack.ts';
import { infraPlaceholders } from './infra-config.ts';
import { InfraError, infraPreflight } from './preflight.ts';
import { synthesize, type Synthesis } from './synthesize.ts';
import { infraTargets } from './targets.ts';
import { forgetDeployed, readOutputsFile, writeBack } from './write-back.ts';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const collect = (value: string, previous: string[]) => [...previous, value];
const out = (line = '') => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Selection {
  env: string;
  site: string[];
}

async function selected(root: string, selection: Partial<Selection>): Promise<InfraInputs & { chosen: SiteConfig[] }> {
  const inputs = await loadInfraInputs(workspaceAt(root));
  return { ...inputs, chosen: selectSites(inputs.sites, selection.site ?? []) };
}

export function createInfraProgram(): Command {
  const program = new Command('infra')
    .description('The AWS resources of every site: S3, CloudFront, certificates, DNS and the publishing roles, from sites/*/site.yaml')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .addOption(new Option('--root <dir>', 'repository root').default(repositoryRoot).hideHelp());
  const root = () => path.resolve(program.opts<{ root: string }>().root);

  program
    .command('synth')
    .description('Synthesize every stack offline (no AWS account needed), run cdk-nag, and print what each stack holds')
    .option('--env <name>', 'only this environment')
    .option('--json', 'print the result as JSON')
    .action(async (options: { env?: string; json?: boolean }) => {
      const inputs = await loadInfraInputs(workspaceAt(root()));
      const dir = await mkdtemp(path.join(os.tmpdir(), 'infra-synth-'));
      try {
        const synthesis = synthesize({ ...inputs, outdir: dir, ...(options.env ? { envName: options.env } : {}) });
        if (options.json) out(JSON.stringify(summary(synthesis), null, 2));
        else printSynthesis(synthesis);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

  for (const command of ['diff', 'deploy', 'destroy'] as const) {
    const sub = program
      .command(command)
      .description(
        {
          diff: 'Show what a deploy would change (after the same preflight as deploy)',
          deploy: "Create or update an environment's stacks, then write the resource names into sites/<domain>/deployed.yaml",
          destroy: "Delete an environment's stacks (the site buckets and their files are kept)",
        }[command],
      )
      .requiredOption('--env <name>', 'environment (staging, production, …)')
      .option('--site <name>', 'only this site (short name or domain); repeatable', collect, []);
    if (command !== 'diff') sub.option('--yes', 'answer the questions (CI): deploy approves security changes, destroy does not ask');
    if (command === 'destroy') sub.option('--production', 'allow destroying production');
    sub.action(async (options: Selection & { yes?: boolean; production?: boolean }) => {
      await stacksCommand(command, root(), options);
    });
  }

  program
    .command('cost')
    .description('What the stacks cost a month at zero traffic and per million requests, from the prices in infra/cost.ts')
    .option('--env <name>', 'only this environment')
    .action(async (options: { env?: string }) => {
      const inputs = await loadInfraInputs(workspaceAt(root()));
      out(await costReport(root(), infraTargets(inputs.sites, options.env ? { envName: options.env } : {})));
    });

  program
    .command('targets')
    .description("The sites whose environment is deployed, with the role CI assumes to publish each (from deployed.yaml)")
    .requiredOption('--env <name>', 'environment')
    .option('--json', 'one line of JSON: {"include":[{site, domain, roleArn, region}]}, a GitHub Actions matrix')
    .action(async (options: { env: string; json?: boolean }) => {
      const inputs = await loadInfraInputs(workspaceAt(root()));
      // A name no site declares is a typo ("prod"), not an environment nobody has deployed yet.
      const undeclared = inputs.sites.find((site) => !site.environments[options.env]);
      if (undeclared && !inputs.sites.some((site) => site.environments[options.env])) throw new ConfigError(unknownEnvironmentMessage(undeclared, options.env));
      const include = deployedTargets(inputs.sites, options.env);
      if (options.json) out(JSON.stringify({ include }));
      else if (include.length === 0) out(`No site has a deployed ${options.env} environment yet (npm run infra -- deploy --env ${options.env}).`);
      else for (const entry of include) out(`${entry.domain}  ${options.env}  ${entry.roleArn}`);
    });

  program
    .command('policy')
    .description("The IAM policy the publisher needs on one environment, as JSON (for a bucket and distribution made by hand)")
    .requiredOption('--env <name>', 'environment')
    .requiredOption('--site <name>', 'site short name or domain')
    .option('--account <id>', 'the AWS account id, for the distribution ARNs (default: the deployed one)')
    .action(async (options: { env: string; site: string; account?: string }) => {
      const { chosen } = await selected(root(), { site: [options.site] });
      out(JSON.stringify(policyFor(chosen[0]!, options.env, options.account), null, 2));
    });

  return program;
}

export interface MatrixEntry {
  site: string;
  domain: string;
  roleArn: string;
  region: string;
}

/** CI's publish matrix: every site whose environment deployed.yaml records. */
export function deployedTargets(sites: readonly SiteConfig[], envName: string): MatrixEntry[] {
  return sites.flatMap((site) => {
    const entry = site.deployed?.environments[envName];
    return entry ? [{ site: site.shortName, domain: site.domain, roleArn: entry.publishRoleArn, region: entry.region }] : [];
  });
}

export function policyFor(site: SiteConfig, envName: string, account?: string): { Version: string; Statement: ReturnType<typeof publishingPolicy> } {
  const env = site.environments[envName];
  if (!env) throw new ConfigError(unknownEnvironmentMessage(site, envName));
  const accountId = account ?? site.deployed?.environments[envName]?.account ?? 'ACCOUNT_ID';
  const staging = envName === 'production' ? site.environments['staging'] : undefined;
  return {
    Version: '2012-10-17',
    Statement: publishingPolicy({
      bucket: env.bucket,
      prefix: env.prefix,
      distributionArns: env.distributions.map((distribution) => `arn:aws:cloudfront::${accountId}:distribution/${distribution.id}`),
      ...(staging ? { stagingGate: { bucket: staging.bucket, prefix: staging.prefix } } : {}),
    }),
  };
}

async function stacksCommand(command: 'diff' | 'deploy' | 'destroy', root: string, options: Selection & { yes?: boolean; production?: boolean }): Promise<void> {
  const { infra, sites, chosen } = await selected(root, options);
  if (command === 'destroy' && options.env === 'production' && !options.production) {
    throw new InfraError('Refusing to destroy production without --production. Its buckets and files would be kept, but the sites would go offline until deployed again.');
  }
  const targets = infraTargets(chosen, { envName: options.env });
  if (targets.length === 0) throw new InfraError(`No site has AWS resources in ${options.env}.`);
  if (command === 'deploy') {
    const placeholders = infraPlaceholders(infra);
    if (placeholders.length > 0) {
      throw new ConfigError(`${infra.file}: ${placeholders.join(', ')} is a placeholder; the publishing roles would trust no repository. Write the GitHub repository as OWNER/NAME and deploy again.`);
    }
    if (!options.yes && !process.stdin.isTTY) {
      throw new InfraError('A deploy without a terminal needs --yes (the CDK CLI asks before it changes IAM or security groups).');
    }
  }
  const preflight = await infraPreflight(targets, { envName: options.env, log });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'infra-'));
  try {
    const synthesis = synthesize({ infra, sites, outdir: path.join(dir, 'cdk.out'), envName: options.env });
    const stacks = synthesis.stacks.filter((stack) => targets.some((target) => target.stackName === stack.name)).map((stack) => stack.name);
    // The OIDC provider is the account's, shared by every environment: deployed, never destroyed, here.
    if (command === 'deploy' && synthesis.oidcStack) stacks.unshift(synthesis.oidcStack);
    const outputsFile = path.join(dir, 'outputs.json');
    await runCdk({ command, assemblyDir: synthesis.assemblyDir, stacks, ...(preflight.profile ? { profile: preflight.profile } : {}), ...(command === 'deploy' ? { outputsFile } : {}), yes: Boolean(options.yes) || command === 'destroy', ...(process.env['SITES_CDK_CLI'] ? { cli: process.env['SITES_CDK_CLI'] } : {}) });
    if (command === 'deploy') {
      const outputs = await readOutputsFile(outputsFile);
      const written = await writeBack(targets, outputs, { account: preflight.account, deployedAt: new Date().toISOString() });
      out(`Wrote ${written.join(', ')}: commit ${written.length === 1 ? 'it' : 'them'}, so the publisher and CI use the new resources.`);
      for (const target of targets) {
        const records = outputs[target.stackName]?.['DnsRecordsToCreate'];
        if (records) out(`${target.site.domain} → ${target.envName}: create these DNS records at your DNS provider (an apex takes an ALIAS/ANAME or flattened CNAME): ${records}`);
      }
    }
    if (command === 'destroy') {
      const written = await forgetDeployed(targets);
      out(`Destroyed ${stacks.join(', ')}; the site buckets and their logs are kept (delete them by hand if you mean to). ${written.length ? `Updated ${written.join(', ')}.` : ''}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function summary(synthesis: Synthesis) {
  return {
    stacks: synthesis.stacks.map(({ name, resources, resourceTypes }) => ({ name, resources, resourceTypes })),
    nag: synthesis.nag,
    milliseconds: synthesis.milliseconds,
  };
}

function printSynthesis(synthesis: Synthesis): void {
  for (const stack of synthesis.stacks) out(`${stack.name.padEnd(36)} ${String(stack.resources).padStart(3)} resources`);
  out(
    `cdk-nag AwsSolutions: ${synthesis.nag.rulesChecked} rules checked (${synthesis.nag.rulesApplicable} applied to these resources), 0 unsuppressed findings, ${synthesis.nag.suppressed} acknowledged with reasons (infra/nag.ts)`,
  );
  out(`synthesized ${synthesis.stacks.length} stacks in ${(synthesis.milliseconds / 1000).toFixed(2)} s`);
}


async function main(argv: string[]): Promise<number> {
  try {
    await createInfraProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isUserError(error)) {
      printError(error.message);
      return error.exitCode;
    }
    throw error;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv);
}
