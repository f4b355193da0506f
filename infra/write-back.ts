/**
 * After a deploy, the names AWS gave the resources go where the publisher
 * reads them: `sites/<domain>/deployed.yaml`, from the outputs file the CDK
 * CLI wrote. A stack whose outputs are missing is an error naming it, and
 * nothing is written for any site, so a half-read deploy never leaves some
 * sites pointing at new resources and some at placeholders.
 */
import { readFile } from 'node:fs/promises';
import { writeDeployed, type Deployed, type DeployedEnvironment } from '../scripts/config/deployed.ts';
import { InfraError } from './preflight.ts';
import { OUTPUTS } from './site-stack.ts';
import type { InfraTarget } from './targets.ts';

export type StackOutputs = Record<string, Record<string, string>>;

export async function readOutputsFile(file: string): Promise<StackOutputs> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StackOutputs;
  } catch (error) {
    throw new InfraError(`The CDK CLI's outputs file ${file} cannot be read (${(error as Error).message}); run the deploy again to write deployed.yaml.`, { cause: error });
  }
}

/** The deployed.yaml entry of each target, from its stack's outputs. Pure. */
export function deployedEntries(targets: readonly InfraTarget[], outputs: StackOutputs, context: { account: string; deployedAt: string }): Map<InfraTarget, DeployedEnvironment> {
  const entries = new Map<InfraTarget, DeployedEnvironment>();
  for (const target of targets) {
    const stack = outputs[target.stackName] ?? {};
    const required = [OUTPUTS.bucket, OUTPUTS.distributionId, OUTPUTS.distributionDomain, OUTPUTS.originPath, OUTPUTS.publishRole];
    const missing = required.filter((key) => !stack[key]);
    if (missing.length > 0) {
      throw new InfraError(`The deploy's outputs have no ${missing.join(', ')} for the stack ${target.stackName}; nothing was written. Run npm run infra -- deploy --env ${target.envName} --site ${target.site.shortName} again.`);
    }
    const value = (key: string) => stack[key]!;
    const originPath = value(OUTPUTS.originPath);
    entries.set(target, {
      stack: target.stackName,
      account: context.account,
      region: target.env.region,
      bucket: value(OUTPUTS.bucket),
      distributions: [{ id: value(OUTPUTS.distributionId), originPath: originPath === '(none)' ? '' : originPath, domainName: value(OUTPUTS.distributionDomain) }],
      publishRoleArn: value(OUTPUTS.publishRole),
      deployedAt: context.deployedAt,
    });
  }
  return entries;
}

export async function writeBack(targets: readonly InfraTarget[], outputs: StackOutputs, context: { account: string; deployedAt: string }): Promise<string[]> {
  const entries = deployedEntries(targets, outputs, context);
  const bySite = new Map<string, { dir: string; deployed: Deployed }>();
  for (const [target, entry] of entries) {
    const current = bySite.get(target.site.domain) ?? { dir: target.site.dir, deployed: { environments: { ...(target.site.deployed?.environments ?? {}) } } };
    current.deployed.environments[target.envName] = entry;
    bySite.set(target.site.domain, current);
  }
  for (const { dir, deployed } of bySite.values()) await writeDeployed(dir, deployed);
  return [...bySite.keys()].map((domain) => `sites/${domain}/deployed.yaml`);
}

/** After `destroy`: the environment's entries leave deployed.yaml, so the publisher falls back to site.yaml's placeholders and refuses. */
export async function forgetDeployed(targets: readonly InfraTarget[]): Promise<string[]> {
  const written: string[] = [];
  const bySite = new Map<string, InfraTarget[]>();
  for (const target of targets) bySite.set(target.site.domain, [...(bySite.get(target.site.domain) ?? []), target]);
  for (const siteTargets of bySite.values()) {
    const site = siteTargets[0]!.site;
    if (!site.deployed) continue;
    const environments = { ...site.deployed.environments };
    for (const target of siteTargets) delete environments[target.envName];
    await writeDeployed(site.dir, { environments });
    written.push(`sites/${site.domain}/deployed.yaml`);
  }
  return written;
}
