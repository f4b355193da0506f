/**
 * Synthesis as a value: the cloud assembly written to a folder, what each
 * stack holds, and cdk-nag's verdict. cdk-nag 3 is a CDK validation plugin,
 * so a finding nobody acknowledged makes `app.synth()` throw; that becomes
 * an InfraError listing each finding with the construct it is on.
 */
import { performance } from 'node:perf_hooks';
import { buildInfraApp, type BuildAppOptions } from './app.ts';
import { acceptedFindings } from './nag.ts';
import { InfraError } from './preflight.ts';

export interface SynthesizedStack {
  name: string;
  resources: number;
  resourceTypes: Record<string, number>;
  template: { Resources: Record<string, { Type: string; Properties?: unknown }>; Outputs?: Record<string, unknown> };
}

export interface Synthesis {
  assemblyDir: string;
  stacks: SynthesizedStack[];
  oidcStack?: string;
  nag: { rulesChecked: number; rulesApplicable: number; suppressed: number };
  milliseconds: number;
}

export function synthesize(options: BuildAppOptions & { outdir: string }): Synthesis {
  const started = performance.now();
  const built = buildInfraApp(options);
  let assembly;
  try {
    assembly = built.app.synth();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/validation/i.test(message)) {
      throw new InfraError(`cdk-nag found problems in the stacks; fix them, or acknowledge each one with its reason in infra/nag.ts:\n${message}`, { cause: error });
    }
    throw error;
  }
  const stacks = assembly.stacks.map((artifact): SynthesizedStack => {
    const template = artifact.template as SynthesizedStack['template'];
    const resourceTypes: Record<string, number> = {};
    for (const resource of Object.values(template.Resources ?? {})) resourceTypes[resource.Type] = (resourceTypes[resource.Type] ?? 0) + 1;
    return { name: artifact.stackName, resources: Object.keys(template.Resources ?? {}).length, resourceTypes, template };
  });
  const pack = built.nag;
  return {
    assemblyDir: assembly.directory,
    stacks,
    ...(built.oidc ? { oidcStack: built.oidc.stackName } : {}),
    nag: { rulesChecked: pack.rulesChecked.size, rulesApplicable: pack.rulesApplicable.size, suppressed: built.stacks.reduce((total, stack) => total + acceptedFindings(stack).length, 0) },
    milliseconds: performance.now() - started,
  };
}
