/**
 * `sites/<domain>/deployed.yaml`: the names AWS gave the resources of each
 * environment, written by `npm run infra -- deploy` from the stacks' outputs
 * and committed beside site.yaml. Loading a site merges it in, so the
 * publisher reads real bucket names and distribution ids where site.yaml
 * still holds placeholders. A value that contradicts a real (non-placeholder)
 * one in site.yaml is an error naming both files: one of them is wrong, and
 * guessing which would publish to the wrong place.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { isPlaceholder, type EnvironmentConfig } from './schema.ts';
import { readYaml } from './yaml-source.ts';
import { validateWith } from './validate.ts';

export const DEPLOYED_FILE = 'deployed.yaml';

const deployedEnvironmentSchema = z.strictObject({
  /** The CloudFormation stack that owns these resources. */
  stack: z.string().min(1),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  region: z.string().min(1),
  bucket: z.string().min(3),
  distributions: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[A-Z0-9]{10,20}$/, 'must be a CloudFront distribution ID'),
        originPath: z.string().default(''),
        domainName: z.string().min(1),
      }),
    )
    .min(1),
  /** The role CI assumes (through GitHub's OIDC) to publish this environment. */
  publishRoleArn: z.string().regex(/^arn:aws:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN'),
  deployedAt: z.string().min(1),
});

const deployedSchema = z.strictObject({
  environments: z.record(z.string(), deployedEnvironmentSchema).default({}),
});

export type DeployedEnvironment = z.output<typeof deployedEnvironmentSchema>;
export type Deployed = z.output<typeof deployedSchema>;

export async function readDeployed(siteDir: string, displayDir: string): Promise<Deployed | undefined> {
  const file = path.join(siteDir, DEPLOYED_FILE);
  if (!existsSync(file)) return undefined;
  return validateWith(deployedSchema, await readYaml(file, path.join(displayDir, DEPLOYED_FILE)));
}

const HEADER = `# Written by \`npm run infra -- deploy\` from the CloudFormation stacks' outputs.
# Commit it: the publisher and CI read the real resource names from here
# wherever site.yaml still says "placeholder". Do not edit by hand.
`;

export async function writeDeployed(siteDir: string, deployed: Deployed): Promise<void> {
  const sorted: Deployed = { environments: Object.fromEntries(Object.entries(deployed.environments).sort(([a], [b]) => a.localeCompare(b))) };
  await writeFile(path.join(siteDir, DEPLOYED_FILE), HEADER + stringify(sorted, { lineWidth: 0 }));
}

/**
 * The environment as the publisher should see it: site.yaml's values, with
 * the deployed names in place of placeholders.
 */
export function mergeDeployed(env: EnvironmentConfig, deployed: DeployedEnvironment | undefined, where: { envName: string; configFile: string; deployedFile: string }): EnvironmentConfig {
  if (!deployed) return env;
  const conflict = (key: string, configured: string, recorded: string) =>
    new ConfigError(
      `${where.configFile}: environments.${where.envName}.${key} is "${configured}", but ${where.deployedFile} records "${recorded}" for the stack ${deployed.stack}. Write the placeholder back in site.yaml to use the deployed one, or run npm run infra -- deploy --env ${where.envName} again if the stack is the one that is wrong.`,
    );
  if (!isPlaceholder(env.bucket) && env.bucket !== deployed.bucket) throw conflict('bucket', env.bucket, deployed.bucket);
  const configured = env.distributions.filter((distribution) => !isPlaceholder(distribution.id));
  for (const distribution of configured) {
    if (!deployed.distributions.some((candidate) => candidate.id === distribution.id)) {
      throw conflict('distributions', distribution.id, deployed.distributions.map((candidate) => candidate.id).join(', '));
    }
  }
  return {
    ...env,
    bucket: deployed.bucket,
    region: deployed.region,
    distributions: deployed.distributions.map((distribution) => ({ id: distribution.id, originPath: distribution.originPath })),
  };
}
