/**
 * The CDK app: one SiteStack per site and non-local environment in
 * `sites/*\/site.yaml`, plus the account's GitHub OIDC provider, with cdk-nag
 * on all of them. Synthesis needs no AWS account and no network (stacks are
 * account-agnostic; names that need the account use its CloudFormation token).
 */
import { App } from 'aws-cdk-lib';
import { loadAllSites, type SiteConfig, type Workspace } from '../scripts/config/sites.ts';
import { GITHUB_OIDC_STACK, GitHubOidcStack } from './github-oidc-stack.ts';
import { loadInfraConfig, type InfraConfig } from './infra-config.ts';
import { acknowledgeAcceptedFindings, checkWithNag, type CountedAwsSolutionsChecks } from './nag.ts';
import { SiteStack } from './site-stack.ts';
import { INFRA_REGION, infraTargets, type InfraTarget } from './targets.ts';

export interface InfraInputs {
  sites: SiteConfig[];
  infra: InfraConfig;
}

export async function loadInfraInputs(workspace: Workspace): Promise<InfraInputs> {
  const [sites, infra] = await Promise.all([loadAllSites(workspace), loadInfraConfig(workspace.root)]);
  return { sites, infra };
}

export interface InfraApp {
  app: App;
  targets: InfraTarget[];
  stacks: SiteStack[];
  oidc?: GitHubOidcStack;
  /** The cdk-nag pack the app validates with. */
  nag: CountedAwsSolutionsChecks;
}

export interface BuildAppOptions extends InfraInputs {
  /** Where the cloud assembly goes (the CDK CLI reads it from there). */
  outdir?: string;
  /** Only this environment's stacks. */
  envName?: string;
  /** Leave cdk-nag's findings unacknowledged (the test that no acknowledgement is stale). */
  acknowledge?: boolean;
}

export function buildInfraApp(options: BuildAppOptions): InfraApp {
  const app = new App({ ...(options.outdir ? { outdir: options.outdir } : {}) });
  const nag = checkWithNag(app);
  const env = { region: INFRA_REGION };
  const oidc = options.infra.github.oidcProvider === 'create' ? new GitHubOidcStack(app, GITHUB_OIDC_STACK, { env }) : undefined;
  const targets = infraTargets(options.sites, options.envName === undefined ? {} : { envName: options.envName });
  const stacks = targets.map((target) => {
    const stack = new SiteStack(app, target.stackName, {
      env,
      target,
      infra: options.infra,
      description: `${target.site.domain} ${target.envName}: bucket, CloudFront distribution, certificate and publishing role (npm run infra)`,
    });
    if (oidc) stack.addStackDependency(oidc, 'its publishing role trusts the GitHub OIDC provider');
    if (options.acknowledge !== false) acknowledgeAcceptedFindings(stack);
    return stack;
  });
  return { app, targets, stacks, nag, ...(oidc ? { oidc } : {}) };
}
