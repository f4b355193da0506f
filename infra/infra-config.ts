/**
 * `infra/infra.yaml`: what every site's stacks share (the GitHub repository
 * CI publishes from, and whether the account's GitHub OIDC provider is made
 * here). Validated like site.yaml, with the file and line in every message.
 */
import path from 'node:path';
import { z } from 'zod';
import { isPlaceholder } from '../scripts/config/schema.ts';
import { validateWith } from '../scripts/config/validate.ts';
import { readYaml } from '../scripts/config/yaml-source.ts';

export const INFRA_CONFIG_FILE = 'infra/infra.yaml';

const infraConfigSchema = z.strictObject({
  github: z.strictObject({
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be OWNER/NAME as on GitHub, such as jane/three-sites'),
    oidcProvider: z.enum(['create', 'existing']).default('create'),
  }),
});

export type InfraConfig = z.output<typeof infraConfigSchema> & { file: string };

export async function loadInfraConfig(root: string): Promise<InfraConfig> {
  const source = await readYaml(path.join(root, INFRA_CONFIG_FILE), INFRA_CONFIG_FILE);
  return { ...validateWith(infraConfigSchema, source), file: INFRA_CONFIG_FILE };
}

export function infraPlaceholders(config: InfraConfig): string[] {
  return isPlaceholder(config.github.repository) ? ['github.repository'] : [];
}
